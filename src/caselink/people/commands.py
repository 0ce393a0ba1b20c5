"""`caselink teams ...`: operators' commands for child protection teams and s.16LA reviews."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from caselink.access.sessions import utcnow
from caselink.config import Settings
from caselink.ledger import Actor
from caselink.people import sharing, teams
from caselink.people.demo import seed_teams
from caselink.people.problems import Problem
from caselink.store.db import Database

app = typer.Typer(help="Multi-agency child protection teams (s.16LA Children Act 2004).")
console = Console()
errors = Console(stderr=True)


def _db() -> Database:
    return Database(Settings.from_env().database_url)


@contextmanager
def _changing() -> Iterator[Session]:
    """One transaction for a change; a refused change names its field and exits 2, having
    changed nothing."""
    try:
        with _db().transaction() as session:
            yield session
    except Problem as problem:
        errors.print(f"[red]{problem.field}: {problem.message}[/red]")
        raise typer.Exit(2) from problem


@app.command("create")
def create(
    code: str = typer.Argument(..., help="A short code, e.g. MACPT-LA01."),
    name: str = typer.Argument(..., help="The team's name."),
    local_authority: str = typer.Option(..., help="The local authority's area code."),
) -> None:
    """Create a team for one local-authority area (ledgered)."""
    with _changing() as session:
        teams.create_team(session, Actor.operator(), code, name, local_authority)
    console.print(f"Created {code}.")


@app.command("add-member")
def add_member(team: str, agency: str) -> None:
    """Make an agency a member of a team (ledgered)."""
    with _changing() as session:
        added = teams.add_member(session, Actor.operator(), team, agency)
    console.print(f"{agency} {'added to' if added else 'is already in'} {team}.")


@app.command("remove-member")
def remove_member(team: str, agency: str) -> None:
    """Take an agency out of a team (ledgered; its membership row is kept, ended)."""
    with _changing() as session:
        removed = teams.remove_member(session, Actor.operator(), team, agency)
    console.print(f"{agency} {'removed from' if removed else 'was not in'} {team}.")


@app.command("show")
def show() -> None:
    """Every team and its member agencies."""
    db = _db()
    with db.transaction() as session:
        views = teams.describe(session)
    table = Table("team", "area", "members", "added people")
    for v in views:
        table.add_row(
            v.code, v.local_authority, ", ".join(m.agency_code for m in v.members), str(v.additions)
        )
    console.print(table)


@app.command("demo")
def demo() -> None:
    """One team per local authority, with the demo's agencies in it (demo only; safe to
    run again)."""
    db = _db()
    with db.transaction() as session:
        created = seed_teams(session)
    console.print(
        f"Created {created} child protection teams."
        if created
        else "The demo teams are already there; nothing to do."
    )


@app.command("reviews")
def reviews() -> None:
    """Put s.16LA decisions whose review date has come before their deciders and oversight
    (the worker does this on every pass)."""
    db = _db()
    with db.transaction() as session:
        raised = sharing.raise_reviews(session, utcnow().date(), Actor.system("sharing"))
    console.print(f"{raised} decisions due for review raised.")
