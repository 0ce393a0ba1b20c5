"""Who is told what about a report: in-app alerts and mail, queued in the caller's
transaction (the outbox), so telling someone can be delayed by an outage but never lost or
sent for something that did not happen."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from caselink.domain import Role
from caselink.reporting.routing import Destination
from caselink.store.models import Alert, OutboundMail, User

SIGN_OFF = "\n\nSign in to caselink to see it. Do not reply to this message.\n"


def officers_of(session: Session, agency_id: int | None) -> list[User]:
    """The duty officers for a route: the agency's safeguarding officers, or, for the
    national triage queue, the oversight officers who triage it."""
    query = select(User).where(User.active.is_(True))
    if agency_id is None:
        query = query.where(User.role == Role.OVERSIGHT_OFFICER.value)
    else:
        query = query.where(
            User.agency_id == agency_id, User.role == Role.SAFEGUARDING_OFFICER.value
        )
    return list(session.scalars(query.order_by(User.id)))


def supervisors_of(session: Session, officers: Iterable[User]) -> list[User]:
    ids = {o.supervisor_id for o in officers if o.supervisor_id is not None}
    if not ids:
        return oversight(session)
    return list(
        session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)
        )
    )


def oversight(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.OVERSIGHT_OFFICER.value, User.active.is_(True))
            .order_by(User.id)
        )
    )


def queue_mail(session: Session, key: str, to: str, subject: str, body: str, now: datetime) -> None:
    """Queue one message; a second call with the same key does nothing."""
    values = {
        "key": key,
        "recipient": to,
        "subject": subject,
        "body": body,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutboundMail)
    session.execute(statement.values(**values).on_conflict_do_nothing(index_elements=["key"]))


def tell(
    session: Session,
    people: Sequence[User],
    *,
    key: str,
    kind: str,
    subject_id: int,
    subject: str,
    message: str,
    now: datetime,
    subject_type: str = "report",
) -> None:
    """An alert in caselink and a mail (through the outbox: never lost), to each person."""
    if not people:
        return
    session.execute(
        insert(Alert),
        [
            {
                "recipient_user_id": p.id,
                "kind": kind,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "message": message,
                "created_at": now,
            }
            for p in people
        ],
    )
    for person in people:
        queue_mail(
            session, f"{key}:user:{person.id}", person.email, subject, message + SIGN_OFF, now
        )


def tell_oversight(
    session: Session, *, kind: str, report_id: int, message: str, now: datetime
) -> None:
    """An alert to the oversight role as a whole (it stays for whoever joins later)."""
    session.add(
        Alert(
            recipient_role=Role.OVERSIGHT_OFFICER.value,
            kind=kind,
            subject_type="report",
            subject_id=report_id,
            message=message,
            created_at=now,
        )
    )


def urgent_report(
    session: Session, report_id: int, reference: str, routed: Sequence[Destination], now: datetime
) -> None:
    for destination in routed:
        tell(
            session,
            officers_of(session, destination.agency_id),
            key=f"urgent:{report_id}:{destination.agency_id}",
            kind="urgent_report",
            subject_id=report_id,
            subject=f"URGENT report {reference}: a child may be in immediate danger",
            message=(
                f"Report {reference} says a child may be in immediate danger. It has been sent "
                f"to {destination.name}. Acknowledge it now."
            ),
            now=now,
        )
