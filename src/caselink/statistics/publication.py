"""Publishing the statistics: the tables of tables.py put through disclosure control, stored
as one append-only publication (exactly what was released, with its SHA-256) and ledgered as
a disclosure. The public page and its download show the newest publication, never live
counts, so figures cannot be differenced from one day to the next."""

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record
from caselink.statistics.disclosure import SUPPRESSED, Rules, protect
from caselink.statistics.tables import Period, all_tables
from caselink.store.models import StatisticsPublication

TOTAL = "Total"
CSV_COLUMNS = ("table", "row", "column", "value")


@dataclass(frozen=True)
class PublishedTable:
    key: str
    title: str
    note: str
    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    def body(self) -> list[tuple[str, list[int | None], int | None]]:
        return [
            (name, cells, total)
            for name, cells, total in zip(self.rows, self.cells, self.row_totals, strict=True)
        ]

    @property
    def suppressed(self) -> int:
        grid = [*self.cells, self.column_totals]
        hidden = sum(v is None for row in grid for v in row)
        return hidden + sum(v is None for v in self.row_totals) + (self.total is None)


@dataclass(frozen=True)
class Publication:
    id: int
    published_at: datetime
    period: Period
    rules: Rules
    tables: list[PublishedTable]
    sha256: str


def build(session: Session, period: Period, rules: Rules) -> list[PublishedTable]:
    published = []
    for table in all_tables(session, period):
        safe = protect(table.counts, rules)
        published.append(
            PublishedTable(
                table.key,
                table.title,
                table.note,
                list(table.rows),
                list(table.columns),
                [list(row) for row in safe.cells],
                list(safe.row_totals),
                list(safe.column_totals),
                safe.total,
            )
        )
    return published


def _document(period: Period, rules: Rules, tables: list[PublishedTable]) -> str:
    data: dict[str, Any] = {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "suppression_threshold": rules.threshold,
        "rounded_to": rules.rounding,
        "symbol": SUPPRESSED,
        "tables": [t.__dict__ for t in tables],
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def publish(
    session: Session, actor: Actor, period: Period, rules: Rules, now: datetime | None = None
) -> Publication:
    """Release the figures for a period, stored exactly as released and ledgered as a
    disclosure. Identical figures published again release nothing new."""
    if period.end < period.start:
        raise ValueError("the period must end on or after the day it starts")
    tables = build(session, period, rules)
    document = _document(period, rules, tables)
    digest = hashlib.sha256(document.encode()).hexdigest()
    newest = session.scalar(
        select(StatisticsPublication).order_by(StatisticsPublication.id.desc()).limit(1)
    )
    if newest is not None and newest.sha256 == digest:
        return _read(newest)  # the same figures again: nothing new is released
    row = StatisticsPublication(
        published_at=now or datetime.now(UTC),
        period_from=period.start,
        period_to=period.end,
        threshold=rules.threshold,
        rounding=rules.rounding,
        document=document,
        sha256=digest,
        published_by=actor.name,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Action.DISCLOSE,
        "statistics_publication",
        row.id,
        reason=(
            f"official statistics for {period.start} to {period.end}; counts under "
            f"{rules.threshold} suppressed, figures rounded to {rules.rounding}"
        ),
        after=digest,
    )
    return _read(row)


def latest(session: Session) -> Publication | None:
    row = session.scalar(
        select(StatisticsPublication).order_by(StatisticsPublication.id.desc()).limit(1)
    )
    return _read(row) if row else None


def _read(row: StatisticsPublication) -> Publication:
    data = json.loads(row.document)
    return Publication(
        row.id,
        row.published_at,
        Period(
            date.fromisoformat(data["period"]["from"]), date.fromisoformat(data["period"]["to"])
        ),
        Rules(data["suppression_threshold"], data["rounded_to"]),
        [PublishedTable(**t) for t in data["tables"]],
        row.sha256,
    )


def shown(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def as_csv(publication: Publication) -> str:
    """Long format, one published figure a line; suppressed figures are "[c]"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in publication.tables:
        for name, cells, total in t.body():
            for column, value in zip(t.columns, cells, strict=True):
                writer.writerow((t.key, name, column, shown(value)))
            writer.writerow((t.key, name, TOTAL, shown(total)))
        for column, value in zip(t.columns, t.column_totals, strict=True):
            writer.writerow((t.key, TOTAL, column, shown(value)))
        writer.writerow((t.key, TOTAL, TOTAL, shown(t.total)))
    return out.getvalue()
