"""The review in the browser: work the queue, record outcomes, approve, read progress; and
every other role, a missing session and a missing CSRF token are refused."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.review import weights as review_weights
from caselink.review.importing import import_file
from caselink.review.priorities import score_store
from caselink.store.db import Database
from caselink.store.models import LedgerEntry
from caselink.web.app import create_app
from tests.support.review import add_reviewer, write_cases
from tests.support.world import World, build, csrf_from, sign_in


@pytest.fixture
def world(db: Database, tmp_path: Path) -> World:
    world = build(db)
    add_reviewer(db, world)
    import_file(db, write_cases(tmp_path / "closed.csv"))
    score_store(db, review_weights.load(), as_of=date(2026, 11, 1))
    return world


def _client(db: Database) -> TestClient:
    return TestClient(create_app(db), base_url="https://testserver", follow_redirects=False)


@pytest.fixture
def reviewer(db: Database, world: World) -> Iterator[TestClient]:
    with _client(db) as client:
        yield sign_in(client, world, "reviewer")


def _post(client: TestClient, page: str, action: str, data: dict[str, str]) -> object:
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def test_a_reviewer_works_the_queue_and_a_second_reviewer_approves(
    db: Database, world: World, reviewer: TestClient
) -> None:
    queue_page = reviewer.get("/review")
    assert queue_page.status_code == 200 and "Take the next case" in queue_page.text
    assert queue_page.text.index("REV/1") < queue_page.text.index("REV/3")
    taken = _post(reviewer, "/review", "/review/next", {})
    assert taken.status_code == 303 and taken.headers["location"] == "/review/cases/REV/1"  # type: ignore[attr-defined]
    case = reviewer.get("/review/cases/REV/1")
    assert case.status_code == 200
    assert "Closure reason that should not apply to a child" in case.text
    assert 'href="/review/cases/REV/3"' in case.text  # the linked case, via suspect and phone
    assert "Officer wrote that the girl went willingly." in case.text
    assert "White British" not in case.text  # recorded to be counted, not shown to score
    page = "/review/cases/REV/1"
    no_reason = _post(reviewer, page, "/review/cases/REV/1/outcome", {"outcome": "no_action"})
    assert no_reason.status_code == 400  # type: ignore[attr-defined]
    assert "Give the reason" in no_reason.text  # type: ignore[attr-defined]
    done = _post(
        reviewer,
        page,
        "/review/cases/REV/1/outcome",
        {"outcome": "no_action", "reason": "Victim declined any contact via ISVA."},
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert "awaiting approval" in reviewer.get(page).text
    with _client(db) as second:
        sign_in(second, world, "reviewer-2")
        assert 'id="to-approve"' in second.get("/review").text
        approved = _post(
            second,
            page,
            "/review/cases/REV/1/approval",
            {"decision": "approve", "approval_reason": "Read the ISVA note; agreed."},
        )
        assert approved.status_code == 303  # type: ignore[attr-defined]
    final = reviewer.get(page).text
    assert "reviewed" in final and "Read the ISVA note; agreed." in final
    with db.transaction() as session:
        kinds = session.execute(
            select(LedgerEntry.action, LedgerEntry.object_type).where(
                LedgerEntry.object_type.in_(("review_case", "review_outcome", "review_approval"))
            )
        ).all()
    assert {("read", "review_case"), ("change", "review_case"), ("decide", "review_case")} <= set(
        kinds
    )
    # The second reviewer's approval is a decision on its own row; the outcome's row is
    # recorded as it is created.
    assert ("decide", "review_approval") in kinds and ("create", "review_outcome") in kinds


def test_progress_answers_how_many_cases_high_priority_and_referred(
    db: Database, world: World, reviewer: TestClient
) -> None:
    _post(reviewer, "/review", "/review/next", {})
    _post(
        reviewer,
        "/review/cases/REV/1",
        "/review/cases/REV/1/outcome",
        {"outcome": "refer_for_reinvestigation", "reason": "Suspect never interviewed."},
    )
    page = reviewer.get("/review/progress")
    assert page.status_code == 200
    assert (
        "3 cases under review; 2 high priority; 1 rape allegation; 1 reviewed; 1 referred."
        in page.text
    )
    export = reviewer.get("/review/progress.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    lines = export.text.splitlines()
    assert lines[0] == "force,priority_band,status,outcome,rape_allegation,cases"
    assert "F-North,high,reviewed,refer_for_reinvestigation,yes,1" in lines
    with db.transaction() as session:
        exported = session.scalar(select(LedgerEntry.reason).where(LedgerEntry.action == "export"))
    assert exported == "3 cases in 3 groups as CSV"


def test_oversight_reads_everything_and_changes_nothing(
    db: Database, world: World, reviewer: TestClient
) -> None:
    _post(reviewer, "/review", "/review/next", {})
    with _client(db) as inspector:
        sign_in(inspector, world, "inspector")
        queue_page = inspector.get("/review")
        assert queue_page.status_code == 200 and "Take the next case" not in queue_page.text
        case = inspector.get("/review/cases/REV/1")
        assert case.status_code == 200 and 'id="outcome-form"' not in case.text
        assert inspector.get("/review/progress").status_code == 200
        assert _post(inspector, "/review", "/review/next", {}).status_code == 403  # type: ignore[attr-defined]
        refused = _post(
            inspector,
            "/review/cases/REV/1",
            "/review/cases/REV/1/outcome",
            {"outcome": "no_action", "reason": "Oversight should not decide this."},
        )
        assert refused.status_code == 403  # type: ignore[attr-defined]


def test_every_other_role_is_refused(db: Database, world: World) -> None:
    for username in ("officer-n", "analyst-n", "survivor", "teacher", "admin"):
        with _client(db) as client:
            sign_in(client, world, username)
            for path in (
                "/review",
                "/review/cases/REV/1",
                "/review/progress",
                "/review/progress.csv",
            ):
                assert client.get(path).status_code == 403, (username, path)
            token = csrf_from(client.get("/account").text)
            assert client.post("/review/next", data={"csrf_token": token}).status_code == 403


def test_no_session_and_no_csrf_are_refused(
    db: Database, world: World, reviewer: TestClient
) -> None:
    with _client(db) as anonymous:
        for path in ("/review", "/review/cases/REV/1", "/review/progress.csv"):
            response = anonymous.get(path)
            assert response.status_code == 303 and "/sign-in" in response.headers["location"]
        assert anonymous.post("/review/next").status_code in (303, 400)
    assert reviewer.post("/review/next", data={}).status_code == 400
    assert reviewer.post("/review/next", data={"csrf_token": "forged"}).status_code == 400
    assert 'id="held-case"' not in reviewer.get("/review").text  # nothing was claimed
    # A reviewer cannot decide a case someone else holds, nor one that does not exist.
    _post(reviewer, "/review", "/review/next", {})
    refused = _post(
        reviewer,
        "/review",
        "/review/cases/REV/3/outcome",
        {"outcome": "no_action", "reason": "Deciding a case I do not hold."},
    )
    assert refused.status_code == 400 and "Only the reviewer who took" in refused.text  # type: ignore[attr-defined]
    assert reviewer.get("/review/cases/NOPE/1").status_code == 404
