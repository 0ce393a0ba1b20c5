"""Filing a report: store it, route it, ledger it and give the reporter a receipt, all in the
caller's one transaction. A report either exists with its routes, its people and its ledger
entry, or not at all.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from caselink.access.principal import Principal
from caselink.domain import Role
from caselink.ledger import Action, record
from caselink.reporting import notices
from caselink.reporting.clock import utcnow
from caselink.reporting.routing import Destination, areas_for, destinations
from caselink.reporting.rules import DutyRules
from caselink.reporting.submission import PersonNamed, Submission
from caselink.store.models import Report, ReportPerson, ReportRoute

FILING_ROLES = frozenset({Role.REPORTER, Role.SAFEGUARDING_OFFICER})
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone call


class NotAllowed(PermissionError):
    pass


class KeyReused(ValueError):
    """The same idempotency key was sent with different content."""


@dataclass(frozen=True)
class Filed:
    report_id: int
    reference: str
    duplicate: bool  # True: this was a repeat of a report already filed
    # Set for a newly filed report, so its receipt needs no second look at the database.
    submitted_at: datetime | None = None
    content_digest: str | None = None
    sent_to: tuple[tuple[str, datetime], ...] = ()
    urgent: bool = False
    kind: str = "report"
    ledger_entry: int | None = None


def new_reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"MR-{body[:4]}-{body[4:]}"


def _key(principal: Principal, idempotency_key: str | None) -> str | None:
    if not idempotency_key:
        return None
    return hashlib.sha256(f"{principal.user_id}:{idempotency_key}".encode()).hexdigest()


def file_report(
    session: Session,
    principal: Principal,
    submission: Submission,
    rules: DutyRules,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Filed:
    if principal.role not in FILING_ROLES:
        raise NotAllowed("only reporters and safeguarding officers file reports")
    now = now or utcnow()
    content = submission.canonical_json()
    digest = hashlib.sha256(content.encode()).hexdigest()
    key = _key(principal, idempotency_key)
    # The same content again within minutes is a repeat whatever its key (a reloaded form);
    # a repeated key is found by the insert itself (below).
    earlier = _earlier(session, principal, digest, None, now - rules.duplicate_window)
    if earlier is not None:
        return earlier
    kind = "exemption_record" if submission.exemption else "report"
    areas = None if submission.exemption else areas_for(session, submission)
    values = {
        "reference": new_reference(),
        "submitted_at": now,
        "reporter_user_id": principal.user_id,
        "reporter_agency_id": principal.agency_id,
        "force_area_id": areas[0] if areas else None,
        "local_authority_id": areas[1] if areas else None,
        "trigger": submission.trigger,
        "summary": submission.what_happened,
        "delay_reason": submission.delay_reason,
        "kind": kind,
        "urgent": submission.immediate_danger,
        "learned_on": submission.learned_on,
        "delay_kind": submission.delay_kind,
        "reporter_role": submission.reporter_role,
        "reporter_setting": submission.reporter_setting,
        "submission": content,
        "content_digest": digest,
        "idempotency_key": key,
    }
    # ON CONFLICT DO NOTHING: a concurrent double-submit with the same key loses the race
    # quietly and returns the winner's report instead of failing the request.
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Report)
    report_id = session.execute(
        statement.values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Report.id)
    ).scalar_one_or_none()
    if report_id is None:
        again = _earlier(session, principal, digest, key, now - rules.duplicate_window)
        assert again is not None, "a conflicting report must exist"
        return again
    _people(session, report_id, submission)
    routed: list[Destination] = []
    due = now + rules.deadline(submission.immediate_danger)
    if kind == "report":
        routed = destinations(session, areas)
        session.execute(
            insert(ReportRoute),
            [
                {
                    "report_id": report_id,
                    "agency_id": d.agency_id,
                    "queue": d.queue,
                    "routed_at": now,
                    "due_at": due,
                }
                for d in routed
            ],
        )
    if submission.immediate_danger:
        notices.urgent_report(session, report_id, str(values["reference"]), routed, now)
    # The ledger append comes last: it holds the ledger's lock until the commit.
    where = ", ".join(d.name for d in routed) or "not routed: exemption recorded"
    entry = record(
        session,
        principal.actor,
        Action.CREATE,
        "report",
        str(values["reference"]),
        reason=f"{'urgent ' if submission.immediate_danger else ''}{kind}; {where}",
        after=digest,
    )
    return Filed(
        report_id,
        str(values["reference"]),
        duplicate=False,
        submitted_at=now,
        content_digest=digest,
        sent_to=tuple((d.name, due) for d in routed),
        urgent=submission.immediate_danger,
        kind=kind,
        ledger_entry=entry.seq,
    )


def _earlier(
    session: Session, principal: Principal, digest: str, key: str | None, since: datetime
) -> Filed | None:
    """The report this submission repeats: same idempotency key, or (with no key) the same
    content from the same reporter within the duplicate window."""
    if key is not None:
        found = session.execute(
            select(Report.id, Report.reference, Report.content_digest).where(
                Report.idempotency_key == key
            )
        ).first()
        if found is None:
            return None
        if found.content_digest != digest:
            raise KeyReused("this idempotency key was already used for a different report")
        return Filed(found.id, found.reference, duplicate=True)
    recent = session.execute(
        select(Report.id, Report.reference)
        .where(
            Report.reporter_user_id == principal.user_id,
            Report.content_digest == digest,
            Report.submitted_at >= since,
        )
        .limit(1)
    ).first()
    return Filed(recent.id, recent.reference, duplicate=True) if recent else None


def _people(session: Session, report_id: int, submission: Submission) -> None:
    named: list[tuple[str, PersonNamed]] = [("child", submission.child)]
    named += [("suspect", s) for s in submission.suspects]
    session.execute(
        insert(ReportPerson),
        [
            {
                "report_id": report_id,
                "role": role,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "date_of_birth": p.date_of_birth,
                "age": p.age,
                "school": p.school,
                "address": p.address,
                "postcode": p.postcode,
                "phone": p.phone,
                "vehicle": p.vehicle,
                "description": p.description,
            }
            for role, p in named
        ],
    )
