"""Pages for networks and their cross-boundary alerts: the alert list, one alert (an analyst
asks there, with a POST, for access to its cases and records), the interactive network view,
its JSON and an SVG drawing. Only analysts of a force the network touches, and oversight
officers, may see them."""

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.ledger import Action, record
from caselink.network import alerts, explain, reading, view
from caselink.network.settings import Thresholds
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**31 - 1
NETWORKS = Depends(require(policy.READ_NETWORKS))


def _not_found(request: Request, current: Visit) -> Response:
    return not_found(
        request,
        current.principal,
        current.csrf_token,
        "You can only see networks that touch your force area.",
    )


@router.get("/network/alerts")
def alerts_page(
    request: Request, current: Allowed = NETWORKS, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    found = reading.alerts_for(db_session, principal)
    return render(request, "network/alerts.html", principal, current.csrf_token, alerts=found)


@router.get("/network/alerts/{alert_id}")
def alert_page(
    request: Request,
    alert_id: int = Path(ge=1, le=MAX_ID),
    current: Allowed = NETWORKS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    try:
        opened = alerts.open_alert(db_session, principal, alert_id, datetime.now(UTC))
    except LookupError:
        return _not_found(request, current)
    stored = reading.load(db_session, opened.network.id)
    assert stored is not None  # the alert's network exists (foreign key)
    cases, records = alerts.scope(db_session, opened.network.id)
    return render(
        request,
        "network/alert.html",
        principal,
        current.csrf_token,
        alert=opened.alert,
        access_until=opened.access_until,
        in_scope=len(cases) + len(records),
        may_take_access=policy.TAKE_NETWORK_ACCESS.allows(principal),
        grant_days=Thresholds().grant_days,
        stored=stored,
        paths=explain.paths(stored.nodes, stored.edges, stored.authority),
    )


@router.post("/network/alerts/{alert_id}/access")
def take_access(
    request: Request,
    alert_id: int = Path(ge=1, le=MAX_ID),
    csrf_token: str = Form(""),
    current: Allowed = Depends(require(policy.TAKE_NETWORK_ACCESS)),
    db_session: Session = Transaction,
) -> Response:
    """Access to the alert's cases and records: asked for, with the form's CSRF token."""
    check_csrf(current, csrf_token)
    try:
        alerts.take_access(db_session, current.principal, alert_id, Thresholds(), datetime.now(UTC))
    except LookupError:
        return _not_found(request, current)
    return RedirectResponse(f"/network/alerts/{alert_id}", status_code=303)


@router.get("/network/networks/{network_id}")
def network_page(
    request: Request,
    network_id: int = Path(ge=1, le=MAX_ID),
    current: Allowed = NETWORKS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    stored = reading.read_network(db_session, principal, network_id)
    if stored is None:
        return _not_found(request, current)
    return render(
        request,
        "network/network.html",
        principal,
        current.csrf_token,
        stored=stored,
        legend=[(look.name, view.legend_icon(look)) for look in view.LOOKS.values()],
        forces=view.force_colours(stored),
        timeline=view.timeline(stored),
    )


@router.get("/network/networks/{network_id}/graph.json")
def network_json(
    network_id: int = Path(ge=1, le=MAX_ID),
    current: Allowed = NETWORKS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    stored = reading.read_network(db_session, principal, network_id)
    if stored is None:
        return JSONResponse({"detail": "Not found"}, status_code=404)
    cases, records = reading.visible(db_session, principal, stored)
    return JSONResponse(view.elements(stored, cases, records))


@router.get("/network/networks/{network_id}/drawing.svg")
def network_svg(
    network_id: int = Path(ge=1, le=MAX_ID),
    current: Allowed = NETWORKS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    stored = reading.read_network(db_session, principal, network_id)
    if stored is None:
        return JSONResponse({"detail": "Not found"}, status_code=404)
    record(db_session, principal.actor, Action.EXPORT, "network", network_id, reason="SVG drawing")
    return Response(
        view.svg(stored),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="network-{network_id}.svg"'},
    )
