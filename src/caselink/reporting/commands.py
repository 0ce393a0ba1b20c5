"""`caselink worker` and `caselink report ...`: operators' commands beside the app."""

import json
from pathlib import Path

import typer
from rich.console import Console

from caselink.config import Settings
from caselink.ledger import signing
from caselink.reporting import receipts, rules
from caselink.reporting.mail import sender_from_env
from caselink.reporting.worker import Pass, run_forever, run_once
from caselink.store.db import Database

app = typer.Typer(help="Mandatory reports: check a receipt.")
console = Console()
errors = Console(stderr=True)


def worker(
    once: bool = typer.Option(False, "--once", help="Do one pass and stop."),
    interval: float = typer.Option(30.0, min=0.5, help="Seconds between passes."),
) -> None:
    """Escalate overdue reports, deliver queued mail, sign the ledger at intervals.

    Mail goes where CASELINK_MAIL_URL says (smtp://host:port, smtp+starttls://user:pass@host:587
    or dir:PATH; default dir:var/outbox). Safe to stop at any time and to run several at once.
    """
    settings = Settings.from_env()
    try:
        duty, sender = rules.load(), sender_from_env()
    except ValueError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    db = Database(settings.database_url, settings.pool())
    keep = settings.kept_checkpoints

    def show(done: Pass) -> None:
        if done.escalated or done.mailed or done.mail_failed or done.checkpointed:
            signed = f", ledger signed at {done.checkpointed:,}" if done.checkpointed else ""
            console.print(
                f"escalated {done.escalated}, mailed {done.mailed}, "
                f"mail failed {done.mail_failed}{signed}"
            )

    if once:
        show(run_once(db, duty, sender, settings.ledger_key, keep=keep))
    else:
        console.print(f"caselink worker: a pass every {interval:g} s; Ctrl+C to stop.")
        run_forever(db, duty, sender, settings.ledger_key, interval, show, keep)
    db.dispose()


@app.command("check-receipt")
def check_receipt(
    receipt: Path = typer.Argument(..., help="The receipt file (JSON) the reporter was given."),
    public_key: Path | None = typer.Option(None, help="The ledger's public key (PEM)."),
    offline: bool = typer.Option(False, help="Do not look at the database: proof only."),
) -> None:
    """Check a report receipt against the signed ledger (and the stored report)."""
    settings = Settings.from_env()
    try:
        bundle = json.loads(receipt.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        errors.print(f"[red]{receipt}: not a readable receipt: {error}[/red]")
        raise typer.Exit(2) from None
    key_file = public_key or signing.public_key_path(settings.ledger_key)
    if not key_file.exists():
        errors.print(f"[red]--public-key: {key_file} does not exist[/red]")
        raise typer.Exit(2)
    key = signing.load_verifying_key(key_file)
    if offline:
        result = receipts.check(bundle, key)
    else:
        db = Database(settings.database_url)
        with db.transaction() as session:
            result = receipts.check(bundle, key, session)
        db.dispose()
    for finding in result.findings:
        console.print(("  ✓ " if result.ok else "  • ") + finding)
    if not result.ok:
        errors.print("[red]The receipt does NOT check out.[/red]")
        raise typer.Exit(1)
    console.print("[green]The receipt checks out.[/green]")
