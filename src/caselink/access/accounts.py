"""User accounts: creation, sign-in checks and administration, each change ledgered.
Passwords are kept only as argon2id hashes."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import throttle, totp
from caselink.access.sessions import utcnow
from caselink.access.usernames import normal_username
from caselink.domain import Role
from caselink.ledger import Action, Actor, digest, record
from caselink.store.models import Agency, User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so timing does not reveal which exist.
_DECOY = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 12
INVITATION_LIFETIME = timedelta(days=7)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def unusable_password() -> str:
    """A password nobody knows, for an account that has not enrolled yet."""
    return secrets.token_urlsafe(48)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"Enter a password of at least {MIN_PASSWORD} characters"
    if password.lower() in {"password1234", "caselink1234", "123456789012"}:
        return "Choose a password that is harder to guess"
    return None


def create_user(
    session: Session,
    username: str,
    display_name: str,
    email: str,
    role: Role,
    password: str,
    agency: Agency | None,
    by: Actor,
    totp_secret: str | None = None,
    active: bool = True,
) -> User:
    user = User(
        username=normal_username(username),
        display_name=display_name,
        email=email,
        role=role.value,
        agency_id=agency.id if agency else None,
        password_hash=hash_password(password),
        totp_secret=totp_secret,
        active=active,
    )
    session.add(user)
    session.flush()
    record(
        session,
        by,
        Action.CREATE,
        "user",
        user.id,
        reason=f"account for {user.username} as {role.value}",
        after=_account_digest(user),
    )
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normal_username(username)))


@dataclass(frozen=True)
class PasswordCheck:
    user: User | None
    problem: str | None


def check_password(session: Session, username: str, password: str, client: str) -> PasswordCheck:
    """First step of sign-in. Every attempt is kept; too many failures lock the account."""
    username = normal_username(username)
    refusal = throttle.refusal(session, username, client)
    if refusal:
        return PasswordCheck(None, refusal)
    user = find_user(session, username)
    try:
        _hasher.verify(user.password_hash if user else _DECOY, password)
        ok = user is not None and user.active
    except VerificationError:
        ok = False
    throttle.note(session, username, client, ok, "password")
    if not ok or user is None:
        return PasswordCheck(None, "Enter a correct username and password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return PasswordCheck(user, None)


def check_code(session: Session, user: User, code: str, client: str) -> str | None:
    """Second step: the TOTP code. Returns a problem, or None when it is right."""
    refusal = throttle.refusal(session, user.username, client)
    if refusal:
        return refusal
    step = totp.matching_step(user.totp_secret or "", code, user.totp_last_step)
    throttle.note(session, user.username, client, step is not None, "code")
    if step is None:
        return "Enter the current 6-digit code from your authenticator app"
    user.totp_last_step = step
    record(session, Actor(user.username, user.id), Action.LOGIN, "user", user.id)
    return None


def _account_digest(user: User) -> str:
    return digest(
        {
            "username": user.username,
            "role": user.role,
            "agency_id": user.agency_id,
            "active": user.active,
        }
    )


def change_role(session: Session, user: User, role: Role, by: Actor, reason: str) -> None:
    before = _account_digest(user)
    user.role = role.value
    record(
        session,
        by,
        Action.CHANGE,
        "user",
        user.id,
        reason=reason,
        before=before,
        after=_account_digest(user),
    )


def set_active(session: Session, user: User, active: bool, by: Actor, reason: str) -> None:
    """Enable or disable an account. Disabling ends every session, revokes every API token
    and voids any open invitation, all in this transaction: nothing it held keeps working."""
    from caselink.access import sessions, tokens

    before = _account_digest(user)
    user.active = active
    if not active:
        sessions.end_all(session, user.id)
        tokens.revoke_all(session, user.id, by, "account disabled")
        user.enrolment_hash = None
        user.enrolment_expires_at = None
    record(
        session,
        by,
        Action.CHANGE,
        "user",
        user.id,
        reason=reason,
        before=before,
        after=_account_digest(user),
    )


def send_invitation(
    session: Session, user: User, enrol_link: Callable[[str], str], by: Actor
) -> None:
    """Open a one-time invitation and mail its set-up link to the invitee, and only to them:
    whoever holds the link sets the password and sees the authenticator secret, so the
    administrator who invited them is never shown it. The mail goes through the outbox, in
    this transaction."""
    from caselink.reporting.notices import queue_mail

    code, code_hash = enrolment_code()
    now = utcnow()
    user.enrolment_hash = code_hash
    user.enrolment_expires_at = now + INVITATION_LIFETIME
    body = (
        f"Hello {user.display_name},\n\n"
        f"An account has been made for you on caselink (username {user.username}). "
        f"Set your password and your authenticator app here, within "
        f"{INVITATION_LIFETIME.days} days:\n\n{enrol_link(code)}\n\n"
        "The link works once. If you did not expect this message, tell your "
        "organisation's information security team and do not use the link.\n"
    )
    queue_mail(
        session,
        f"invitation:{code_hash[:16]}",
        user.email,
        "Set up your caselink account",
        body,
        now,
    )
    record(
        session,
        by,
        Action.CHANGE,
        "user",
        user.id,
        reason=f"invitation sent to {user.username}'s mail address",
    )


def enrolment_code() -> tuple[str, str]:
    """A one-time invitation code and the hash kept of it."""
    code = secrets.token_urlsafe(24)
    return code, hashlib.sha256(code.encode()).hexdigest()
