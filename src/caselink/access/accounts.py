"""User accounts. Passwords are kept only as argon2id hashes."""

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.domain import Role
from caselink.ledger import Action, Actor, digest, record
from caselink.store.models import Agency, User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    display_name: str,
    email: str,
    role: Role,
    password: str,
    agency: Agency | None,
    by: Actor,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        role=role.value,
        agency_id=agency.id if agency else None,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    record(
        session,
        by,
        Action.CREATE,
        "user",
        user.id,
        reason=f"account for {username} as {role.value}",
        after=digest({"username": username, "role": role.value, "agency_id": user.agency_id}),
    )
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
