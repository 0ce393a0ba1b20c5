"""Pages for networks and their cross-boundary alerts: the alert list, one alert (opening it
grants an analyst its records), the interactive network view, its JSON and an SVG drawing.
Only analysts of a force the network touches, and oversight officers, may see them."""

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import Action, record
from caselink.network import alerts, explain, reading, view
from caselink.network.settings import Thresholds
from caselink.web.security import Forbidden, Transaction, Visit, signed_in, visit
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**31 - 1


def _analyst_or_oversight(current: Visit) -> Principal:
    principal = signed_in(current)
    if not policy.may_see_networks(principal):
        raise Forbidden()
    return principal


def _not_found(request: Request, current: Visit) -> Response:
    return not_found(
        request,
        current.principal,
        current.csrf_token,
        "You can only see networks that touch your force area.",
    )


@router.get("/network/alerts")
def alerts_page(
    request: Request, current: Visit = Depends(visit), db_session: Session = Transaction
) -> Response:
    principal = _analyst_or_oversight(current)
    found = reading.alerts_for(db_session, principal)
    return render(request, "network/alerts.html", principal, current.csrf_token, alerts=found)


@router.get("/network/alerts/{alert_id}")
def alert_page(
    request: Request,
    alert_id: int = Path(ge=1, le=MAX_ID),
    current: Visit = Depends(visit),
    db_session: Session = Transaction,
) -> Response:
    principal = _analyst_or_oversight(current)
    try:
        opened = alerts.open_alert(db_session, principal, alert_id, Thresholds(), datetime.now(UTC))
    except LookupError:
        return _not_found(request, current)
    stored = reading.load(db_session, opened.network.id)
    assert stored is not None  # the alert's network exists (foreign key)
    return render(
        request,
        "network/alert.html",
        principal,
        current.csrf_token,
        alert=opened.alert,
        granted=opened.granted,
        stored=stored,
        paths=explain.paths(stored.nodes, stored.edges, stored.authority),
    )


@router.get("/network/networks/{network_id}")
def network_page(
    request: Request,
    network_id: int = Path(ge=1, le=MAX_ID),
    current: Visit = Depends(visit),
    db_session: Session = Transaction,
) -> Response:
    principal = _analyst_or_oversight(current)
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
    current: Visit = Depends(visit),
    db_session: Session = Transaction,
) -> Response:
    principal = _analyst_or_oversight(current)
    stored = reading.read_network(db_session, principal, network_id)
    if stored is None:
        return JSONResponse({"detail": "Not found"}, status_code=404)
    cases, records = reading.visible(db_session, principal, stored)
    return JSONResponse(view.elements(stored, cases, records))


@router.get("/network/networks/{network_id}/drawing.svg")
def network_svg(
    network_id: int = Path(ge=1, le=MAX_ID),
    current: Visit = Depends(visit),
    db_session: Session = Transaction,
) -> Response:
    principal = _analyst_or_oversight(current)
    stored = reading.read_network(db_session, principal, network_id)
    if stored is None:
        return JSONResponse({"detail": "Not found"}, status_code=404)
    record(db_session, principal.actor, Action.EXPORT, "network", network_id, reason="SVG drawing")
    return Response(
        view.svg(stored),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="network-{network_id}.svg"'},
    )
