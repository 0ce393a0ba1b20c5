"""The filing API's fast path keeps its promises: a lost database is a 503 to retry (from a
browser's session check or from the filing), bearer tokens are checked in the filing's own
transaction and refused there one by one, a signed-in browser may file too, the repeat check
has its index, and a report's content digest is what it always was."""

import dataclasses
import importlib
import json
import pkgutil
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import OperationalError
from starlette.routing import BaseRoute

from caselink import web
from caselink.access import tokens
from caselink.access.principal import principal_for
from caselink.reporting import group_commit, intake, rules
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import ApiToken, LedgerEntry, Report, User
from caselink.web.app import create_app
from tests.support.reporting import checked, reporting_world, valid
from tests.support.world import World, csrf_from, raw_token, sign_in


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def headers(db: Database, world: World) -> dict[str, str]:
    with db.transaction() as s:
        user = s.get(User, world.users["teacher"])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), "t", {"reports:submit"}, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def _stored(db: Database) -> tuple[int, int]:
    with db.transaction() as s:
        reports = s.scalar(select(func.count()).select_from(Report)) or 0
        created = s.scalar(
            select(func.count()).where(
                LedgerEntry.object_type == "report", LedgerEntry.action == "create"
            )
        )
        return reports, created or 0


def _unavailable(*_: object, **__: object) -> None:
    raise OperationalError("SELECT 1", {}, Exception("the server closed the connection"))


def test_a_database_lost_while_filing_is_a_503_to_retry_and_a_retry_files_once(
    client: TestClient, db: Database, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = valid(learned_on=date.today().isoformat())
    keyed = {**headers, "Idempotency-Key": "retry-me"}
    with monkeypatch.context() as m:
        m.setattr(group_commit.GroupCommit, "_file_together", _unavailable)
        lost = client.post("/api/reports", json=body, headers=keyed)
    assert lost.status_code == 503 and lost.headers["Retry-After"] == "5"
    assert "database" in lost.json()["detail"]
    assert _stored(db) == (0, 0)
    first = client.post("/api/reports", json=body, headers=keyed)
    again = client.post("/api/reports", json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert _stored(db) == (1, 1)


def test_a_database_lost_while_checking_a_browsers_session_is_a_503(
    client: TestClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client, world, "teacher")
    monkeypatch.setattr(Database, "checking", _unavailable)
    lost = client.post("/api/reports", json=valid(learned_on=date.today().isoformat()))
    assert lost.status_code == 503 and "database" in lost.json()["detail"]
    assert _stored(db) == (0, 0)


def test_tokens_filed_in_one_batch_are_each_checked_in_its_transaction(
    db: Database, world: World
) -> None:
    """A bearer token is checked where its report is filed, one query for the batch: each
    filing gets its own answer, and only the live token with the scope files anything."""
    with db.transaction() as s:
        user = s.get(User, world.users["teacher"])
        assert user is not None
        teacher = principal_for(s, user)
        live = tokens.issue(s, teacher, "live", {"reports:submit"}, timedelta(days=1))
        read_only = tokens.issue(s, teacher, "read", {"reports:read"}, timedelta(days=1))
        revoked = tokens.issue(s, teacher, "old", {"reports:submit"}, timedelta(days=1))
        s.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == tokens.Bearer.of(revoked, "").token_hash)
            .values(revoked_at=utcnow())
        )
    callers = [
        tokens.Bearer.of(live, "reports:submit"),
        tokens.Bearer.of("clk_not-a-token", "reports:submit"),
        tokens.Bearer.of(revoked, "reports:submit"),
        tokens.Bearer.of(read_only, "reports:submit"),
    ]
    filings = [intake.Filing(c, checked(what_happened=f"No. {i}.")) for i, c in enumerate(callers)]
    with db.transaction() as s:
        outcomes = intake.file_reports(s, filings, rules.load())
    assert [type(o) for o in outcomes] == [
        intake.Filed,
        tokens.TokenRefused,
        tokens.TokenRefused,
        tokens.ScopeRefused,
    ]
    filed = outcomes[0]
    assert isinstance(filed, intake.Filed) and filed.filer is not None
    assert filed.filer.user_id == world.users["teacher"]
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None and report.reporter_user_id == world.users["teacher"]
    assert _stored(db) == (1, 1)


def test_a_stranger_is_refused_before_being_told_what_is_wrong_with_a_report(
    client: TestClient, db: Database, world: World
) -> None:
    bad = valid(learned_on=date.today().isoformat(), child__postcode="nowhere")
    stranger = {"Authorization": "Bearer clk_not-a-token"}
    assert client.post("/api/reports", json=bad, headers=stranger).status_code == 401
    analyst = raw_token(db, world.users["analyst-n"], {"reports:submit"})
    assert client.post("/api/reports", json=bad, headers=analyst).status_code == 403
    assert _stored(db) == (0, 0)


def _token(db: Database, world: World, who: str, scopes: set[str]) -> dict[str, str]:
    with db.transaction() as s:
        user = s.get(User, world.users[who])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), who, scopes, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def test_a_signed_in_browser_may_file_through_the_api_and_a_stranger_may_not(
    client: TestClient, db: Database, world: World
) -> None:
    body = valid(learned_on=date.today().isoformat())
    assert client.post("/api/reports", json=body).status_code == 401
    sign_in(client, world, "teacher")
    # With the session cookie a write needs the session's CSRF token, as a form does.
    assert client.post("/api/reports", json=body).status_code == 403
    assert _stored(db) == (0, 0)
    csrf = csrf_from(client.get("/home").text)
    filed = client.post("/api/reports", json=body, headers={"X-CSRF-Token": csrf})
    assert filed.status_code == 201, filed.text
    assert filed.json()["ledger_entry"] is not None
    assert _stored(db) == (1, 1)


def test_bad_input_is_named_before_anything_is_stored(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    bad = valid(learned_on=date.today().isoformat(), child__postcode="nowhere")
    refused = client.post("/api/reports", json=bad, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {
            "field": "child.postcode",
            "message": "Enter the postcode in the right format, like NM4 2QD",
        }
    ]
    assert _stored(db) == (0, 0)


def test_the_repeat_check_has_an_index_on_reporter_and_content(db: Database) -> None:
    indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("reports")}
    assert indexes["ix_reports_reporter_user_id_content_digest"] == [
        "reporter_user_id",
        "content_digest",
    ]
    assert "ix_reports_reporter_user_id" not in indexes  # the new one serves its lookups


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"suspects": []},
        {"suspects": [{"given_name": "A"}, {"description": "tall", "vehicle": "xy1 2ab"}]},
        {
            "child__date_of_birth": None,
            "child__age": "15",
            "exemption": {
                "claimed": "yes",
                "other_age": "15",
                "consensual": "yes",
                "coercion": "no",
                "significant_gap": "no",
                "reasoning": "Both are 15 and it was consensual.",
            },
        },
    ],
)
def test_the_canonical_content_is_what_asdict_made_so_digests_do_not_change(
    changes: dict[str, object],
) -> None:
    submission = checked(**changes)
    before = dataclasses.asdict(submission)
    before["suspects"] = list(before["suspects"])
    # The NHS number field came later: a report without one keeps the content (and digest)
    # asdict gave it before the field existed.
    for person in (before["child"], *before["suspects"]):
        if person["nhs_number"] is None:
            del person["nhs_number"]
    assert submission.canonical() == before
    assert submission.canonical_json() == json.dumps(
        before, sort_keys=True, ensure_ascii=False, default=str
    )


def test_references_use_the_unambiguous_alphabet() -> None:
    made = {intake.new_reference() for _ in range(2000)}
    assert len(made) == 2000
    for reference in made:
        assert reference[:3] == "MR-" and reference[7] == "-" and len(reference) == 12
        assert set(reference[3:7] + reference[8:]) <= set(intake._ALPHABET)
    assert set("".join(made).replace("MR-", "").replace("-", "")) == set(intake._ALPHABET)


def test_no_other_router_has_a_path_under_api_reports() -> None:
    """The reporting API's router is matched first (the busiest path), which is safe only
    while no other router has a path it would take."""
    others = []
    for module in pkgutil.iter_modules(web.__path__):
        router = getattr(importlib.import_module(f"caselink.web.{module.name}"), "router", None)
        if module.name == "reporting_api" or not isinstance(router, APIRouter):
            continue
        others += [
            getattr(route, "path", "") for route in router.routes if isinstance(route, BaseRoute)
        ]
    assert others and not [p for p in others if p.startswith("/api/reports")]
