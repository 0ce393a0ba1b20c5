"""Your account: API tokens and signing out everywhere; and administrators' user management,
where a role that reads case data is granted only with a second administrator's approval
(see `caselink.access.approvals`)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import accounts, approvals, policy, tokens
from caselink.access.sessions import utcnow
from caselink.access.usernames import normal_username
from caselink.domain import Role
from caselink.ledger import record_read
from caselink.store.models import Agency, ApiToken, User
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)
SIGNED_IN = Depends(require(policy.SIGNED_IN))
ADMIN = Depends(require(policy.MANAGE_USERS))


def _account_page(
    request: Request, current: Allowed, db_session: Session, **extra: Any
) -> Response:
    principal = current.principal
    mine = db_session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == principal.user_id)
        .order_by(ApiToken.created_at.desc())
    ).all()
    return render(
        request,
        "account.html",
        principal,
        current.csrf_token,
        tokens=mine,
        scopes=tokens.usable_scopes(principal),
        now=utcnow(),
        **extra,
    )


@router.get("/account")
def account(
    request: Request, current: Allowed = SIGNED_IN, db_session: Session = Transaction
) -> Response:
    return _account_page(request, current, db_session)


@router.post("/account/tokens")
def new_token(
    request: Request,
    name: str = Form(""),
    days: int = Form(30),
    scope: list[str] = Form([]),
    csrf_token: str = Form(""),
    current: Allowed = SIGNED_IN,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    errors = {}
    if not name.strip() or len(name) > 100:
        errors["name"] = "Enter a name for the token, up to 100 characters"
    if not scope:
        errors["scope"] = "Choose what the token may do"
    if not 1 <= days <= tokens.MAX_LIFETIME.days:
        errors["days"] = f"Enter a number of days from 1 to {tokens.MAX_LIFETIME.days}"
    if errors:
        return _account_page(request, current, db_session, errors=errors)
    try:
        token = tokens.issue(db_session, principal, name.strip(), set(scope), timedelta(days=days))
    except ValueError as error:
        return _account_page(request, current, db_session, errors={"scope": str(error)})
    return _account_page(request, current, db_session, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: int = Path(ge=1, le=2**31 - 1),
    csrf_token: str = Form(""),
    current: Allowed = SIGNED_IN,
    db_session: Session = Transaction,
) -> Response:
    check_csrf(current, csrf_token)
    if not tokens.revoke(db_session, current.principal, token_id):
        return _account_page(
            request,
            current,
            db_session,
            errors={"token": "That token is not yours, or is already revoked"},
        )
    return _account_page(request, current, db_session, revoked=True)


def _users_page(
    request: Request, current: Visit, db_session: Session, status_code: int = 200, **extra: Any
) -> Response:
    users = db_session.execute(
        select(User, Agency.code).outerjoin(Agency).order_by(User.username)
    ).all()
    agencies = db_session.scalars(select(Agency).order_by(Agency.name)).all()
    waiting = approvals.pending(db_session)
    return render(
        request,
        "admin_users.html",
        current.principal,
        current.csrf_token,
        users=users,
        pending=waiting,
        pending_users={p.user.id for p in waiting},
        agencies=agencies,
        roles=list(Role),
        status_code=status_code,
        **extra,
    )


@router.get("/admin/users")
def users(
    request: Request, current: Allowed = ADMIN, db_session: Session = Transaction
) -> Response:
    return _users_page(request, current, db_session)


@router.post("/admin/users")
def invite(
    request: Request,
    username: str = Form(""),
    display_name: str = Form(""),
    email: str = Form(""),
    role: str = Form(""),
    agency: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = ADMIN,
    db_session: Session = Transaction,
) -> Response:
    admin = current.principal
    check_csrf(current, csrf_token)
    errors = {}
    username = normal_username(username)
    if not username.replace(".", "").replace("-", "").isalnum() or not 3 <= len(username) <= 100:
        errors["username"] = "Enter a username of 3 to 100 letters, digits, dots or hyphens"
    elif accounts.find_user(db_session, username):
        errors["username"] = "That username is taken"
    if not display_name.strip():
        errors["display_name"] = "Enter the person's name"
    if "@" not in email:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    if role not in {r.value for r in Role}:
        errors["role"] = "Choose a role"
    chosen = db_session.scalar(select(Agency).where(Agency.code == agency)) if agency else None
    if agency and chosen is None:
        errors["agency"] = "Choose an agency from the list"
    if errors:
        return _users_page(
            request,
            current,
            db_session,
            errors=errors,
            status_code=400,
            form={"username": username, "display_name": display_name, "email": email},
        )
    second = approvals.needs_second(Role(role))
    user = accounts.create_user(
        db_session,
        username,
        display_name.strip(),
        email.strip(),
        Role(role),
        accounts.unusable_password(),
        chosen,
        admin.actor,
        active=not second,  # an account waiting for approval cannot be used, or mailed
    )
    if second:
        approvals.request(
            db_session, user, Role(role), "invitation", admin, f"invited by {admin.username}"
        )
        return _users_page(request, current, db_session, waiting=username)
    accounts.send_invitation(db_session, user, _enrol_link(request), admin.actor)
    return _users_page(request, current, db_session, invited=(username, user.email))


def _enrol_link(request: Request) -> Callable[[str], str]:
    return lambda code: str(request.url_for("enrol_page", code=code))


@router.post("/admin/users/{user_id}")
def change(
    request: Request,
    user_id: int = Path(ge=1, le=2**31 - 1),
    role: str = Form(""),
    active: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = ADMIN,
    db_session: Session = Transaction,
) -> Response:
    admin = current.principal
    by = admin.actor
    check_csrf(current, csrf_token)
    user = db_session.get(User, user_id)
    if user is None:
        return _users_page(
            request, current, db_session, status_code=404, errors={"user": "There is no such user"}
        )

    def refused(problem: str) -> Response:
        return _users_page(
            request, current, db_session, status_code=400, errors={f"reason-{user_id}": problem}
        )

    if not reason.strip():
        return refused("Give a reason for the change")
    new_role = Role(role) if role in {r.value for r in Role} and role != user.role else None
    if new_role is not None and user.id == admin.user_id:
        return refused("You cannot change your own role: ask another administrator")
    enable = active in ("yes", "no") and (active == "yes") != user.active
    if enable and active == "yes" and (problem := approvals.enabling_problem(db_session, user.id)):
        return refused(f"You cannot enable {user.username}: {problem[0].lower()}{problem[1:]}")
    waiting = False
    if new_role is not None and approvals.needs_second(new_role):
        try:
            approvals.request(db_session, user, new_role, "change", admin, reason.strip())
        except approvals.RoleRefused as problem:
            return refused(str(problem))
        waiting = True
    elif new_role is not None:
        accounts.change_role(db_session, user, new_role, by, reason.strip())
    if enable:
        accounts.set_active(db_session, user, active == "yes", by, reason.strip())
    record_read(db_session, by, "user", user.id, reason="administration")
    if waiting:
        return _users_page(request, current, db_session, waiting=user.username)
    return _users_page(request, current, db_session, changed=user.username)


@router.post("/admin/role-requests/{request_id}")
def decide(
    request: Request,
    request_id: int = Path(ge=1, le=2**31 - 1),
    decision: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = ADMIN,
    db_session: Session = Transaction,
) -> Response:
    admin = current.principal
    check_csrf(current, csrf_token)
    if decision not in ("approve", "refuse"):
        return _users_page(
            request,
            current,
            db_session,
            status_code=400,
            errors={f"decision-{request_id}": "Choose whether to approve or refuse the request"},
        )
    try:
        decided = approvals.decide(
            db_session, request_id, decision == "approve", admin, _enrol_link(request)
        )
    except approvals.RoleRefused as problem:
        return _users_page(
            request,
            current,
            db_session,
            status_code=400,
            errors={f"decision-{request_id}": str(problem)},
        )
    outcome = "approved" if decision == "approve" else "refused"
    return _users_page(request, current, db_session, decided=(decided.user.username, outcome))
