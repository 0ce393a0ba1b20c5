"""Filing a report: store it, route it, ledger it and give the reporter a receipt, all in the
caller's one transaction. A report either exists with its routes, its people and its ledger
entry, or not at all.

`file_reports` files several reports in one transaction (the API's concurrent requests are
batched by `group_commit`): one statement per step for the whole batch, and one hold of the
ledger's lock. Each report's outcome is its own: a repeat or a reused key does not affect
the others in the batch.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.access.tokens import Bearer, ScopeRefused, TokenRefused, check_bearers
from caselink.ledger import Action
from caselink.ledger.append import Pending, record_all
from caselink.reporting import notices
from caselink.reporting.clock import utcnow
from caselink.reporting.routing import Destination, areas_for_all, destinations_for_all
from caselink.reporting.rules import DutyRules
from caselink.reporting.submission import PersonNamed, Submission
from caselink.store.bulk import insert_rows
from caselink.store.models import Report, ReportPerson, ReportRoute

FILING_ROLES = policy.FILING_ROLES  # who is under the duty: decided by the access policy
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone call
assert len(_ALPHABET) == 32
# Core tables, not ORM classes: filing is on every report's path and needs no unit of work.
_REPORTS: Table = Report.__table__  # type: ignore[assignment]
_PEOPLE: Table = ReportPerson.__table__  # type: ignore[assignment]
_ROUTES: Table = ReportRoute.__table__  # type: ignore[assignment]


class NotAllowed(PermissionError):
    pass


class KeyReused(ValueError):
    """The same idempotency key was sent with different content."""


@dataclass(frozen=True)
class Filing:
    """A checked submission, who makes it, and the key that makes a retry safe.

    Who makes it may be a bearer token not yet checked: it is checked in the transaction
    that files the report (one query for a whole batch), and refused there if it must be."""

    principal: Principal | Bearer
    submission: Submission
    idempotency_key: str | None = None


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
    filer: Principal | None = None  # who filed it, as checked in the filing's transaction


Outcome = Filed | KeyReused | NotAllowed | TokenRefused | ScopeRefused


def new_reference() -> str:
    # 32 characters: a random byte's low 5 bits pick one uniformly (256 is a multiple of 32).
    body = "".join(_ALPHABET[b & 31] for b in secrets.token_bytes(8))
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
    """File one report; raise `NotAllowed` or `KeyReused` if it cannot be."""
    (outcome,) = file_reports(session, [Filing(principal, submission, idempotency_key)], rules, now)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@dataclass
class _Draft:
    """One filing on its way in."""

    filing: Filing
    principal: Principal
    content: str  # exactly what was submitted, as canonical JSON
    digest: str
    key: str | None  # the idempotency key, made unique to the user
    reference: str = field(default_factory=new_reference)
    areas: tuple[int, int] | None = None
    routed: list[Destination] = field(default_factory=list)
    report_id: int | None = None
    outcome: Outcome | None = None
    index: int = 0  # its place among the batch's filings

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    @property
    def kind(self) -> str:
        return "exemption_record" if self.filing.submission.exemption else "report"

    def repeat_of(self, report_id: int, reference: str) -> None:
        self.outcome = Filed(report_id, reference, duplicate=True, filer=self.principal)


def file_reports(
    session: Session, filings: Sequence[Filing], rules: DutyRules, now: datetime | None = None
) -> list[Outcome]:
    """File each report in the caller's transaction; say what became of each, in order."""
    now = now or utcnow()
    outcomes: list[Outcome | None] = [None] * len(filings)
    drafts = []
    for i, (f, filer) in enumerate(zip(filings, _filers(session, filings, now), strict=True)):
        if not isinstance(filer, Principal):
            outcomes[i] = filer
            continue
        content = f.submission.canonical_json()
        digest = hashlib.sha256(content.encode()).hexdigest()
        drafts.append(_Draft(f, filer, content, digest, _key(filer, f.idempotency_key), index=i))
    # A repeat within the batch (a double click) is filed in a second round, after the
    # first, so that it finds the first exactly as it would a report filed earlier.
    while waiting := [d for d in drafts if d.outcome is None]:
        seen: set[tuple[int, str]] = set()
        this_round = []
        for d in waiting:
            # (0, key): a key is already made unique to its user.
            marks = {(d.user_id, d.digest)} | ({(0, d.key)} if d.key else set())
            if not marks & seen:
                seen |= marks
                this_round.append(d)
        _file(session, this_round, rules, now)
    for d in drafts:
        outcomes[d.index] = d.outcome
    return [o for o in outcomes if o is not None]


def _filers(
    session: Session, filings: Sequence[Filing], now: datetime
) -> list[Principal | TokenRefused | ScopeRefused]:
    """Who files each report: the principal given, or the holder of a bearer token checked
    here, in the filing's own transaction (a token revoked before it commits files nothing)."""
    bearers = [f.principal for f in filings if isinstance(f.principal, Bearer)]
    checked = iter(check_bearers(session, bearers, now) if bearers else [])
    return [f.principal if isinstance(f.principal, Principal) else next(checked) for f in filings]


def _file(session: Session, drafts: list[_Draft], rules: DutyRules, now: datetime) -> None:
    """File drafts that repeat neither each other's content nor each other's key."""
    for d in drafts:
        if d.principal.role not in FILING_ROLES:
            d.outcome = NotAllowed("only reporters and safeguarding officers file reports")
    _find_recent_repeats(
        session, [d for d in drafts if d.outcome is None], now - rules.duplicate_window
    )
    drafts = [d for d in drafts if d.outcome is None]
    _route(session, drafts)
    _insert_reports(session, drafts, now)
    drafts = [d for d in drafts if d.outcome is None]
    if not drafts:
        return
    _insert_people(session, drafts)
    routes = []
    for d in drafts:
        due = now + rules.deadline(d.filing.submission.immediate_danger)
        routes += [
            {
                "report_id": d.report_id,
                "agency_id": r.agency_id,
                "queue": r.queue,
                "routed_at": now,
                "due_at": due,
            }
            for r in d.routed
        ]
    if routes:
        insert_rows(session.connection(), _ROUTES, routes)
    for d in drafts:
        if d.filing.submission.immediate_danger:
            assert d.report_id is not None
            notices.urgent_report(session, d.report_id, d.reference, d.routed, now)
    # The ledger append comes last: it holds the ledger's lock until the commit.
    entries = record_all(session, [_creation(d) for d in drafts])
    for d, entry in zip(drafts, entries, strict=True):
        assert d.report_id is not None
        due = now + rules.deadline(d.filing.submission.immediate_danger)
        d.outcome = Filed(
            d.report_id,
            d.reference,
            duplicate=False,
            submitted_at=now,
            content_digest=d.digest,
            sent_to=tuple((r.name, due) for r in d.routed),
            urgent=d.filing.submission.immediate_danger,
            kind=d.kind,
            ledger_entry=entry.seq,
            filer=d.principal,
        )


# Built once, like every statement on the filing path: only the parameters change.
_RECENT = (
    select(Report.id, Report.reference, Report.reporter_user_id, Report.content_digest)
    .where(
        Report.reporter_user_id.in_(bindparam("users", expanding=True)),
        Report.content_digest.in_(bindparam("digests", expanding=True)),
        Report.submitted_at >= bindparam("since"),
    )
    .order_by(Report.id)
)


def _find_recent_repeats(session: Session, drafts: list[_Draft], since: datetime) -> None:
    """The same content from the same reporter within minutes is a repeat whatever its key
    (a reloaded form); a repeated key is found by the insert itself."""
    if not drafts:
        return
    found: dict[tuple[int | None, str | None], tuple[int, str]] = {}
    wanted = {
        "users": sorted({d.user_id for d in drafts}),
        "digests": sorted({d.digest for d in drafts}),
        "since": since,
    }
    for report_id, reference, user_id, digest in session.connection().execute(_RECENT, wanted):
        found.setdefault((user_id, digest), (report_id, reference))
    for d in drafts:
        if (d.user_id, d.digest) in found:
            d.repeat_of(*found[(d.user_id, d.digest)])


def _route(session: Session, drafts: list[_Draft]) -> None:
    """Where each report goes; an exemption record is kept but not routed."""
    reports = [d for d in drafts if d.kind == "report"]
    for d, areas in zip(
        reports, areas_for_all(session, [d.filing.submission for d in reports]), strict=True
    ):
        d.areas = areas
    destinations = destinations_for_all(session, [d.areas for d in reports])
    for d in reports:
        d.routed = destinations[d.areas]


def _insert_reports(session: Session, drafts: list[_Draft], now: datetime) -> None:
    if not drafts:
        return
    # Conflicts skipped: a concurrent double-submit with the same key loses the race quietly
    # and is answered with the winner's report instead of failing. Rows go in in key order,
    # so two batches that share keys take their locks in the same order.
    rows = [_report_row(d, now) for d in sorted(drafts, key=lambda d: d.key or "")]
    inserted: dict[str, int] = {
        row.reference: row.id
        for row in insert_rows(
            session.connection(),
            _REPORTS,
            rows,
            skip_conflicts_on="idempotency_key",
            returning=("reference", "id"),
        )
    }
    lost = {d.key: d for d in drafts if d.reference not in inserted}
    for d in drafts:
        d.report_id = inserted.get(d.reference)
    if not lost:
        return
    for report_id, reference, key, digest in session.connection().execute(
        select(Report.id, Report.reference, Report.idempotency_key, Report.content_digest).where(
            Report.idempotency_key.in_(lost)
        )
    ):
        if digest == lost[key].digest:
            lost[key].repeat_of(report_id, reference)
        else:
            lost[key].outcome = KeyReused(
                "this idempotency key was already used for a different report"
            )
    assert all(d.outcome is not None for d in lost.values()), "a conflicting report must exist"


def _report_row(d: _Draft, now: datetime) -> dict[str, object]:
    s = d.filing.submission
    return {
        "reference": d.reference,
        "submitted_at": now,
        "reporter_user_id": d.user_id,
        "reporter_agency_id": d.principal.agency_id,
        "force_area_id": d.areas[0] if d.areas else None,
        "local_authority_id": d.areas[1] if d.areas else None,
        "trigger": s.trigger,
        "summary": s.what_happened,
        "delay_reason": s.delay_reason,
        "kind": d.kind,
        "urgent": s.immediate_danger,
        "learned_on": s.learned_on,
        "delay_kind": s.delay_kind,
        "reporter_role": s.reporter_role,
        "reporter_setting": s.reporter_setting,
        "submission": d.content,
        "content_digest": d.digest,
        "idempotency_key": d.key,
    }


def _insert_people(session: Session, drafts: list[_Draft]) -> None:
    rows = []
    for d in drafts:
        named: list[tuple[str, PersonNamed]] = [("child", d.filing.submission.child)]
        named += [("suspect", s) for s in d.filing.submission.suspects]
        rows += [
            {
                "report_id": d.report_id,
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
                "nhs_number": p.nhs_number,
            }
            for role, p in named
        ]
    insert_rows(session.connection(), _PEOPLE, rows)


def _creation(d: _Draft) -> Pending:
    where = ", ".join(r.name for r in d.routed) or "not routed: exemption recorded"
    urgent = "urgent " if d.filing.submission.immediate_danger else ""
    return Pending(
        d.principal.actor,
        Action.CREATE,
        "report",
        d.reference,
        reason=f"{urgent}{d.kind}; {where}",
        after=d.digest,
    )
