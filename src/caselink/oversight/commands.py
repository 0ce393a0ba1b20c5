"""`caselink oversight ...`: synthetic demo activity for the force comparison."""

import typer
from rich.console import Console

from caselink.config import Settings
from caselink.oversight.demo import seed_activity
from caselink.reporting import rules
from caselink.store.db import Database

app = typer.Typer(help="Oversight: force comparison and data completeness.")
console = Console()


@app.command("demo-activity")
def demo_activity() -> None:
    """File and work synthetic reports in every force at different paces (demo only; safe
    to run again)."""
    db = Database(Settings.from_env().database_url)
    with db.transaction() as session:
        filed = seed_activity(session, rules.load())
    if filed:
        console.print(f"Filed and worked {filed} synthetic reports across the force areas.")
    else:
        console.print("Demo activity is already there; nothing to do.")
