"""Jinja2 templates shared by every router, and the context every page needs."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.domain import Role
from caselink.people import nhs

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["nhs_number"] = nhs.display  # 3-3-4 wherever an NHS number is shown


# The menu, in its order: each item is shown to whoever its permission allows, narrowed for
# a few roles (`only`) where the page is reachable but not one of that role's daily tasks.
OFFICERS = frozenset({Role.SAFEGUARDING_OFFICER})
MENU: tuple[tuple[str, str, policy.Permission, frozenset[Role] | None], ...] = (
    ("/home", "Home", policy.SIGNED_IN, None),
    ("/report", "Make a report", policy.FILE_REPORTS, None),
    # Officers find the reports they filed in their inbox's cases, not a list of their own.
    ("/reports/mine", "Your reports", policy.FILE_REPORTS, frozenset({Role.REPORTER})),
    ("/reports/inbox", "Reports inbox", policy.WORK_INBOX, OFFICERS),
    # Oversight reads the clocks from the cases; the list is the officer in charge's.
    (
        "/victim-updates",
        "Victim updates",
        policy.VICTIM_UPDATES,
        frozenset({Role.SAFEGUARDING_OFFICER}),
    ),
    ("/right-to-review", "Reviews asked for", policy.READ_REVIEW_REQUESTS, None),
    # Oversight's inbox is the national triage queue.
    ("/reports/inbox", "Triage", policy.WORK_INBOX, frozenset({Role.OVERSIGHT_OFFICER})),
    ("/cases", "Cases", policy.READ_CASES, None),
    ("/people", "Find a person", policy.SEARCH_PEOPLE, None),
    ("/my-case", "My case", policy.USE_PORTAL, None),
    # Everyone may read the alerts sent to them (a reporter's, from the home page's banner).
    (
        "/alerts",
        "Alerts",
        policy.SIGNED_IN,
        frozenset({Role.OVERSIGHT_OFFICER, Role.SAFEGUARDING_OFFICER, Role.ANALYST}),
    ),
    ("/network/alerts", "Networks", policy.READ_NETWORKS, None),
    ("/linkage/review", "Links to review", policy.READ_LINK_REVIEWS, None),
    # One item for oversight's pages (access, ledger, comparison, completeness, sharing).
    ("/oversight", "Oversight", policy.AUDIT_ACCESS, None),
    ("/review", "Case review", policy.READ_REVIEW, None),
    ("/admin/users", "Users", policy.MANAGE_USERS, None),
)
# "Your account" and "Sign out" sit with "Signed in as ..." above the page (base.html).


def navigation(p: Principal | None) -> list[tuple[str, str]]:
    """The menu items this principal may use, in order."""
    if p is None:
        return []
    return [
        (href, label)
        for href, label, permission, only in MENU
        if permission.allows(p) and (only is None or p.role in only)
    ]


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
    if status_code >= 400:  # an error page shows the id its log line carries
        context.setdefault("request_id", request.scope.get("state", {}).get("request_id"))
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
