"""Pages anyone may see: the start page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from caselink.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def start(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "start.html")
