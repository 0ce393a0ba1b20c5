"""Reporting through the browser pages and the API, including attempts to break it."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caselink.access import tokens
from caselink.access.principal import principal_for
from caselink.store.db import Database
from caselink.store.models import Alert, LedgerEntry, Report, User
from caselink.web.app import create_app
from tests.support.reporting import reporting_world, valid
from tests.support.world import World, csrf_from, raw_token, sign_in

FORM = {
    "reporter_role": "teacher",
    "reporter_setting": "North Primary School",
    "trigger": "child_told",
    "immediate_danger": "no",
    "what_happened": "She told me <script>alert('x')</script> a man drives her home.",
    "child.given_name": "Amy",
    "child.family_name": "Stone",
    "child.postcode": "NO1 2AB",
    "suspects.0.given_name": "Carl",
    "suspects.0.vehicle": "AB12CDE",
}


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def reports(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(Report)) or 0


def send(client: TestClient, form: dict[str, str], key: str = "k-1") -> Any:
    page = client.get("/report")
    assert page.status_code == 200
    data = {**form, "csrf_token": csrf_from(page.text), "idempotency_key": key}
    data.setdefault("learned_on", date.today().isoformat())
    return client.post("/report", data=data)


def test_a_teacher_files_a_report_and_gets_a_receipt(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "teacher")
    form = client.get("/report").text
    assert "If a child is in immediate danger, call 999 now" in form
    sent = send(client, FORM)
    assert sent.status_code == 303
    receipt = client.get(sent.headers["location"])
    assert receipt.status_code == 200
    assert "Report sent" in receipt.text
    assert "POL-N agency" in receipt.text and "CSC-N agency" in receipt.text
    with db.transaction() as s:
        digest = s.scalar(select(Report.content_digest))
    assert digest is not None and digest in receipt.text
    reference = sent.headers["location"].split("/")[2]
    assert client.get(f"/reports/{reference}/receipt.json").json()["content_sha256"] == digest
    # A double click sends the same key: one report, the same receipt.
    again = send(client, FORM)
    assert again.headers["location"].startswith(f"/reports/{reference}/receipt")
    assert reports(db) == 1
    mine = client.get("/reports/mine").text
    assert reference in mine and "Awaiting acknowledgement" in mine


def test_bad_input_shows_the_error_summary_and_stores_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "teacher")
    bad = {**FORM, "child.date_of_birth": "1980-01-01", "what_happened": ""}
    page = send(client, bad)
    assert page.status_code == 400
    html = page.text
    assert "There is a problem" in html
    assert 'href="#child-date_of_birth"' in html and 'href="#what_happened"' in html
    assert 'id="child-date_of_birth"' in html
    assert "Error: Check your answers" not in html
    assert 'value="Amy"' in html  # what was typed is kept
    assert reports(db) == 0


def test_the_right_officer_sees_works_and_opens_a_case_and_html_is_never_run(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "teacher")
    reference = send(client, FORM).headers["location"].split("/")[2]
    client.cookies.clear()
    sign_in(client, world, "officer-n")
    inbox = client.get("/reports/inbox").text
    assert reference in inbox and "Due in" in inbox
    page = client.get(f"/reports/{reference}").text
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    token = csrf_from(page)
    done = client.post(f"/reports/{reference}/acknowledge", data={"csrf_token": token})
    assert done.status_code == 303
    empty = client.post(f"/reports/{reference}/link-case", data={"csrf_token": token})
    assert empty.status_code == 400 and "There is no case with that reference" in empty.text
    opened = client.post(f"/reports/{reference}/open-case", data={"csrf_token": token})
    assert opened.status_code == 303
    page = client.get(f"/reports/{reference}").text
    assert "In a case" in page and "Acknowledged" in page
    with db.transaction() as s:
        reads = s.scalar(
            select(func.count()).where(
                LedgerEntry.object_id == reference, LedgerEntry.action == "read"
            )
        )
        assert reads and reads >= 2


def test_others_are_refused(client: TestClient, world: World, db: Database) -> None:
    assert client.get("/report").status_code == 303  # not signed in: to sign-in
    sign_in(client, world, "teacher")
    reference = send(client, FORM).headers["location"].split("/")[2]
    for username, path, status in [
        # An officer elsewhere is told it is not theirs, and how to ask (the attempt is kept).
        ("officer-s", f"/reports/{reference}", 403),
        ("officer-s", f"/reports/{reference}/receipt.json", 403),
        ("analyst-n", "/reports/inbox", 403),
        ("survivor", "/report", 403),
        ("admin", f"/reports/{reference}", 404),
    ]:
        client.cookies.clear()
        sign_in(client, world, username)
        assert client.get(path).status_code == status, (username, path)
    assert "officer-s" not in client.get("/reports/inbox").text


def test_trying_to_withdraw_a_report_is_recorded_and_shown_to_oversight(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "teacher")
    reference = send(client, FORM).headers["location"].split("/")[2]
    page = client.get(f"/reports/{reference}").text
    tried = client.post(f"/reports/{reference}/withdraw", data={"csrf_token": csrf_from(page)})
    assert tried.status_code == 409 and "cannot be changed or withdrawn" in tried.text
    with db.transaction() as s:
        alert = s.scalar(select(Alert).where(Alert.kind == "possible_prevention"))
        assert alert is not None and "tried to withdraw" in alert.message
        assert s.scalar(select(LedgerEntry.reason).where(LedgerEntry.action == "attempt"))


def _token(db: Database, world: World, username: str, scopes: set[str]) -> dict[str, str]:
    with db.transaction() as s:
        user = s.get(User, world.users[username])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), "t", scopes, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def test_the_api_files_once_per_idempotency_key_and_names_bad_fields(
    client: TestClient, world: World, db: Database
) -> None:
    headers = {**_token(db, world, "teacher", {"reports:submit"}), "Idempotency-Key": "abc"}
    body = valid(learned_on=date.today().isoformat())
    first = client.post("/api/reports", json=body, headers=headers)
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["reference"].startswith("MR-") and len(receipt["sent_to"]) == 2
    again = client.post("/api/reports", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["reference"] == receipt["reference"]
    changed = client.post("/api/reports", json={**body, "trigger": "witnessed"}, headers=headers)
    assert changed.status_code == 409
    bad = client.post("/api/reports", json={**body, "learned_on": "2099-01-01"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "learned_on"
    assert reports(db) == 1


def test_the_api_refuses_wrong_scopes_roles_and_any_edit(
    client: TestClient, world: World, db: Database
) -> None:
    body = valid(learned_on=date.today().isoformat())
    read_only = _token(db, world, "teacher", {"reports:read"})
    assert client.post("/api/reports", json=body, headers=read_only).status_code == 403
    analyst = raw_token(db, world.users["analyst-n"], {"reports:submit"})
    assert client.post("/api/reports", json=body, headers=analyst).status_code == 403
    assert client.post("/api/reports", json=body).status_code == 401
    filer = _token(db, world, "teacher", {"reports:submit", "reports:read"})
    reference = client.post("/api/reports", json=body, headers=filer).json()["reference"]
    for method in ("DELETE", "PUT", "PATCH"):
        refused = client.request(method, f"/api/reports/{reference}", headers=filer)
        assert refused.status_code == 405
    officer = _token(db, world, "officer-s", {"reports:read", "reports:work"})
    assert client.get(f"/api/reports/{reference}/receipt", headers=officer).status_code == 404
    ack = client.post(f"/api/reports/{reference}/acknowledge", headers=officer)
    assert ack.status_code == 404
    north = _token(db, world, "officer-n", {"reports:read", "reports:work"})
    assert client.post(f"/api/reports/{reference}/acknowledge", headers=north).json()[
        "acknowledged"
    ]
    assert client.get("/api/reports/inbox", headers=north).json()["total"] == 1
    with db.transaction() as s:
        attempts = s.scalar(select(func.count()).where(LedgerEntry.action == "attempt"))
        assert attempts == 3 + 2, "three edits refused, and officer-s's two looks outside her area"
        assert reports(db) == 1


def test_odd_references_in_urls_are_not_found_not_errors(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "officer-n")
    for reference in ("%00", "MR-%00-1", "' OR 1=1 --", "x" * 300):
        assert client.get(f"/reports/{reference}").status_code == 404
        assert client.get(f"/reports/{reference}/receipt").status_code == 404
