"""Structured request logs: JSON lines with the request id (echoed back), the route's path
template, status, duration and the user's numeric id, and nothing personal."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from caselink.operations import logs
from caselink.store.db import Database
from caselink.web.app import create_app
from tests.support.world import World, build, sign_in


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the request log writes, as JSON lines."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonLines())
    logs.request_log.addHandler(handler)
    logs.request_log.setLevel(logging.DEBUG)
    yield out
    logs.request_log.removeHandler(handler)
    logs.request_log.setLevel(logging.NOTSET)


def records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def world(db: Database) -> World:
    return build(db)


def test_a_request_line_has_the_fields_operators_need(
    db: Database, world: World, lines: io.StringIO
) -> None:
    with TestClient(
        create_app(db), base_url="https://testserver", follow_redirects=False
    ) as client:
        sign_in(client, world, "officer-n")
        lines.truncate(0)
        lines.seek(0)
        response = client.get("/cases/NORTH%2F1?q=Amy+Stone", headers={"X-Request-ID": "lb-42"})
    assert response.headers["X-Request-ID"] == "lb-42", "the caller's id is echoed back"
    (line,) = records(lines)
    assert line["request_id"] == "lb-42"
    assert line["method"] == "GET"
    assert str(line["path"]).startswith("/cases/{"), "the route's template, not the path"
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == world.users["officer-n"]
    assert {"time", "level", "event"} <= line.keys()
    raw = lines.getvalue()
    for personal in ("officer-n", "Amy", "Stone", "NORTH", "q="):
        assert personal not in raw, f"{personal!r} must not be logged"


def test_request_ids_are_made_when_missing_or_unsafe(db: Database, lines: io.StringIO) -> None:
    with TestClient(create_app(db)) as client:
        made = client.get("/").headers["X-Request-ID"]
        odd = client.get("/", headers={"X-Request-ID": "x <script>"}).headers["X-Request-ID"]
        long = client.get("/", headers={"X-Request-ID": "a" * 200}).headers["X-Request-ID"]
        assert client.get("/no-such-page").status_code == 404
        client.get("/static/caselink.css")
        client.get("/health/ready")
    assert len(made) == 32 and made != odd and "<" not in odd and len(long) == 32
    seen = records(lines)
    assert [line["path"] for line in seen] == [
        "/",
        "/",
        "/",
        "unmatched",
        "/static/...",
        "/health/ready",
    ]
    assert all(line["user_id"] is None for line in seen)
    assert seen[-1]["level"] == "debug", "load balancer polls stay out of the info log"


def test_a_failure_logs_its_type_and_place_not_its_message() -> None:
    try:
        raise ValueError("Amy Stone, 12 Alder Street")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "request failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(logs.JsonLines().format(record))
    assert line["error"].startswith("ValueError at ") and "Amy" not in json.dumps(line)
    assert "Amy" not in logs.Text().format(record)


def test_configure_chooses_json_or_text(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        logs.configure("json", "info")
        logging.getLogger("caselink.test").info("hello", extra={"status": 200, "name_x": 1})
        assert json.loads(capsys.readouterr().err)["status"] == 200
        logs.configure("text", "warning")
        logging.getLogger("caselink.test").info("hidden")
        logging.getLogger("caselink.test").warning("shown", extra={"status": 503})
        err = capsys.readouterr().err
        assert "hidden" not in err and "WARNING shown status=503" in err
    finally:
        root.handlers, root.level = saved[0], saved[1]
