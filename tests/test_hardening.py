"""Input that once made a server error, or was let through: each is performed here and must
get a clear answer (a page for people, JSON for programs) with the request id of its log
line, and change nothing."""

import io
import json
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from caselink.operations import logs
from caselink.store.db import Database
from caselink.store.models import Report, ReviewCase
from caselink.web.app import create_app
from tests.support.reporting import reporting_world
from tests.support.review import ROWS, csv_text
from tests.support.world import World, csrf_from, sign_in


class Reason(BaseModel):
    reason: str = Field(max_length=100)
    days: int


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


@pytest.fixture
def app(db: Database) -> FastAPI:
    app = create_app(db)

    @app.post("/test-failure/{reference}")
    def fails(reference: str) -> None:
        raise RuntimeError(f"stored value {reference}")

    @app.post("/api/test-echo")
    def echo(body: Reason) -> dict[str, str]:
        return {"ok": body.reason[:1]}

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as c:
        yield c


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonLines())
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old)


def _count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_server_error_carries_its_request_id_and_logs_no_filled_in_path(
    client: TestClient, lines: io.StringIO
) -> None:
    page = client.post("/test-failure/MR-M82B-JPQ3", headers={"X-Request-ID": "rq-77"})
    assert page.status_code == 500
    assert page.headers["X-Request-ID"] == "rq-77"
    assert "Sorry, there is a problem with the service" in page.text and "rq-77" in page.text
    ours = [json.loads(line) for line in lines.getvalue().splitlines()]
    ours = [line for line in ours if line["logger"].startswith("caselink")]
    assert "MR-M82B-JPQ3" not in json.dumps(ours), "the log names the route, never the path"
    failures = [line for line in ours if line["event"] == "unhandled error"]
    assert failures and failures[0]["request_id"] == "rq-77"
    assert failures[0]["path"] == "/test-failure/{reference}"


def test_not_found_pages_and_api_errors_carry_the_request_id(
    client: TestClient, world: World
) -> None:
    page = client.get("/no-such-page", headers={"X-Request-ID": "rq-1"})
    assert page.status_code == 404 and "rq-1" in page.text
    sign_in(client, world, "officer-n")
    routed = client.get("/cases/NO-SUCH-CASE", headers={"X-Request-ID": "rq-3"})
    assert routed.status_code == 404 and "rq-3" in routed.text, "a route's own 404 page too"
    refused = client.get("/cases/SOUTH%2F1", headers={"X-Request-ID": "rq-4"})
    assert refused.status_code in (403, 404) and "rq-4" in refused.text
    api = client.get("/api/no-such-thing", headers={"X-Request-ID": "rq-2"})
    assert api.status_code == 404 and api.json()["request_id"] == "rq-2"


def test_a_422_quotes_back_only_a_little_of_what_was_sent(client: TestClient) -> None:
    huge = "x" * 1_000_000
    reply = client.post("/api/test-echo", json={"reason": huge, "days": "abc"})
    assert reply.status_code == 422
    assert len(reply.content) < 2_000, "a 1 MB field must not come back as a 1 MB reply"
    assert [e["loc"] for e in reply.json()["detail"]] == [["body", "reason"], ["body", "days"]]
    nested = client.post("/api/test-echo", json={"reason": {"a": huge}, "days": 1})
    assert nested.status_code == 422 and len(nested.content) < 2_000


def test_web_forms_answer_with_pages_not_json(
    client: TestClient, world: World, db: Database
) -> None:
    # A stranger is sent to sign in before anything is said about the form.
    stranger = client.post("/account/tokens", data={"name": "n", "days": "abc", "csrf_token": "t"})
    assert stranger.status_code == 303 and "/sign-in" in stranger.headers["location"]
    sign_in(client, world, "reviewer")
    token = csrf_from(client.get("/account").text)
    days = client.post("/account/tokens", data={"name": "n", "days": "abc", "csrf_token": token})
    assert days.status_code == 400 and days.headers["content-type"].startswith("text/html")
    assert "days must be a number" in days.text
    token = csrf_from(client.get("/review/import").text)
    files = [
        ("cases_file", ("a.csv", csv_text(), "text/csv")),
        ("cases_file", ("b.csv", csv_text(), "text/csv")),
    ]
    two = client.post("/review/import", data={"csrf_token": token}, files=files)
    assert two.status_code == 400 and two.headers["content-type"].startswith("text/html")
    assert "Too many files" in two.text
    assert _count(db, ReviewCase) == 0


def test_a_small_upload_sent_in_chunks_is_imported(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "reviewer")
    token = csrf_from(client.get("/review/import").text)
    boundary = "caselink-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="cases_file"; '
        f'filename="small.csv"\r\nContent-Type: text/csv\r\n\r\n'
        f"{csv_text({'REV/2': ROWS['REV/2']})}\r\n--{boundary}--\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 200):
            yield body[start : start + 200]

    sent = client.post(
        "/review/import",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert sent.status_code == 303, sent.text
    assert _count(db, ReviewCase) == 1


def test_numbers_that_overflow_or_are_not_ascii_are_pages_not_errors(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "officer-n")
    assert client.get("/cases?page=9999999999999999999999").status_code == 200
    assert client.get("/reports/inbox?page=9999999999999999999999").status_code == 200
    client.cookies.clear()
    sign_in(client, world, "reviewer")
    assert client.get("/review/imports/%C2%B2").status_code == 404
    assert client.get("/review/imports/%D9%A3").status_code == 404  # Arabic-Indic three


def _report_form(client: TestClient) -> dict[str, str]:
    token = csrf_from(client.get("/report").text)
    return {
        "csrf_token": token,
        "reporter_role": "teacher",
        "reporter_setting": "North Primary School",
        "trigger": "child_told",
        "immediate_danger": "no",
        "learned_on": date.today().isoformat(),
        "what_happened": "She told me a man drives her home.",
        "child.postcode": "NO1 2AB",
    }


@pytest.mark.parametrize(
    "extra",
    [
        [("child", "x"), ("child.given_name", "Amy")],
        [("child.given_name", "Amy"), ("child", "x")],
        [("suspects.0", "x"), ("suspects.0.given_name", "Carl")],
        [("suspects", "x")],
    ],
)
def test_a_report_form_with_a_name_both_a_value_and_a_group_is_not_an_error(
    client: TestClient, world: World, db: Database, extra: list[tuple[str, str]]
) -> None:
    sign_in(client, world, "teacher")
    form = {**_report_form(client), **dict(extra)}
    sent = client.post("/report", data=form)
    assert sent.status_code in (303, 400), sent.text


def _upload(client: TestClient, content: str) -> str:
    token = csrf_from(client.get("/review/import").text)
    sent = client.post(
        "/review/import",
        data={"csrf_token": token},
        files={"cases_file": ("closed.csv", content, "text/csv")},
    )
    assert sent.status_code == 400, sent.text
    return sent.text


def test_an_import_with_a_200000_character_field_is_refused_by_line(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "reviewer")
    rows = {"REV/2": {**ROWS["REV/2"], "closure_note": "y" * 200_000}}
    page = _upload(client, csv_text(rows))
    assert "has a field longer than" in page and "nothing was imported" in page
    assert _count(db, ReviewCase) == 0


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("closure_note", "went\x00 willingly", "control character (U+0000)"),
        ("closure_note", "bell\x07", "control character (U+0007)"),
        ("case_reference", "REV/\u202e9", "text-direction character (U+202E)"),
        ("victim_age", "\u0661\u0663", "is not a whole number"),
    ],
)
def test_an_import_refuses_control_direction_and_non_ascii_digit_characters(
    client: TestClient, world: World, db: Database, column: str, value: str, words: str
) -> None:
    sign_in(client, world, "reviewer")
    row = {**ROWS["REV/2"], column: value}
    rows = {value: ROWS["REV/2"]} if column == "case_reference" else {"REV/2": row}
    page = _upload(client, csv_text(rows))
    assert words in page
    assert column in page, "the problem names its column (and its line)"
    assert _count(db, ReviewCase) == 0
    assert _count(db, Report) == 0
