"""Server-side sign-in sessions. The browser holds only a random token; the database holds
its hash, so a stolen database copy cannot be replayed as a cookie."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from caselink.store.models import UserSession

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
_TOUCH_EVERY = timedelta(minutes=1)  # don't write on every request


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


def start(db_session: Session, user_id: int, now: datetime | None = None) -> str:
    """Open a session (password checked, second factor still to come); returns the token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db_session.add(
        UserSession(
            id=token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            csrf_token=secrets.token_urlsafe(32),
        )
    )
    return token


def find(db_session: Session, token: str, now: datetime | None = None) -> UserSession | None:
    """The live session for a token, or None if unknown, revoked, idle or too old."""
    now = now or utcnow()
    found = db_session.get(UserSession, token_hash(token))
    if found is None or found.revoked_at is not None:
        return None
    if aware(found.last_seen_at) + IDLE_TIMEOUT < now:
        return None
    if aware(found.created_at) + ABSOLUTE_TIMEOUT < now:
        return None
    if aware(found.last_seen_at) + _TOUCH_EVERY < now:
        found.last_seen_at = now
    return found


def second_factor_passed(
    db_session: Session, found: UserSession, now: datetime | None = None
) -> str:
    """The second factor is accepted: the half-signed-in session ends and a new one, with a
    new token and a new CSRF token, takes its place; returns the new token. A token planted
    in the browser before sign-in (session fixation), or seen then, is worthless after it.
    The new session keeps the old one's start, so the absolute timeout still counts from
    the password."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    found.revoked_at = now
    db_session.add(
        UserSession(
            id=token_hash(token),
            user_id=found.user_id,
            created_at=found.created_at,
            last_seen_at=now,
            second_factor_at=now,
            csrf_token=secrets.token_urlsafe(32),
        )
    )
    return token


def end(db_session: Session, found: UserSession) -> None:
    found.revoked_at = utcnow()


def end_all(db_session: Session, user_id: int) -> int:
    """Sign a user out everywhere: every browser, at once."""
    result = db_session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_count(db_session: Session, user_id: int) -> int:
    return len(
        db_session.scalars(
            select(UserSession.id).where(
                UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
            )
        ).all()
    )


def aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything caselink writes is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
