"""`caselink people ...`: operators' commands for person search (see commands.py for `teams`)."""

import typer
from rich.console import Console

from caselink.config import Settings
from caselink.people.keys import index_missing
from caselink.store.db import Database

app = typer.Typer(help="People: the search keys behind person search.")
console = Console()


@app.command("index")
def index() -> None:
    """Write search keys for every stored record that has none (records stored before the
    search existed). Safe to run again: records already indexed are left alone."""
    db = Database(Settings.from_env().database_url)
    with db.transaction() as session:
        written = index_missing(session)
    console.print(f"Wrote {written:,} search keys.")
