"""The reporter's receipt: proof that the duty was discharged.

It says what was submitted (as a SHA-256 digest of exactly that content), when, and where
it was sent, and names the ledger entry that recorded it. Once a signed checkpoint covers
that entry, the receipt also carries the inclusion proof, so anyone holding the receipt and
the ledger's public key can check it offline, without trusting caselink's database.
"""

import contextlib
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.ledger import proofs
from caselink.reporting.inbox import ReportView
from caselink.reporting.intake import Filed
from caselink.store.models import LedgerEntry, Report


@dataclass(frozen=True)
class ReceiptCheck:
    ok: bool
    findings: list[str]


def ledger_entry_of(session: Session, reference: str) -> int | None:
    return session.scalar(
        select(LedgerEntry.seq)
        .where(
            LedgerEntry.object_type == "report",
            LedgerEntry.object_id == reference,
            LedgerEntry.action == "create",
        )
        .order_by(LedgerEntry.seq)
        .limit(1)
    )


def receipt(session: Session, report: ReportView) -> dict[str, Any]:
    seq = ledger_entry_of(session, report.reference)
    body: dict[str, Any] = {
        "kind": "caselink-report-receipt",
        "reference": report.reference,
        "record": "exemption_record" if report.kind == "exemption_record" else "mandatory_report",
        "submitted_at": report.submitted_at.isoformat(),
        "content_sha256": report.content_digest,
        "sent_to": [
            {"destination": r.destination, "acknowledge_by": r.due_at.isoformat()}
            for r in report.routes
        ],
        "urgent": report.urgent,
        "ledger_entry": seq,
        "inclusion_proof": None,
    }
    if seq is not None:
        # Until a checkpoint covers the entry there is no proof; the worker signs one soon.
        with contextlib.suppress(ValueError):
            body["inclusion_proof"] = proofs.inclusion_bundle(session, seq)
    return body


def for_new_report(filed: Filed) -> dict[str, Any]:
    """The receipt of a report just filed, from what filing it returned. No checkpoint can
    cover its ledger entry yet; the proof is in the receipt fetched later."""
    assert filed.submitted_at is not None
    return {
        "kind": "caselink-report-receipt",
        "reference": filed.reference,
        "record": "exemption_record" if filed.kind == "exemption_record" else "mandatory_report",
        "submitted_at": filed.submitted_at.isoformat(),
        "content_sha256": filed.content_digest,
        "sent_to": [
            {"destination": name, "acknowledge_by": due.isoformat()} for name, due in filed.sent_to
        ],
        "urgent": filed.urgent,
        "ledger_entry": filed.ledger_entry,
        "inclusion_proof": None,
    }


def check(
    bundle: dict[str, Any], public_key: Ed25519PublicKey, session: Session | None = None
) -> ReceiptCheck:
    """Check a receipt: its proof against the signed checkpoint, that the proved entry is
    this report's creation with this content digest, and (given a database) that the stored
    report still matches."""
    findings: list[str] = []
    proof = bundle.get("inclusion_proof")
    if not isinstance(proof, dict):
        return ReceiptCheck(
            False,
            [
                "the receipt has no inclusion proof yet: fetch it again once the ledger "
                "has been signed"
            ],
        )
    result = proofs.check_inclusion(proof, public_key)
    findings.append(result.reason)
    entry = proof.get("entry", {})
    ok = result.ok
    if (
        entry.get("object_type") != "report"
        or entry.get("object_id") != bundle.get("reference")
        or entry.get("action") != "create"
    ):
        ok = False
        findings.append("the proved ledger entry is not the creation of this report")
    if entry.get("after_digest") != bundle.get("content_sha256"):
        ok = False
        findings.append("the content digest on the receipt is not the one the ledger recorded")
    if session is not None:
        stored = session.execute(
            select(Report.content_digest, Report.submission).where(
                Report.reference == bundle.get("reference")
            )
        ).first()
        if stored is None:
            ok = False
            findings.append("the report is missing from the database")
        elif stored.content_digest != bundle.get("content_sha256") or (
            stored.submission is not None
            and hashlib.sha256(stored.submission.encode()).hexdigest() != stored.content_digest
        ):
            ok = False
            findings.append("the stored report no longer matches what was submitted")
        else:
            findings.append("the stored report matches what was submitted")
    return ReceiptCheck(ok, findings)


def to_text(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, indent=2, sort_keys=True)
