"""Slowing down password guessing: lock an account after repeated failures, and throttle a
client that fails across many accounts. The message never says whether an account exists."""

from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from caselink.access.sessions import utcnow
from caselink.access.usernames import normal_username
from caselink.store.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
LOCKED = "Too many failed attempts. Wait 15 minutes, then try again."


def refusal(
    db_session: Session, username: str, client: str, now: datetime | None = None
) -> str | None:
    """Why this attempt must be refused before the password is even checked, or None."""
    since = (now or utcnow()) - WINDOW
    failures = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    )
    # A success clears the account's earlier failures (but not the client's).
    last_success = db_session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == normal_username(username),
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.stage == "code",
        )
    )
    account_failures = failures.where(LoginAttempt.username == normal_username(username))
    if last_success is not None:
        account_failures = account_failures.where(LoginAttempt.at > last_success)
    by_account = db_session.scalar(account_failures)
    by_client = db_session.scalar(failures.where(LoginAttempt.client == client))
    if (by_account or 0) >= MAX_FAILURES_PER_ACCOUNT or (by_client or 0) >= MAX_FAILURES_PER_CLIENT:
        return LOCKED
    return None


def note(db_session: Session, username: str, client: str, succeeded: bool, stage: str) -> None:
    db_session.execute(
        insert(LoginAttempt).values(
            username=normal_username(username),
            client=client,
            at=utcnow(),
            succeeded=succeeded,
            stage=stage,
        )
    )
