"""Error pages: a GOV.UK page for people (page not found, method not allowed, there is a
problem with what was sent, sorry there is a problem), JSON for programs under /api. Who is
signed in is not looked up here, so an error page never touches the database.

Every error page and every error body carries the request id that the request's log line
carries, so a caller can quote it and an operator can find the line. A validation error
never echoes more than a little of what was sent: a 1 MB field once came back as a 1 MB
reply."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from caselink.operations import logs
from caselink.web.templating import render

log = logging.getLogger(__name__)

NOT_FOUND = (
    "If you typed the web address, check it is correct. If you pasted it, check you copied "
    "the whole address."
)
ECHO_MAX = 100  # characters of a rejected value quoted back in a 422
HEADINGS = {
    400: "There is a problem with what was sent",
    413: "What was sent is too large",
    422: "There is a problem with what was sent",
}


def request_id(request: Request) -> str | None:
    found = request.scope.get("state", {}).get("request_id")
    return found if isinstance(found, str) else None


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _page(request: Request, status: int, heading: str, paragraphs: list[str]) -> Response:
    return render(
        request,
        "message.html",
        heading=heading,
        paragraphs=paragraphs,
        link=("/home", "Go to your home page"),
        request_id=request_id(request),
        status_code=status,
    )


def _json(
    request: Request, status: int, detail: Any, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"detail": detail, "request_id": request_id(request)}
    return JSONResponse(body, status, headers=dict(headers or {}))


def _short(value: Any) -> Any:
    """A rejected input as quoted back: long text cut, containers not repeated at all."""
    if isinstance(value, str | bytes):
        text = value if isinstance(value, str) else value.decode("utf-8", "replace")
        return text if len(text) <= ECHO_MAX else text[:ECHO_MAX] + "…"
    if isinstance(value, int | float | bool) or value is None:
        return value
    return "(not repeated)"


def capped(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's validation errors with each echoed input shortened (see ECHO_MAX)."""
    out = []
    for error in errors:
        item = {k: v for k, v in dict(error).items() if k not in ("input", "ctx", "url")}
        if "input" in error:
            item["input"] = _short(error["input"])
        out.append(item)
    return out


def _field(error: Mapping[str, Any]) -> str:
    where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return ".".join(where) or "the request"


def _problems(errors: Any) -> list[str]:
    """Validation errors in words: the field, and what is wrong with it."""
    lines = []
    for error in list(errors)[:10]:
        kind = str(error.get("type", ""))
        if kind == "missing":
            what = "is missing"
        elif kind.startswith(("int_", "float_")):
            what = "must be a number"
        elif kind.startswith("bool"):
            what = "must be yes or no"
        else:
            what = "is not valid"
        lines.append(f"{_field(error)} {what}.")
    return lines


def handle_errors(app: FastAPI, headers: Mapping[str, str]) -> None:
    """Register the error pages; `headers` are the security headers, set here too because
    an unhandled error's response does not pass through the app's middleware."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code in (204, 304):
            return Response(status_code=error.status_code, headers=error.headers)
        if _is_api(request):
            return _json(request, error.status_code, error.detail, error.headers)
        if error.status_code == 404:
            return _page(request, 404, "Page not found", [NOT_FOUND])
        if error.status_code == 405:
            return _page(
                request,
                405,
                "This page cannot be used that way",
                ["Go back and use the links and buttons on the page."],
            )
        # Starlette's form parser says why it refused a form (too many files, for one).
        detail = error.detail if isinstance(error.detail, str) else ""
        return _page(
            request,
            error.status_code,
            HEADINGS.get(error.status_code, "There is a problem"),
            [
                f"{detail.rstrip('.')}." if detail else "The service could not accept the request.",
                "Go back, correct it and try again.",
            ],
        )

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if _is_api(request):
            return _json(request, 422, capped(error.errors()))
        if request.method == "GET" and any(
            str(e.get("loc", ("",))[0]) == "path" for e in error.errors()
        ):
            # A page address with a malformed number (/records/abc): a page that does not exist.
            return _page(request, 404, "Page not found", [NOT_FOUND])
        return _page(
            request,
            400,
            HEADINGS[400],
            [*_problems(error.errors()), "Go back, correct it and try again."],
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        # The route's template, never the filled-in path: paths carry references.
        fields = {
            "request_id": request_id(request),
            "method": request.method,
            "path": logs.route_template(request.scope),
        }
        log.exception("unhandled error", extra=fields)
        if _is_api(request):
            response: Response = _json(request, 500, "Internal server error")
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
        if fields["request_id"]:
            response.headers[logs.REQUEST_ID_HEADER] = fields["request_id"]
        return response
