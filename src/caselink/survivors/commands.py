"""`caselink survivors ...`: check the Victims' Code configuration; prepare the demo."""

import typer
from rich.console import Console

from caselink.config import Settings
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.survivors import demo, victims_code

app = typer.Typer(help="The survivor portal: Victims' Code updates and the right to review.")
console = Console()
errors = Console(stderr=True)


@app.command("check")
def check(
    path: str = typer.Argument(None, help="A victims code JSON file (default: built in)."),
) -> None:
    """Load and check the Victims' Code configuration; print its clocks."""
    try:
        code = victims_code.load(path)
    except victims_code.VictimsCodeError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    for kind, rule in code.updates.items():
        console.print(
            f"{kind}: within {rule.working_days} working days "
            f"({rule.enhanced_working_days} for enhanced rights)"
        )
    r = code.review
    console.print(
        f"Right to review: ask within {r.request_within_months} months; acknowledged within "
        f"{r.acknowledge_within_working_days} working days; decided within "
        f"{r.decide_within_days} days. {len(code.bank_holidays)} bank holidays known."
    )


@app.command("demo")
def prepare_demo() -> None:
    """Give the demo survivor's case updates and a decision she can ask to have reviewed."""
    db = Database(Settings.from_env().database_url)
    with db.transaction() as session:
        console.print(demo.follow_case(session, victims_code.load(), utcnow()))
    db.dispose()
