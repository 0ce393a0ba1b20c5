"""The baseline for bench/report_intake.py: a bare FastAPI endpoint that inserts the posted
JSON into PostgreSQL in one transaction, and nothing else (no validation, routing, ledger,
encryption or authentication). Served the same way as caselink, by one uvicorn process."""

import json
import os
from typing import Any

from fastapi import Body, FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["BARE_DATABASE_URL"])
with engine.begin() as connection:
    connection.execute(
        text("CREATE TABLE IF NOT EXISTS bare_reports (id SERIAL PRIMARY KEY, body TEXT)")
    )

app = FastAPI()


@app.post("/api/reports", status_code=201)
def file_report(body: dict[str, Any] = Body(...)) -> dict[str, int]:
    with engine.begin() as connection:
        new_id = connection.execute(
            text("INSERT INTO bare_reports (body) VALUES (:body) RETURNING id"),
            {"body": json.dumps(body)},
        ).scalar_one()
    return {"id": int(new_id)}
