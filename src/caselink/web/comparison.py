"""Oversight pages: force comparison (charts and tables, date filters, outliers) and data
completeness. Oversight officers only; every view and download is ledgered."""

import csv
import io
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import Action, record, record_read
from caselink.oversight import completeness
from caselink.oversight.charts import bar_chart
from caselink.oversight.comparison import By, Comparison, Window, compare
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)
COMPARER = Depends(require(policy.COMPARE_FORCES))


def _window(start: str, end: str) -> tuple[Window, dict[str, str]]:
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for field, value, label in (("from", start, "From"), ("to", end, "To")):
        days[field] = None
        if value.strip():
            try:
                days[field] = date.fromisoformat(value.strip())
            except ValueError:
                errors[field] = f"{label} must be a real date, like 2026-01-31"
    first, last = days["from"], days["to"]
    if first and last and last < first:
        errors["to"] = "To must be the same as or after From"
    return (Window() if errors else Window(first, last)), errors


def _by(value: str) -> By:
    return By.LOCAL_AUTHORITY if value == By.LOCAL_AUTHORITY.value else By.FORCE


def _compared(
    db_session: Session, principal: Principal, start: str, end: str, by: str, action: Action
) -> tuple[Comparison, By, dict[str, str]]:
    """The comparison asked for (the whole period when the dates are bad), ledgered."""
    window, errors = _window(start, end)
    grouping = _by(by)
    scope = f"{grouping.value}:{window.start or 'start'}..{window.end or 'today'}"
    record(db_session, principal.actor, action, "force_comparison", scope)
    return compare(db_session, grouping, window), grouping, errors


@router.get("/oversight/comparison")
def comparison(
    request: Request,
    start: str = Query("", alias="from", max_length=20),
    end: str = Query("", alias="to", max_length=20),
    by: str = Query("force_area", max_length=20),
    current: Allowed = COMPARER,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found, grouping, errors = _compared(db_session, principal, start, end, by, Action.READ)
    charts = {m.key: bar_chart(m, found.places) for m in found.metrics}
    return render(
        request,
        "oversight/comparison.html",
        principal,
        current.csrf_token,
        status_code=400 if errors else 200,
        errors=errors,
        found=found,
        charts=charts,
        start=start,
        end=end,
        by=grouping.value,
        query=request.url.query,
    )


def _as_csv(found: Comparison) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("area", "measure", "value", "based_on", "national", "outlier"))
    for metric in found.metrics:
        for place in found.places:
            figure = metric.figures[place.id]
            writer.writerow(
                (
                    place.name,
                    metric.label,
                    "" if figure.value is None else round(figure.value, 2),
                    figure.base,
                    "" if metric.national is None else round(metric.national, 2),
                    figure.gap or "",
                )
            )
    return out.getvalue()


@router.get("/oversight/comparison.csv")
def comparison_csv(
    start: str = Query("", alias="from", max_length=20),
    end: str = Query("", alias="to", max_length=20),
    by: str = Query("force_area", max_length=20),
    current: Allowed = COMPARER,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found, _, _ = _compared(db_session, principal, start, end, by, Action.EXPORT)
    return Response(
        _as_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="force-comparison.csv"'},
    )


@router.get("/oversight/completeness")
def data_completeness(
    request: Request, current: Allowed = COMPARER, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    sections = completeness.report(db_session)
    record_read(db_session, principal.actor, "data_completeness", "all")
    return render(
        request,
        "oversight/completeness.html",
        principal,
        current.csrf_token,
        sections=sections,
        low=completeness.LOW,
    )
