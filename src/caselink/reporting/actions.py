"""What officers do with a report: acknowledge it, ask for more, put it in a case, route it
on from triage, close it with a reason. Each is a new row and a ledger entry; the report
itself never changes.

Closing a report about a child under 16 with a reason such as "consent" or "not credible"
takes two officers: the first asks, a second approves or refuses.
"""

from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.domain import AgencyKind, Role, age_on
from caselink.ledger import Action, record, record_rows
from caselink.people.keys import index_records, index_vehicles
from caselink.reporting import notices
from caselink.reporting.clock import utcnow
from caselink.reporting.inbox import CLOSED_KINDS, pending_closure
from caselink.reporting.rules import CLOSURE_REASONS, DutyRules
from caselink.store import locks
from caselink.store.models import (
    Agency,
    Area,
    Case,
    CaseAssignment,
    CaseEntity,
    CaseParticipant,
    PersonRecord,
    Report,
    ReportAction,
    ReportPerson,
    ReportRoute,
    User,
)

NOTE_MAX = 5000


class ActionRefused(ValueError):
    """The action is not possible: the message says why, for the person who tried."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _route_for(session: Session, p: Principal, report: Report) -> ReportRoute:
    routes = session.scalars(
        select(ReportRoute).where(ReportRoute.report_id == report.id).order_by(ReportRoute.id)
    ).all()
    for route in routes:
        if policy.works_route(p, route.agency_id):
            return route
    raise ActionRefused("This report was not sent to your agency, so you cannot act on it")


def _closed(session: Session, report: Report) -> bool:
    return (
        session.scalar(
            select(ReportAction.id)
            .where(ReportAction.report_id == report.id, ReportAction.kind.in_(CLOSED_KINDS))
            .limit(1)
        )
        is not None
    )


def _act(
    session: Session,
    p: Principal,
    report: Report,
    route: ReportRoute | None,
    kind: str,
    now: datetime,
    *,
    note: str | None = None,
    category: str | None = None,
    case_id: int | None = None,
    ledger_action: Action = Action.CHANGE,
) -> ReportAction:
    action = ReportAction(
        report_id=report.id,
        route_id=route.id if route else None,
        kind=kind,
        actor_user_id=p.user_id,
        at=now,
        case_id=case_id,
        category=category,
        note=note,
    )
    session.add(action)
    session.flush()
    reason = kind.replace("_", " ") + (f": {category}" if category else "")
    record(session, p.actor, ledger_action, "report", report.reference, reason=reason)
    # The report's status (closed above all) is read from its actions: each row is audited.
    # Its entry records the row's creation; the entry above is the act itself.
    on = f"{reason} (report {report.reference})"
    record_rows(session, p.actor, Action.CREATE, "report_action", [action.id], reason=on)
    return action


def _note(note: str | None, label: str, field: str = "note") -> str:
    text = (note or "").strip()
    if not text:
        raise ActionRefused(f"Enter {label}", field)
    if len(text) > NOTE_MAX:
        raise ActionRefused(
            f"{label.capitalize()} must be {NOTE_MAX:,} characters or fewer", "note"
        )
    return text


def acknowledge(
    session: Session, p: Principal, report: Report, now: datetime | None = None
) -> bool:
    """Acknowledge the route to the officer's agency. Returns False if it already was."""
    now = now or utcnow()
    route = _route_for(session, p, report)
    done = session.scalar(
        select(ReportAction.id)
        .where(ReportAction.route_id == route.id, ReportAction.kind == "acknowledge")
        .limit(1)
    )
    if done is not None:
        return False
    _act(session, p, report, route, "acknowledge", now, ledger_action=Action.ACKNOWLEDGE)
    return True


def request_information(
    session: Session,
    p: Principal,
    report: Report,
    question: str | None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    route = _route_for(session, p, report)
    text = _note(question, "what you need to know", "question")
    _act(session, p, report, route, "request_information", now, note=text)
    reporter = session.get(User, report.reporter_user_id) if report.reporter_user_id else None
    if reporter is not None:
        notices.tell(
            session,
            [reporter],
            key=f"info:{report.id}:{now.isoformat()}",
            kind="information_requested",
            subject_id=report.id,
            subject=f"More information needed about report {report.reference}",
            message=(
                f"An officer has asked for more information about your report {report.reference}."
            ),
            now=now,
        )


def provide_information(
    session: Session, p: Principal, report: Report, answer: str | None, now: datetime | None = None
) -> None:
    """The reporter adds to their report (it cannot be edited, only added to)."""
    now = now or utcnow()
    if report.reporter_user_id != p.user_id:
        raise ActionRefused("Only the person who made the report can add information to it")
    _act(
        session,
        p,
        report,
        None,
        "provide_information",
        now,
        note=_note(answer, "the information", "answer"),
    )


def link_case(
    session: Session, p: Principal, report: Report, case_reference: str, now: datetime | None = None
) -> Case:
    now = now or utcnow()
    route = _route_for(session, p, report)
    case = session.scalar(
        select(Case).where(Case.reference == case_reference.strip(), policy.cases(p))
    )
    if case is None:
        raise ActionRefused(
            "There is no case with that reference that you can see", "case_reference"
        )
    _lock_report(session, report)
    if case.id in _report_case_ids(session, report, route.agency_id):
        return case  # already linked by this agency: a repeat click changes nothing
    _act(session, p, report, route, "link_case", now, case_id=case.id, ledger_action=Action.LINK)
    _link_to_other_agencies(session, p, report, case)
    return case


def agency_case(session: Session, report: Report, agency_id: int | None) -> Case | None:
    """The case the agency opened from, or linked to, this report (its first), if any."""
    ids = _report_case_ids(session, report, agency_id)
    return session.get(Case, ids[0]) if ids else None


def cases_of_report(session: Session, report: Report) -> list[tuple[Case, str]]:
    """Every case an agency opened from or linked to the report, with the agency's name."""
    rows = session.execute(
        select(Case, Agency.name)
        .join(ReportAction, ReportAction.case_id == Case.id)
        .join(ReportRoute, ReportRoute.id == ReportAction.route_id)
        .join(Agency, Agency.id == ReportRoute.agency_id)
        .where(
            ReportAction.report_id == report.id,
            ReportAction.kind.in_(CASE_KINDS),
        )
        .order_by(ReportAction.id)
    ).all()
    seen: dict[int, tuple[Case, str]] = {}
    for case, agency in rows:
        seen.setdefault(case.id, (case, agency))
    return list(seen.values())


CASE_KINDS = ("open_case", "link_case")


def _report_case_ids(session: Session, report: Report, agency_id: int | None) -> list[int]:
    ids = session.scalars(
        select(ReportAction.case_id)
        .join(ReportRoute, ReportRoute.id == ReportAction.route_id)
        .where(
            ReportAction.report_id == report.id,
            ReportAction.kind.in_(CASE_KINDS),
            ReportAction.case_id.is_not(None),
            ReportRoute.agency_id == agency_id,
        )
        .order_by(ReportAction.id)
    )
    return [i for i in ids if i is not None]


def _lock_report(session: Session, report: Report) -> None:
    """Two officers (or one double click) opening a case from the same report at once wait
    for each other, so the second sees the first's case instead of making another."""
    locks.hold_for_transaction(session, REPORT_CASES + report.id)
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has one writer: a write that changes nothing takes its lock now, before the
        # check for an existing case, rather than at the first insert after it.
        session.execute(text("UPDATE report_routes SET id = id WHERE 0"))


REPORT_CASES = 0x6361_7365_0000_0000  # + report id: an advisory lock key per report


def _link_to_other_agencies(session: Session, p: Principal, report: Report, case: Case) -> None:
    """The police's case and the council's case from one report are linked to each other
    (through the report, which both name, and on the record)."""
    for other, _agency in cases_of_report(session, report):
        if other.id != case.id:
            record(
                session,
                p.actor,
                Action.LINK,
                "case",
                case.reference,
                reason=f"same report {report.reference} as case {other.reference}",
            )


def open_case(session: Session, p: Principal, report: Report, now: datetime | None = None) -> Case:
    """A new case from the report: its people become person records (so linkage and network
    detection see them) and their phones, vehicles and addresses become case entities.

    Each agency the report was sent to may open its own case (the police and the council
    both work a report sent to both); an agency that already has one gets it back, so a
    repeat click changes nothing."""
    now = now or utcnow()
    route = _route_for(session, p, report)
    if route.agency_id is None:
        raise ActionRefused("Route the report to a force or local authority before opening a case")
    _lock_report(session, report)
    existing = agency_case(session, report, route.agency_id)
    if existing is not None:
        return existing
    agency = session.get(Agency, route.agency_id)
    assert agency is not None
    area = session.get(Area, agency.area_id)
    assert area is not None
    force_id = (
        area.id if agency.kind == AgencyKind.POLICE_FORCE.value else (area.parent_id or area.id)
    )
    force = session.get(Area, force_id)
    assert force is not None
    earlier = len(session.scalars(select(Case.id).where(Case.origin_report_id == report.id)).all())
    # The first case keeps the report's number; a second agency's case adds its count.
    suffix = f"-{earlier + 1}" if earlier else ""
    case = Case(
        reference=f"{force.code}/{now.year}/R{report.id:06d}{suffix}",
        force_area_id=force_id,
        local_authority_id=report.local_authority_id,
        opened_on=now.date(),
        status="open",
        summary=report.summary,
        origin_report_id=report.id,
    )
    session.add(case)
    session.flush()
    people = session.scalars(
        select(ReportPerson).where(ReportPerson.report_id == report.id).order_by(ReportPerson.id)
    ).all()
    records_from = f"{report.reference}{suffix}"
    for n, person in enumerate(people, start=1):
        _person_in_case(session, case, agency, records_from, person, n, now.date())
    session.add(CaseAssignment(case_id=case.id, user_id=p.user_id))
    opened = f"{case.reference} opened from report {report.reference}"
    record_rows(session, p.actor, Action.CREATE, "case", [case.id], reason=opened)
    session.flush()
    participants = select(CaseParticipant.id).where(CaseParticipant.case_id == case.id)
    in_case = f"in case {case.reference}"
    record_rows(
        session, p.actor, Action.CREATE, "case_participant", session.scalars(participants), in_case
    )
    _act(session, p, report, route, "open_case", now, case_id=case.id, ledger_action=Action.LINK)
    _link_to_other_agencies(session, p, report, case)
    return case


def _person_in_case(
    session: Session,
    case: Case,
    agency: Agency,
    records_from: str,
    person: ReportPerson,
    n: int,
    today: date,
) -> None:
    record_row = PersonRecord(
        agency_id=agency.id,
        source="caselink-report",
        record_id=f"{records_from}-{n}",
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        address=person.address,
        phone=person.phone,
        nhs_number=person.nhs_number,
    )
    session.add(record_row)
    session.flush()
    role = (
        "victim" if person.role == "child" else "suspect" if person.role == "suspect" else "witness"
    )
    session.add(CaseParticipant(case_id=case.id, person_record_id=record_row.id, role=role))
    things = (
        ("phone", person.phone, "uses_phone"),
        ("vehicle", person.vehicle, "drives"),
        ("address", person.address, "lives_at"),
    )
    for kind, value, relation in things:
        if value:
            session.add(
                CaseEntity(
                    case_id=case.id,
                    person_record_id=record_row.id,
                    kind=kind,
                    value=value,
                    relation=relation,
                    observed_on=today,
                )
            )
    session.flush()
    # Findable by person search at once: its names, phone and vehicle (caselink.people.keys).
    index_records(session, [record_row.id])
    index_vehicles(session, CaseEntity.person_record_id == record_row.id)


def needs_second_officer(
    report: Report, child_age: int | None, category: str, rules: DutyRules
) -> bool:
    """An unknown age counts as under 16: the safer reading for a child."""
    young = child_age is None or child_age < rules.second_approval_under_age
    return young and category in rules.closure_reasons_needing_approval


def close(
    session: Session,
    p: Principal,
    report: Report,
    category: str,
    reason: str | None,
    rules: DutyRules,
    now: datetime | None = None,
) -> str:
    """Close the report, or ask a second officer to approve closing it. Returns the action kind."""
    now = now or utcnow()
    route = _route_for(session, p, report)
    if category not in CLOSURE_REASONS:
        raise ActionRefused("Select why the report is being closed", "category")
    text = _note(reason, "the reason for closing the report")
    if _closed(session, report):
        raise ActionRefused("This report is already closed")
    if _pending_closure(session, report) is not None:
        raise ActionRefused("A closure of this report is already waiting for a second officer")
    if needs_second_officer(report, _child_age(session, report), category, rules):
        _act(
            session,
            p,
            report,
            route,
            "request_closure",
            now,
            note=text,
            category=category,
            ledger_action=Action.DECIDE,
        )
        others = [o for o in notices.officers_of(session, route.agency_id) if o.id != p.user_id]
        notices.tell(
            session,
            others,
            key=f"closure:{report.id}:{now.isoformat()}",
            kind="closure_approval",
            subject_id=report.id,
            subject=f"Approval needed to close report {report.reference}",
            message=(
                f"{p.display_name} asks to close report {report.reference} about a child under "
                f"{rules.second_approval_under_age} ({CLOSURE_REASONS[category]}). "
                "A second officer must approve or refuse."
            ),
            now=now,
        )
        return "request_closure"
    _act(
        session,
        p,
        report,
        route,
        "close",
        now,
        note=text,
        category=category,
        ledger_action=Action.DECIDE,
    )
    return "close"


def _pending_closure(session: Session, report: Report) -> ReportAction | None:
    return pending_closure(
        session.scalars(
            select(ReportAction)
            .where(ReportAction.report_id == report.id)
            .order_by(ReportAction.id)
        ).all()
    )


def decide_closure(
    session: Session,
    p: Principal,
    report: Report,
    approve: bool,
    reason: str | None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    route = _route_for(session, p, report)
    pending = _pending_closure(session, report)
    if pending is None:
        raise ActionRefused("No closure of this report is waiting for approval")
    if pending.actor_user_id == p.user_id:
        raise ActionRefused(
            "A second officer must decide: you cannot approve or refuse your own request"
        )
    text = _note(reason, "the reason for your decision", "reason")
    kind = "approve_closure" if approve else "refuse_closure"
    _act(
        session,
        p,
        report,
        route,
        kind,
        now,
        note=text,
        category=pending.category,
        ledger_action=Action.DECIDE,
    )
    if not approve:
        notices.tell_oversight(
            session,
            kind="closure_refused",
            report_id=report.id,
            message=(
                f"A request to close report {report.reference} ({pending.category}) "
                "was refused by a second officer."
            ),
            now=now,
        )


def route_on(
    session: Session,
    p: Principal,
    report: Report,
    agency_code: str,
    rules: DutyRules,
    now: datetime | None = None,
) -> ReportRoute:
    """From the national triage queue to a force or local authority, with a fresh clock."""
    now = now or utcnow()
    if p.role != Role.OVERSIGHT_OFFICER:
        raise ActionRefused("Only oversight officers triage reports")
    triage = _route_for(session, p, report)
    agency = session.scalar(
        select(Agency).where(
            Agency.code == agency_code.strip(),
            Agency.kind.in_((AgencyKind.POLICE_FORCE.value, AgencyKind.LOCAL_AUTHORITY.value)),
        )
    )
    if agency is None:
        raise ActionRefused("Select a police force or local authority", "agency_code")
    route = ReportRoute(
        report_id=report.id,
        agency_id=agency.id,
        queue="agency",
        routed_at=now,
        due_at=now + rules.deadline(report.urgent),
        routed_by_user_id=p.user_id,
    )
    session.add(route)
    session.flush()
    if (
        session.scalar(
            select(ReportAction.id).where(
                ReportAction.route_id == triage.id, ReportAction.kind == "acknowledge"
            )
        )
        is None
    ):
        _act(session, p, report, triage, "acknowledge", now, ledger_action=Action.ACKNOWLEDGE)
    _act(
        session,
        p,
        report,
        triage,
        "route",
        now,
        note=f"Sent to {agency.name}",
        ledger_action=Action.DISCLOSE,
    )
    return route


def _child_age(session: Session, report: Report) -> int | None:
    child = session.scalar(
        select(ReportPerson).where(
            ReportPerson.report_id == report.id, ReportPerson.role == "child"
        )
    )
    if child is None:
        return None
    day = report.learned_on or date.today()
    return age_on(child.date_of_birth, day) if child.date_of_birth else child.age
