"""The baseline for bench/load_mixed.py: bare FastAPI + PostgreSQL endpoints on the same paths
as caselink's mixed traffic, each one plain query and nothing else (no authentication,
policy, ledger, encryption, templates). Served the same way, by uvicorn with N workers.
The bench creates and fills `bare_reports` and `bare_cases` before starting it."""

import html
import json
import os
from typing import Any

from fastapi import Body, FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_pre_ping=True)
app = FastAPI()


@app.post("/api/reports", status_code=201)
def file_report(body: dict[str, Any] = Body(...)) -> dict[str, str]:
    with engine.begin() as connection:
        new_id = connection.execute(
            text("INSERT INTO bare_reports (body) VALUES (:body) RETURNING id"),
            {"body": json.dumps(body)},
        ).scalar_one()
    return {"reference": f"BARE-{new_id}"}


def _inbox() -> dict[str, Any]:
    with engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM bare_reports")).scalar_one()
        rows = connection.execute(
            text("SELECT id, body FROM bare_reports ORDER BY id DESC LIMIT 20")
        ).all()
    return {"total": total, "reports": [{"id": i, "body": json.loads(b)} for i, b in rows]}


def _case(reference: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT reference, summary FROM bare_cases WHERE reference = :r"),
            {"r": reference},
        ).first()
    if row is None:
        raise HTTPException(404, "no such case")
    return {"reference": row.reference, "summary": row.summary}


@app.get("/api/reports/inbox")
def inbox() -> dict[str, Any]:
    return _inbox()


@app.get("/api/cases")
def search(q: str = "") -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT reference, summary FROM bare_cases WHERE summary ILIKE :q LIMIT 50"),
            {"q": f"%{q}%"},
        ).all()
    return {"total": len(rows), "cases": [{"reference": r, "summary": s} for r, s in rows]}


@app.get("/api/cases/{reference:path}")
def case(reference: str) -> dict[str, Any]:
    return _case(reference)


@app.get("/reports/inbox", response_class=HTMLResponse)
def inbox_page() -> str:
    items = "".join(f"<li>{r['id']}</li>" for r in _inbox()["reports"])
    return f"<!doctype html><title>Inbox</title><ul>{items}</ul>"


@app.get("/cases/{reference:path}", response_class=HTMLResponse)
def case_page(reference: str) -> str:
    found = _case(reference)
    return f"<!doctype html><title>{found['reference']}</title><p>{html.escape(found['summary'])}"
