"""Who may see what: the one place caselink decides it.

Every list, page, count, search and export asks this module for a SQL condition and puts it
in its query, so what the database returns is already only what the user may see; there is
no second, page-level check to forget. The rules:

- oversight officers read every force's cases and records (and every read is ledgered);
- safeguarding officers see cases in their force area (police) or local authority (social
  care), and any case assigned to them; person records of their own agency and in cases
  they may see;
- members of a multi-agency child protection team (s.16LA Children Act 2004) also see every
  shared record of the people in their team's caseload (see "Child protection teams");
- analysts see cases and person records within their force; records elsewhere only when a
  cross-boundary network alert grants them those records;
- case reviewers see the cases assigned to them;
- reporters see no cases (only their own reports); administrators manage accounts, not cases;
- survivors and advocates see only their own case, with third parties redacted;
- anyone who may break glass can open one out-of-scope case or record for a limited time,
  with a stated reason, ledgered and alerted.

Who may use which page or API route is the permission table at the end (`PERMISSIONS`):
each permission says who may, the condition on the rows it reads, and the API token scope
that carries it. Every route declares one (`caselink.web.permissions.require`), the menu is
made from the same table, and a test walks every route of the app to check it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
)

from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.domain import AgencyKind, Role
from caselink.store.models import (
    AccessGrant,
    Agency,
    Area,
    Case,
    CaseAssignment,
    CaseloadAddition,
    CaseParticipant,
    ChildProtectionTeam,
    LinkCandidate,
    Network,
    NetworkAlert,
    NetworkForce,
    PersonRecord,
    Report,
    ReportRoute,
    ReviewRequest,
    SharingDecision,
    SurvivorLink,
    TeamMember,
)

BREAK_GLASS_ROLES = frozenset({Role.SAFEGUARDING_OFFICER, Role.ANALYST, Role.CASE_REVIEWER})
CASEWORK_ROLES = BREAK_GLASS_ROLES | {Role.OVERSIGHT_OFFICER}
FILING_ROLES = frozenset({Role.REPORTER, Role.SAFEGUARDING_OFFICER})  # the duty's reporters


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
    if not reads_case_files(p):
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
    if not reads_case_files(p):
        return false()
    in_visible_cases = PersonRecord.id.in_(
        select(CaseParticipant.person_record_id).join(Case).where(cases(p, now))
    )
    # Each condition is one way in, OR-ed together; a multi-agency team's caseload is one more.
    allowed = [in_visible_cases, _granted(p, "record", now)]
    if p.role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST) and p.agency_id is not None:
        allowed.append(PersonRecord.agency_id == p.agency_id)
    if p.role == Role.ANALYST and p.force_area_id is not None:
        # Analysts link records across their force; a record its holder has decided not to
        # share (s.16LA) stays with its holder.
        areas_in_force = select(Area.id).where(
            or_(Area.id == p.force_area_id, Area.parent_id == p.force_area_id)
        )
        agencies_in_force = select(Agency.id).where(Agency.area_id.in_(areas_in_force))
        allowed.append(
            and_(PersonRecord.agency_id.in_(agencies_in_force), PersonRecord.id.not_in(withheld()))
        )
    allowed.append(team_caseload(p))
    return or_(*allowed)


def may_break_glass(p: Principal) -> bool:
    return p.role in BREAK_GLASS_ROLES


def sees_third_parties(p: Principal) -> bool:
    """Survivors see their own case with other people's identities redacted."""
    return p.role != Role.SURVIVOR


def reports(p: Principal) -> ColumnElement[bool]:
    """The condition on `reports` rows this principal may read: oversight reads all; an
    officer reads what was routed to their agency; everyone reads what they filed."""
    own = Report.reporter_user_id == p.user_id
    if p.role == Role.OVERSIGHT_OFFICER:
        return true()
    if p.role == Role.SAFEGUARDING_OFFICER and p.agency_id is not None:
        routed = select(ReportRoute.report_id).where(ReportRoute.agency_id == p.agency_id)
        return or_(own, Report.id.in_(routed))
    if p.role == Role.REPORTER:
        return own
    return false()


def works_route(p: Principal, agency_id: int | None) -> bool:
    """Who may act on a report routed to `agency_id`: the receiving agency's safeguarding
    officers; for the national triage queue (None), oversight officers, who route it on."""
    if agency_id is None:
        return p.role == Role.OVERSIGHT_OFFICER
    return p.role == Role.SAFEGUARDING_OFFICER and p.agency_id == agency_id


# --- Historical case review (caselink.review) ---------------------------------------------
# The review is national (as the NCA's is): every case reviewer works one queue of every
# imported review case, whichever force closed it. Oversight reads it, and changes nothing.


def may_review(p: Principal) -> bool:
    """Claim review cases, record outcomes, approve another reviewer's outcome."""
    return p.role == Role.CASE_REVIEWER and p.allows("review")


def may_read_review(p: Principal) -> bool:
    return p.role in (Role.CASE_REVIEWER, Role.OVERSIGHT_OFFICER) and p.allows("review")


def review_cases(p: Principal) -> ColumnElement[bool]:
    """The condition on `review_cases` rows this principal may read."""
    return true() if may_read_review(p) else false()


# --- Networks and their alerts (caselink.network) -----------------------------------------


def may_see_networks(p: Principal) -> bool:
    """Analysts and oversight officers work networks; nobody else sees them."""
    return p.role in (Role.ANALYST, Role.OVERSIGHT_OFFICER)


def networks(p: Principal) -> ColumnElement[bool]:
    """The condition on `networks` rows: oversight sees all; an analyst, those with a case
    in their force area."""
    if p.role == Role.OVERSIGHT_OFFICER:
        return true()
    if p.role == Role.ANALYST and p.force_area_id is not None:
        return Network.id.in_(
            select(NetworkForce.network_id).where(NetworkForce.force_area_id == p.force_area_id)
        )
    return false()


def network_alerts(p: Principal) -> ColumnElement[bool]:
    """The condition on `network_alerts` rows: the alerts of the networks one may see."""
    return NetworkAlert.network_id.in_(select(Network.id).where(networks(p)))


# --- Record linkage review (caselink.linkage) ----------------------------------------------
# An uncertain link shows both records side by side, so it is seen only by someone who may
# read both: an analyst within their force (or with a grant), oversight everywhere.


def may_see_link_reviews(p: Principal) -> bool:
    return p.role in (Role.ANALYST, Role.OVERSIGHT_OFFICER) and p.allows("linkage")


def may_decide_links(p: Principal) -> bool:
    """Confirm or reject a proposed link: analysts only; oversight reads and never decides."""
    return p.role == Role.ANALYST and p.allows("linkage")


def link_candidates(p: Principal, now: datetime | None = None) -> ColumnElement[bool]:
    """The condition on `link_candidates` rows: both records readable by this principal."""
    if not may_see_link_reviews(p):
        return false()
    # Checked per candidate (an indexed lookup of each record) rather than as IN (every
    # readable record), which built the whole readable set twice per query: 45 ms -> 1 ms
    # at demo scale (bench/page_speed.py).
    a, b = LinkCandidate.record_a_id, LinkCandidate.record_b_id
    readable_a = select(PersonRecord.id).where(PersonRecord.id == a, records(p, now))
    readable_b = select(PersonRecord.id).where(PersonRecord.id == b, records(p, now))
    return and_(
        readable_a.correlate(LinkCandidate).exists(), readable_b.correlate(LinkCandidate).exists()
    )


# --- Importing closed cases for review through the web (caselink.review.importing) ---------


def may_import_review_cases(p: Principal) -> bool:
    """Upload a closed-case file into the national review: case reviewers only (as the CLI's
    operators do); oversight reads what was imported and changes nothing."""
    return p.role == Role.CASE_REVIEWER and p.allows("review")


# --- Refused reads (caselink.access.refusals) ----------------------------------------------


def told_it_exists(p: Principal) -> bool:
    """Whether a refused read says "you do not have access" rather than "page not found":
    professionals who may break glass need to know to ask for it (or to break glass on a
    case); anyone else is not told that the case, report or record exists."""
    return may_break_glass(p)


# --- Survivor portal and the Victims' Right to Review (caselink.survivors) ----------------
# A survivor reads their own case only through the portal, which is written for them and
# withholds everyone else; the officers' case file (free text that may name others) is not
# theirs to read. Who may acknowledge or decide a review request (a more senior officer,
# independent of the case, in the case's force) is decided by caselink.survivors.review.


def reads_case_files(p: Principal) -> bool:
    """The officers' case pages, the case and record API and its export: the roles that do
    casework. Survivors follow their own case through the portal, never the officers' case
    file (its free text may name anyone); reporters see only their reports; administrators
    manage accounts, not cases."""
    return p.role in CASEWORK_ROLES


def may_use_portal(p: Principal) -> bool:
    return p.role == Role.SURVIVOR and p.allows("my-case")


def may_work_review_requests(p: Principal) -> bool:
    """Police officers; whether they may act on one request is for the review rules."""
    return (
        p.role == Role.SAFEGUARDING_OFFICER
        and p.agency_kind == AgencyKind.POLICE_FORCE
        and p.allows("reviews:work")
    )


def review_requests(p: Principal) -> ColumnElement[bool]:
    """The condition on `review_requests` rows: oversight reads all; a police officer, those
    on cases in their force area; a survivor, their own."""
    if p.role == Role.OVERSIGHT_OFFICER:
        return true()
    if may_work_review_requests(p) and p.force_area_id is not None:
        return ReviewRequest.case_id.in_(
            select(Case.id).where(Case.force_area_id == p.force_area_id)
        )
    if p.role == Role.SURVIVOR:  # their own, or asked by their advocate for them
        mine = select(SurvivorLink.case_id, SurvivorLink.person_record_id).where(
            SurvivorLink.user_id == p.user_id
        )
        return tuple_(ReviewRequest.case_id, ReviewRequest.person_record_id).in_(mine)
    return false()


def victim_updates(p: Principal) -> ColumnElement[bool]:
    """The condition on `cases` for the Victims' Code updates an officer keeps: the cases
    assigned to them (they are the officer in charge); oversight reads all."""
    if p.role == Role.OVERSIGHT_OFFICER:
        return true()
    if p.role == Role.SAFEGUARDING_OFFICER:
        return _assigned(p)
    return false()


# --- Oversight: force comparison and data completeness (caselink.oversight) ----------------


def may_compare_forces(p: Principal) -> bool:
    """Force-by-force figures and data completeness: oversight officers only (every view is
    ledgered). Published statistics need no policy: they are public and disclosure-controlled."""
    return p.role == Role.OVERSIGHT_OFFICER


# --- The permission table: who may use which page and API route -----------------------------


def _anyone(p: Principal) -> bool:
    return True


def _in(*roles: Role) -> Callable[[Principal], bool]:
    return lambda p: p.role in roles


@dataclass(frozen=True)
class Permission:
    """One thing a route does. `who` decides whether a principal may use the route at all;
    `rows`, when the route reads rows, is the condition its queries carry (so an object the
    principal may not see is "not found", and the refusal ledgered: see
    caselink.access.refusals.find_or_refuse); `scope` is what an API token must carry."""

    name: str
    who: Callable[[Principal], bool]
    rows: Callable[[Principal], ColumnElement[bool]] | None = None
    scope: str | None = None
    public: bool = False  # no sign-in at all

    def allows(self, p: Principal | None) -> bool:
        if p is None:
            return self.public
        return self.who(p) and (self.scope is None or p.allows(self.scope))


def _network_rows(p: Principal) -> ColumnElement[bool]:
    return networks(p)


PUBLIC = Permission("public", _anyone, public=True)  # start, sign-in, health, statistics, assets
SIGNED_IN = Permission("signed-in", _anyone)  # home, alerts, your account, signing out
FILE_REPORTS = Permission("reports:file", lambda p: p.role in FILING_ROLES, scope="reports:submit")
READ_REPORTS = Permission("reports:read", _anyone, reports, scope="reports:read")
WORK_INBOX = Permission(
    "reports:inbox", _in(Role.SAFEGUARDING_OFFICER, Role.OVERSIGHT_OFFICER), reports, "reports:read"
)
WORK_REPORTS = Permission(
    "reports:work", _in(Role.SAFEGUARDING_OFFICER, Role.OVERSIGHT_OFFICER), reports, "reports:work"
)
READ_CASES = Permission("cases:read", reads_case_files, cases, scope="cases:read")
EXPORT_CASES = Permission("cases:export", reads_case_files, cases, scope="export")
READ_RECORDS = Permission("records:read", reads_case_files, records, scope="records:read")
# Person search: the people today's casework needs (case reviewers work closed cases).
SEARCH_PEOPLE = Permission(
    "people:search",
    _in(Role.SAFEGUARDING_OFFICER, Role.ANALYST, Role.OVERSIGHT_OFFICER),
    records,
    scope="records:read",
)
BREAK_GLASS = Permission("cases:break-glass", may_break_glass)
READ_NETWORKS = Permission("networks:read", may_see_networks, _network_rows)
TAKE_NETWORK_ACCESS = Permission("networks:access", _in(Role.ANALYST), network_alerts)
READ_LINK_REVIEWS = Permission("links:read", may_see_link_reviews, link_candidates)
DECIDE_LINKS = Permission("links:decide", may_decide_links, link_candidates)
READ_REVIEW = Permission("review:read", may_read_review, review_cases)
REVIEW_CASES = Permission("review:work", may_review, review_cases)
IMPORT_REVIEW_CASES = Permission("review:import", may_import_review_cases)
USE_PORTAL = Permission("portal", may_use_portal, scope="my-case")
READ_REVIEW_REQUESTS = Permission(
    "review-requests:read",
    lambda p: may_work_review_requests(p) or p.role == Role.OVERSIGHT_OFFICER,
    review_requests,
    "reviews:work",
)
WORK_REVIEW_REQUESTS = Permission(
    "review-requests:work", may_work_review_requests, review_requests, "reviews:work"
)
VICTIM_UPDATES = Permission(
    "victim-updates", _in(Role.SAFEGUARDING_OFFICER, Role.OVERSIGHT_OFFICER), victim_updates
)
AUDIT_ACCESS = Permission("ledger:audit", _in(Role.OVERSIGHT_OFFICER))  # history, patterns
COMPARE_FORCES = Permission("oversight:compare", may_compare_forces)
MANAGE_USERS = Permission("users:manage", _in(Role.ADMINISTRATOR))
# The oversight list of s.16LA decisions and of the child protection teams.
SEE_SHARING = Permission("oversight:sharing", lambda p: may_see_sharing_decisions(p))
# Listing and revoking your own API tokens: any live token of yours may (a script that
# suspects its token leaked revokes it with that token), whatever its scopes.
OWN_TOKENS = Permission("tokens:own", _anyone)

PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        PUBLIC,
        SIGNED_IN,
        OWN_TOKENS,
        FILE_REPORTS,
        READ_REPORTS,
        WORK_INBOX,
        WORK_REPORTS,
        READ_CASES,
        EXPORT_CASES,
        READ_RECORDS,
        SEARCH_PEOPLE,
        BREAK_GLASS,
        READ_NETWORKS,
        TAKE_NETWORK_ACCESS,
        READ_LINK_REVIEWS,
        DECIDE_LINKS,
        READ_REVIEW,
        REVIEW_CASES,
        IMPORT_REVIEW_CASES,
        USE_PORTAL,
        READ_REVIEW_REQUESTS,
        WORK_REVIEW_REQUESTS,
        VICTIM_UPDATES,
        AUDIT_ACCESS,
        COMPARE_FORCES,
        SEE_SHARING,
        MANAGE_USERS,
    )
}


# --- Child protection teams (caselink.people) ---------------------------------------------
# s.16LA Children Act 2004 makes sharing safeguarding information a duty among the team's
# agencies, so the team's caseload, not the whole force area, is who needs to know: a member
# agency's officers and analysts see every record of a person in the caseload, from any
# agency, except a record its holder has decided not to share (they are told it exists).


def _member_teams(p: Principal) -> Select[int]:
    return select(TeamMember.team_id).where(
        TeamMember.agency_id == p.agency_id, TeamMember.ended_at.is_(None)
    )


def is_team_member(p: Principal) -> bool:
    """Whose role makes their agency's team membership theirs: officers and analysts."""
    return p.role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST) and p.agency_id is not None


def caseload_persons(team_ids: Select[int]) -> CompoundSelect[int | None]:
    """The persons in these teams' caseloads: everyone in a case held in the team's local
    authority area or opened from a report routed to a member agency, and everyone a member
    added (and did not take off again)."""
    areas = select(ChildProtectionTeam.local_authority_id).where(
        ChildProtectionTeam.id.in_(team_ids)
    )
    member_agencies = select(TeamMember.agency_id).where(
        TeamMember.team_id.in_(team_ids), TeamMember.ended_at.is_(None)
    )
    routed = select(ReportRoute.report_id).where(ReportRoute.agency_id.in_(member_agencies))
    team_cases = select(Case.id).where(
        or_(Case.local_authority_id.in_(areas), Case.origin_report_id.in_(routed))
    )
    in_cases = (
        select(PersonRecord.person_id)
        .join(CaseParticipant, CaseParticipant.person_record_id == PersonRecord.id)
        .where(CaseParticipant.case_id.in_(team_cases), PersonRecord.person_id.is_not(None))
    )
    added = select(CaseloadAddition.person_id).where(
        CaseloadAddition.team_id.in_(team_ids), CaseloadAddition.ended_at.is_(None)
    )
    return in_cases.union(added)


def withheld() -> Select[int]:
    """Records whose newest s.16LA decision is `not_shared`."""
    newest = select(func.max(SharingDecision.id)).group_by(SharingDecision.person_record_id)
    return select(SharingDecision.person_record_id).where(
        SharingDecision.id.in_(newest), SharingDecision.decision == "not_shared"
    )


def in_caseload(p: Principal) -> ColumnElement[bool]:
    """The condition on `person_records`: its person is in a caseload of p's teams (whether
    or not the record itself is shared)."""
    if not is_team_member(p):
        return false()
    return PersonRecord.person_id.in_(caseload_persons(_member_teams(p)))


def team_caseload(p: Principal) -> ColumnElement[bool]:
    """The condition on `person_records` a team member reads through the team: the shared
    records of the people in the caseload."""
    if not is_team_member(p):
        return false()
    return and_(in_caseload(p), PersonRecord.id.not_in(withheld()))


def may_decide_sharing(p: Principal, holder_agency_id: int) -> bool:
    """Only the holding agency's safeguarding officers decide not to share its record."""
    return p.role == Role.SAFEGUARDING_OFFICER and p.agency_id == holder_agency_id


def may_add_to_caseload(p: Principal) -> bool:
    return p.role == Role.SAFEGUARDING_OFFICER and p.agency_id is not None


def may_manage_teams(p: Principal) -> bool:
    """Membership is configuration: administrators change it; oversight reads it."""
    return p.role == Role.ADMINISTRATOR


def may_see_sharing_decisions(p: Principal) -> bool:
    return p.role == Role.OVERSIGHT_OFFICER
