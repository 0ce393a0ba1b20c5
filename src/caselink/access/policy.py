"""Who may see what: the one place caselink decides it.

Every list, page, count, search and export asks this module for a SQL condition and puts it
in its query, so what the database returns is already only what the user may see; there is
no second, page-level check to forget. The rules:

- oversight officers read every force's cases and records (and every read is ledgered);
- safeguarding officers see cases in their force area (police) or local authority (social
  care), and any case assigned to them;
- analysts see cases and person records within their force; records elsewhere only when a
  cross-boundary network alert grants them those records;
- case reviewers see the cases assigned to them;
- reporters see no cases (only their own reports); administrators manage accounts, not cases;
- survivors and advocates see only their own case, with third parties redacted;
- anyone who may break glass can open one out-of-scope case or record for a limited time,
  with a stated reason, ledgered and alerted.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, false, or_, select, true

from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.domain import AgencyKind, Role
from caselink.store.models import (
    AccessGrant,
    Agency,
    Area,
    Case,
    CaseAssignment,
    CaseParticipant,
    PersonRecord,
    SurvivorLink,
)

BREAK_GLASS_ROLES = frozenset({Role.SAFEGUARDING_OFFICER, Role.ANALYST, Role.CASE_REVIEWER})


def _granted(p: Principal, object_type: str, now: datetime) -> ColumnElement[bool]:
    ids = select(AccessGrant.object_id).where(
        AccessGrant.user_id == p.user_id,
        AccessGrant.object_type == object_type,
        AccessGrant.expires_at > now,
    )
    column = Case.id if object_type == "case" else PersonRecord.id
    return column.in_(ids)


def _assigned(p: Principal) -> ColumnElement[bool]:
    return Case.id.in_(
        select(CaseAssignment.case_id).where(
            CaseAssignment.user_id == p.user_id, CaseAssignment.ended_at.is_(None)
        )
    )


def cases(p: Principal, now: datetime | None = None) -> ColumnElement[bool]:
    """The condition on `cases` rows this principal may read."""
    now = now or utcnow()
    if p.role == Role.OVERSIGHT_OFFICER:
        return true()
    if p.role == Role.SURVIVOR:
        return Case.id.in_(select(SurvivorLink.case_id).where(SurvivorLink.user_id == p.user_id))
    if p.role in (Role.ADMINISTRATOR, Role.REPORTER):
        return false()
    allowed = [_assigned(p), _granted(p, "case", now)]
    if p.role == Role.SAFEGUARDING_OFFICER and p.agency_kind == AgencyKind.LOCAL_AUTHORITY:
        allowed.append(Case.local_authority_id == p.local_authority_id)
    elif p.role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST) and p.force_area_id is not None:
        allowed.append(Case.force_area_id == p.force_area_id)
    return or_(*allowed)


def records(p: Principal, now: datetime | None = None) -> ColumnElement[bool]:
    """The condition on `person_records` rows this principal may read."""
    now = now or utcnow()
    if p.role == Role.OVERSIGHT_OFFICER:
        return true()
    if p.role in (Role.ADMINISTRATOR, Role.REPORTER, Role.SURVIVOR):
        return false()
    in_visible_cases = PersonRecord.id.in_(
        select(CaseParticipant.person_record_id).join(Case).where(cases(p, now))
    )
    allowed = [in_visible_cases, _granted(p, "record", now)]
    if p.role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST) and p.force_area_id is not None:
        areas_in_force = select(Area.id).where(
            or_(Area.id == p.force_area_id, Area.parent_id == p.force_area_id)
        )
        agencies_in_force = select(Agency.id).where(Agency.area_id.in_(areas_in_force))
        allowed.append(PersonRecord.agency_id.in_(agencies_in_force))
    return or_(*allowed)


def may_break_glass(p: Principal) -> bool:
    return p.role in BREAK_GLASS_ROLES


def sees_third_parties(p: Principal) -> bool:
    """Survivors see their own case with other people's identities redacted."""
    return p.role != Role.SURVIVOR
