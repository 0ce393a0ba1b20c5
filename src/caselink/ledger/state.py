"""Does what is stored still match what the ledger says was written?

For each audited kind of object the ledger holds the digest of its content after every
create or change. A row with no entry, or whose content no longer matches its last digest,
was written or altered behind caselink's back (for instance by someone who switched off the
append-only trigger); an entry whose row is gone was deleted behind its back. The kinds are
the rows a cover-up would go for: reports and what was decided about them, cases (a closure
is a change to its case), who was in a case, what happened, and the decisions of officers,
analysts and reviewers. The fields are listed per kind, once, so a later column does not
change old digests.

Writers call `record_rows` in the transaction that wrote the rows: it reads them back the way
the audit will, so the digest is of what the database holds (its ids, its defaults, its
rounding of times), not of what the writer meant to store.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import ColumnElement, Table, Text, select, type_coerce
from sqlalchemy.orm import Session

from caselink.ledger.append import Pending, record_all
from caselink.ledger.entry import Action, Actor, Entry, digest
from caselink.ledger.verify import Finding
from caselink.store.models import (
    Base,
    Case,
    CaseParticipant,
    Decision,
    Event,
    LedgerEntry,
    LinkDecision,
    Report,
    ReportAction,
    ReportAnnotation,
    ReviewApproval,
    ReviewOutcome,
    SharingDecision,
)
from caselink.store.sealed import KeyringError, SealedText, active_keyring


@dataclass(frozen=True)
class Audited:
    model: type[Base]
    fields: tuple[str, ...]  # what the digest covers; "id" first
    words: str  # what a person calls one of them
    shown: str | None = None  # a field that tells a person which one it is

    def name(self, row: dict[str, Any]) -> str:
        named = f"{self.words} {row['id']}"
        return f"{named} ({row[self.shown]})" if self.shown and row.get(self.shown) else named


AUDITED: dict[str, Audited] = {
    "report": Audited(
        Report,
        (
            "id",
            "reference",
            "submitted_at",
            "reporter_user_id",
            "reporter_agency_id",
            "force_area_id",
            "local_authority_id",
            "trigger",
            "summary",
            "delay_reason",
        ),
        "report",
    ),
    "report_annotation": Audited(
        ReportAnnotation,
        ("id", "report_id", "author_user_id", "created_at", "text"),
        "annotation",
    ),
    # What was done with a report, its closure above all: its status is read from these.
    "report_action": Audited(
        ReportAction,
        (
            "id",
            "report_id",
            "route_id",
            "kind",
            "actor_user_id",
            "at",
            "case_id",
            "category",
            "note",
        ),
        "report action",
        shown="kind",
    ),
    "case": Audited(
        Case,
        (
            "id",
            "reference",
            "force_area_id",
            "local_authority_id",
            "opened_on",
            "closed_on",
            "status",
            "outcome",
            "closure_reason",
            "summary",
            "origin_report_id",
            "import_id",
        ),
        "case",
        shown="reference",
    ),
    "case_participant": Audited(
        CaseParticipant,
        ("id", "case_id", "person_record_id", "role", "import_id"),
        "case participant",
        shown="role",
    ),
    "event": Audited(
        Event,
        (
            "id",
            "source_ref",
            "case_id",
            "person_record_id",
            "kind",
            "occurred_on",
            "recorded_at",
            "recorded_by_user_id",
            "detail",
            "import_id",
        ),
        "event",
        shown="kind",
    ),
    "decision": Audited(
        Decision,
        (
            "id",
            "case_id",
            "report_id",
            "kind",
            "outcome",
            "reason",
            "decided_by_user_id",
            "decided_at",
        ),
        "decision",
        shown="outcome",
    ),
    "link_decision": Audited(
        LinkDecision,
        (
            "id",
            "record_a_id",
            "record_b_id",
            "decision",
            "reason",
            "candidate_id",
            "decided_by_user_id",
            "decided_at",
        ),
        "link decision",
        shown="decision",
    ),
    "review_outcome": Audited(
        ReviewOutcome,
        (
            "id",
            "review_case_id",
            "outcome",
            "reason",
            "decided_by_user_id",
            "decided_at",
            "score_id",
            "needs_approval",
        ),
        "review outcome",
        shown="outcome",
    ),
    "review_approval": Audited(
        ReviewApproval,
        ("id", "outcome_id", "approved", "reason", "decided_by_user_id", "decided_at"),
        "review approval",
    ),
    # s.16LA: a record withheld from the child protection team (a cover-up would look so).
    "sharing_decision": Audited(
        SharingDecision,
        (
            "id",
            "person_record_id",
            "agency_id",
            "decision",
            "reason",
            "review_on",
            "contact",
            "decided_by_user_id",
            "decided_at",
        ),
        "s.16LA sharing decision",
        shown="decision",
    ),
}

_IN_CHUNK = 5_000  # ids per IN (...): well under SQLite's and PostgreSQL's bind limits


def record_rows(
    session: Session,
    actor: Actor,
    action: Action,
    object_type: str,
    ids: Iterable[int],
    reason: str | None = None,
) -> list[Entry]:
    """Append one entry per row (in the order given) carrying the row's content digest, as
    the audit will compute it. Call in the transaction that wrote the rows."""
    wanted = list(ids)
    digests = row_digests(session, object_type, wanted)
    return record_all(
        session,
        [Pending(actor, action, object_type, i, reason, after=digests[str(i)]) for i in wanted],
    )


def row_digests(session: Session, object_type: str, ids: Sequence[int]) -> dict[str, str]:
    """Each row's content digest, by ledger object id, read back from the database."""
    session.flush()
    audited = AUDITED[object_type]
    table: Table = audited.model.__table__  # type: ignore[assignment]
    found: dict[str, str] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        where = table.c.id.in_(ids[start : start + _IN_CHUNK])
        for row in _stored_rows(session, object_type, audited.fields, [], where):
            key, expected = _expected(object_type, row)
            if expected is not None:
                found[key] = expected
    return found


def check_state(session: Session) -> list[Finding]:
    findings: list[Finding] = []
    for object_type, audited in AUDITED.items():
        # A read never changes a row, so a digest on one is not the row's content.
        ledgered: dict[str, tuple[int, str | None]] = {}
        for seq, object_id, after in session.execute(
            select(LedgerEntry.seq, LedgerEntry.object_id, LedgerEntry.after_digest)
            .where(
                LedgerEntry.object_type == object_type,
                LedgerEntry.after_digest.is_not(None),
                LedgerEntry.action != Action.READ.value,
            )
            .order_by(LedgerEntry.seq)
        ):
            ledgered[object_id] = (seq, after)
        fields = audited.fields
        if object_type == "report":
            fields = (*fields, *SUBMITTED)
        present: set[str] = set()  # every row's id and reference, readable or not
        for row in _stored_rows(session, object_type, fields, findings, present=present):
            key, expected = _expected(object_type, row)
            what = audited.name(row)
            if key not in ledgered:
                findings.append(Finding(None, f"{what} has no ledger entry: {UNLEDGERED}"))
            elif expected != ledgered[key][1]:
                seq = ledgered[key][0]
                findings.append(Finding(seq, f"{what} no longer matches this entry: {ALTERED}"))
        for key, (seq, _) in ledgered.items():
            if key not in present:
                what = f"{audited.words} {key}"
                findings.append(Finding(seq, f"{what} is not in the database: {DELETED}"))
    return findings


# A report filed through the reporting service is ledgered by its reference with the digest
# of exactly what was submitted (the digest on the reporter's receipt). Its other columns
# are copies of parts of that submission, so they must still agree with it.
SUBMITTED = ("submission", "content_digest", "urgent", "learned_on", "reporter_role")


def _expected(object_type: str, row: dict[str, Any]) -> tuple[str, str | None]:
    if object_type != "report" or row.get("submission") is None:
        audited = {k: _utc(v) for k, v in row.items() if k not in SUBMITTED}
        return str(row["id"]), digest(audited)
    submission = row["submission"]
    content = hashlib.sha256(submission.encode()).hexdigest()
    try:
        submitted = json.loads(submission)
    except json.JSONDecodeError:
        return row["reference"], None
    learned_on = row["learned_on"].isoformat() if row["learned_on"] else None
    agrees = (
        row["content_digest"] == content
        and row["summary"] == submitted.get("what_happened")
        and row["trigger"] == submitted.get("trigger")
        and bool(row["urgent"]) == bool(submitted.get("immediate_danger"))
        and row["reporter_role"] == submitted.get("reporter_role")
        and row["delay_reason"] == submitted.get("delay_reason")
        and learned_on == submitted.get("learned_on")
    )
    return row["reference"], content if agrees else None


def _utc(value: Any) -> Any:
    """A time as UTC without its offset: PostgreSQL returns times in the session's time zone,
    SQLite without one, and the same moment must digest the same on either."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _stored_rows(
    session: Session,
    object_type: str,
    fields: tuple[str, ...],
    findings: list[Finding],
    where: ColumnElement[bool] | None = None,
    present: set[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows as stored, sealed columns opened here so that a value someone wrote in plain
    text (or under an unknown key) becomes a finding, not a crash."""
    audited = AUDITED[object_type]
    table: Table = audited.model.__table__  # type: ignore[assignment]
    columns = [type_coerce(table.c[f], Text) if _sealed(table.c[f]) else table.c[f] for f in fields]
    query = select(*columns).order_by(table.c.id)
    keyring = active_keyring()
    for values in session.execute(query if where is None else query.where(where)):
        row = dict(zip(fields, values, strict=True))
        if present is not None:
            present.update(str(row[k]) for k in ("id", "reference") if row.get(k) is not None)
        for name in fields:
            if _sealed(table.c[name]) and row[name] is not None:
                try:
                    row[name] = keyring.open(row[name], f"{table.name}.{name}")
                except (KeyringError, InvalidTag, ValueError):
                    problem = f"{name} cannot be decrypted: {UNSEALED}"
                    findings.append(Finding(None, f"{audited.words} {row['id']}: {problem}"))
                    break
        else:
            yield row


def _sealed(column: Any) -> bool:
    return isinstance(column.type, SealedText)


UNSEALED = "it was written directly to the database"
UNLEDGERED = "it was written directly to the database"
ALTERED = "it was changed directly in the database"
DELETED = "it was deleted directly in the database"
