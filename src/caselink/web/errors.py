"""Error pages: a GOV.UK page for people (page not found, method not allowed, sorry there
is a problem), JSON for programs under /api. Who is signed in is not looked up here, so an
error page never touches the database."""

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from caselink.web.templating import render

log = logging.getLogger(__name__)

NOT_FOUND = (
    "If you typed the web address, check it is correct. If you pasted it, check you copied "
    "the whole address."
)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _page(request: Request, status: int, heading: str, paragraphs: list[str]) -> Response:
    return render(
        request,
        "message.html",
        heading=heading,
        paragraphs=paragraphs,
        link=("/home", "Go to your home page"),
        status_code=status,
    )


def handle_errors(app: FastAPI, headers: Mapping[str, str]) -> None:
    """Register the error pages; `headers` are the security headers, set here too because
    an unhandled error's response does not pass through the app's middleware."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if _is_api(request) or error.status_code not in (404, 405):
            return await http_exception_handler(request, error)
        if error.status_code == 404:
            return _page(request, 404, "Page not found", [NOT_FOUND])
        return _page(
            request,
            405,
            "This page cannot be used that way",
            ["Go back and use the links and buttons on the page."],
        )

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, error: Exception) -> Response:
        # A page address with a malformed number (/records/abc) is a page that does not exist.
        assert isinstance(error, RequestValidationError)
        if _is_api(request) or request.method != "GET":
            return await request_validation_exception_handler(request, error)
        return _page(request, 404, "Page not found", [NOT_FOUND])

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if _is_api(request):
            response: Response = JSONResponse({"detail": "Internal server error"}, 500)
        else:
            response = _page(
                request,
                500,
                "Sorry, there is a problem with the service",
                [
                    "Try again later. Nothing you sent has been stored unless you were told "
                    "it was.",
                    "If a child is in immediate danger, call 999 now.",
                ],
            )
        response.headers.update(headers)
        return response
