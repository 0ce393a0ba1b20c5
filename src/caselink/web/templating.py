"""Jinja2 templates shared by every router, and the context every page needs."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from caselink.access.principal import Principal
from caselink.domain import AgencyKind, Role
from caselink.people import nhs

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["nhs_number"] = nhs.display  # 3-3-4 wherever an NHS number is shown


def navigation(p: Principal | None) -> list[tuple[str, str]]:
    if p is None:
        return []
    items = [("/home", "Home")]
    if p.role in (Role.REPORTER, Role.SAFEGUARDING_OFFICER):
        items.append(("/report", "Make a report"))
    if p.role == Role.REPORTER:
        items.append(("/reports/mine", "Your reports"))
    if p.role == Role.SAFEGUARDING_OFFICER:
        items.append(("/reports/inbox", "Reports inbox"))
        items.append(("/victim-updates", "Victim updates"))
    if p.role == Role.OVERSIGHT_OFFICER or (
        p.role == Role.SAFEGUARDING_OFFICER and p.agency_kind == AgencyKind.POLICE_FORCE
    ):
        items.append(("/right-to-review", "Reviews asked for"))
    if p.role == Role.OVERSIGHT_OFFICER:
        items.append(("/reports/inbox", "Triage"))
    if p.role in (
        Role.SAFEGUARDING_OFFICER,
        Role.ANALYST,
        Role.CASE_REVIEWER,
        Role.OVERSIGHT_OFFICER,
    ):
        items.append(("/cases", "Cases"))
    if p.role in (Role.SAFEGUARDING_OFFICER, Role.ANALYST, Role.OVERSIGHT_OFFICER):
        items.append(("/people", "Find a person"))
    if p.role == Role.SURVIVOR:
        items.append(("/my-case", "My case"))
    if p.role in (Role.OVERSIGHT_OFFICER, Role.SAFEGUARDING_OFFICER, Role.ANALYST):
        items.append(("/alerts", "Alerts"))
    if p.role in (Role.ANALYST, Role.OVERSIGHT_OFFICER):
        items.append(("/network/alerts", "Networks"))
        items.append(("/linkage/review", "Links to review"))
    if p.role == Role.OVERSIGHT_OFFICER:
        items += [("/oversight/access", "Access"), ("/oversight/history", "Ledger")]
        items.append(("/oversight/comparison", "Compare forces"))
    if p.role in (Role.CASE_REVIEWER, Role.OVERSIGHT_OFFICER):
        items.append(("/review", "Case review"))
    if p.role == Role.ADMINISTRATOR:
        items.append(("/admin/users", "Users"))
    items.append(("/account", "Your account"))
    return items


def not_found(
    request: Request,
    principal: Principal | None,
    csrf_token: str,
    explanation: str,
    link: tuple[str, str] | None = None,
) -> Response:
    """The one 404 page: says what may be missing without saying whether it exists."""
    return render(
        request,
        "message.html",
        principal,
        csrf_token,
        heading="Page not found",
        paragraphs=[explanation],
        link=link,
        status_code=404,
    )


def out_of_scope(
    request: Request,
    principal: Principal,
    csrf_token: str,
    kind: str,
    name: str,
    why: str,
    ask: str,
    break_glass: str | None = None,
) -> Response:
    """The one 403 page for something that exists but is not this user's to see: what to do
    next (ask, or break glass where the policy allows it). The attempt is already ledgered."""
    return render(
        request,
        "out_of_scope.html",
        principal,
        csrf_token,
        kind=kind,
        name=name,
        why=why,
        ask=ask,
        break_glass=break_glass,
        status_code=403,
    )


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    csrf_token: str = "",
    status_code: int = 200,
    **context: Any,
) -> Response:
    context.setdefault("errors", {})
    return templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "navigation": navigation(principal),
            "csrf_token": csrf_token,
            **context,
        },
        status_code=status_code,
    )
