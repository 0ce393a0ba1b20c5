"""The `caselink` command: a thin layer over the capability services."""

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from caselink.access import commands as access_commands
from caselink.config import ConfigError, Settings
from caselink.ledger import Actor, signing
from caselink.ledger import commands as ledger_commands
from caselink.linkage import commands as linkage_commands
from caselink.loading import LoadRejected, LoadResult, load_directory, load_file
from caselink.loading.specs import BY_KIND, FileSpec
from caselink.network import commands as network_commands
from caselink.operations import commands as operations_commands
from caselink.oversight import commands as oversight_commands
from caselink.people import commands as people_commands
from caselink.people import search_commands
from caselink.reporting import commands as report_commands
from caselink.review import commands as review_commands
from caselink.statistics import commands as statistics_commands
from caselink.store.db import Database
from caselink.store.migrate import current_revision, head_revision, upgrade
from caselink.survivors import commands as survivor_commands

app = typer.Typer(help="caselink: child protection casework across agencies.", no_args_is_help=True)
db_app = typer.Typer(help="The database: create or upgrade its schema, show its state.")
app.add_typer(db_app, name="db")
app.add_typer(ledger_commands.app, name="ledger")
app.add_typer(linkage_commands.app, name="link")
app.add_typer(network_commands.app, name="network")
app.add_typer(review_commands.app, name="review")
app.add_typer(survivor_commands.app, name="survivors")
app.add_typer(report_commands.app, name="report")
app.add_typer(oversight_commands.app, name="oversight")
app.add_typer(search_commands.app, name="people")
app.add_typer(statistics_commands.app, name="statistics")
app.add_typer(access_commands.app, name="tokens")
app.add_typer(people_commands.app, name="teams")
app.add_typer(operations_commands.app)  # config check, backup, restore
app.command("worker")(report_commands.worker)
console = Console()
errors = Console(stderr=True)
MAX_SHOWN = 50


@app.callback()
def _check_configuration(ctx: typer.Context) -> None:
    """Refuse to start on a bad CASELINK_* variable, naming it (not with a traceback)."""
    if ctx.invoked_subcommand == "config":
        return  # `config check` reports the problems itself
    try:
        Settings.from_env()
    except ConfigError as error:
        errors.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _database() -> Database:
    return Database(Settings.from_env().database_url)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring it to the newest revision. Safe to run again."""
    db = _database()
    upgrade(db)
    console.print(f"Database schema is at revision {current_revision(db)}.")


@db_app.command("status")
def db_status() -> None:
    """Show which database is in use and whether its schema is current."""
    db = _database()
    current, head = current_revision(db), head_revision()
    console.print(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
    console.print(
        f"Schema revision: {current or 'none (run `caselink db upgrade`)'}; newest: {head}"
    )
    if current != head:
        raise typer.Exit(1)


@db_app.command("grant")
def db_grant(
    role: str = typer.Argument(..., help="The PostgreSQL role the app connects as."),
) -> None:
    """Give the app's PostgreSQL role what it needs, and no UPDATE or DELETE on append-only
    tables (run as the schema owner)."""
    from caselink.store.roles import grant_app_role

    try:
        grant_app_role(_database(), role)
    except ValueError as error:
        errors.print(str(error))
        raise typer.Exit(2) from None
    console.print(f"Role {role} may read and add, but never change or remove, ledgered rows.")


keys_app = typer.Typer(help="Keys that encrypt special-category text at rest.")
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new field key and re-seal every encrypted value under it, in one transaction."""
    from caselink.store.rotation import rotate

    path = Path(os.environ.get("CASELINK_FIELD_KEYS", "var/keys/field-keys.json"))
    keyring, count = rotate(_database(), path)
    console.print(f"Re-sealed {count:,} values under key {keyring.current} ({path}).")


@app.command()
def synth(
    records: int = typer.Option(20_000, min=1, help="How many person records to write."),
    out: Path = typer.Option(..., help="Directory to write the CSV files into."),
    seed: int = typer.Option(1, help="The same seed always gives the same files."),
) -> None:
    """Generate synthetic multi-agency data with its ground truth. Every person is invented."""
    from caselink.synth import generate

    out.mkdir(parents=True, exist_ok=True)
    with _progress() as progress:
        task = progress.add_task("Person records", total=records)
        manifest = generate(out, records, seed, lambda n: progress.update(task, completed=n))
        progress.update(task, completed=records)
    table = Table("file", "rows", title=f"Written to {out}")
    for name, count in sorted(manifest.files.items()):
        table.add_row(name, f"{count:,}")
    console.print(table)


@app.command()
def load(
    path: Path = typer.Argument(..., exists=True, help="A CSV file, or a directory of them."),
    kind: str | None = typer.Option(
        None, help=f"What a single file holds: {', '.join(BY_KIND)}. Default: from its name."
    ),
) -> None:
    """Load agency CSV files. Each file loads completely or not at all; re-running is safe."""
    db = _database()
    try:
        with _progress() as progress:

            def progress_for(spec: FileSpec, _start: int):  # type: ignore[no-untyped-def]
                task = progress.add_task(spec.file_name, total=None)
                return lambda n: progress.update(task, completed=n)

            if path.is_dir():
                results = load_directory(db, path, progress_for, Actor.operator())
            else:
                spec = _spec_for(path, kind)
                results = [load_file(db, path, spec, progress_for(spec, 0), Actor.operator())]
    except LoadRejected as rejected:
        _report_rejection(rejected)
        raise typer.Exit(1) from None
    _report_loaded(results)
    _checkpoint(db)


def _checkpoint(db: Database) -> None:
    # Sign the ledger after every batch of work, so the work can be proved later.
    key = signing.load_or_create_key(Settings.from_env().ledger_key)
    with db.transaction() as session:
        cp = signing.issue(session, key)
    console.print(f"Ledger checkpoint signed: {cp.tree_size:,} entries.")


def _spec_for(path: Path, kind: str | None) -> FileSpec:
    if kind is None:
        by_name = {spec.file_name: spec for spec in BY_KIND.values()}
        if path.name in by_name:
            return by_name[path.name]
        errors.print(f"Cannot tell what {path.name} holds: give --kind ({', '.join(BY_KIND)}).")
        raise typer.Exit(2)
    if kind not in BY_KIND:
        errors.print(f"--kind: unknown kind {kind!r}; use one of {', '.join(BY_KIND)}.")
        raise typer.Exit(2)
    return BY_KIND[kind]


def _report_rejection(rejected: LoadRejected) -> None:
    errors.print(f"[bold red]{rejected}[/]")
    for problem in rejected.problems[:MAX_SHOWN]:
        errors.print(f"  {problem}", markup=False, highlight=False)
    hidden = len(rejected.problems) - MAX_SHOWN
    if hidden > 0:
        errors.print(f"  ... and {hidden:,} more")


def _report_loaded(results: list[LoadResult]) -> None:
    table = Table("file", "rows", "added", "already stored", "note")
    for r in results:
        note = "identical file already loaded" if r.skipped_identical_file else ""
        if r.nhs_check_failed:
            note = f"{r.nhs_check_failed:,} NHS numbers fail their check digit: not used to link"
        table.add_row(
            r.file, f"{r.rows_in_file:,}", f"{r.inserted:,}", f"{r.already_present:,}", note
        )
    console.print(table)


@app.command("demo-accounts")
def demo_accounts() -> None:
    """Create one demo account per role (synthetic demo only) and print them."""
    from caselink.access.demo_accounts import DEMO_PASSWORD, ensure_demo_accounts
    from caselink.reporting import rules
    from caselink.reporting.demo import seed_demo_reports

    db = _database()
    with db.transaction() as session:
        accounts = ensure_demo_accounts(session)
        seed_demo_reports(session, rules.load())
    _checkpoint(db)
    table = Table(
        "username", "role", "works for", title=f"Demo accounts (password: {DEMO_PASSWORD})"
    )
    for account in accounts:
        table.add_row(account.username, account.role.value.replace("_", " "), account.agency)
    console.print(table)
    console.print("Security code at sign-in: run `.venv/bin/caselink demo-code USERNAME`.")


@app.command("demo-code")
def demo_code(username: str = typer.Argument(..., help="A demo account's username.")) -> None:
    """Print a demo account's current security code (instead of an authenticator app)."""
    from caselink.access.demo_accounts import current_code

    with _database().transaction() as session:
        code = current_code(session, username)
    if code is None:
        errors.print(f"{username!r} is not a demo account.")
        raise typer.Exit(2)
    console.print(code)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (use PostgreSQL)."),
    migrate: bool = typer.Option(
        False, "--migrate", help="Upgrade the schema first (one process at a time migrates)."
    ),
) -> None:
    """Serve the web app and the API. Logs go to stderr (CASELINK_LOG_FORMAT=json|text)."""
    import uvicorn

    from caselink.operations import logs
    from caselink.web.app import create_app, proxy_options, ready_to_serve

    settings = Settings.from_env()
    logs.configure(settings.log_format, settings.log_level)
    # Each of N processes gets its share of the connection budget (unless set explicitly).
    os.environ["WEB_CONCURRENCY"] = str(workers)
    db = Database(settings.database_url, settings.pool(workers))
    if migrate:
        upgrade(db)
    if current_revision(db) != head_revision():
        errors.print("The database schema is not current: run `caselink db upgrade` first.")
        raise typer.Exit(1)
    console.print(f"caselink is serving on http://{host}:{port}  (Ctrl+C to stop)")
    # uvicorn logs through our handlers (log_config=None); our middleware is the access log.
    target = ready_to_serve(create_app(db)) if workers == 1 else "caselink.web.app:app_from_env"
    if workers > 1:
        db.dispose()
    uvicorn.run(
        target,
        factory=workers > 1,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level="warning",
        log_config=None,
        access_log=False,
        **proxy_options(settings.trusted_proxies),  # type: ignore[arg-type]
    )
