"""Pages anyone may see: the start page."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from caselink.access import policy
from caselink.web.permissions import require
from caselink.web.templating import templates

router = APIRouter(include_in_schema=False)
PUBLIC = [Depends(require(policy.PUBLIC))]


@router.get("/", response_class=HTMLResponse, dependencies=PUBLIC)
def start(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "start.html")
