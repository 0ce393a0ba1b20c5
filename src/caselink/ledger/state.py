"""Does what is stored still match what the ledger says was written?

For each audited kind of object the ledger holds the digest of its content after every
create or change. A row with no entry, or whose content no longer matches its last digest,
was written or altered behind caselink's back (for instance by someone who switched off the
append-only trigger). The fields are listed per kind, once, so a later column does not
change old digests.
"""

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import Table, Text, select, type_coerce
from sqlalchemy.orm import Session

from caselink.ledger.entry import digest
from caselink.ledger.verify import Finding
from caselink.store.models import Base, Decision, LedgerEntry, Report, ReportAnnotation
from caselink.store.sealed import KeyringError, SealedText, active_keyring

AUDITED: dict[str, tuple[type[Base], tuple[str, ...]]] = {
    "report": (
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
    ),
    "report_annotation": (
        ReportAnnotation,
        ("id", "report_id", "author_user_id", "created_at", "text"),
    ),
    "decision": (
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
    ),
}


def content_digest(object_type: str, row: Any) -> str:
    """The digest the ledger records for `row` (call after flush and refresh, so ids and
    database defaults are there, in the form the database returns them)."""
    _, fields = AUDITED[object_type]
    return digest({name: getattr(row, name) for name in fields})


def check_state(session: Session) -> list[Finding]:
    findings: list[Finding] = []
    for object_type, (model, fields) in AUDITED.items():
        ledgered: dict[str, tuple[int, str | None]] = {}
        for seq, object_id, after in session.execute(
            select(LedgerEntry.seq, LedgerEntry.object_id, LedgerEntry.after_digest)
            .where(LedgerEntry.object_type == object_type, LedgerEntry.after_digest.is_not(None))
            .order_by(LedgerEntry.seq)
        ):
            ledgered[object_id] = (seq, after)
        if object_type == "report":
            fields = (*fields, *SUBMITTED)
        for row in _stored_rows(session, model, fields, findings, object_type):
            key, expected = _expected(object_type, row)
            what = f"{object_type} {key}"
            if key not in ledgered:
                findings.append(Finding(None, f"{what} has no ledger entry: {UNLEDGERED}"))
            elif expected != ledgered[key][1]:
                seq = ledgered[key][0]
                findings.append(Finding(seq, f"{what} no longer matches this entry: {ALTERED}"))
    return findings


# A report filed through the reporting service is ledgered by its reference with the digest
# of exactly what was submitted (the digest on the reporter's receipt). Its other columns
# are copies of parts of that submission, so they must still agree with it.
SUBMITTED = ("submission", "content_digest", "urgent", "learned_on", "reporter_role")


def _expected(object_type: str, row: dict[str, Any]) -> tuple[str, str | None]:
    if object_type != "report" or row.get("submission") is None:
        audited = {k: v for k, v in row.items() if k not in SUBMITTED}
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


def _stored_rows(
    session: Session,
    model: type[Base],
    fields: tuple[str, ...],
    findings: list[Finding],
    object_type: str,
) -> Iterator[dict[str, Any]]:
    """Rows as stored, sealed columns opened here so that a value someone wrote in plain
    text (or under an unknown key) becomes a finding, not a crash."""
    table: Table = model.__table__  # type: ignore[assignment]
    columns = [type_coerce(table.c[f], Text) if _sealed(table.c[f]) else table.c[f] for f in fields]
    keyring = active_keyring()
    for values in session.execute(select(*columns)):
        row = dict(zip(fields, values, strict=True))
        for name in fields:
            if _sealed(table.c[name]) and row[name] is not None:
                try:
                    row[name] = keyring.open(row[name], f"{table.name}.{name}")
                except (KeyringError, InvalidTag, ValueError):
                    findings.append(
                        Finding(
                            None,
                            (f"{object_type} {row['id']}: {name} cannot be decrypted: {UNSEALED}"),
                        )
                    )
                    break
        else:
            yield row


def _sealed(column: Any) -> bool:
    return isinstance(column.type, SealedText)


UNSEALED = "it was written directly to the database"
UNLEDGERED = "it was written directly to the database"
ALTERED = "it was changed directly in the database"
