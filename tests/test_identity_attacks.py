"""Attacks on identity and access (issue 20), each made for real: an administrator granting
himself case access, lockout bypasses, forged client addresses, session fixation, a
cross-site API write, tokens that outlive their owner's wishes, an invisible break-glass
reason, and a disabled account's invitation."""

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from caselink import config
from caselink.access import tokens
from caselink.access.accounts import create_user
from caselink.access.principal import principal_for
from caselink.cli import app as cli
from caselink.domain import Role
from caselink.reporting.mail import SmtpSender, deliver
from caselink.store.db import Database
from caselink.store.models import AccessGrant, ApiToken, LedgerEntry, User
from caselink.web.app import create_app
from tests.support.browser import served
from tests.support.reporting import reporting_world, valid
from tests.support.smtp import smtp_server
from tests.support.world import BY, PASSWORD, World, csrf_from, sign_in

ENROL = re.compile(r"https://testserver(/enrol/[A-Za-z0-9_-]+)")


@pytest.fixture
def world(db: Database) -> World:
    """The access tests' world with a second administrator, so the two-person rule can be
    met (and routed reports, for the API write)."""
    world = reporting_world(db)
    secret = pyotp.random_base32()
    with db.transaction() as s:
        second = create_user(
            s, "admin2", "Admin Two", "admin2@example.org", Role.ADMINISTRATOR, PASSWORD,
            None, BY, totp_secret=secret,
        )  # fmt: skip
        world.users["admin2"], world.secrets["admin2"] = second.id, secret
    return world


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(
        create_app(db), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


def _other(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url="https://testserver", follow_redirects=False)


def _role(db: Database, user_id: int) -> tuple[str, bool]:
    with db.transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user.role, user.active


def _ledgered(db: Database, object_type: str) -> list[tuple[str, str, str | None]]:
    with db.transaction() as s:
        rows = s.execute(
            select(LedgerEntry.actor, LedgerEntry.action, LedgerEntry.reason)
            .where(LedgerEntry.object_type == object_type)
            .order_by(LedgerEntry.seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _mailed_links(db: Database) -> dict[str, str]:
    """Deliver the outbox over real SMTP; each recipient's set-up link, by address."""
    with smtp_server() as (mailbox, port):
        deliver(db, SmtpSender("127.0.0.1", port))
        with mailbox.lock:
            messages = list(mailbox.messages)
    links = {}
    for message in messages:
        found = ENROL.search(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
        if found:
            links[str(message["To"])] = found.group(1)
    return links


# --- The two-person rule -------------------------------------------------------------------


def test_an_administrator_cannot_change_his_own_role(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "admin")
    page = client.get("/admin/users")
    refused = client.post(
        f"/admin/users/{world.users['admin']}",
        data={
            "role": "oversight_officer",
            "active": "yes",
            "reason": "audit",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert refused.status_code == 400
    assert "You cannot change your own role" in refused.text
    assert _role(db, world.users["admin"]) == ("administrator", True)


def test_a_case_reading_role_takes_effect_only_with_a_second_administrator(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "admin")
    page = client.get("/admin/users")
    asked = client.post(
        f"/admin/users/{world.users['teacher']}",
        data={
            "role": "oversight_officer",
            "active": "yes",
            "reason": "joining the inspectorate",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert asked.status_code == 200 and "Waiting for approval" in asked.text
    assert _role(db, world.users["teacher"]) == ("reporter", True), "nothing granted yet"
    request_id = re.search(r'action="/admin/role-requests/(\d+)"', asked.text)
    assert request_id is None, "the requester is offered no way to approve his own request"
    assert "Waiting for another administrator" in asked.text
    with db.transaction() as s:
        from caselink.store.models import RoleRequest

        pending_id = s.scalar(select(RoleRequest.id))
    own = client.post(
        f"/admin/role-requests/{pending_id}",
        data={"decision": "approve", "csrf_token": csrf_from(asked.text)},
    )
    assert own.status_code == 400 and "Another administrator must decide" in own.text
    assert _role(db, world.users["teacher"]) == ("reporter", True)

    second = sign_in(_other(client), world, "admin2")
    shown = second.get("/admin/users")
    assert "Roles waiting for approval" in shown.text and "Teacher (teacher)" in shown.text
    assert "oversight officer" in shown.text and "joining the inspectorate" in shown.text
    approved = second.post(
        f"/admin/role-requests/{pending_id}",
        data={"decision": "approve", "csrf_token": csrf_from(shown.text)},
    )
    assert approved.status_code == 200 and "teacher approved" in approved.text
    assert _role(db, world.users["teacher"]) == ("oversight_officer", True)
    again = second.post(
        f"/admin/role-requests/{pending_id}",
        data={"decision": "refuse", "csrf_token": csrf_from(shown.text)},
    )
    assert again.status_code == 400, "decided once"
    assert [(a, act) for a, act, _ in _ledgered(db, "role_request")] == [
        ("admin", "create"),
        ("admin2", "decide"),
    ]


def test_an_invitation_is_approved_by_a_second_administrator_and_mailed_only_to_the_invitee(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "admin")
    page = client.get("/admin/users")
    invited = client.post(
        "/admin/users",
        data={
            "username": "New.Inspector",
            "display_name": "New Inspector",
            "email": "new.inspector@example.org",
            "role": "oversight_officer",
            "agency": "",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert invited.status_code == 200 and "Waiting for approval" in invited.text
    assert "/enrol/" not in invited.text
    assert _mailed_links(db) == {}, "nothing is sent before approval"
    second = sign_in(_other(client), world, "admin2")
    shown = second.get("/admin/users")
    assert "new.inspector@example.org" in shown.text and "(new account)" in shown.text
    pending_id = re.findall(r'action="/admin/role-requests/(\d+)"', shown.text)[0]
    approved = second.post(
        f"/admin/role-requests/{pending_id}",
        data={"decision": "approve", "csrf_token": csrf_from(shown.text)},
    )
    assert approved.status_code == 200 and "/enrol/" not in approved.text
    assert "/enrol/" not in client.get("/admin/users").text
    link = _mailed_links(db)["new.inspector@example.org"]
    invitee = _other(client)
    form = invitee.get(link)
    secret = form.text.split("<code>")[1].split("</code>")[0]
    done = invitee.post(
        link,
        data={
            "password": "a long new password",
            "confirm": "a long new password",
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_from(form.text),
        },
    )
    assert "Your account is ready" in done.text
    assert invitee.get(link).status_code == 404, "one use only"


def test_a_refused_invitation_leaves_a_disabled_account_and_sends_nothing(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "admin")
    page = client.get("/admin/users")
    client.post(
        "/admin/users",
        data={
            "username": "mole",
            "display_name": "Mole",
            "email": "admin@example.org",
            "role": "analyst",
            "agency": "POL-N",
            "csrf_token": csrf_from(page.text),
        },
    )
    second = sign_in(_other(client), world, "admin2")
    shown = second.get("/admin/users")
    pending_id = re.findall(r'action="/admin/role-requests/(\d+)"', shown.text)[0]
    refused = second.post(
        f"/admin/role-requests/{pending_id}",
        data={"decision": "refuse", "csrf_token": csrf_from(shown.text)},
    )
    assert "mole refused" in refused.text
    with db.transaction() as s:
        mole = s.scalar(select(User).where(User.username == "mole"))
        assert mole is not None and not mole.active and mole.enrolment_hash is None
        mole_id = mole.id
    page = client.get("/admin/users")
    enabled = client.post(
        f"/admin/users/{mole_id}",
        data={
            "role": "analyst",
            "active": "yes",
            "reason": "x",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert enabled.status_code == 400 and "its invitation was refused" in enabled.text
    assert _role(db, mole_id) == ("analyst", False)
    assert _mailed_links(db) == {}


def test_a_disabled_users_invitation_no_longer_works(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "admin")
    page = client.get("/admin/users")
    invited = client.post(
        "/admin/users",
        data={
            "username": "new.teacher",
            "display_name": "New Teacher",
            "email": "new.teacher@example.org",
            "role": "reporter",
            "agency": "SCH-N",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert "sent to new.teacher@example.org" in invited.text  # a reporter needs no second
    with db.transaction() as s:
        new_id = s.scalar(select(User.id).where(User.username == "new.teacher"))
    client.post(
        f"/admin/users/{new_id}",
        data={
            "role": "reporter",
            "active": "no",
            "reason": "left the school",
            "csrf_token": csrf_from(invited.text),
        },
    )
    link = _mailed_links(db)["new.teacher@example.org"]
    invitee = _other(client)
    assert invitee.get(link).status_code == 404
    form = invitee.get("/sign-in")  # any anonymous form gives the CSRF cookie and field
    done = invitee.post(
        link,
        data={
            "password": "a long new password",
            "confirm": "a long new password",
            "code": "123456",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert "Your account is ready" not in done.text
    with db.transaction() as s:
        user = s.get(User, new_id)
        assert user is not None and user.totp_last_step is None


# --- Signing in ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["analyst-n ", " analyst-n", "analyst-n\t", "analyst-n\u00a0", "ANALYST-N"]
)
def test_another_spelling_of_the_username_meets_the_same_lockout(
    client: TestClient, world: World, spelling: str
) -> None:
    token = csrf_from(client.get("/sign-in").text)
    for guess in range(5):  # failures under other spellings count against the account too
        name = spelling if guess % 2 else "analyst-n"
        client.post(
            "/sign-in", data={"username": name, "password": "guess-guess-1", "csrf_token": token}
        )
    for name in (spelling, "analyst-n"):
        right = client.post(
            "/sign-in", data={"username": name, "password": PASSWORD, "csrf_token": token}
        )
        assert right.status_code == 400 and "Too many failed attempts" in right.text


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_http = urllib.request.build_opener(_NoRedirects)


def _post(base: str, path: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        base + path, data=urllib.parse.urlencode(form).encode(), headers=headers
    )
    try:
        with _http.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as answered:  # 303 and 400 are answers here, not faults
        return answered.code, answered.read().decode()


def _failures_from_rotating_addresses(base: str, count: int) -> tuple[int, str]:
    """`count` wrong passwords, each claiming a new client address, then a right one."""
    with _http.open(base + "/sign-in", timeout=30) as page:
        html = page.read().decode()
        cookie = page.headers["set-cookie"].split(";")[0]  # caselink_csrf=...
    form = {"csrf_token": csrf_from(html)}
    for n in range(count):
        _post(
            base,
            "/sign-in",
            {**form, "username": f"nobody-{n}", "password": "guess-guess-1"},
            {"Cookie": cookie, "X-Forwarded-For": f"203.0.113.{n + 1}"},
        )
    return _post(
        base,
        "/sign-in",
        {**form, "username": "officer-n", "password": PASSWORD},
        {"Cookie": cookie, "X-Forwarded-For": "198.51.100.7"},
    )


def test_a_forged_forwarded_for_does_not_escape_the_client_throttle(
    world: World, db: Database
) -> None:
    with served(db) as base:
        status, text = _failures_from_rotating_addresses(base, 20)
    assert status == 400 and "Too many failed attempts" in text


def test_a_configured_proxy_is_believed(world: World, db: Database) -> None:
    with served(db, trusted_proxies=("127.0.0.1",)) as base:
        status, _ = _failures_from_rotating_addresses(base, 20)
    assert status == 303, "each forwarded address is a client of its own"


def test_the_proxy_setting_is_checked_and_shown() -> None:
    with pytest.raises(config.ConfigError, match="CASELINK_TRUSTED_PROXIES='\\*'"):
        config.Settings.from_env({"CASELINK_TRUSTED_PROXIES": "*"})
    with pytest.raises(config.ConfigError, match=r"'proxy.example', which is not an IP address"):
        config.Settings.from_env({"CASELINK_TRUSTED_PROXIES": "10.0.0.1,proxy.example"})
    settings = config.Settings.from_env({"CASELINK_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16"})
    assert settings.trusted_proxies == ("10.0.0.1", "10.1.0.0/16")
    assert config.Settings.from_env({}).trusted_proxies == ()
    shown = {e.name: e for e in config.effective({})}
    assert shown["CASELINK_TRUSTED_PROXIES"].value == "(not set)"


def test_the_session_token_is_replaced_when_the_second_factor_is_accepted(
    client: TestClient, world: World
) -> None:
    page = client.get("/sign-in")
    password = client.post(
        "/sign-in",
        data={"username": "officer-n", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    planted = client.cookies["caselink_session"]  # what a fixation attacker would know
    code_page = client.get("/sign-in/code")
    done = client.post(
        "/sign-in/code",
        data={"code": world.next_code("officer-n"), "csrf_token": csrf_from(code_page.text)},
    )
    assert done.status_code == 303
    for response in (password, done):
        assert "samesite=strict" in response.headers["set-cookie"].lower()
    fresh = client.cookies["caselink_session"]
    assert fresh != planted
    assert client.get("/home").status_code == 200
    attacker = _other(client)
    attacker.cookies.set("caselink_session", planted)
    assert attacker.get("/home").status_code == 303, "the planted token signs nobody in"


# --- The API and its tokens ----------------------------------------------------------------


def test_a_cross_site_api_write_with_the_session_cookie_is_refused(
    client: TestClient, world: World, db: Database
) -> None:
    filer = _issue(db, world, "teacher", {"reports:submit"})
    body = valid(learned_on=date.today().isoformat())
    reference = client.post("/api/reports", json=body, headers=filer).json()["reference"]
    sign_in(client, world, "officer-n")
    forged = client.post(
        f"/api/reports/{reference}/acknowledge", headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["detail"]
    with db.transaction() as s:
        acknowledged = s.scalar(select(LedgerEntry.seq).where(LedgerEntry.action == "acknowledge"))
    assert acknowledged is None
    assert client.get(f"/api/reports/{reference}/receipt").status_code == 200, "reads still work"
    token = csrf_from(client.get("/home").text)
    ours = client.post(f"/api/reports/{reference}/acknowledge", headers={"X-CSRF-Token": token})
    assert ours.status_code == 200


def _issue(db: Database, world: World, username: str, scopes: set[str]) -> dict[str, str]:
    with db.transaction() as s:
        user = s.get(User, world.users[username])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), "test", scopes, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def _token_ids(db: Database, world: World, username: str) -> list[int]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(ApiToken.id)
                .where(ApiToken.user_id == world.users[username])
                .order_by(ApiToken.id)
            )
        )


def test_tokens_are_revoked_from_the_web_the_api_and_the_command_line(
    client: TestClient, world: World, db: Database
) -> None:
    web, api, cli_token, other = (_issue(db, world, "officer-n", {"cases:read"}) for _ in "1234")
    web_id, api_id, cli_id, _ = _token_ids(db, world, "officer-n")
    sign_in(client, world, "officer-n")
    page = client.get("/account")
    assert f'action="/account/tokens/{web_id}/revoke"' in page.text
    client.post(f"/account/tokens/{web_id}/revoke", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/api/cases", headers=web).status_code == 401

    assert client.delete(f"/api/tokens/{api_id}", headers=api).status_code == 204
    assert client.get("/api/cases", headers=api).status_code == 401
    stranger = _issue(db, world, "officer-s", {"cases:read"})
    assert client.delete(f"/api/tokens/{cli_id}", headers=stranger).status_code == 404
    assert client.get("/api/cases", headers=cli_token).status_code == 200

    result = CliRunner().invoke(
        cli, ["tokens", "revoke", "officer-n", "--id", str(cli_id)], env=_cli_env(db)
    )
    assert result.exit_code == 0, result.output
    assert client.get("/api/cases", headers=cli_token).status_code == 401
    assert client.get("/api/cases", headers=other).status_code == 200
    revocations = [r for _, act, r in _ledgered(db, "api_token") if act == "change"]
    assert revocations == ["revoked"] * 3


def _cli_env(db: Database) -> dict[str, str]:
    return {"CASELINK_DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}


def test_signing_out_everywhere_and_disabling_revoke_every_token(
    client: TestClient, world: World, db: Database
) -> None:
    mine = _issue(db, world, "officer-n", {"cases:read"})
    sign_in(client, world, "officer-n")
    client.post("/sign-out-everywhere", data={"csrf_token": csrf_from(client.get("/home").text)})
    assert client.get("/api/cases", headers=mine).status_code == 401

    theirs = _issue(db, world, "analyst-n", {"cases:read"})
    admin = sign_in(_other(client), world, "admin")
    page = admin.get("/admin/users")
    admin.post(
        f"/admin/users/{world.users['analyst-n']}",
        data={
            "role": "analyst",
            "active": "no",
            "reason": "left",
            "csrf_token": csrf_from(page.text),
        },
    )
    page = admin.get("/admin/users")
    admin.post(
        f"/admin/users/{world.users['analyst-n']}",
        data={
            "role": "analyst",
            "active": "yes",
            "reason": "back",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert client.get("/api/cases", headers=theirs).status_code == 401, "re-enabling is no undo"
    with db.transaction() as s:
        live = s.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).all()
    assert live == []


def test_only_scopes_the_role_can_use_are_offered_or_issued(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, world, "teacher")
    page = client.get("/account")
    assert 'value="reports:submit"' in page.text and 'value="cases:read"' not in page.text
    refused = client.post(
        "/account/tokens",
        data={"name": "x", "days": "30", "scope": "cases:read", "csrf_token": csrf_from(page.text)},
    )
    assert "choose from reports:submit, reports:read" in refused.text
    assert _token_ids(db, world, "teacher") == []
    admin = sign_in(_other(client), world, "admin")
    assert "Your role does not use the API" in admin.get("/account").text
    with pytest.raises(ValueError, match="scopes"):
        _issue(db, world, "analyst-n", {"reports:submit"})


# --- Break-glass ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "\u200b" * 20,  # zero-width spaces
        "\u00a0" * 25,  # no-break spaces
        "urgent\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b",
        "Child missing tonight, need the file\u202e",  # a direction override
        "Child missing tonight, need the file\x07",
    ],
)
def test_break_glass_refuses_a_reason_nobody_can_read(
    client: TestClient, world: World, db: Database, reason: str
) -> None:
    sign_in(client, world, "officer-n")
    form = client.get("/cases/SOUTH/1/break-glass")
    refused = client.post(
        "/cases/SOUTH/1/break-glass", data={"reason": reason, "csrf_token": csrf_from(form.text)}
    )
    assert refused.status_code == 400
    assert "at least 20 characters" in refused.text or "invisible or control" in refused.text
    with db.transaction() as s:
        assert s.scalars(select(AccessGrant)).all() == []
