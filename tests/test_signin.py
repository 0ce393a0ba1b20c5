"""Signing in with a password and a second factor, and everything that should stop it."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.access import sessions
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, UserSession
from caselink.web.app import create_app
from tests.support.world import PASSWORD, World, build, csrf_from, sign_in


@pytest.fixture
def world(db: Database) -> World:
    return build(db)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(
        create_app(db), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/cases?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/cases%3Fq%3Dx"
    assert client.get("/api/cases").status_code == 401


def test_password_and_code_sign_in_then_sign_out(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "officer-n")
    home = client.get("/home")
    assert home.status_code == 200 and "Welcome, Officer-N" in home.text
    cookie = client.cookies.get("caselink_session")
    assert cookie is not None
    client.post("/sign-out", data={"csrf_token": csrf_from(home.text)})
    assert client.get("/home").status_code == 303
    with db.transaction() as s:
        actions = s.scalars(
            select(LedgerEntry.action).where(LedgerEntry.actor == "officer-n")
        ).all()
    assert "login" in actions and "logout" in actions


def test_password_alone_is_not_enough(client: TestClient, world: World) -> None:
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"username": "officer-n", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert client.get("/cases").status_code == 303, "no second factor yet"


def test_session_cookie_flags(client: TestClient, world: World) -> None:
    page = client.get("/sign-in")
    done = client.post(
        "/sign-in",
        data={"username": "officer-n", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_wrong_password_names_no_account(client: TestClient, world: World) -> None:
    page = client.get("/sign-in")
    for username in ("officer-n", "nobody-at-all"):
        response = client.post(
            "/sign-in",
            data={
                "username": username,
                "password": "wrong-one!",
                "csrf_token": csrf_from(page.text),
            },
        )
        assert response.status_code == 400
        assert "Enter a correct username and password" in response.text


def test_lockout_after_five_failures_even_with_the_right_password(
    client: TestClient, world: World
) -> None:
    token = csrf_from(client.get("/sign-in").text)
    for _ in range(5):
        client.post(
            "/sign-in",
            data={"username": "analyst-n", "password": "guess-guess-1", "csrf_token": token},
        )
    right = client.post(
        "/sign-in", data={"username": "analyst-n", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 400 and "Too many failed attempts" in right.text


def test_a_replayed_code_is_refused(client: TestClient, world: World, db: Database) -> None:
    sign_in(client, world, "inspector")
    code = world.last_codes["inspector"]
    other = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    page = other.get("/sign-in")
    other.post(
        "/sign-in",
        data={"username": "inspector", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    code_page = other.get("/sign-in/code")
    replay = other.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_from(code_page.text)}
    )
    assert replay.status_code == 400


def test_forms_without_csrf_token_are_refused(client: TestClient, world: World) -> None:
    assert (
        client.post("/sign-in", data={"username": "officer-n", "password": PASSWORD}).status_code
        == 400
    )
    sign_in(client, world, "officer-n")
    refused = client.post(
        "/cases/SOUTH/1/break-glass", data={"reason": "A child is at risk tonight, need to check"}
    )
    assert refused.status_code == 400 and "This form has expired" in refused.text


def test_idle_session_expires(client: TestClient, world: World, db: Database) -> None:
    sign_in(client, world, "officer-n")
    with db.transaction() as s:
        for row in s.scalars(select(UserSession)):
            row.last_seen_at = sessions.utcnow() - sessions.IDLE_TIMEOUT * 2
    assert client.get("/home").status_code == 303


def test_sign_out_everywhere_ends_other_browsers(client: TestClient, world: World) -> None:
    other = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    sign_in(other, world, "officer-n")
    sign_in(client, world, "officer-n")
    account = client.get("/account")
    client.post("/sign-out-everywhere", data={"csrf_token": csrf_from(account.text)})
    assert other.get("/home").status_code == 303
    assert client.get("/home").status_code == 303


def test_next_cannot_redirect_off_site(client: TestClient, world: World) -> None:
    page = client.get("/sign-in")
    client.post(
        "/sign-in?next=//evil.example",
        data={"username": "officer-n", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    code_page = client.get("/sign-in/code?next=//evil.example")
    done = client.post(
        "/sign-in/code?next=//evil.example",
        data={"code": world.next_code("officer-n"), "csrf_token": csrf_from(code_page.text)},
    )
    assert done.headers["location"] == "/home"
