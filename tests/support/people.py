"""A small world for the joined-up record: two forces, a child protection team in one local
authority, one child with records at the police, the school, the NHS trust and children's
services, and people outside the team's caseload. Synthetic names only."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import sessions, tokens
from caselink.access.accounts import create_user
from caselink.access.principal import Principal, principal_for
from caselink.domain import Role
from caselink.ledger import Actor
from caselink.people import teams
from caselink.store.db import Database
from caselink.store.models import (
    Agency,
    Area,
    Case,
    CaseParticipant,
    Decision,
    Event,
    Person,
    PersonRecord,
    User,
    UserSession,
)
from tests.support.ledger import created
from tests.support.world import PASSWORD

BY = Actor.system("test")
__all__ = ["PASSWORD", "PeopleWorld", "build", "principal"]


@dataclass
class PeopleWorld:
    persons: dict[str, int]  # name -> person id
    records: dict[str, int]  # record_id -> id
    cases: dict[str, int]
    users: dict[str, int]
    secrets: dict[str, str]
    tokens: dict[str, str]
    cookies: dict[str, str]

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def _area(s: Session, code: str, name: str, kind: str, parent: Area | None = None) -> Area:
    area = Area(code=code, name=name, kind=kind, parent_id=parent.id if parent else None)
    s.add(area)
    s.flush()
    return area


def _agency(s: Session, code: str, name: str, kind: str, area: Area) -> Agency:
    agency = Agency(code=code, name=name, kind=kind, area_id=area.id)
    s.add(agency)
    s.flush()
    return agency


RECORDS = [
    # record_id, agency, person, given, family, date of birth, address, postcode, phone, nhs
    (
        "POL-CHILD",
        "POL-N",
        "child",
        "Lily",
        "Owusu",
        date(2011, 4, 3),
        "4 Mill Lane",
        "NM4 2AB",
        "07700 900123",
        None,
        datetime(2024, 3, 2, 10, tzinfo=UTC),
    ),
    (
        "SCH-CHILD",
        "SCH-N",
        "child",
        "Lilly",
        "Owusu",
        date(2011, 4, 3),
        "4 Mill Lane",
        "NM4 2AB",
        None,
        None,
        datetime(2023, 9, 5, 9, tzinfo=UTC),
    ),
    (
        "NHS-CHILD",
        "NHS-N",
        "child",
        "Lily",
        "Owusu",
        date(2011, 3, 4),
        "19 Canal Street",
        "NM4 7QT",
        "07700 900456",
        "9434765919",
        datetime(2022, 6, 1, 9, tzinfo=UTC),
    ),
    (
        "CSC-CHILD",
        "CSC-N",
        "child",
        "Lily",
        "Owusu-Mensah",
        date(2011, 4, 3),
        "19 Canal Street",
        "NM4 7QT",
        None,
        None,
        datetime(2024, 1, 15, 9, tzinfo=UTC),
    ),
    (
        "POL-SUSPECT",
        "POL-N",
        "suspect",
        "Darren",
        "Kell",
        date(1990, 1, 1),
        None,
        None,
        "07700 900999",
        None,
        datetime(2024, 3, 2, 10, tzinfo=UTC),
    ),
    (
        "CSC-OTHER",
        "CSC-N",
        "other",
        "Maya",
        "Fenwick",
        date(2012, 8, 8),
        None,
        None,
        None,
        None,
        datetime(2024, 2, 1, tzinfo=UTC),
    ),
    (
        "SCH-OTHER",
        "SCH-N",
        "other",
        "Maya",
        "Fenwick",
        date(2012, 8, 8),
        None,
        None,
        None,
        None,
        datetime(2024, 2, 2, tzinfo=UTC),
    ),
    (
        "CSC2-FAR",
        "CSC-N2",
        "far",
        "Ruby",
        "Ashworth",
        date(2013, 2, 2),
        None,
        None,
        None,
        "4010232137",
        datetime(2024, 2, 3, tzinfo=UTC),
    ),
    (
        "POL-S-CHILD",
        "POL-S",
        "south",
        "Ella",
        "Marsh",
        date(2012, 1, 1),
        None,
        None,
        None,
        None,
        datetime(2024, 2, 3, tzinfo=UTC),
    ),
]

USERS = [
    ("officer-n", Role.SAFEGUARDING_OFFICER, "POL-N"),
    ("social-n", Role.SAFEGUARDING_OFFICER, "CSC-N"),
    ("nurse-n", Role.SAFEGUARDING_OFFICER, "NHS-N"),
    ("social-n2", Role.SAFEGUARDING_OFFICER, "CSC-N2"),
    ("officer-s", Role.SAFEGUARDING_OFFICER, "POL-S"),
    ("inspector", Role.OVERSIGHT_OFFICER, None),
    ("teacher", Role.REPORTER, "SCH-N"),
]


def build(db: Database) -> PeopleWorld:
    with db.transaction() as s:
        north = _area(s, "F-NORTH", "Northmoor", "force_area")
        la1 = _area(s, "LA-N1", "Brackley", "local_authority", north)
        la2 = _area(s, "LA-N2", "Coldwater", "local_authority", north)
        south = _area(s, "F-SOUTH", "Southvale", "force_area")
        la_s = _area(s, "LA-S1", "Easthope", "local_authority", south)
        agencies = {
            "POL-N": _agency(s, "POL-N", "Northmoor Police", "police_force", north),
            "NHS-N": _agency(s, "NHS-N", "Northmoor Hospitals NHS Trust", "nhs_trust", north),
            "CSC-N": _agency(s, "CSC-N", "Brackley Children's Services", "local_authority", la1),
            "SCH-N": _agency(s, "SCH-N", "Oakfield Academy", "school", la1),
            "CSC-N2": _agency(s, "CSC-N2", "Coldwater Children's Services", "local_authority", la2),
            "POL-S": _agency(s, "POL-S", "Southvale Police", "police_force", south),
        }
        persons: dict[str, int] = {}
        records: dict[str, int] = {}
        for rid, agency, who, given, family, dob, address, postcode, phone, nhs, at in RECORDS:
            if who not in persons:
                person = Person(person_key=f"P-{who}")
                s.add(person)
                s.flush()
                persons[who] = person.id
            row = PersonRecord(
                record_id=rid,
                source=agency,
                agency_id=agencies[agency].id,
                given_name=given,
                family_name=family,
                date_of_birth=dob,
                address=address,
                postcode=postcode,
                phone=phone,
                nhs_number=nhs,
                person_id=persons[who],
                created_at=at,
            )
            s.add(row)
            s.flush()
            records[rid] = row.id
        cases: dict[str, int] = {}
        for reference, force, la, opened in [
            ("NM/2024/1", north, la1, date(2024, 3, 2)),
            ("NM/2024/2", north, la1, date(2024, 4, 9)),
            ("SV/2024/1", south, la_s, date(2024, 2, 3)),
        ]:
            case = Case(
                reference=reference,
                force_area_id=force.id,
                local_authority_id=la.id,
                opened_on=opened,
                status="open",
            )
            s.add(case)
            s.flush()
            cases[reference] = case.id
        s.add_all(
            [
                CaseParticipant(
                    case_id=cases["NM/2024/1"], person_record_id=records["POL-CHILD"], role="victim"
                ),
                CaseParticipant(
                    case_id=cases["NM/2024/1"],
                    person_record_id=records["POL-SUSPECT"],
                    role="suspect",
                ),
                # In the second case the same child is a witness: never "victim everywhere".
                CaseParticipant(
                    case_id=cases["NM/2024/2"],
                    person_record_id=records["CSC-CHILD"],
                    role="witness",
                ),
                CaseParticipant(
                    case_id=cases["SV/2024/1"],
                    person_record_id=records["POL-S-CHILD"],
                    role="victim",
                ),
                Event(
                    case_id=cases["NM/2024/1"],
                    kind="missing_episode",
                    occurred_on=date(2024, 2, 20),
                    detail="sealed narrative",
                ),
                Decision(
                    case_id=cases["NM/2024/1"],
                    kind="strategy_meeting",
                    outcome="section_47",
                    reason="risk of exploitation",
                    decided_at=datetime(2024, 3, 5, 12, tzinfo=UTC),
                ),
            ]
        )
        s.flush()
        # Ledgered as caselink writes them, each with its content digest (ledger verify).
        created(s, "case", cases.values())
        for model, kind in ((CaseParticipant, "case_participant"), (Event, "event")):
            created(s, kind, s.scalars(select(model.id).where(model.case_id.in_(cases.values()))))
        created(s, "decision", s.scalars(select(Decision.id)))
        teams.create_team(s, BY, "MACPT-N1", "Brackley child protection team", "LA-N1")
        for code in ("POL-N", "NHS-N", "CSC-N", "SCH-N"):
            teams.add_member(s, BY, "MACPT-N1", code)
        users: dict[str, int] = {}
        secrets: dict[str, str] = {}
        issued: dict[str, str] = {}
        cookies: dict[str, str] = {}
        for username, role, agency_code in USERS:
            secret = pyotp.random_base32()
            user = create_user(
                s,
                username,
                username.replace("-", " ").title(),
                f"{username}@example.org",
                role,
                PASSWORD,
                agencies[agency_code] if agency_code else None,
                BY,
                totp_secret=secret,
            )
            s.flush()
            users[username], secrets[username] = user.id, secret
            token = sessions.start(s, user.id)
            s.flush()
            live = s.get(UserSession, sessions.token_hash(token))
            assert live is not None
            cookies[username] = sessions.second_factor_passed(s, live)
            issued[username] = tokens.issue(
                s,
                principal_for(s, user),
                "t",
                set(tokens.usable_scopes(principal_for(s, user))),
                timedelta(days=1),
            )
    return PeopleWorld(persons, records, cases, users, secrets, issued, cookies)


def principal(db: Database, username: str) -> Principal:
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return principal_for(s, user)
