"""The two-person rule for roles: a grant that would let someone read case data is only a
request until a second administrator approves it.

Without it one administrator could make himself (or an account he invited with his own
mail address) an oversight officer and read every case. So a request for a role in
NEEDS_SECOND is recorded and ledgered; a different administrator, who is not its subject,
approves or refuses it (ledgered); only an approval changes the role, or, for a new
account, sends its set-up link to the invitee. Nobody changes their own role at all. The
CLI operator's demo accounts are made directly (`caselink demo-accounts`): the rule binds
administrators working through the web.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from caselink.access import accounts
from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.domain import Role
from caselink.ledger import Action, record
from caselink.store.models import RoleDecision, RoleRequest, User

# The roles that read case data, and the administrator role itself: a second administrator
# account that one person controls would otherwise approve that person's requests.
NEEDS_SECOND = frozenset(
    {
        Role.SAFEGUARDING_OFFICER,
        Role.ANALYST,
        Role.CASE_REVIEWER,
        Role.OVERSIGHT_OFFICER,
        Role.ADMINISTRATOR,
    }
)


class RoleRefused(ValueError):
    """The request or decision breaks the rule; the message says which part, for a person."""


def needs_second(role: Role) -> bool:
    return role in NEEDS_SECOND


def _pending_for(session: Session, user_id: int) -> RoleRequest | None:
    decided = select(RoleDecision.request_id)
    return session.scalar(
        select(RoleRequest).where(RoleRequest.user_id == user_id, RoleRequest.id.not_in(decided))
    )


def request(
    session: Session, user: User, role: Role, kind: str, by: Principal, reason: str
) -> RoleRequest:
    """Record (and ledger) a request to give `user` the role `role`; nothing changes yet."""
    if user.id == by.user_id:
        raise RoleRefused("You cannot change your own role: ask another administrator")
    if _pending_for(session, user.id) is not None:
        raise RoleRefused(f"A role for {user.username} is already waiting for approval")
    row = RoleRequest(
        user_id=user.id,
        kind=kind,
        role=role.value,
        reason=reason,
        requested_by_user_id=by.user_id,
        requested_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        by.actor,
        Action.CREATE,
        "role_request",
        row.id,
        reason=f"{kind}: {user.username} as {role.value}, waiting for approval: {reason}",
    )
    return row


def enabling_problem(session: Session, user_id: int) -> str | None:
    """Why the account may not simply be enabled: it is a new one whose invitation waits
    for, or was refused, a second administrator's approval (enabling it would be a way
    round the rule)."""
    latest = session.execute(
        select(RoleRequest.id, RoleDecision.approved)
        .outerjoin(RoleDecision, RoleDecision.request_id == RoleRequest.id)
        .where(RoleRequest.user_id == user_id, RoleRequest.kind == "invitation")
        .order_by(RoleRequest.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.approved:
        return None
    if latest.approved is None:
        return "Its invitation is waiting for a second administrator's approval"
    return "Its invitation was refused by a second administrator"


@dataclass(frozen=True)
class Pending:
    request: RoleRequest
    user: User
    requested_by: User


def pending(session: Session) -> list[Pending]:
    """Every request not yet decided, oldest first."""
    requester = aliased(User)
    rows = session.execute(
        select(RoleRequest, User, requester)
        .join(User, User.id == RoleRequest.user_id)
        .join(requester, requester.id == RoleRequest.requested_by_user_id)
        .where(RoleRequest.id.not_in(select(RoleDecision.request_id)))
        .order_by(RoleRequest.requested_at, RoleRequest.id)
    ).all()
    return [Pending(r, u, by) for r, u, by in rows]


def decide(
    session: Session,
    request_id: int,
    approve: bool,
    by: Principal,
    enrol_link: Callable[[str], str],
) -> Pending:
    """A second administrator's decision, ledgered. An approval gives the role (a change),
    or opens the account and mails the invitee the set-up link (an invitation)."""
    if by.role != Role.ADMINISTRATOR:
        raise RoleRefused("Only an administrator decides a request for a role")
    found = next((p for p in pending(session) if p.request.id == request_id), None)
    if found is None:
        raise RoleRefused("That request has already been decided, or does not exist")
    if by.user_id == found.request.requested_by_user_id:
        raise RoleRefused("Another administrator must decide a request you made")
    if by.user_id == found.user.id:
        raise RoleRefused("You cannot decide a request for your own role")
    session.add(
        RoleDecision(
            request_id=request_id,
            approved=approve,
            decided_by_user_id=by.user_id,
            decided_at=utcnow(),
        )
    )
    role, user = Role(found.request.role), found.user
    outcome = "approved" if approve else "refused"
    record(
        session,
        by.actor,
        Action.DECIDE,
        "role_request",
        request_id,
        reason=f"{outcome}: {user.username} as {role.value}",
    )
    if approve and found.request.kind == "change":
        accounts.change_role(session, user, role, by.actor, f"approved request {request_id}")
    elif approve:
        accounts.set_active(session, user, True, by.actor, f"approved request {request_id}")
        accounts.send_invitation(session, user, enrol_link, by.actor)
    return found
