"""Who is asking: the session cookie (pages) or a bearer token (API), and CSRF on forms.

Routes declare what they need with `Depends(signed_in)` / `Depends(api_principal(scope))`;
what that principal may then see is decided by `caselink.access.policy`, not here.
"""

import hmac
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from caselink.access import sessions, tokens
from caselink.access.principal import Principal, principal_for
from caselink.store.db import Database
from caselink.store.models import User, UserSession

COOKIE = "caselink_session"
# Browsers treat http://127.0.0.1 and localhost as secure, so Secure cookies work in the
# demo too; set CASELINK_COOKIE_SECURE=false only for a plain-http host name.
SECURE = os.environ.get("CASELINK_COOKIE_SECURE", "true").lower() != "false"


def set_session_cookie(response: Response, token: str) -> None:
    """The session cookie: never readable by script, only over HTTPS, and SameSite=Strict,
    so no request started on another site carries it (a link from elsewhere lands signed
    out, which is the price of that)."""
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=SECURE,
        samesite="strict",
        max_age=int(sessions.ABSOLUTE_TIMEOUT.total_seconds()),
    )


# An API write made with the session cookie (not a bearer token) must carry this header with
# the session's CSRF token, as a form carries its field.
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """Raised for a request with no live, fully signed-in session."""


class Forbidden(Exception):
    """The signed-in user may not do this."""


class BadCsrf(Exception):
    """A form was posted without this session's CSRF token."""


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@contextmanager
def unavailable_as_503() -> Iterator[None]:
    """A database that cannot be reached (restarting, pool exhausted) is a 503 to retry, not
    a 500; an API retry with the same Idempotency-Key files once."""
    try:
        yield
    except (OperationalError, InterfaceError, PoolTimeout) as lost:
        message = "The service's database is unavailable or busy: try again in a few seconds"
        raise HTTPException(503, message, headers={"Retry-After": "5"}) from lost


def unit_of_work(request: Request) -> Iterator[Session]:
    """One transaction per request: what the handler writes, and its ledger entries, commit
    together or not at all (a lost database: see `unavailable_as_503`)."""
    # database(request) called, not depended on: a sync dependency costs a thread hop.
    with unavailable_as_503(), database(request).transaction() as session:
        yield session


# What routes depend on for their transaction. Scope "function" commits before the response
# is sent; FastAPI's default commits after, so a browser following a redirect could miss
# what was just written (a sign-in session, a filed report) and a failed commit would come
# after a success already sent.
Transaction = Depends(unit_of_work, scope="function")


@dataclass(frozen=True)
class Visit:
    """A page request from a browser session: the session row and, once signed in, who."""

    session: UserSession | None
    principal: Principal | None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""


def visit(request: Request, db_session: Session = Transaction) -> Visit:
    token = request.cookies.get(COOKIE)
    found = sessions.find(db_session, token) if token else None
    if found is None:
        return Visit(None, None)
    user = db_session.get(User, found.user_id)
    if user is None or not user.active or found.second_factor_at is None:
        return Visit(found, None)
    request.state.user_id = user.id  # for the request log: an id, never a name
    return Visit(found, principal_for(db_session, user))


def signed_in(current: Visit = Depends(visit)) -> Principal:
    if current.principal is None:
        raise SignInRequired()
    return current.principal


def check_csrf(current: Visit, submitted: str | None) -> None:
    if (
        current.session is None
        or not submitted
        or not hmac.compare_digest(current.session.csrf_token, submitted)
    ):
        raise BadCsrf()


def api_principal(scope: str | None) -> Callable[..., Principal]:
    """A dependency for API routes: a bearer token with `scope` (None: any live token of
    the caller's), or a signed-in browser (with the CSRF header on a write)."""

    def dependency(request: Request, db_session: Session = Transaction) -> Principal:
        return _api_caller(request, db_session, scope)

    return dependency


def api_principal_alone(scope: str) -> Callable[..., Principal]:
    """As `api_principal`, for a route that writes in transactions of its own (filing hands
    reports to the group commit): the check is made on its own (no transaction: see
    `Database.checking`), and the connection is back in the pool before the route runs."""

    def dependency(request: Request) -> Principal:
        with unavailable_as_503(), database(request).checking() as db_session:
            return _api_caller(request, db_session, scope)

    return dependency


def api_bearer(scope: str) -> Callable[..., Awaitable[Principal | tokens.Bearer]]:
    """As `api_principal_alone`, for a route that checks a bearer token in the transaction
    that acts on it (filing checks a whole batch's tokens in one query): the token is handed
    on unchecked, and the route must refuse the request if that check refuses it. A signed-in
    browser is checked here, as ever."""
    check_alone = api_principal_alone(scope)

    async def dependency(request: Request) -> Principal | tokens.Bearer:
        token = _bearer_token(request)
        if token is not None:
            return tokens.Bearer.of(token, scope)
        return await run_in_threadpool(check_alone, request)

    return dependency


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _api_caller(request: Request, db_session: Session, scope: str | None) -> Principal:
    """A bearer token with `scope`, checked afresh, or a signed-in browser."""
    token = _bearer_token(request)
    if token is not None:
        principal = tokens.principal_for_token(db_session, token)
        if principal is None:
            raise SignInRequired()
        request.state.user_id = principal.user_id
        if scope is not None and not principal.allows(scope):
            raise Forbidden()
        return principal
    current = visit(request, db_session)
    principal = signed_in(current)
    if request.method not in SAFE_METHODS:
        # A browser sends the cookie with a request another site started; only a page of
        # ours can read the session's CSRF token to send it back in this header.
        check_csrf(current, request.headers.get(CSRF_HEADER))
    return principal


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"
