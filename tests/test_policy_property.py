"""Property: for random worlds, every read path shows exactly what the policy allows.

Person records follow the team rule (s.16LA Children Act 2004): an officer reads their own
agency's records, those in cases they may see, and the shared records of people in their
child protection team's caseload; not every record in the force area.

The oracle below restates the rules of caselink.access.policy in plain Python; every path
(API list, count, search, export, detail; page list and detail; record API and page) must
agree with it for every (user, case) and (user, record) pair. The number of combinations
checked is printed (run with -s to see it).
"""

import csv
import hashlib
import io
import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from caselink.access import sessions, tokens
from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.ledger import Actor
from caselink.store.db import Database
from caselink.store.models import (
    AccessGrant,
    Agency,
    ApiToken,
    Area,
    Case,
    CaseAssignment,
    CaseParticipant,
    ChildProtectionTeam,
    Person,
    PersonRecord,
    SharingDecision,
    SurvivorLink,
    TeamMember,
    User,
    UserSession,
)
from caselink.web.app import create_app

CHECKED = {"combinations": 0}
ROLES = list(Role)


@dataclass(frozen=True)
class Plan:
    forces: int
    cases: list[tuple[int, int]]  # (force, local authority 0/1)
    records: list[tuple[int, int]]  # (force, agency kind 0=police 1=social care)
    participants: set[tuple[int, int]]  # (case, record)
    users: list[tuple[Role, int, int]]  # (role, force, agency kind)
    assignments: set[tuple[int, int]]  # (user, case)
    grants: set[tuple[int, str, int, bool]]  # (user, "case"/"record", index, still valid)
    survivor_of: dict[int, int]  # user -> case
    person_of: list[int]  # record -> person (records of one person, linked)
    teams: set[int]  # forces whose local authority 0 has a team (that force's police + care)
    withheld: set[int]  # records their holder decided not to share (s.16LA)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    forces = draw(st.integers(2, 3))
    cases = draw(
        st.lists(st.tuples(st.integers(0, forces - 1), st.integers(0, 1)), min_size=1, max_size=6)
    )
    records = draw(
        st.lists(st.tuples(st.integers(0, forces - 1), st.integers(0, 1)), min_size=1, max_size=6)
    )
    users = draw(
        st.lists(
            st.tuples(st.sampled_from(ROLES), st.integers(0, forces - 1), st.integers(0, 1)),
            min_size=1,
            max_size=5,
        )
    )
    pairs = st.tuples(st.integers(0, len(cases) - 1), st.integers(0, len(records) - 1))
    participants = draw(st.sets(pairs, max_size=8))
    assignments = draw(
        st.sets(
            st.tuples(st.integers(0, len(users) - 1), st.integers(0, len(cases) - 1)), max_size=4
        )
    )
    grants = draw(
        st.sets(
            st.one_of(
                st.tuples(
                    st.integers(0, len(users) - 1),
                    st.just("case"),
                    st.integers(0, len(cases) - 1),
                    st.booleans(),
                ),
                st.tuples(
                    st.integers(0, len(users) - 1),
                    st.just("record"),
                    st.integers(0, len(records) - 1),
                    st.booleans(),
                ),
            ),
            max_size=4,
        )
    )
    survivor_of = {
        u: draw(st.integers(0, len(cases) - 1))
        for u, (role, _, _) in enumerate(users)
        if role == Role.SURVIVOR
    }
    person_of = draw(st.lists(st.integers(0, 3), min_size=len(records), max_size=len(records)))
    teams = draw(st.sets(st.integers(0, forces - 1)))
    withheld = draw(st.sets(st.integers(0, len(records) - 1), max_size=2))
    return Plan(
        forces,
        cases,
        records,
        participants,
        users,
        assignments,
        grants,
        survivor_of,
        person_of,
        teams,
        withheld,
    )


def _ref(i: int) -> str:
    return f"K{i:02d}Q"


# Who may use the case and record routes at all; everyone else is refused them (403).
CASEWORK = {Role.SAFEGUARDING_OFFICER, Role.ANALYST, Role.CASE_REVIEWER, Role.OVERSIGHT_OFFICER}


def _oracle_case(plan: Plan, u: int, c: int) -> bool:
    role, force, kind = plan.users[u]
    case_force, case_la = plan.cases[c]
    if role == Role.OVERSIGHT_OFFICER:
        return True
    if role not in CASEWORK:  # survivors follow their own case in the portal, not here
        return False
    if (u, c) in plan.assignments or (u, "case", c, True) in plan.grants:
        return True
    if role == Role.SAFEGUARDING_OFFICER and kind == 1:
        return (case_force, case_la) == (force, 0)  # social care users sit in LA 0
    if role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST):
        return case_force == force
    return False


def _agency_of_user(plan: Plan, u: int) -> tuple[int, int] | None:
    """(force, kind 0=police 1=social care) of the user's agency, as _build gives it."""
    role, force, kind = plan.users[u]
    if role in (Role.OVERSIGHT_OFFICER, Role.ADMINISTRATOR, Role.SURVIVOR):
        return None
    return (force, 1 if kind == 1 and role == Role.SAFEGUARDING_OFFICER else 0)


def _in_caseload(plan: Plan, team_force: int, r: int) -> bool:
    """The record's person is in a case held in the team's local authority (LA 0)."""
    return any(
        plan.person_of[rr] == plan.person_of[r] and plan.cases[c] == (team_force, 0)
        for c, rr in plan.participants
    )


def _oracle_record(plan: Plan, u: int, r: int) -> bool:
    role, force, _ = plan.users[u]
    if role == Role.OVERSIGHT_OFFICER:
        return True
    if role not in CASEWORK:
        return False
    if (u, "record", r, True) in plan.grants:
        return True
    if any(_oracle_case(plan, u, c) for c, rr in plan.participants if rr == r):
        return True
    if role not in (Role.SAFEGUARDING_OFFICER, Role.ANALYST):
        return False
    if _agency_of_user(plan, u) == plan.records[r]:
        return True  # their own agency's record
    shared = r not in plan.withheld
    if role == Role.ANALYST and plan.records[r][0] == force and shared:
        return True  # analysts link across their force
    # Both of a force's agencies are members of the team of its local authority 0.
    return force in plan.teams and shared and _in_caseload(plan, force, r)


def _oracle_person(plan: Plan, u: int, n: int) -> bool:
    """The joined-up record answers when the user may read one of the person's records, or
    is told (in their team's caseload) that a withheld one exists."""
    role, force, _ = plan.users[u]
    mine = [r for r, person in enumerate(plan.person_of) if person == n]
    if any(_oracle_record(plan, u, r) for r in mine):
        return True
    member = role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST) and force in plan.teams
    return member and any(r in plan.withheld and _in_caseload(plan, force, r) for r in mine)


@contextmanager
def fresh_database(dialect: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    if dialect == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="caselink-prop-"))
        shutil.copy(request.getfixturevalue("sqlite_template"), folder / "db.sqlite")
        db = Database(f"sqlite:///{folder / 'db.sqlite'}")
        try:
            yield db
        finally:
            db.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template")
    name = f"caselink_prop_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    db = Database(admin_url.rsplit("/", 1)[0] + "/" + name)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


_numbers = itertools.count()


def _build(db: Database, plan: Plan) -> tuple[list[int], list[int], list[str], list[str]]:
    """Store the plan; returns case ids, record ids, API tokens and session cookies."""
    by = Actor.system("property-test")
    with db.transaction() as s:
        forces, authorities, police, social = [], [], [], []
        for f in range(plan.forces):
            force = Area(code=f"F{f}", name=f"Force {f}", kind="force_area")
            s.add(force)
            s.flush()
            las = []
            for la in range(2):
                area = Area(
                    code=f"F{f}LA{la}",
                    name=f"LA {f}.{la}",
                    kind="local_authority",
                    parent_id=force.id,
                )
                s.add(area)
                s.flush()
                las.append(area)
            p = Agency(code=f"POL{f}", name=f"Police {f}", kind="police_force", area_id=force.id)
            c = Agency(code=f"CSC{f}", name=f"Care {f}", kind="local_authority", area_id=las[0].id)
            s.add_all([p, c])
            s.flush()
            forces.append(force)
            authorities.append(las)
            police.append(p)
            social.append(c)
        case_ids = []
        for i, (f, la) in enumerate(plan.cases):
            case = Case(
                reference=_ref(i),
                force_area_id=forces[f].id,
                local_authority_id=authorities[f][la].id,
                opened_on=date(2022, 1, 1 + i),
                status="open",
            )
            s.add(case)
            s.flush()
            case_ids.append(case.id)
        persons = []
        for n in range(4):
            person = Person(person_key=f"PK{n}")
            s.add(person)
            s.flush()
            persons.append(person.id)
        record_ids = []
        for i, (f, kind) in enumerate(plan.records):
            agency = police[f] if kind == 0 else social[f]
            record = PersonRecord(
                record_id=f"R{i}",
                source=agency.code,
                agency_id=agency.id,
                given_name=f"Given{i}",
                family_name=f"Zfam{i}x",
                person_id=persons[plan.person_of[i]],
            )
            s.add(record)
            s.flush()
            record_ids.append(record.id)
        for r in plan.withheld:
            agency_id = (police if plan.records[r][1] == 0 else social)[plan.records[r][0]].id
            s.add(
                SharingDecision(
                    person_record_id=record_ids[r],
                    agency_id=agency_id,
                    decision="not_shared",
                    reason="property test: more detrimental to share",
                    review_on=date(2030, 1, 1),
                    contact="the holder",
                    decided_at=sessions.utcnow(),
                )
            )
        for f in plan.teams:
            team = ChildProtectionTeam(
                code=f"T{f}", name=f"Team {f}", local_authority_id=authorities[f][0].id
            )
            s.add(team)
            s.flush()
            for agency in (police[f], social[f]):
                s.add(TeamMember(team_id=team.id, agency_id=agency.id, added_at=sessions.utcnow()))
        for c, r in plan.participants:
            s.add(
                CaseParticipant(case_id=case_ids[c], person_record_id=record_ids[r], role="victim")
            )
        api_tokens, cookies = [], []
        for u, (role, f, kind) in enumerate(plan.users):
            agency = None
            if role not in (Role.OVERSIGHT_OFFICER, Role.ADMINISTRATOR, Role.SURVIVOR):
                agency = police[f] if kind == 0 or role != Role.SAFEGUARDING_OFFICER else social[f]
            user = create_user(
                s,
                f"user{u}",
                f"User {u}",
                f"u{u}@example.org",
                role,
                "long enough password",
                agency,
                by,
            )
            s.flush()
            token = sessions.start(s, user.id)
            s.flush()
            live = s.get(UserSession, sessions.token_hash(token))
            assert live is not None
            cookies.append(sessions.second_factor_passed(s, live))
            # Every scope, whatever the role could be issued: the policy alone must hold.
            api_token = tokens.PREFIX + secrets.token_urlsafe(32)
            s.add(
                ApiToken(
                    user_id=user.id,
                    name="p",
                    token_hash=hashlib.sha256(api_token.encode()).hexdigest(),
                    scopes=" ".join(sorted(tokens.SCOPES)),
                    created_at=sessions.utcnow(),
                    expires_at=sessions.utcnow() + timedelta(days=1),
                )
            )
            api_tokens.append(api_token)
        now = sessions.utcnow()
        for u, c in plan.assignments:
            s.add(CaseAssignment(case_id=case_ids[c], user_id=_user_id(s, u)))
        for u, kind, index, valid in plan.grants:
            target = case_ids[index] if kind == "case" else record_ids[index]
            expires = now + timedelta(hours=1) if valid else now - timedelta(minutes=5)
            s.add(
                AccessGrant(
                    user_id=_user_id(s, u),
                    object_type=kind,
                    object_id=target,
                    kind="break_glass",
                    reason="property test grant",
                    granted_at=now - timedelta(hours=2),
                    expires_at=expires,
                )
            )
        for u, c in plan.survivor_of.items():
            s.add(SurvivorLink(user_id=_user_id(s, u), case_id=case_ids[c]))
    return case_ids, record_ids, api_tokens, cookies


def _user_id(s: Session, u: int) -> int:
    return int(s.scalar(select(User.id).where(User.username == f"user{u}")) or 0)


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_every_read_path_agrees_with_the_policy(
    dialect: str, request: pytest.FixtureRequest, plan: Plan
) -> None:
    with (
        fresh_database(dialect, request) as db,
        TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as client,
    ):
        _, record_ids, api_tokens, cookies = _build(db, plan)
        with db.transaction() as s:
            person_ids = [
                s.scalar(select(Person.id).where(Person.person_key == f"PK{n}")) for n in range(4)
            ]
        for u, (role, _, _) in enumerate(plan.users):
            bearer = {"Authorization": f"Bearer {api_tokens[u]}"}
            if role not in CASEWORK:
                _refused_everywhere(client, bearer, cookies[u], plan, record_ids)
                CHECKED["combinations"] += 4 + 3 * len(plan.cases) + 2 * len(plan.records)
                continue
            expected = {_ref(c) for c in range(len(plan.cases)) if _oracle_case(plan, u, c)}
            listed = {
                c["reference"] for c in client.get("/api/cases", headers=bearer).json()["cases"]
            }
            count = client.get("/api/cases/count", headers=bearer).json()["total"]
            exported = {
                row["reference"]
                for row in csv.DictReader(
                    io.StringIO(client.get("/api/cases/export.csv", headers=bearer).text)
                )
            }
            assert listed == expected and count == len(expected) and exported == expected
            client.cookies.set("caselink_session", cookies[u])
            page = client.get("/cases")
            for c in range(len(plan.cases)):
                visible = _ref(c) in expected
                searched = client.get("/api/cases", params={"q": _ref(c)}, headers=bearer).json()
                detail = client.get(f"/api/cases/{_ref(c)}", headers=bearer)
                shown = client.get(f"/cases/{_ref(c)}")
                assert (searched["total"] == 1) == visible, (u, role, c)
                assert (detail.status_code == 200) == visible, (u, role, c)
                assert (shown.status_code == 200) == visible, (u, role, c)
                if page.status_code == 200:
                    assert (f">{_ref(c)}<" in page.text) == visible
                CHECKED["combinations"] += 5
            for r in range(len(plan.records)):
                visible = _oracle_record(plan, u, r)
                api = client.get(f"/api/records/{record_ids[r]}", headers=bearer)
                shown = client.get(f"/records/{record_ids[r]}")
                assert (api.status_code == 200) == visible, (u, role, r)
                assert (shown.status_code == 200) == visible, (u, role, r)
                CHECKED["combinations"] += 2
            for n in sorted(set(plan.person_of)):
                answer = client.get(f"/api/people/{person_ids[n]}", headers=bearer)
                assert (answer.status_code == 200) == _oracle_person(plan, u, n), (u, role, n)
                CHECKED["combinations"] += 1
            CHECKED["combinations"] += 3
            client.cookies.clear()
    print(f"\n(user, object, path) combinations checked so far: {CHECKED['combinations']}")


def _refused_everywhere(
    client: TestClient,
    bearer: dict[str, str],
    cookie: str,
    plan: Plan,
    record_ids: list[int],
) -> None:
    """A role without casework is refused every case and record route, whatever exists."""
    for path in ("/api/cases", "/api/cases/count", "/api/cases/export.csv"):
        assert client.get(path, headers=bearer).status_code == 403, path
    client.cookies.set("caselink_session", cookie)
    assert client.get("/cases").status_code == 403
    for c in range(len(plan.cases)):
        assert client.get(f"/api/cases/{_ref(c)}", headers=bearer).status_code == 403
        assert client.get(f"/cases/{_ref(c)}").status_code == 403
    for record_id in record_ids:
        assert client.get(f"/api/records/{record_id}", headers=bearer).status_code == 403
        assert client.get(f"/records/{record_id}").status_code == 403
    client.cookies.clear()
