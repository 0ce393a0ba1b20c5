"""`caselink ledger ...`: verify, checkpoint, export, prove, check a proof, history."""

import json
from collections.abc import Iterator
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from caselink.config import Settings
from caselink.ledger import history, proofs, signing, sources
from caselink.ledger.checkpoint import public_key_to_pem, to_json
from caselink.ledger.parallel import verify_database
from caselink.ledger.state import check_state
from caselink.ledger.verify import Verdict, verify
from caselink.store.db import Database

app = typer.Typer(help="The accountability ledger: verify it, sign it, prove entries.")
console = Console()
errors = Console(stderr=True)


def _settings() -> Settings:
    return Settings.from_env()


def _public_key(path: Path | None) -> Ed25519PublicKey:
    settings = _settings()
    key_file = path or signing.public_key_path(settings.ledger_key)
    if not key_file.exists():
        errors.print(f"--public-key: {key_file} does not exist (the ledger's public key)")
        raise typer.Exit(2)
    return signing.load_verifying_key(key_file)


@app.command("verify")
def verify_command(
    export: Path | None = typer.Option(None, help="Verify an export directory, offline."),
    kept: Path | None = typer.Option(
        None, help="Checkpoints kept elsewhere (.jsonl) that this ledger must still match."
    ),
    public_key: Path | None = typer.Option(None, help="The ledger's public key (PEM)."),
) -> None:
    """Check every entry, the hash chain and every checkpoint; name the first fault."""
    key = _public_key(public_key if public_key or not export else export / "public-key.pem")
    kept_checkpoints = sources.read_checkpoints(kept) if kept else []
    state_findings = []
    with Progress(
        TextColumn("Verifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        if export:
            task = progress.add_task("entries", total=None)

            def counted() -> Iterator[tuple[object, ...]]:
                for n, row in enumerate(sources.rows_from_export(export), 1):
                    if n % 50_000 == 0:
                        progress.update(task, completed=n)
                    yield row

            stored = sources.read_checkpoints(export / "checkpoints.jsonl")
            verdict = verify(counted(), key, stored, kept_checkpoints)
        else:
            db = Database(_settings().database_url)
            claimed = sources.head_size(db)
            task = progress.add_task("entries", total=claimed)
            verdict = verify_database(
                db,
                key,
                sources.checkpoints_from_db(db),
                kept_checkpoints,
                claimed,
                progress=lambda done: progress.update(task, completed=done),
            )
            with db.transaction() as session:
                state_findings = check_state(session)
    verdict.findings.extend(state_findings)
    _report(verdict)


def _report(verdict: Verdict) -> None:
    if verdict.intact:
        console.print(
            f"[green]Ledger intact[/]: {verdict.entries:,} entries, {verdict.checkpoints} "
            f"checkpoints verified; root {verdict.root.hex()}"
        )
        return
    errors.print(f"[bold red]Ledger NOT intact[/]: {len(verdict.findings)} problem(s) found")
    errors.print(f"First: {verdict.first}", markup=False)
    for finding in verdict.findings[1:20]:
        errors.print(f"  {finding}", markup=False)
    raise typer.Exit(1)


@app.command()
def checkpoint(
    keep: Path | None = typer.Option(None, help="Also append the checkpoint to this file."),
) -> None:
    """Sign the ledger's current size and root (creates the signing key on first use)."""
    settings = _settings()
    key = signing.load_or_create_key(settings.ledger_key)
    db = Database(settings.database_url)
    with db.transaction() as session:
        cp = signing.issue(session, key)
    if keep:
        sources.write_checkpoint(keep, cp)
    console.print(f"Checkpoint: {cp.tree_size:,} entries, root {cp.root_hash.hex()}")
    console.print(to_json(cp), markup=False, highlight=False)


@app.command("export")
def export_command(out: Path = typer.Option(..., help="Directory to write the export to.")) -> None:
    """Write entries, checkpoints and the public key to plain files for offline checking."""
    settings = _settings()
    key = signing.load_verifying_key(signing.public_key_path(settings.ledger_key))
    count = sources.export(Database(settings.database_url), out, public_key_to_pem(key))
    console.print(f"Exported {count:,} entries to {out}")


@app.command()
def prove(
    entry: int = typer.Argument(..., help="The entry's sequence number."),
    out: Path | None = typer.Option(None, help="Write the proof here instead of printing it."),
) -> None:
    """An inclusion proof for one entry, against the first checkpoint that covers it."""
    with Database(_settings().database_url).transaction() as session:
        try:
            bundle = proofs.inclusion_bundle(session, entry)
        except ValueError as error:
            errors.print(str(error))
            raise typer.Exit(1) from None
    _emit(bundle, out)


@app.command("prove-consistency")
def prove_consistency(
    kept: Path = typer.Option(..., help="A checkpoint kept earlier (its .json or .jsonl file)."),
    out: Path | None = typer.Option(None),
) -> None:
    """Proof that the ledger now extends the one a kept checkpoint signed."""
    old = sources.read_checkpoints(kept)[-1]
    with Database(_settings().database_url).transaction() as session:
        try:
            bundle = proofs.consistency_bundle(session, old)
        except ValueError as error:
            errors.print(str(error))
            raise typer.Exit(1) from None
    _emit(bundle, out)


def _emit(bundle: dict[str, object], out: Path | None) -> None:
    text = json.dumps(bundle, indent=2)
    if out:
        out.write_text(text + "\n")
        console.print(f"Proof written to {out}")
    else:
        console.print(text, markup=False, highlight=False)


@app.command("check-proof")
def check_proof(
    proof: Path = typer.Argument(..., exists=True, help="A proof file from `prove`."),
    public_key: Path | None = typer.Option(None, help="The ledger's public key (PEM)."),
) -> None:
    """Check an inclusion or consistency proof offline, with the public key alone."""
    bundle = json.loads(proof.read_text())
    key = _public_key(public_key)
    kind = bundle.get("kind") if isinstance(bundle, dict) else None
    if kind == "caselink-inclusion-proof":
        result = proofs.check_inclusion(bundle, key)
    elif kind == "caselink-consistency-proof":
        result = proofs.check_consistency(bundle, key)
    else:
        errors.print(f"{proof}: not a caselink proof file")
        raise typer.Exit(2)
    if not result.ok:
        errors.print(f"[bold red]Proof does NOT hold[/]: {result.reason}")
        raise typer.Exit(1)
    console.print(f"[green]Proof holds[/]: {result.reason}")


@app.command("history")
def history_command(
    object: str | None = typer.Option(None, "--object", help="TYPE:ID, e.g. report:12"),
    actor: str | None = typer.Option(None, help="A username: everything they did or saw."),
) -> None:
    """Who viewed and did what to an object, when and why; or what one person accessed."""
    if bool(object) == bool(actor):
        errors.print("Give exactly one of --object TYPE:ID or --actor USERNAME.")
        raise typer.Exit(2)
    with Database(_settings().database_url).transaction() as session:
        if object:
            object_type, _, object_id = object.partition(":")
            if not object_id:
                errors.print(f"--object: {object!r} is not TYPE:ID (e.g. report:12)")
                raise typer.Exit(2)
            entries = history.of_object(session, object_type, object_id)
        else:
            entries = history.by_actor(session, actor or "")
    table = Table("entry", "when (UTC)", "who", "agency", "did", "what", "why")
    for e in entries:
        table.add_row(
            str(e.seq),
            e.recorded_at,
            e.actor,
            e.agency or "",
            e.action,
            f"{e.object_type} {e.object_id}",
            e.reason or "",
        )
    console.print(table)
