"""A small two-force world with cases, records and one user per role, for access tests."""

import time
from dataclasses import dataclass, field
from datetime import date

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.ledger import Actor
from caselink.store.db import Database
from caselink.store.models import (
    Agency,
    Area,
    Case,
    CaseAssignment,
    CaseParticipant,
    Event,
    PersonRecord,
    SurvivorLink,
    User,
)
from tests.support.ledger import created

PASSWORD = "correct horse battery staple"
BY = Actor.system("test")


@dataclass
class World:
    users: dict[str, int]
    secrets: dict[str, str]
    cases: dict[str, int]  # reference -> id
    records: dict[str, int]  # record_id -> id
    sign_ins: dict[str, int] = field(default_factory=dict)
    last_codes: dict[str, str] = field(default_factory=dict)

    def next_code(self, username: str) -> str:
        """A code that has not been used yet: codes cannot be replayed, so a second sign-in
        within 30 seconds uses the next time step (one step of drift is allowed)."""
        used = self.sign_ins.get(username, 0)
        assert used < 2, "at most two sign-ins per user per 30 seconds"
        self.sign_ins[username] = used + 1
        self.last_codes[username] = pyotp.TOTP(self.secrets[username]).at(time.time() + 30 * used)
        return self.last_codes[username]


def _area(s: Session, code: str, kind: str, parent: Area | None = None) -> Area:
    area = Area(code=code, name=code.title(), kind=kind, parent_id=parent.id if parent else None)
    s.add(area)
    s.flush()
    return area


def _agency(s: Session, code: str, kind: str, area: Area) -> Agency:
    agency = Agency(code=code, name=f"{code} agency", kind=kind, area_id=area.id)
    s.add(agency)
    s.flush()
    return agency


def build(db: Database) -> World:
    with db.transaction() as s:
        north = _area(s, "F-NORTH", "force_area")
        north_la = _area(s, "LA-NORTH", "local_authority", north)
        south = _area(s, "F-SOUTH", "force_area")
        south_la = _area(s, "LA-SOUTH", "local_authority", south)
        agencies = {
            "POL-N": _agency(s, "POL-N", "police_force", north),
            "CSC-N": _agency(s, "CSC-N", "local_authority", north_la),
            "POL-S": _agency(s, "POL-S", "police_force", south),
            "CSC-S": _agency(s, "CSC-S", "local_authority", south_la),
            "SCH-N": _agency(s, "SCH-N", "school", north_la),
        }
        records: dict[str, int] = {}
        for rid, agency, given, family in [
            ("N-VICTIM", "POL-N", "Amy", "Stone"),
            ("N-SUSPECT", "POL-N", "Carl", "Reed"),
            ("S-VICTIM", "POL-S", "Bea", "Hart"),
            ("S-SUSPECT", "POL-S", "Dean", "Moss"),
            ("N-SCHOOL", "SCH-N", "Amy", "Stone"),
        ]:
            record = PersonRecord(
                record_id=rid,
                source=agency,
                agency_id=agencies[agency].id,
                given_name=given,
                family_name=family,
                date_of_birth=date(2010, 5, 1),
            )
            s.add(record)
            s.flush()
            records[rid] = record.id
        cases: dict[str, int] = {}
        for reference, force, la, victim, suspect in [
            ("NORTH/1", north, north_la, "N-VICTIM", "N-SUSPECT"),
            ("SOUTH/1", south, south_la, "S-VICTIM", "S-SUSPECT"),
        ]:
            case = Case(
                reference=reference,
                force_area_id=force.id,
                local_authority_id=la.id,
                opened_on=date(2023, 3, 1),
                status="closed",
                outcome="no_further_action",
                closure_reason="victim withdrew support",
                summary=f"Summary of {reference}",
            )
            s.add(case)
            s.flush()
            cases[reference] = case.id
            s.add_all(
                [
                    CaseParticipant(
                        case_id=case.id, person_record_id=records[victim], role="victim"
                    ),
                    CaseParticipant(
                        case_id=case.id, person_record_id=records[suspect], role="suspect"
                    ),
                    Event(
                        case_id=case.id,
                        kind="disclosure",
                        occurred_on=date(2023, 2, 27),
                        detail=f"Disclosure narrative for {reference}",
                    ),
                ]
            )
        s.flush()
        created(s, "case", cases.values())
        created(s, "case_participant", s.scalars(select(CaseParticipant.id)))
        created(s, "event", s.scalars(select(Event.id)))
        users: dict[str, int] = {}
        secrets: dict[str, str] = {}
        for username, role, agency_code in [
            ("officer-n", Role.SAFEGUARDING_OFFICER, "POL-N"),
            ("social-n", Role.SAFEGUARDING_OFFICER, "CSC-N"),
            ("officer-s", Role.SAFEGUARDING_OFFICER, "POL-S"),
            ("analyst-n", Role.ANALYST, "POL-N"),
            ("reviewer", Role.CASE_REVIEWER, "POL-N"),
            ("inspector", Role.OVERSIGHT_OFFICER, None),
            ("survivor", Role.SURVIVOR, None),
            ("teacher", Role.REPORTER, "SCH-N"),
            ("admin", Role.ADMINISTRATOR, None),
        ]:
            secret = pyotp.random_base32()
            user = create_user(
                s,
                username,
                username.title(),
                f"{username}@example.org",
                role,
                PASSWORD,
                agencies[agency_code] if agency_code else None,
                BY,
                totp_secret=secret,
            )
            users[username], secrets[username] = user.id, secret
        s.add(CaseAssignment(case_id=cases["SOUTH/1"], user_id=users["reviewer"]))
        s.add(
            SurvivorLink(
                user_id=users["survivor"],
                case_id=cases["NORTH/1"],
                person_record_id=records["N-VICTIM"],
            )
        )
        s.get(User, users["officer-n"]).supervisor_id = users["officer-s"]  # type: ignore[union-attr]
    return World(users, secrets, cases, records)


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client: TestClient, world: World, username: str) -> TestClient:
    page = client.get("/sign-in")
    done = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert done.status_code == 303, done.text
    code_page = client.get("/sign-in/code")
    code = world.next_code(username)
    finished = client.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_from(code_page.text)}
    )
    assert finished.status_code == 303, finished.text
    return client


def raw_token(db: Database, user_id: int, scopes: set[str]) -> dict[str, str]:
    """Bearer headers for a token stored directly, with scopes its owner's role could not
    be issued today (as tokens minted before scopes followed roles): every route must still
    refuse whatever the role may not do."""
    import hashlib
    import secrets
    from datetime import timedelta

    from caselink.access import tokens
    from caselink.access.sessions import utcnow
    from caselink.store.models import ApiToken

    token = tokens.PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as s:
        s.add(
            ApiToken(
                user_id=user_id,
                name="minted before scopes followed roles",
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                scopes=" ".join(sorted(scopes)),
                created_at=utcnow(),
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    return {"Authorization": f"Bearer {token}"}
