"""Access decided in one place: every route declares a permission from the policy's table, the
menu is made from that table, and the holes that came from deciding it in many places stay
closed (each attack below succeeded before the table)."""

import statistics
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, _iter_included_route_candidates
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import BaseRoute, Mount

from caselink.access import policy, tokens
from caselink.access.principal import principal_for
from caselink.ledger import Actor
from caselink.network.run import run
from caselink.reporting import intake
from caselink.store.db import Database
from caselink.store.models import (
    AccessGrant,
    Agency,
    Alert,
    Area,
    LedgerEntry,
    NetworkAlert,
    PersonRecord,
    User,
)
from caselink.web.app import create_app
from caselink.web.permissions import permission_of
from tests.support.network import build_network_world
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.world import World, build, csrf_from, raw_token, sign_in

# Declared public on purpose; anything else public is a mistake this test catches.
PUBLIC = {
    "/",
    "/sign-in",
    "/sign-in/code",
    "/sign-out",
    "/signed-out",
    "/enrol/{code}",
    "/health",
    "/health/live",
    "/health/ready",
    "/statistics",
    "/statistics.csv",
    "/openapi.json",
    "/assets",
    "/static",
}

# The menu of each role as it was before the table (kept exactly: pages are checked per role).
MENUS = {
    "teacher": ["Home", "Make a report", "Your reports"],
    "officer-n": [
        "Home",
        "Make a report",
        "Reports inbox",
        "Victim updates",
        "Reviews asked for",
        "Cases",
        "Find a person",
        "Alerts",
    ],
    "social-n": [
        "Home",
        "Make a report",
        "Reports inbox",
        "Victim updates",
        "Cases",
        "Find a person",
        "Alerts",
    ],
    "analyst-n": ["Home", "Cases", "Find a person", "Alerts", "Networks", "Links to review"],
    "reviewer": ["Home", "Cases", "Case review"],
    "inspector": [
        "Home",
        "Reviews asked for",
        "Triage",
        "Cases",
        "Find a person",
        "Alerts",
        "Networks",
        "Links to review",
        "Oversight",
        "Case review",
    ],
    "survivor": ["Home", "My case"],
    "admin": ["Home", "Users"],
}


@pytest.fixture
def app(journey_db: Database) -> FastAPI:
    return create_app(journey_db)


def _permissions(route: APIRoute) -> list[policy.Permission]:
    found: list[policy.Permission] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if dependency.call is not None and (declared := permission_of(dependency.call)):
            found.append(declared)
        stack.extend(dependency.dependencies)
    return found


def _every_route(app: FastAPI) -> list[BaseRoute]:
    """The app's routes as requests meet them: FastAPI 0.165 keeps an included router as one
    entry of `app.routes` and resolves its routes (prefix, router dependencies) lazily."""
    return list(_iter_included_route_candidates(app.routes))


def _declared(app: FastAPI) -> dict[tuple[str, str], policy.Permission]:
    """(method, path) -> the permission the route declares; fails on any that declares none."""
    declared: dict[tuple[str, str], policy.Permission] = {}
    missing: list[str] = []
    for route in _every_route(app):
        if isinstance(route, APIRoute):
            found, methods = _permissions(route), sorted(route.methods or ())
            if len(found) != 1:
                missing.append(f"{methods} {route.path}: {len(found)} permissions")
                continue
            for method in methods:
                declared[(method, route.path_format)] = found[0]
        elif isinstance(route, Mount) and isinstance(
            mounted := getattr(route.app, "permission", None), policy.Permission
        ):
            declared[("GET", route.path)] = mounted
        else:
            missing.append(f"{type(route).__name__} {getattr(route, 'path', route)}")
    assert missing == [], "routes without exactly one declared permission:\n" + "\n".join(missing)
    return declared


def test_every_route_in_the_app_declares_one_permission_from_the_table(app: FastAPI) -> None:
    declared = _declared(app)
    assert len(declared) > 60, "the walk saw the whole app"
    assert set(declared.values()) <= set(policy.PERMISSIONS.values())
    public = {path for (_, path), permission in declared.items() if permission.public}
    assert public == PUBLIC
    # Every API route names a scope a token can carry (or is public, or is the caller's own
    # tokens, which any live token of theirs may list and revoke).
    for (_, path), permission in declared.items():
        if path.startswith("/api/") and permission is not policy.OWN_TOKENS:
            assert permission.scope in tokens.SCOPES, path


def test_the_menu_comes_from_the_table_and_is_unchanged_for_every_role(
    app: FastAPI, journey_db: Database
) -> None:
    from caselink.web.templating import MENU, navigation

    world = build(journey_db)
    for username, expected in MENUS.items():
        p = principal(journey_db, world, username)
        assert [label for _, label in navigation(p)] == expected, username
    declared = _declared(app)
    for href, label, permission, _ in MENU:
        assert declared[("GET", href)] is permission, f"{label}: the menu and the route agree"


# --- 3. A council's officer reads every agency's records in the force area -----------------


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _token(db: Database, world: World, username: str, scopes: set[str]) -> dict[str, str]:
    with db.transaction() as s:
        user = s.get_one(User, world.users[username])
        token = tokens.issue(s, principal_for(s, user), "test", scopes, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def test_a_council_officer_reads_only_their_own_agency_and_their_cases(
    db: Database, client: TestClient
) -> None:
    world = build(db)
    with db.transaction() as s:
        north = s.scalars(select(Area).where(Area.code == "F-NORTH")).one()
        other_la = Area(code="LA-NORTH-2", name="Other council", kind="local_authority")
        other_la.parent_id = north.id
        s.add(other_la)
        s.flush()
        council = Agency(code="CSC-N2", name="Other council", kind="local_authority")
        council.area_id = other_la.id
        own = s.scalars(select(Agency).where(Agency.code == "CSC-N")).one()
        s.add(council)
        s.flush()
        elsewhere = PersonRecord(
            record_id="N2-CHILD",
            source="CSC-N2",
            agency_id=council.id,
            given_name="Ivy",
            family_name="Quill",
            date_of_birth=date(2011, 4, 2),
            nhs_number="9434765919",
        )
        ours = PersonRecord(record_id="N-CSC", source="CSC-N", agency_id=own.id, given_name="Jo")
        s.add_all([elsewhere, ours])
        s.flush()
        elsewhere_id, ours_id = elsewhere.id, ours.id
    headers = _token(db, world, "social-n", {"records:read"})
    refused = client.get(f"/api/records/{elsewhere_id}", headers=headers)
    assert refused.status_code == 404, "another council's record"
    assert "9434765919" not in refused.text and "Quill" not in refused.text
    assert client.get(f"/api/records/{ours_id}", headers=headers).status_code == 200
    in_my_case = world.records["N-VICTIM"]  # held by the police, in a case of their council
    assert client.get(f"/api/records/{in_my_case}", headers=headers).status_code == 200
    school = world.records["N-SCHOOL"]  # another agency, in no case of theirs
    assert client.get(f"/api/records/{school}", headers=headers).status_code == 404
    # Nor does the force's police officer: outside their agency and cases, the child
    # protection team's caseload is who needs to know, not the whole force area.
    police = _token(db, world, "officer-n", {"records:read"})
    assert client.get(f"/api/records/{elsewhere_id}", headers=police).status_code == 404


# --- A GET changes state: opening a network alert granted access -----------------------------


def test_opening_a_network_alert_grants_nothing_access_is_asked_for_with_a_post(
    db: Database, client: TestClient
) -> None:
    world = build_network_world(db)
    with db.transaction() as s:
        run(s, Actor.system("test"))
        alert_id = s.scalars(select(NetworkAlert.id)).one()
    sign_in(client, world, "analyst-n")
    page = client.get(
        f"/network/alerts/{alert_id}", headers={"Referer": "https://evil.example/page"}
    )
    assert page.status_code == 200 and "Get access to its cases and records" in page.text

    def grants() -> int:
        with db.transaction() as s:
            return s.scalar(select(func.count()).select_from(AccessGrant)) or 0

    assert grants() == 0, "a GET (here from another site's link) changes nothing"
    forged = client.post(f"/network/alerts/{alert_id}/access", data={"csrf_token": "forged"})
    assert forged.status_code == 400 and grants() == 0
    asked = client.post(
        f"/network/alerts/{alert_id}/access", data={"csrf_token": csrf_from(page.text)}
    )
    assert asked.status_code == 303 and grants() == 6
    again = client.post(
        f"/network/alerts/{alert_id}/access", data={"csrf_token": csrf_from(page.text)}
    )
    assert again.status_code == 303 and grants() == 6, "a running grant is not repeated"


def test_only_an_analyst_may_ask_for_access(db: Database, client: TestClient) -> None:
    world = build_network_world(db)
    with db.transaction() as s:
        run(s, Actor.system("test"))
        alert_id = s.scalars(select(NetworkAlert.id)).one()
    sign_in(client, world, "inspector")
    page = client.get(f"/network/alerts/{alert_id}")
    assert "Get access" not in page.text
    refused = client.post(
        f"/network/alerts/{alert_id}/access", data={"csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 403


# --- Existence by timing: a refusal of a real report did more work than a made-up one's ----


def _attempts(db: Database, actor: str) -> list[tuple[str, str]]:
    with db.transaction() as s:
        rows = s.execute(
            select(LedgerEntry.object_type, LedgerEntry.object_id).where(
                LedgerEntry.actor == actor, LedgerEntry.action == "attempt"
            )
        ).all()
    return [(t, i) for t, i in rows]


def test_not_found_takes_the_same_path_for_a_real_report_and_a_made_up_one(
    db: Database, client: TestClient
) -> None:
    world = reporting_world(db)
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, world, "officer-s"), checked(), DUTY)
    sign_in(client, world, "teacher")
    made_up = "MR-AAAA-AAAA"
    assert client.get(f"/reports/{filed.reference}").status_code == 404
    assert _attempts(db, "teacher") == [("report", filed.reference)]
    assert client.get(f"/reports/{made_up}").status_code == 404
    # The same work: one ledgered attempt each (oversight sees the probing of made-up ones).
    assert _attempts(db, "teacher") == [("report", filed.reference), ("report", made_up)]
    headers = _token(db, world, "teacher", {"reports:read"})
    for reference in (filed.reference, made_up):
        assert client.get(f"/api/reports/{reference}/receipt", headers=headers).status_code == 404
    assert len(_attempts(db, "teacher")) == 4


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_not_found_cannot_be_told_apart_by_timing(db: Database, client: TestClient) -> None:
    """The attack as measured (5.2 ms against 3.7 ms, the real one slower in 18 of 20 pairs):
    40 interleaved pairs; with both answers on the same path, the real one is slower in about
    half. 31 or more of 40 happens by chance with probability 0.0003. Measured on PostgreSQL,
    the production store: on SQLite the difference is within the noise of its file lock even
    before the fix (24 of 40), so there the test above, of the work done, stands alone."""
    world = reporting_world(db)
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, world, "officer-s"), checked(), DUTY)
    headers = _token(db, world, "teacher", {"reports:read"})

    def timed(reference: str) -> float:
        start = time.perf_counter()
        response = client.get(f"/api/reports/{reference}/receipt", headers=headers)
        elapsed = time.perf_counter() - start
        assert response.status_code == 404
        return elapsed

    for _ in range(5):  # warm up both paths
        timed(filed.reference), timed("MR-WARM-UPXX")
    pairs: list[tuple[float, float]] = []
    for n in range(40):
        made_up = f"MR-FAKE-{n:04d}"
        if n % 2:
            real, fake = timed(filed.reference), timed(made_up)
        else:
            fake, real = timed(made_up), timed(filed.reference)
        pairs.append((real, fake))
    slower = sum(real > fake for real, fake in pairs)
    median_real = statistics.median(r for r, _ in pairs) * 1000
    median_fake = statistics.median(f for _, f in pairs) * 1000
    print(f"\nreal slower in {slower}/40; median {median_real:.2f} ms vs {median_fake:.2f} ms")
    assert slower <= 30, (slower, median_real, median_fake)


# --- An alert about a report you cannot see ---------------------------------------------------


def _prevention_alerts(db: Database) -> list[Any]:
    with db.transaction() as s:
        return list(s.scalars(select(Alert.subject_id).where(Alert.kind == "possible_prevention")))


def test_deleting_a_report_one_cannot_see_raises_no_prevention_alert(
    db: Database, client: TestClient
) -> None:
    world = reporting_world(db)
    with db.transaction() as s:
        theirs = intake.file_report(
            s, principal(db, world, "officer-s"), checked(child__postcode="SO1 2AB"), DUTY
        )
        mine = intake.file_report(s, principal(db, world, "teacher"), checked(), DUTY)
    headers = _token(db, world, "teacher", {"reports:read"})
    for reference in (theirs.reference, "MR-NONE-XXXX"):
        refused = client.delete(f"/api/reports/{reference}", headers=headers)
        assert refused.status_code == 405
    assert _prevention_alerts(db) == [], "another force's report: the attempt alone, ledgered"
    assert ("report", theirs.reference) in _attempts(db, "teacher")
    # Her own report: trying to delete it is the possible act of prevention oversight sees.
    assert client.delete(f"/api/reports/{mine.reference}", headers=headers).status_code == 405
    assert _prevention_alerts(db) == [mine.report_id]


# --- policy.reads_case_files was never called: a survivor reached the case files -----------


def test_a_survivor_cannot_reach_the_officers_case_files(db: Database, client: TestClient) -> None:
    world = build(db)
    # Such a token is no longer offered to a survivor; stored directly, it still reaches nothing.
    headers = raw_token(
        db, world.users["survivor"], {"cases:read", "records:read", "export", "my-case"}
    )
    for path in ("/api/cases", "/api/cases/count", "/api/cases/export.csv", "/api/cases/NORTH/1"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403, path
        assert "NORTH/1" not in refused.text
    assert client.get("/api/my-case", headers=headers).status_code == 200, "the portal is hers"
    sign_in(client, world, "survivor")
    for path in ("/cases", "/cases/NORTH/1", f"/records/{world.records['N-VICTIM']}"):
        page = client.get(path)
        assert page.status_code == 403 and "Summary of NORTH/1" not in page.text, path
