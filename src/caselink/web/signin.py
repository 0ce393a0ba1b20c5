"""Signing in (password, then a TOTP code), enrolling from an invitation, signing out."""

import hashlib
import hmac
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import accounts, policy, sessions, tokens, totp
from caselink.access.sessions import utcnow
from caselink.ledger import Action, Actor, record
from caselink.store.models import Alert, User
from caselink.web.permissions import Allowed, require
from caselink.web.security import (
    COOKIE,
    SECURE,
    BadCsrf,
    Transaction,
    Visit,
    check_csrf,
    client_of,
    set_session_cookie,
    visit,
)
from caselink.web.templating import render

# Signing in, enrolling and signing out are for people not (fully) signed in: public.
router = APIRouter(include_in_schema=False)
PUBLIC = [Depends(require(policy.PUBLIC))]
SIGNED_IN = Depends(require(policy.SIGNED_IN))
ANON_CSRF = "caselink_csrf"  # double-submit token for forms shown before sign-in


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect to somewhere else.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/home"


def _anonymous_token(request: Request) -> str:
    return request.cookies.get(ANON_CSRF) or secrets.token_urlsafe(32)


def _with_anonymous_token(response: Response, token: str) -> Response:
    response.set_cookie(ANON_CSRF, token, httponly=True, secure=SECURE, samesite="strict")
    return response


def _check_anonymous(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(ANON_CSRF)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise BadCsrf()


@router.get("/sign-in", dependencies=PUBLIC)
def sign_in_page(
    request: Request, next: str | None = None, current: Visit = Depends(visit)
) -> Response:
    if current.principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    token = _anonymous_token(request)
    page = render(request, "sign_in.html", csrf_token=token, next=next, username="")
    return _with_anonymous_token(page, token)


@router.post("/sign-in", dependencies=PUBLIC)
def sign_in(
    request: Request,
    next: str | None = None,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    db_session: Session = Transaction,
) -> Response:
    _check_anonymous(request, csrf_token)
    errors = {}
    if not username.strip():
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if not errors:
        result = accounts.check_password(db_session, username, password, client_of(request))
        if result.user is not None:
            token = sessions.start(db_session, result.user.id)
            target = "/sign-in/code" + (f"?next={quote(next)}" if next else "")
            response = RedirectResponse(target, status_code=303)
            set_session_cookie(response, token)
            return response
        errors["username"] = result.problem or "Enter a correct username and password"
    return render(
        request,
        "sign_in.html",
        csrf_token=csrf_token,
        next=next,
        username=username,
        errors=errors,
        status_code=400,
    )


@router.get("/sign-in/code", dependencies=PUBLIC)
def code_page(
    request: Request, next: str | None = None, current: Visit = Depends(visit)
) -> Response:
    if current.session is None:
        return RedirectResponse("/sign-in", status_code=303)
    return render(request, "sign_in_code.html", csrf_token=current.csrf_token, next=next)


@router.post("/sign-in/code", dependencies=PUBLIC)
def code(
    request: Request,
    next: str | None = None,
    code: str = Form(""),
    csrf_token: str = Form(""),
    current: Visit = Depends(visit),
    db_session: Session = Transaction,
) -> Response:
    if current.session is None:
        return RedirectResponse("/sign-in", status_code=303)
    check_csrf(current, csrf_token)
    user = db_session.get(User, current.session.user_id)
    if user is None:
        return RedirectResponse("/sign-in", status_code=303)
    problem = accounts.check_code(db_session, user, code, client_of(request))
    if problem:
        return render(
            request,
            "sign_in_code.html",
            csrf_token=current.csrf_token,
            next=next,
            errors={"code": problem},
            status_code=400,
        )
    token = sessions.second_factor_passed(db_session, current.session)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, token)
    return response


@router.post("/sign-out", dependencies=PUBLIC)
def sign_out(
    csrf_token: str = Form(""),
    current: Visit = Depends(visit),
    db_session: Session = Transaction,
) -> Response:
    if current.session is not None:
        check_csrf(current, csrf_token)
        sessions.end(db_session, current.session)
        if current.principal:
            record(
                db_session,
                current.principal.actor,
                Action.LOGOUT,
                "user",
                current.principal.user_id,
            )
    response = RedirectResponse("/signed-out", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.post("/sign-out-everywhere")
def sign_out_everywhere(
    csrf_token: str = Form(""),
    current: Allowed = SIGNED_IN,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    ended = sessions.end_all(db_session, principal.user_id)
    revoked = tokens.revoke_all(db_session, principal.user_id, principal.actor, "signed out")
    record(
        db_session,
        principal.actor,
        Action.LOGOUT,
        "user",
        principal.user_id,
        reason=f"signed out everywhere ({ended} sessions, {revoked} API tokens)",
    )
    response = RedirectResponse("/signed-out", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/signed-out", dependencies=PUBLIC)
def signed_out(request: Request) -> Response:
    return render(
        request,
        "message.html",
        heading="You have signed out",
        paragraphs=["Close this window if you are using a shared computer."],
        link=("/sign-in", "Sign in again"),
    )


@router.get("/home")
def home(
    request: Request, current: Allowed = SIGNED_IN, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    alerts = len(
        db_session.scalars(
            select(Alert.id).where(
                (Alert.recipient_user_id == principal.user_id)
                | (Alert.recipient_role == principal.role.value)
            )
        ).all()
    )
    return render(request, "home.html", principal, current.csrf_token, alerts=alerts)


def _invited(db_session: Session, code: str) -> User | None:
    user = db_session.scalar(
        select(User).where(User.enrolment_hash == hashlib.sha256(code.encode()).hexdigest())
    )
    # A disabled account's invitation is void (disabling clears it too; this is the belt).
    if user is None or not user.active or user.enrolment_expires_at is None:
        return None
    expires = sessions.aware(user.enrolment_expires_at)
    return user if expires > utcnow() else None


@router.get("/enrol/{code}", dependencies=PUBLIC)
def enrol_page(request: Request, code: str, db_session: Session = Transaction) -> Response:
    user = _invited(db_session, code)
    if user is None:
        return render(
            request,
            "message.html",
            heading="This link has expired",
            paragraphs=["Ask your administrator for a new invitation."],
            status_code=404,
        )
    if not user.totp_secret:
        user.totp_secret = totp.new_secret()
    token = _anonymous_token(request)
    page = render(
        request,
        "enrol.html",
        csrf_token=token,
        username=user.username,
        secret=user.totp_secret,
        qr=totp.qr_svg(totp.provisioning_uri(user.totp_secret, user.username)),
    )
    return _with_anonymous_token(page, token)


@router.post("/enrol/{code}", dependencies=PUBLIC)
def enrol(
    request: Request,
    code: str,
    password: str = Form(""),
    confirm: str = Form(""),
    otp: str = Form("", alias="code"),
    csrf_token: str = Form(""),
    db_session: Session = Transaction,
) -> Response:
    _check_anonymous(request, csrf_token)
    user = _invited(db_session, code)
    if user is None or not user.totp_secret:
        return RedirectResponse(f"/enrol/{quote(code)}", status_code=303)
    errors = {}
    problem = accounts.password_problem(password)
    if problem:
        errors["password"] = problem
    elif password != confirm:
        errors["confirm"] = "The passwords do not match"
    step = totp.matching_step(user.totp_secret, otp, None)
    if step is None:
        errors["code"] = "Enter the current 6-digit code from your authenticator app"
    if errors:
        return render(
            request,
            "enrol.html",
            csrf_token=csrf_token,
            username=user.username,
            secret=user.totp_secret,
            errors=errors,
            status_code=400,
            qr=totp.qr_svg(totp.provisioning_uri(user.totp_secret, user.username)),
        )
    user.password_hash = accounts.hash_password(password)
    user.totp_last_step = step
    user.enrolment_hash = None
    user.enrolment_expires_at = None
    record(
        db_session,
        Actor(user.username, user.id),
        Action.CHANGE,
        "user",
        user.id,
        reason="enrolled: password and authenticator set",
    )
    return render(
        request,
        "message.html",
        heading="Your account is ready",
        paragraphs=["Sign in with your username, password and a code from your app."],
        link=("/sign-in", "Sign in"),
    )
