"""Liveness and readiness for operators and load balancers. Public by design: they say only
whether the process is up, whether it can reach its database, whether the schema is current
and whether the ledger's public key can be read.

- `/health/live`: the process answers (restart it if not); never touches the database.
- `/health/ready`: send it traffic (take it out of the pool if not): database reachable,
  schema at the newest revision, ledger key readable.
- `/health`: the original check (database and schema), kept for existing monitors.
"""

from functools import cache
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from caselink.access import policy
from caselink.config import ConfigError, Settings
from caselink.ledger import signing
from caselink.store.db import Database
from caselink.store.migrate import current_revision, head_revision
from caselink.web.permissions import require

# Public by design (see above), and declared so; the dependency touches nothing.
router = APIRouter(tags=["operations"], dependencies=[Depends(require(policy.PUBLIC))])
KeyState = Literal["ok", "absent", "unreadable"]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    schema_revision: str | None
    expected_revision: str | None


class Live(BaseModel):
    status: Literal["ok"]


class Ready(Health):
    # "absent": no checkpoint has been signed yet (the worker creates the key); not a fault.
    ledger_key: KeyState


@cache
def _expected() -> str | None:
    return head_revision()  # reads the migration scripts: once per process


def _database(db: Database) -> tuple[bool, str | None]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True, current_revision(db)
    except SQLAlchemyError:
        return False, None


def _ledger_key() -> KeyState:
    try:
        public = signing.public_key_path(Settings.from_env().ledger_key)
        if not public.exists():
            return "absent"
        signing.load_verifying_key(public)
    except (OSError, ValueError, ConfigError):
        return "unreadable"
    return "ok"


def _health(request: Request) -> Health:
    reachable, revision = _database(request.app.state.db)
    ok = reachable and revision == _expected()
    return Health(
        status="ok" if ok else "unavailable",
        database="ok" if reachable else "unreachable",
        schema_revision=revision,
        expected_revision=_expected(),
    )


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "database unreachable or schema behind"}},
)
def health(request: Request) -> JSONResponse:
    body = _health(request)
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)


@router.get("/health/live", response_model=Live)
def live() -> Live:
    return Live(status="ok")


@router.get(
    "/health/ready",
    response_model=Ready,
    responses={503: {"model": Ready, "description": "not ready: see which check failed"}},
)
def ready(request: Request) -> JSONResponse:
    base = _health(request)
    key = _ledger_key()
    ok = base.status == "ok" and key != "unreadable"
    body = Ready(**{**base.model_dump(), "status": "ok" if ok else "unavailable"}, ledger_key=key)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
