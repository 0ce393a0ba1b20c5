"""The FastAPI application: routers, static assets and security headers."""

import gc
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caselink import __version__
from caselink.access import policy
from caselink.config import Settings
from caselink.operations import logs
from caselink.store.db import Database
from caselink.web import (
    account,
    api,
    casework,
    comparison,
    health,
    linkage,
    network,
    oversight,
    pages,
    people,
    people_search,
    reporting,
    reporting_api,
    review,
    review_import,
    signin,
    statistics,
    survivors,
    survivors_api,
    tokens_api,
)
from caselink.web.errors import handle_errors
from caselink.web.permissions import PublicFiles, require
from caselink.web.security import SECURE, BadCsrf, Forbidden, SignInRequired
from caselink.web.templating import render

STATIC = Path(__file__).parent / "static"
GOVUK = STATIC / "govuk"

# Pages hold data about children: never cached, never framed, no third-party anything.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, unless the route set its
    own value. Pure ASGI (it only rewrites the response's start message): Starlette's
    BaseHTTPMiddleware would run each request in a task of its own with streams between."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        self.hsts = (HSTS[0].lower().encode(), HSTS[1].encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.headers
        if SECURE and scope.get("scheme") == "https":
            wanted = [*wanted, self.hsts]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in wanted if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: Database) -> FastAPI:
    if not (GOVUK / "govuk-frontend.min.css").is_file():
        raise RuntimeError(
            f"GOV.UK Frontend assets are missing from {GOVUK}: run `make assets` "
            "(it installs govuk-frontend from the npm registry and copies it there)"
        )
    app = FastAPI(
        title="caselink",
        version=__version__,
        description="Child protection casework across agencies and force boundaries.",
        docs_url=None,  # Swagger UI loads from a CDN; the OpenAPI document is at /openapi.json
        redoc_url=None,
        openapi_url=None,  # served below, declared public like every other route
        # caselink's own request log (operations/logs.py) is its telemetry; FastAPI's
        # OpenTelemetry hooks would otherwise look for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.db = db
    app.mount("/assets", PublicFiles(directory=GOVUK), name="govuk-assets")
    app.mount("/static", PublicFiles(directory=STATIC), name="static")

    @app.get(
        "/openapi.json", include_in_schema=False, dependencies=[Depends(require(policy.PUBLIC))]
    )
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    routers = (
        # First: a request is matched against the routes in order, and report intake is
        # the busiest path (no other router has a path under /api/reports).
        reporting_api,
        pages,
        health,
        signin,
        casework,
        account,
        oversight,
        api,
        people_search,
        reporting,
        review,
        review_import,
        network,
        linkage,
        survivors,
        survivors_api,
        comparison,
        statistics,
        tokens_api,
        people,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(people.api)
    _handle_refusals(app)
    handle_errors(app, SECURITY_HEADERS)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(logs.RequestLog)  # outermost: times and ids every request
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory` and `caselink serve --workers N`: each worker process makes
    its own app and connection pool from CASELINK_DATABASE_URL (pool sizes: see config)."""
    settings = Settings.from_env()
    logs.configure(settings.log_format, settings.log_level)
    return ready_to_serve(create_app(Database(settings.database_url, settings.pool())))


def proxy_options(trusted_proxies: tuple[str, ...]) -> dict[str, object]:
    """uvicorn's settings for X-Forwarded-For: believed only from CASELINK_TRUSTED_PROXIES.
    uvicorn's own default believes it from any loopback client, so a client on the same
    host (or behind a proxy that passes the header on) could choose a fresh address for
    every guess and never meet the sign-in throttle."""
    return {"proxy_headers": bool(trusted_proxies), "forwarded_allow_ips": list(trusted_proxies)}


def ready_to_serve(app: FastAPI) -> FastAPI:
    """Leave what start-up made (modules, the app, Splink and pandas imported by the linkage
    pages: a million objects) out of the garbage collector's full passes. Each full pass
    walked them all, stalling every request in flight for ~140 ms: that was intake's p99."""
    gc.collect()
    gc.freeze()
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _handle_refusals(app: FastAPI) -> None:
    """How a refusal looks: a redirect or page for people, JSON for programs."""

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, _: Exception) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "Send a valid bearer token, or sign in"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Exception) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "Your role or token does not allow this"}, status_code=403
            )
        return render(
            request,
            "message.html",
            heading="You cannot use this page",
            paragraphs=["Your role does not give access to it."],
            link=("/home", "Go to your home page"),
            status_code=403,
        )

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, _: Exception) -> Response:
        if _is_api(request):
            detail = "A write with the session cookie needs the X-CSRF-Token header"
            return JSONResponse({"detail": detail}, status_code=403)
        return render(
            request,
            "message.html",
            heading="This form has expired",
            paragraphs=["For your security, go back, reload the page and try again."],
            status_code=400,
        )
