"""The ledger by the references people use.

The ledger records most objects by their row number ("case 122"), which nobody outside the
database knows; reports it records by reference. Oversight asks by the reference on the
page in front of them (a case's AV/2026/00003, a report's MR-..., a review case's, a
person record's id in its agency's system, a username), and reads the answer the same way.
This module turns one into the other, both ways, so the history page finds every entry
about an object whichever form it was recorded under.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from caselink.ledger import history
from caselink.store.models import Case, LedgerEntry, PersonRecord, Report, ReviewCase, User


@dataclass(frozen=True)
class Kind:
    name: str  # as the page says it
    id_column: InstrumentedAttribute[int]
    reference: InstrumentedAttribute[str]
    object_types: tuple[str, ...]  # the ledger's names for this kind of object


KINDS = {
    "case": Kind("Case", Case.id, Case.reference, ("case",)),
    "report": Kind("Report", Report.id, Report.reference, ("report",)),
    "review_case": Kind("Review case", ReviewCase.id, ReviewCase.reference, ("review_case",)),
    "person_record": Kind(
        "Person record", PersonRecord.id, PersonRecord.record_id, ("person_record", "record")
    ),
    "user": Kind("User", User.id, User.username, ("user",)),
}
_BY_OBJECT_TYPE = {t: kind for kind in KINDS.values() for t in kind.object_types}


def entries_about(session: Session, kind_key: str, reference: str) -> list[LedgerEntry]:
    """Every entry about the object(s) with this reference (or row number), oldest first."""
    kind = KINDS.get(kind_key)
    if kind is None:
        return history.of_object(session, kind_key, reference)
    ids: set[str] = {reference}
    same = kind.reference == reference
    if reference.isascii() and reference.isdigit() and len(reference) < 12:
        same = or_(same, kind.id_column == int(reference))
    for row_id, ref in session.execute(select(kind.id_column, kind.reference).where(same)):
        ids |= {str(row_id), str(ref)}
    return history.of_objects(session, kind.object_types, sorted(ids))


def labels(session: Session, entries: Iterable[LedgerEntry]) -> dict[int, str]:
    """Each entry's object as people say it ("case AV/2026/00003"), by entry number; an
    object with no reference is named by its kind and number, as before."""
    wanted: dict[str, set[int]] = defaultdict(set)
    entries = list(entries)
    for e in entries:
        kind = _BY_OBJECT_TYPE.get(e.object_type)
        if kind is not None and e.object_id.isascii() and e.object_id.isdigit():
            wanted[e.object_type].add(int(e.object_id))
    found: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        kind = _BY_OBJECT_TYPE[object_type]
        rows: Any = session.execute(
            select(kind.id_column, kind.reference).where(kind.id_column.in_(sorted(ids)))
        )
        for row_id, ref in rows:
            found[(object_type, str(row_id))] = str(ref)
    out = {}
    for e in entries:
        kind = _BY_OBJECT_TYPE.get(e.object_type)
        what = kind.name.lower() if kind else e.object_type.replace("_", " ")
        out[e.seq] = f"{what} {found.get((e.object_type, e.object_id), e.object_id)}"
    return out
