"""Operators' commands: `caselink config check`, `caselink backup FILE`, `caselink restore FILE`."""

from pathlib import Path

import typer
from rich.console import Console

from caselink.config import ConfigError, Settings, effective, unknown
from caselink.ledger import Actor
from caselink.ledger.checkpoint import Checkpoint
from caselink.ledger.sources import read_checkpoints
from caselink.operations.backup import OperationFailed, backup
from caselink.operations.restore import Restored, restore
from caselink.store.db import Database

app = typer.Typer()
config_app = typer.Typer(help="The configuration caselink reads from CASELINK_* variables.")
app.add_typer(config_app, name="config")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@config_app.command("check")
def config_check() -> None:
    """Check every CASELINK_* variable and print the effective configuration (no secrets)."""
    try:
        rows = effective()
    except ConfigError as error:
        errors.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    width = max(len(row.name) for row in rows)
    for row in rows:
        console.print(
            f"{row.name:<{width}} = {row.value}  [{row.source}]",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"{'':<{width}}   {row.meaning}", style="dim", soft_wrap=True)
    for name in unknown():
        errors.print(f"Warning: {name} is set but caselink does not read it (misspelt?)")
    console.print("Configuration is valid.")


@app.command("backup")
def backup_command(
    file: Path = typer.Argument(..., help="The backup file to write (never overwritten)."),
) -> None:
    """Copy the whole database into FILE: pg_dump custom format on PostgreSQL, the SQLite
    online backup API on SQLite. Safe while caselink runs."""
    settings = Settings.from_env()
    db = Database(settings.database_url)
    try:
        done = backup(db, file, Actor.operator(), settings.ledger_key, settings.kept_checkpoints)
    except OperationFailed as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    console.print(
        f"Backup written to {done.path} ({done.path.stat().st_size:,} bytes); its ledger is "
        f"signed at {done.checkpoint.tree_size:,} entries, root {done.checkpoint.root_hash.hex()}."
    )


@app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., help="A backup written by `caselink backup`."),
    kept: Path | None = typer.Option(
        None, help="Checkpoints kept elsewhere (.jsonl). Default: CASELINK_KEPT_CHECKPOINTS."
    ),
    force: bool = typer.Option(False, "--force", help="Replace a database that holds data."),
    accept_rollback: bool = typer.Option(
        False, "--accept-rollback", help="Restore a backup older than the ledger kept elsewhere."
    ),
) -> None:
    """Replace the database with FILE, then verify the whole ledger. Stop the app and the
    workers first. An old backup is refused unless --accept-rollback, and the missing
    entries are counted."""
    settings = Settings.from_env()
    kept_file = kept or settings.kept_checkpoints
    db = Database(settings.database_url)
    try:
        done = restore(
            db,
            file,
            actor=Actor.operator(),
            key_path=settings.ledger_key,
            kept=_kept(kept_file, required=kept is not None),
            keep=settings.kept_checkpoints,
            force=force,
            accept_rollback=accept_rollback,
        )
    except OperationFailed as error:
        errors.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    _report(file, done)


def _kept(path: Path | None, required: bool) -> list[Checkpoint]:
    if path is None or (not path.exists() and not required):
        return []
    try:
        return read_checkpoints(path)
    except (OSError, ValueError) as error:
        errors.print(f"[red]--kept: cannot read checkpoints from {path}: {error}[/red]")
        raise typer.Exit(2) from None


def _report(file: Path, done: Restored) -> None:
    console.print(f"Restored {file}: {done.contents.entries:,} ledger entries.")
    if done.rolled_back:
        lost = max(done.lost_to_kept, done.lost_to_database)
        errors.print(
            f"[bold yellow]WARNING: rollback accepted: {lost:,} ledger entries recorded after "
            "this backup are missing. The ledger stays flagged against the kept checkpoint.[/]"
        )
    verdict = done.verdict
    if verdict is None:
        errors.print("[yellow]Not verified: the ledger's public key is not here.[/]")
    elif verdict.intact:
        console.print(
            f"[green]Ledger verified[/]: {verdict.entries:,} entries, "
            f"{verdict.checkpoints} checkpoints hold."
        )
    else:
        errors.print(f"[bold red]Ledger NOT intact[/]: {len(verdict.findings)} problem(s)")
        for finding in verdict.findings[:20]:
            errors.print(f"  {finding}", markup=False, highlight=False)
    for note in done.notes:
        console.print(note)
    if verdict is not None and not verdict.intact and not done.rolled_back:
        raise typer.Exit(1)
