"""The security headers, on every kind of response, exactly as strict as written in app.py:
pages, API answers and refusals, static files, error pages; HSTS over HTTPS only; a header a
route set itself is kept, and no header is sent twice."""

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from caselink.access import tokens
from caselink.access.principal import principal_for
from caselink.store.db import Database
from caselink.store.models import User
from caselink.web.app import HSTS, SECURITY_HEADERS, create_app
from tests.support.reporting import reporting_world, valid

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@pytest.fixture
def app(db: Database) -> FastAPI:
    app = create_app(db)

    @app.get("/test-own-cache-control")
    def own_cache_control() -> Response:
        return Response("kept", headers={"Cache-Control": "private, max-age=5"})

    return app


@pytest.fixture
def secure(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def _exactly_once(response: object, name: str) -> str:
    values = response.headers.get_list(name)  # type: ignore[attr-defined]
    assert len(values) == 1, f"{name}: {values}"
    return str(values[0])


def _strict(response: object, hsts: bool) -> None:
    assert _exactly_once(response, "Content-Security-Policy") == CSP
    for name, value in SECURITY_HEADERS.items():
        assert _exactly_once(response, name) == value, name
    sent = response.headers.get_list(HSTS[0])  # type: ignore[attr-defined]
    assert sent == ([HSTS[1]] if hsts else [])


def test_every_kind_of_response_carries_the_headers_exactly_once(
    secure: TestClient, db: Database
) -> None:
    world = reporting_world(db)
    with db.transaction() as s:
        user = s.get(User, world.users["teacher"])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), "t", {"reports:submit"}, timedelta(days=1))
    body = valid(learned_on=date.today().isoformat())
    responses = {
        "page": secure.get("/"),
        "static": secure.get("/assets/govuk-frontend.min.css"),
        "not found page": secure.get("/no-such-page"),
        "API refusal": secure.post("/api/reports", json=body),
        "API bad input": secure.post(
            "/api/reports",
            json={**body, "learned_on": "2099-01-01"},
            headers={"Authorization": f"Bearer {token}"},
        ),
        "API receipt": secure.post(
            "/api/reports", json=body, headers={"Authorization": f"Bearer {token}"}
        ),
    }
    expected = {
        "page": 200,
        "static": 200,
        "not found page": 404,
        "API refusal": 401,
        "API bad input": 422,
        "API receipt": 201,
    }
    assert {k: r.status_code for k, r in responses.items()} == expected
    for response in responses.values():
        _strict(response, hsts=True)


def test_hsts_only_over_https_and_a_routes_own_header_is_kept(app: FastAPI) -> None:
    with TestClient(app, base_url="http://testserver") as plain:
        _strict(plain.get("/"), hsts=False)
        own = plain.get("/test-own-cache-control")
    assert own.text == "kept"
    assert _exactly_once(own, "Cache-Control") == "private, max-age=5"
    assert _exactly_once(own, "X-Frame-Options") == "DENY"
    assert _exactly_once(own, "Content-Security-Policy") == CSP


def test_an_unexpected_error_still_has_the_headers(app: FastAPI) -> None:
    @app.get("/test-boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        failed = c.get("/test-boom")
    assert failed.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert failed.headers[name] == value
