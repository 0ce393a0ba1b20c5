"""Lists, counts, search, export and single reads of cases and person records.

Each query carries the policy's condition, so a list, its count and an export can never
show more than the pages would; each read of one case or record is ledgered (DPA 2018 s.62
"consultation")."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.domain import Role
from caselink.ledger import Action, record, record_read
from caselink.store.models import (
    Agency,
    Area,
    Case,
    CaseParticipant,
    Decision,
    Event,
    PersonRecord,
    SurvivorLink,
)
from caselink.survivors.withholding import withheld

PAGE_SIZE = 50
_CONTROL = dict.fromkeys(range(32))  # NUL and other control characters


def clean(text: str | None) -> str:
    """User-typed text made safe to send to any database (PostgreSQL refuses NUL)."""
    return (text or "").translate(_CONTROL).strip()


def _like(text: str) -> str:
    # The user's % and _ are letters to search for, not wildcards.
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class CaseRow:
    reference: str
    force_area: str
    local_authority: str | None
    opened_on: date
    closed_on: date | None
    status: str
    outcome: str | None


def _case_query(p: Principal, q: str | None) -> Select[Case, str, str]:
    force, authority = aliased(Area), aliased(Area)
    query = (
        select(Case, force.name, authority.name)
        .join(force, Case.force_area_id == force.id)
        .outerjoin(authority, Case.local_authority_id == authority.id)
        .where(policy.cases(p))
    )
    q = clean(q)
    if q:
        term = _like(q)
        named = (
            select(CaseParticipant.case_id)
            .join(PersonRecord)
            .where(
                or_(
                    func.lower(PersonRecord.given_name).like(term, escape="\\"),
                    func.lower(PersonRecord.family_name).like(term, escape="\\"),
                ),
                policy.records(p),
            )
        )
        matches = func.lower(Case.reference).like(term, escape="\\")
        query = query.where(or_(matches, Case.id.in_(named)))
    return query


def list_cases(
    session: Session, p: Principal, q: str | None = None, page: int = 1
) -> tuple[list[CaseRow], int]:
    query = _case_query(p, q)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if p.role == Role.OVERSIGHT_OFFICER:  # oversight reads across forces: every read is kept
        record_read(
            session,
            p.actor,
            "case_list",
            clean(q) or "*",
            reason=f"page {page}, {total} cases",
        )
    rows = session.execute(
        query.order_by(Case.opened_on.desc(), Case.reference)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return [_row(case, force, authority) for case, force, authority in rows], total


def count_cases(session: Session, p: Principal, q: str | None = None) -> int:
    return session.scalar(select(func.count()).select_from(_case_query(p, q).subquery())) or 0


def export_cases(session: Session, p: Principal, q: str | None = None) -> Iterator[CaseRow]:
    rows = session.execute(_case_query(p, q).order_by(Case.reference))
    count = 0
    for case, force, authority in rows:
        count += 1
        yield _row(case, force, authority)
    record(
        session, p.actor, Action.EXPORT, "cases", clean(q) or "*", reason=f"{count} cases as CSV"
    )


def _row(case: Case, force: str, authority: str | None) -> CaseRow:
    return CaseRow(
        case.reference, force, authority, case.opened_on, case.closed_on, case.status, case.outcome
    )


@dataclass(frozen=True)
class Participant:
    role: str
    name: str
    date_of_birth: date | None
    agency: str
    record_id: int | None  # None when redacted


@dataclass(frozen=True)
class CaseFile:
    row: CaseRow
    summary: str | None
    closure_reason: str | None
    participants: list[Participant]
    events: list[tuple[date, str, str | None]]
    decisions: list[tuple[str, str, str]]


class OutOfScope(Exception):
    """The case exists but this user may not see it (shown only to roles that may break
    glass; everyone else is told it does not exist)."""


def find_case_id(session: Session, reference: str) -> int | None:
    return session.scalar(select(Case.id).where(Case.reference == clean(reference)))


def read_case(session: Session, p: Principal, reference: str) -> CaseFile | None:
    reference = clean(reference)
    try:
        found = refusals.find_or_refuse(
            session,
            p,
            "case",
            reference,
            _case_query(p, None).where(Case.reference == reference),
            select(Case.id).where(Case.reference == reference),
        )
    except refusals.Refused as refused:
        if refused.exists and policy.may_break_glass(p):
            raise OutOfScope(reference) from None
        return None
    case, force, authority = found
    record_read(session, p.actor, "case", case.id)
    file = CaseFile(
        row=_row(case, force, authority),
        summary=case.summary,
        closure_reason=case.closure_reason,
        participants=_participants(session, p, case.id),
        events=[
            (e.occurred_on, e.kind, e.detail)
            for e in session.scalars(
                select(Event).where(Event.case_id == case.id).order_by(Event.occurred_on)
            )
        ],
        decisions=[
            (d.kind, d.outcome, d.reason)
            for d in session.scalars(
                select(Decision).where(Decision.case_id == case.id).order_by(Decision.decided_at)
            )
        ],
    )
    # A survivor reads their own case with everyone else withheld (see caselink.survivors).
    return file if policy.sees_third_parties(p) else withheld(session, p, case.id, file)


def _participants(session: Session, p: Principal, case_id: int) -> list[Participant]:
    own = set(
        session.scalars(
            select(SurvivorLink.person_record_id).where(SurvivorLink.user_id == p.user_id)
        )
    )
    rows = session.execute(
        select(CaseParticipant.role, PersonRecord, Agency.name)
        .join(PersonRecord, CaseParticipant.person_record_id == PersonRecord.id)
        .join(Agency, PersonRecord.agency_id == Agency.id)
        .where(CaseParticipant.case_id == case_id)
        .order_by(CaseParticipant.role, PersonRecord.family_name)
    ).all()
    people = []
    for role, person, agency in rows:
        if policy.sees_third_parties(p) or person.id in own:
            name = " ".join(n for n in (person.given_name, person.family_name) if n) or "(no name)"
            people.append(Participant(role, name, person.date_of_birth, agency, person.id))
        else:
            people.append(Participant(role, f"A {role} (details withheld)", None, "", None))
    return people


@dataclass(frozen=True)
class RecordView:
    id: int
    agency: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None
    address: str | None
    nhs_number: str | None
    phone: str | None
    email: str | None
    cases: list[tuple[str, str]]
    person_id: int | None = None  # the linked person: their joined-up record is /people/{id}


class RecordOutOfScope(Exception):
    """The record exists but this user may not see it (told only to roles that may break
    glass, so they know to ask; everyone else is told it does not exist)."""


def read_record(session: Session, p: Principal, record_id: int) -> RecordView | None:
    try:
        found = refusals.find_or_refuse(
            session,
            p,
            "person_record",
            record_id,
            select(PersonRecord, Agency.name)
            .join(Agency)
            .where(PersonRecord.id == record_id, policy.records(p)),
            select(PersonRecord.id).where(PersonRecord.id == record_id),
        )
    except refusals.Refused as refused:
        if refused.exists and policy.told_it_exists(p):
            raise RecordOutOfScope(record_id) from None
        return None
    person, agency = found
    record_read(session, p.actor, "person_record", person.id)
    in_cases = session.execute(
        select(Case.reference, CaseParticipant.role)
        .join(CaseParticipant)
        .where(CaseParticipant.person_record_id == person.id, policy.cases(p))
    ).all()
    return RecordView(
        person.id,
        agency,
        person.given_name,
        person.family_name,
        person.date_of_birth,
        person.sex,
        person.postcode,
        person.address,
        person.nhs_number,
        person.phone,
        person.email,
        [(ref, role) for ref, role in in_cases],
        person.person_id,
    )
