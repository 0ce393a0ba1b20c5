"""Importing closed cases in the browser: the same all-or-nothing, re-runnable, ledgered import
as the CLI; problems listed by line and field with nothing stored; a size limit; and every
role but case reviewer, a missing session and a missing CSRF token refused."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from caselink.review.importing import import_file
from caselink.store.db import Database
from caselink.store.models import Import, LedgerEntry, ReviewCase
from caselink.web import review_import
from caselink.web.app import create_app
from tests.support.review import ROWS, csv_text, write_cases
from tests.support.world import World, build, csrf_from, sign_in


@pytest.fixture
def world(db: Database) -> World:
    return build(db)


def _client(db: Database) -> TestClient:
    return TestClient(create_app(db), base_url="https://testserver", follow_redirects=False)


@pytest.fixture
def reviewer(db: Database, world: World) -> Iterator[TestClient]:
    with _client(db) as client:
        yield sign_in(client, world, "reviewer")


def _upload(
    client: TestClient, content: str | bytes, name: str = "closed.csv", token: str | None = None
) -> Response:
    if token is None:
        token = csrf_from(client.get("/review/import").text)
    return client.post(
        "/review/import",
        data={"csrf_token": token},
        files={"cases_file": (name, content, "text/csv")},
    )


def _stored(db: Database) -> tuple[int, int]:
    """(review cases, review-case imports) in the store."""
    with db.transaction() as session:
        cases = session.scalar(select(func.count()).select_from(ReviewCase)) or 0
        imports = session.scalar(
            select(func.count()).select_from(Import).where(Import.kind == "review_cases")
        )
    return cases, imports or 0


def test_a_reviewer_imports_a_file_and_a_second_upload_adds_nothing(
    db: Database, world: World, reviewer: TestClient, tmp_path: Path
) -> None:
    # REV/2 came in earlier from another file (through the CLI path).
    import_file(db, write_cases(tmp_path / "earlier.csv", {"REV/2": ROWS["REV/2"]}))
    form = reviewer.get("/review/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "earlier.csv" in form.text  # files imported so far

    done = _upload(reviewer, csv_text(), "north and south.csv")
    assert done.status_code == 303, done.text
    result_url = done.headers["location"]
    assert result_url.startswith("/review/imports/") and "again" not in result_url
    result = reviewer.get(result_url)
    assert result.status_code == 200
    assert "2 cases imported, 1 already present" in result.text
    assert "north and south.csv" in result.text
    assert _stored(db) == (3, 2)
    # Scored at once, so the imported cases are in the queue.
    queue = reviewer.get("/review").text
    assert "REV/1" in queue and "REV/3" in queue and "Import closed cases" in queue
    with db.transaction() as session:
        entry = session.execute(
            select(LedgerEntry.actor, LedgerEntry.reason)
            .where(LedgerEntry.action == "import", LedgerEntry.object_type == "import")
            .order_by(LedgerEntry.seq.desc())
        ).first()
    assert entry is not None and entry.actor == "reviewer"
    assert entry.reason == "2 closed cases for review from north and south.csv"

    # The identical file again: nothing is added, and the page says so.
    again = _upload(reviewer, csv_text(), "north and south.csv")
    assert again.status_code == 303 and again.headers["location"] == result_url + "?again=1"
    assert "This exact file was already imported" in reviewer.get(again.headers["location"]).text
    # The same cases in another file: counted as present, not added twice.
    reordered = {"REV/3": ROWS["REV/3"], "REV/1": ROWS["REV/1"]}
    other = _upload(reviewer, csv_text(reordered), "resent.csv")
    assert other.status_code == 303
    assert "0 cases imported, 2 already present" in reviewer.get(other.headers["location"]).text
    assert _stored(db) == (3, 3)


def test_a_bad_file_lists_every_problem_by_line_and_field_and_stores_nothing(
    db: Database, world: World, reviewer: TestClient
) -> None:
    rows = {
        "REV/1": {**ROWS["REV/1"], "victim_age": "two"},
        "REV/2": {**ROWS["REV/2"], "closed_on": "2012-13-40"},
        "REV/3": {**ROWS["REV/3"], "force": "F-NOWHERE"},
    }
    refused = _upload(reviewer, csv_text(rows), "bad.csv")
    assert refused.status_code == 400
    page = refused.text
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert "bad.csv has 3 problems, so nothing was imported" in page
    assert "Line 2, victim_age: &#39;two&#39; is not a whole number" in page
    assert "Line 3, closed_on: &#39;2012-13-40&#39; is not a real calendar date" in page
    assert "Line 4, force: no force area has the code &#39;F-NOWHERE&#39;" in page
    assert 'href="#cases_file"' in page and 'id="cases_file-error"' in page
    assert _stored(db) == (0, 0)
    # A wrong column header names the column; markup in a file name is shown escaped.
    header = csv_text().replace("closure_reason", "reason", 1)
    missing = _upload(reviewer, header, "<b>x</b>.csv")
    assert missing.status_code == 400 and "closure_reason" in missing.text
    assert "<b>x</b>" not in missing.text
    for content, name, message in (
        ("a,b\n", "cases.txt", "must be a CSV or Parquet file"),
        ("", "empty.csv", "The selected file is empty"),
        (b"\x00\x01 not parquet", "cases.parquet", "is not a readable Parquet file"),
    ):
        answer = _upload(reviewer, content, name)
        assert answer.status_code == 400 and message in answer.text, name
    token = csrf_from(reviewer.get("/review/import").text)
    no_file = reviewer.post("/review/import", data={"csrf_token": token})
    assert no_file.status_code == 400 and "Select a closed-case file" in no_file.text
    assert _stored(db) == (0, 0)


def test_a_file_over_the_size_limit_is_refused_with_a_clear_error(
    db: Database, world: World, reviewer: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_import, "MAX_BYTES", 200)
    over = _upload(reviewer, csv_text(), "big.csv")
    assert over.status_code == 413
    assert "The selected file must be smaller than" in over.text
    # The whole request too large to read at all (over the limit and the form's overhead).
    monkeypatch.setattr(review_import, "_FORM_OVERHEAD", 0)
    huge = _upload(reviewer, csv_text() * 3, "huge.csv")
    assert huge.status_code == 413 and "must be smaller than" in huge.text
    assert _stored(db) == (0, 0)


def test_every_other_role_no_session_and_no_csrf_are_refused(
    db: Database, world: World, reviewer: TestClient
) -> None:
    done = _upload(reviewer, csv_text())
    result_url = done.headers["location"]
    for username in ("officer-n", "analyst-n", "inspector", "survivor", "teacher", "admin"):
        with _client(db) as client:
            sign_in(client, world, username)
            assert client.get("/review/import").status_code == 403, username
            token = csrf_from(client.get("/account").text)
            other = {"REV/9": ROWS["REV/2"]}
            refused = _upload(client, csv_text(other), token=token)
            assert refused.status_code == 403, username
            # Oversight reads what was imported; nobody else does.
            expected = 200 if username == "inspector" else 403
            assert client.get(result_url).status_code == expected, username
    with _client(db) as anonymous:
        for path in ("/review/import", result_url):
            response = anonymous.get(path)
            assert response.status_code == 303 and "/sign-in" in response.headers["location"]
        posted = _upload(anonymous, csv_text({"REV/9": ROWS["REV/2"]}), token="")
        assert posted.status_code == 303 and "/sign-in" in posted.headers["location"]
    for token in ("", "forged"):
        forged = _upload(reviewer, csv_text({"REV/9": ROWS["REV/2"]}), token=token)
        assert forged.status_code == 400 and "This form has expired" in forged.text
    assert _stored(db) == (3, 1)
    assert reviewer.get("/review/imports/999999").status_code == 404
    assert reviewer.get("/review/imports/99999999999999999999").status_code == 404
    assert reviewer.get("/review/imports/nope").status_code == 404
