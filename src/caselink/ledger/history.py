"""Accountability: who saw and did what to an object, and what a person accessed."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.store.models import LedgerEntry

MAX_ROWS = 10_000


def of_object(session: Session, object_type: str, object_id: str) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.object_type == object_type, LedgerEntry.object_id == object_id)
            .order_by(LedgerEntry.seq)
            .limit(MAX_ROWS)
        )
    )


def of_objects(
    session: Session, object_types: Sequence[str], object_ids: Sequence[str]
) -> list[LedgerEntry]:
    """Entries about any of these objects: one object may be recorded under more than one
    name (its row number and its reference)."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(
                LedgerEntry.object_type.in_(list(object_types)),
                LedgerEntry.object_id.in_(list(object_ids)),
            )
            .order_by(LedgerEntry.seq)
            .limit(MAX_ROWS)
        )
    )


def by_actor(session: Session, actor: str) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.actor == actor)
            .order_by(LedgerEntry.seq)
            .limit(MAX_ROWS)
        )
    )
