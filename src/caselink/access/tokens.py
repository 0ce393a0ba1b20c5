"""API tokens: scoped, expiring, revocable; only their hash is stored."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from caselink.access.principal import IDENTITY, Principal, principal_from_row
from caselink.access.sessions import utcnow
from caselink.domain import AgencyKind, Role
from caselink.ledger import Action, Actor, record
from caselink.store.models import Agency, ApiToken, Area, User

SCOPES = {
    "cases:read": "read cases you may see",
    "records:read": "read person records you may see",
    "export": "export what you may see as CSV",
    "reports:submit": "make mandatory reports",
    "reports:read": "read reports you made or that were sent to you",
    "reports:work": "acknowledge reports sent to your agency",
    "my-case": "follow your own case and ask for a review (survivors)",
    "reviews:work": "acknowledge and decide requests for a review (police)",
}
# What each role can use a token for: the scopes whose routes its role passes (see the
# policy and the API's routes). Offering more would mint tokens that only look powerful.
_READ_CASES = {"cases:read", "records:read", "export"}
ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.REPORTER: frozenset({"reports:submit", "reports:read"}),
    Role.SAFEGUARDING_OFFICER: frozenset(
        _READ_CASES | {"reports:submit", "reports:read", "reports:work", "reviews:work"}
    ),
    Role.ANALYST: frozenset(_READ_CASES),
    Role.CASE_REVIEWER: frozenset(_READ_CASES),
    Role.OVERSIGHT_OFFICER: frozenset(
        _READ_CASES | {"reports:read", "reports:work", "reviews:work"}
    ),
    Role.SURVIVOR: frozenset({"my-case"}),
    Role.ADMINISTRATOR: frozenset(),
}
MAX_LIFETIME = timedelta(days=90)
PREFIX = "clk_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def usable_scopes(owner: Principal) -> dict[str, str]:
    """The scopes `owner` may put on a token, with what each allows, in SCOPES' order."""
    usable = set(ROLE_SCOPES[owner.role])
    if owner.role == Role.SAFEGUARDING_OFFICER and owner.agency_kind != AgencyKind.POLICE_FORCE:
        usable.discard("reviews:work")  # requests for a review are the police's to work
    return {scope: label for scope, label in SCOPES.items() if scope in usable}


def issue(
    db_session: Session, owner: Principal, name: str, scopes: set[str], lifetime: timedelta
) -> str:
    usable = usable_scopes(owner)
    if not usable:
        raise ValueError("scopes: your role has no use for an API token")
    if not scopes or scopes - usable.keys():
        raise ValueError(f"scopes: choose from {', '.join(usable)}")
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"expiry: a token lasts at most {MAX_LIFETIME.days} days")
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user_id=owner.user_id,
        name=name,
        token_hash=_hash(token),
        scopes=" ".join(sorted(scopes)),
        created_at=now,
        expires_at=now + lifetime,
    )
    db_session.add(row)
    db_session.flush()
    record(
        db_session, owner.actor, Action.CREATE, "api_token", row.id, reason=f"{name}: {row.scopes}"
    )
    return token


def revoke(db_session: Session, owner: Principal, token_id: int, by: Actor | None = None) -> bool:
    """Revoke one of `owner`'s own tokens at once (by them, or by an operator `by`); False
    if it is not theirs or already revoked. Ledgered in the same transaction."""
    row = db_session.get(ApiToken, token_id)
    if row is None or row.user_id != owner.user_id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record(db_session, by or owner.actor, Action.CHANGE, "api_token", row.id, reason="revoked")
    return True


def revoke_all(db_session: Session, user_id: int, by: Actor, reason: str) -> int:
    """Revoke every live token of a user (signed out everywhere, or disabled), each ledgered."""
    live = db_session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for row in live:
        row.revoked_at = now
        record(db_session, by, Action.CHANGE, "api_token", row.id, reason=f"revoked: {reason}")
    return len(live)


# One query, built once: this runs on every API request, so only its parameter changes.
_TOKENS = (
    select(
        ApiToken.token_hash,
        ApiToken.revoked_at,
        ApiToken.expires_at,
        ApiToken.scopes,
        User.active,
        *IDENTITY,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Agency, Agency.id == User.agency_id)
    .outerjoin(Area, Area.id == Agency.area_id)
)
_BY_HASH = _TOKENS.where(ApiToken.token_hash == bindparam("token_hash"))
_BY_HASHES = _TOKENS.where(ApiToken.token_hash.in_(bindparam("token_hashes", expanding=True)))


def principal_for_token(
    db_session: Session, token: str, now: datetime | None = None
) -> Principal | None:
    """Who holds this token, checked afresh on every request: a revoked or expired token,
    or a deactivated user, is refused at once (nothing about it is cached)."""
    row = db_session.execute(_BY_HASH, {"token_hash": _hash(token)}).first()
    return _live(row, now or utcnow())


@dataclass(frozen=True)
class Bearer:
    """A request's bearer token, not yet checked: it is checked in the transaction that acts
    on it (filing checks a whole batch's tokens in one query, see `reporting.intake`), with
    the same rules as `principal_for_token`. Only its hash is kept."""

    token_hash: str
    scope: str  # what the request needs the token to allow

    @classmethod
    def of(cls, token: str, scope: str) -> "Bearer":
        return cls(_hash(token), scope)


class TokenRefused(PermissionError):
    """The token is unknown, revoked or expired, or its user deactivated."""


class ScopeRefused(PermissionError):
    """The token is live but does not allow what the request does."""


def check_bearers(
    db_session: Session, bearers: Sequence[Bearer], now: datetime | None = None
) -> list[Principal | TokenRefused | ScopeRefused]:
    """Each bearer's principal, or why it is refused, in order; one query for them all."""
    now = now or utcnow()
    hashes = sorted({b.token_hash for b in bearers})
    live = {
        row.token_hash: _live(row, now)
        for row in db_session.connection().execute(_BY_HASHES, {"token_hashes": hashes})
    }
    checked: list[Principal | TokenRefused | ScopeRefused] = []
    for bearer in bearers:
        principal = live.get(bearer.token_hash)
        if principal is None:
            checked.append(TokenRefused("the token is not valid"))
        elif not principal.allows(bearer.scope):
            checked.append(ScopeRefused(f"the token does not allow {bearer.scope}"))
        else:
            checked.append(principal)
    return checked


def _live(row: Any, now: datetime) -> Principal | None:
    if row is None or row.revoked_at is not None or not row.active:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if expires <= now:
        return None
    return principal_from_row(row, frozenset(row.scopes.split()))
