"""`caselink statistics ...`: publish the official statistics (disclosure-controlled)."""

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from caselink.config import Settings
from caselink.ledger import Actor
from caselink.statistics import publication
from caselink.statistics.disclosure import Rules
from caselink.statistics.tables import Period, default_period
from caselink.store.db import Database

app = typer.Typer(help="Published statistics with small numbers suppressed.")
console = Console()
errors = Console(stderr=True)


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.print(f"{option}: {value!r} is not a date as YYYY-MM-DD", markup=False)
        raise typer.Exit(2) from None


@app.command("publish")
def publish(
    out: Path = typer.Option(..., "--out", help="Write the published figures to this CSV file."),
    start: str | None = typer.Option(None, "--from", help="First day (default: 4 quarters)."),
    end: str | None = typer.Option(None, "--to", help="Last day (default: today)."),
    threshold: int = typer.Option(10, min=2, help="Suppress counts from 1 to this minus 1."),
    rounding: int = typer.Option(5, min=1, help="Round every figure to a multiple of this."),
) -> None:
    """Publish the statistics: store them, ledger the disclosure, write the CSV."""
    default = default_period(date.today())
    period = Period(_day(start, "--from") or default.start, _day(end, "--to") or default.end)
    if period.end < period.start:
        errors.print(f"--to {period.end} is before --from {period.start}", markup=False)
        raise typer.Exit(2)
    db = Database(Settings.from_env().database_url)
    actor = Actor.operator()
    with db.transaction() as session:
        done = publication.publish(session, actor, period, Rules(threshold, rounding))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(publication.as_csv(done), encoding="utf-8")
    hidden = sum(t.suppressed for t in done.tables)
    console.print(
        f"Published statistics {done.id} for {period.start} to {period.end}: "
        f"{len(done.tables)} tables, {hidden} figures suppressed as [c]; written to {out}.",
        markup=False,
    )
