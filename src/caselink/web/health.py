"""Liveness and readiness for operators and load balancers. Public by design: it says only
whether the service can reach its database and whether the schema is current."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from caselink.store.db import Database
from caselink.store.migrate import current_revision, head_revision

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    schema_revision: str | None
    expected_revision: str | None


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "database unreachable or schema behind"}},
)
def health(request: Request) -> JSONResponse:
    db: Database = request.app.state.db
    expected = head_revision()
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(db)
    except SQLAlchemyError:
        body = Health(
            status="unavailable",
            database="unreachable",
            schema_revision=None,
            expected_revision=expected,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    ok = revision == expected
    body = Health(
        status="ok" if ok else "unavailable",
        database="ok",
        schema_revision=revision,
        expected_revision=expected,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
