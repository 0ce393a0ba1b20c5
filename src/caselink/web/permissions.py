"""`require(permission)`: the one dependency every page and API route declares.

It finds who is asking (the session cookie for pages; a bearer token with the permission's
scope, or a signed-in browser, for `/api/` routes), refuses whoever the permission does not
allow, and hands the route an `Allowed` caller. What that caller may then see, row by row,
is the permission's row condition in the route's queries (caselink.access.policy).

Public routes declare `policy.PUBLIC` too (nothing is public by omission), and static files
are served by `PublicFiles`; tests/test_access_one_place.py walks every route of the app
and fails for one that declares nothing.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, overload

from fastapi import Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from caselink.access.policy import PUBLIC, Permission
from caselink.access.principal import Principal
from caselink.access.tokens import Bearer
from caselink.web.security import (
    CSRF_HEADER,
    SAFE_METHODS,
    Forbidden,
    SignInRequired,
    Transaction,
    Visit,
    api_bearer,
    api_principal,
    api_principal_alone,
    check_csrf,
    database,
    unavailable_as_503,
    visit,
)

Check = Literal["request", "alone", "in_filing"]


@dataclass(frozen=True)
class Allowed(Visit):
    """A caller the route's permission allows: always signed in (a browser session, or None
    for a bearer token)."""

    principal: Principal


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _allowed(permission: Permission, request: Request, db_session: Session) -> Allowed:
    if _is_api(request) and _bearer(request):
        # The token is checked afresh, with the permission's scope (none: any live token).
        principal = api_principal(permission.scope)(request, db_session)
        session_row = None
    else:
        current = visit(request, db_session)
        if current.principal is None:
            raise SignInRequired()
        if _is_api(request) and request.method not in SAFE_METHODS:
            # An API write with the session cookie: only a page of ours can read the
            # session's CSRF token to send it back in the header (another site cannot).
            check_csrf(current, request.headers.get(CSRF_HEADER))
        principal, session_row = current.principal, current.session
    if not permission.allows(principal):
        raise Forbidden()
    return Allowed(session_row, principal)


def _bearer(request: Request) -> bool:
    return request.headers.get("authorization", "").lower().startswith("bearer ")


@overload
def require(
    permission: Permission, check: Literal["request", "alone"] = "request"
) -> Callable[..., Allowed]: ...


@overload
def require(
    permission: Permission, check: Literal["in_filing"]
) -> Callable[..., Awaitable[Allowed | Bearer]]: ...


def require(permission: Permission, check: Check = "request") -> Callable[..., Any]:
    """The dependency for a route that needs `permission`. `check` says where the caller is
    checked: in the request's transaction (the default); "alone", in a short read of its own
    for a route that writes in transactions of its own; "in_filing", a bearer token handed
    on unchecked to be checked in the filing's own transaction (with its batch), and the
    route must refuse what that check refuses."""
    return _dependency(permission, check)


@cache  # one function per permission: FastAPI then resolves it once per request
def _dependency(permission: Permission, check: Check) -> Callable[..., Any]:
    if permission.public:

        def public() -> None:
            return None

        public.permission = permission  # type: ignore[attr-defined]
        return public
    if check == "in_filing":
        bearer = api_bearer(permission.scope or "")

        async def in_filing(request: Request) -> Allowed | Bearer:
            caller = await bearer(request)
            if isinstance(caller, Bearer):
                return caller  # checked with its batch: scope, then permission.who
            if not permission.allows(caller):
                raise Forbidden()
            return Allowed(None, caller)

        in_filing.permission = permission  # type: ignore[attr-defined]
        return in_filing
    if check == "alone":

        def alone(request: Request) -> Allowed:
            if _is_api(request):
                principal = api_principal_alone(permission.scope or "")(request)
                if not permission.allows(principal):
                    raise Forbidden()
                return Allowed(None, principal)
            with unavailable_as_503(), database(request).transaction() as db_session:
                return _allowed(permission, request, db_session)

        alone.permission = permission  # type: ignore[attr-defined]
        return alone

    def dependency(request: Request, db_session: Session = Transaction) -> Allowed:
        return _allowed(permission, request, db_session)

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def permission_of(call: Callable[..., Any]) -> Permission | None:
    """The permission a dependency declares, if it is one of `require`'s."""
    found = getattr(call, "permission", None)
    return found if isinstance(found, Permission) else None


class PublicFiles(StaticFiles):
    """Static assets (GOV.UK Frontend, caselink's CSS and scripts): public, declared so."""

    permission = PUBLIC
