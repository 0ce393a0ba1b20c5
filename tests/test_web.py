"""The web skeleton: start page in the GOV.UK Design System, health, OpenAPI, headers."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from caselink.store.db import Database
from caselink.web.app import create_app


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as client:
        yield client


def test_start_page_uses_govuk_frontend_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-xl">Protect children across agencies</h1>' in page.text
    assert 'href="/assets/govuk-frontend.min.css"' in page.text
    assert "https://" not in page.text, "no third-party or CDN resources"
    css = client.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and ".govuk-template" in css.text
    assert client.get("/assets/fonts/bold-b542beb274-v2.woff2").status_code == 200


def test_pages_are_never_cached_framed_or_scripted_inline(client: TestClient) -> None:
    headers = client.get("/").headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "<script>" not in client.get("/").text


def test_health_reports_database_and_schema(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "schema_revision": body["expected_revision"],
        "expected_revision": body["expected_revision"],
    }
    assert body["expected_revision"]


def test_health_says_unavailable_when_the_schema_is_behind(
    db: Database, client: TestClient
) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["schema_revision"] == "old"


def test_openapi_document_is_published(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "caselink"
    assert "/health" in document["paths"]


def test_unknown_pages_are_404(client: TestClient) -> None:
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/docs").status_code == 404, "Swagger UI would load from a CDN"
