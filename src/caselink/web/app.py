"""The FastAPI application: routers, static assets and security headers."""

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from caselink import __version__
from caselink.store.db import Database
from caselink.web import health, pages

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
    )
    app.state.db = db
    app.mount("/assets", StaticFiles(directory=GOVUK), name="govuk-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(health.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
