"""`caselink restore FILE`: put a backup back, and prove what came back.

Before anything is touched, the backup's ledger size is compared with the checkpoints kept
outside the database (CASELINK_KEPT_CHECKPOINTS or --kept) and with the ledger the database
holds now. A backup older than either would silently drop recorded history — reports,
decisions, reads — so it is refused unless the operator accepts the rollback, and the loss
is counted and stays flagged: the displaced checkpoint is kept and `caselink ledger verify
--kept` names the missing entries from then on. After a restore the whole ledger is
verified (every entry, the chain, every checkpoint) and the restore itself is ledgered.
"""

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import inspect, select

from caselink.ledger import Action, Actor, record, signing
from caselink.ledger.checkpoint import Checkpoint
from caselink.ledger.sources import checkpoints_from_db, head_size, rows_from_db, write_checkpoint
from caselink.ledger.state import check_state
from caselink.ledger.verify import Verdict, verify
from caselink.operations.backup import (
    PG_MAGIC,
    SQLITE_MAGIC,
    OperationFailed,
    libpq,
    pg_tool,
    run_tool,
    sqlite_path,
)
from caselink.store.db import Database
from caselink.store.migrate import current_revision, head_revision
from caselink.store.models import LedgerHead

Kind = Literal["sqlite", "postgresql"]


class RestoreRefused(OperationFailed):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("Restore refused; nothing was changed.\n" + "\n".join(reasons))


@dataclass(frozen=True)
class Contents:
    """What a backup file holds, read without restoring it."""

    kind: Kind
    entries: int
    revision: str | None


@dataclass(frozen=True)
class Present:
    """The database as it is before the restore."""

    has_schema: bool
    entries: int
    newest: Checkpoint | None


@dataclass
class Restored:
    contents: Contents
    lost_to_kept: int  # entries a kept checkpoint commits to that the backup does not hold
    lost_to_database: int  # entries the database held that the backup does not
    verdict: Verdict | None  # None: no public key to verify with
    schema_current: bool
    notes: list[str] = field(default_factory=list)

    @property
    def rolled_back(self) -> bool:
        return bool(self.lost_to_kept or self.lost_to_database)


def contents(path: Path) -> Contents:
    """Read a backup's ledger size and schema revision; a clear error if it is not one."""
    try:
        with path.open("rb") as file:
            start = file.read(16)
    except OSError as error:
        raise OperationFailed(f"{path}: cannot read the backup: {error.strerror}") from None
    if start.startswith(SQLITE_MAGIC):
        return _sqlite_contents(path)
    if start.startswith(PG_MAGIC):
        return _pg_contents(path)
    raise OperationFailed(f"{path}: not a caselink backup (neither SQLite nor pg_dump custom)")


def _sqlite_contents(path: Path) -> Contents:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        size = connection.execute("SELECT size FROM ledger_head WHERE id = 1").fetchone()
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise OperationFailed(f"{path}: not a caselink SQLite backup: {error}") from None
    finally:
        connection.close()
    return Contents("sqlite", int(size[0]) if size else 0, version[0] if version else None)


def _pg_contents(path: Path) -> Contents:
    tool = pg_tool("pg_restore")
    done = run_tool(
        [
            tool,
            "--data-only",
            "--table=ledger_head",
            "--table=alembic_version",
            "--file=-",
            str(path),
        ],
        {},
    )
    tables = _copied_rows(done.stdout)
    if "ledger_head" not in tables:
        raise OperationFailed(f"{path}: not a caselink backup (it has no ledger)")
    heads = tables["ledger_head"]
    versions = tables.get("alembic_version", [])
    entries = int(heads[0]["size"]) if heads else 0
    return Contents("postgresql", entries, versions[0]["version_num"] if versions else None)


_COPY = re.compile(r"^COPY (?:\w+\.)?(\w+) \(([^)]*)\) FROM stdin;$")


def _copied_rows(script: str) -> dict[str, list[dict[str, str]]]:
    """The rows of each COPY block in a pg_restore script."""
    tables: dict[str, list[dict[str, str]]] = {}
    lines = iter(script.splitlines())
    for line in lines:
        found = _COPY.match(line)
        if not found:
            continue
        columns = [c.strip().strip('"') for c in found.group(2).split(",")]
        rows = tables.setdefault(found.group(1), [])
        for row in lines:
            if row == "\\.":
                break
            rows.append(dict(zip(columns, row.split("\t"), strict=False)))
    return tables


def present(db: Database) -> Present:
    has_schema = inspect(db.engine).has_table("ledger_head")
    if not has_schema:
        return Present(False, 0, None)
    with db.transaction() as session:
        entries = session.scalar(select(LedgerHead.size).where(LedgerHead.id == 1)) or 0
        newest = signing.latest(session)
    return Present(True, entries, newest)


def restore(
    db: Database,
    path: Path,
    *,
    actor: Actor,
    key_path: Path,
    kept: list[Checkpoint],
    keep: Path | None = None,
    force: bool = False,
    accept_rollback: bool = False,
) -> Restored:
    """Restore `path` into `db`, or raise RestoreRefused having changed nothing."""
    held = contents(path)
    if held.kind != db.dialect:
        raise OperationFailed(
            f"{path} is a {held.kind} backup but CASELINK_DATABASE_URL is a {db.dialect} "
            "database: restore it into the same kind of database it came from"
        )
    now = present(db)
    kept_size = max((cp.tree_size for cp in kept), default=0)
    lost_to_kept = max(0, kept_size - held.entries)
    lost_to_database = max(0, now.entries - held.entries)
    reasons = []
    if (lost_to_kept or lost_to_database) and not accept_rollback:
        reasons.append(_rollback_reason(held, kept_size, lost_to_kept, now, lost_to_database))
    if now.entries and not force:
        reasons.append(
            f"The database is not empty: it holds {now.entries:,} ledger entries, and a "
            "restore replaces everything in it. Give --force to replace it."
        )
    if reasons:
        raise RestoreRefused(reasons)

    db.dispose()  # our own connections must not hold locks while the copy goes in
    if held.kind == "postgresql":
        _pg_restore(db, path, clean=now.has_schema)
    else:
        _sqlite_restore(path, sqlite_path(db))
    db.dispose()

    displaced = [now.newest] if now.newest and now.newest.tree_size > held.entries else []
    restored = Restored(
        held,
        lost_to_kept,
        lost_to_database,
        _verify(db, key_path, [*kept, *displaced]),
        current_revision(db) == head_revision(),
    )
    _ledger_the_restore(db, path, restored, actor, key_path, keep, displaced)
    if held.kind == "postgresql":
        restored.notes.append(
            "Privileges were not restored: run `caselink db grant ROLE` for the app's role."
        )
    if not restored.schema_current:
        restored.notes.append(
            f"The backup's schema is at revision {held.revision}: run `caselink db upgrade`."
        )
    return restored


def _rollback_reason(
    held: Contents, kept_size: int, lost_to_kept: int, now: Present, lost_to_database: int
) -> str:
    parts = [f"This backup is OLDER than the ledger: it holds {held.entries:,} ledger entries."]
    if lost_to_kept:
        parts.append(
            f"A checkpoint kept elsewhere commits to {kept_size:,} entries: {lost_to_kept:,} "
            "entries recorded since the backup are missing from it."
        )
    if lost_to_database:
        parts.append(
            f"The database now holds {now.entries:,} entries: restoring would remove "
            f"{lost_to_database:,} of them."
        )
    parts.append(
        "Give --accept-rollback to restore it anyway; the loss stays flagged by "
        "`caselink ledger verify --kept`."
    )
    return " ".join(parts)


def _pg_restore(db: Database, path: Path, *, clean: bool) -> None:
    uri, environment = libpq(db.url)
    command = [
        pg_tool("pg_restore"),
        "--single-transaction",  # all or nothing
        "--exit-on-error",
        "--no-owner",  # owned by whoever restores (the schema owner)
        "--no-privileges",  # grants are per server: `caselink db grant ROLE` afterwards
        f"--dbname={uri}",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    run_tool([*command, str(path)], environment)


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(target)
    try:
        backup.backup(live)  # page by page, under the destination's write lock
    finally:
        live.close()
        backup.close()


def _verify(db: Database, key_path: Path, kept: list[Checkpoint]) -> Verdict | None:
    public = signing.public_key_path(key_path)
    if not public.exists():
        return None
    verdict = verify(
        rows_from_db(db),
        signing.load_verifying_key(public),
        checkpoints_from_db(db),
        kept,
        head_size(db),
    )
    with db.transaction() as session:
        verdict.findings.extend(check_state(session))
    return verdict


def _ledger_the_restore(
    db: Database,
    path: Path,
    restored: Restored,
    actor: Actor,
    key_path: Path,
    keep: Path | None,
    displaced: list[Checkpoint],
) -> None:
    lost = max(restored.lost_to_kept, restored.lost_to_database)
    reason = f"restored from a backup of {restored.contents.entries} entries"
    if lost:
        reason += f"; rollback accepted: {lost} later entries are missing"
    with db.transaction() as session:
        record(session, actor, Action.RESTORE, "database", path.name, reason=reason)
        # Only with the ledger's own key: a new key would make every old checkpoint unverifiable.
        key = signing.load_or_create_key(key_path) if key_path.exists() else None
        signed = signing.issue(session, key) if key else None
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        for checkpoint in [*displaced, *([signed] if signed else [])]:
            write_checkpoint(keep, checkpoint)
