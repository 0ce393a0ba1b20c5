"""The public statistics page: the newest publication of the official statistics, with small
numbers suppressed. The only data page anyone may see without signing in; it shows nothing
but what `caselink statistics publish` released (disclosure-controlled and ledgered)."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.statistics import publication
from caselink.statistics.disclosure import SUPPRESSED
from caselink.web.permissions import require
from caselink.web.security import Transaction, Visit, visit
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = [Depends(require(policy.PUBLIC))]


@router.get("/statistics", dependencies=PUBLIC)
def statistics_page(
    request: Request, current: Visit = Depends(visit), db_session: Session = Transaction
) -> Response:
    return render(
        request,
        "statistics/statistics.html",
        current.principal,
        current.csrf_token,
        published=publication.latest(db_session),
        symbol=SUPPRESSED,
        shown=publication.shown,
    )


@router.get("/statistics.csv", dependencies=PUBLIC)
def statistics_csv(db_session: Session = Transaction) -> Response:
    published = publication.latest(db_session)
    if published is None:
        return Response("No statistics have been published yet.\n", 404, media_type="text/plain")
    name = f"caselink-statistics-{published.period.start}-to-{published.period.end}.csv"
    return Response(
        publication.as_csv(published),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
