"""`caselink backup FILE`: one consistent copy of the whole database in one file.

PostgreSQL: `pg_dump --format=custom` (one snapshot, restored with `pg_restore`). SQLite:
the online backup API (a consistent copy while the app runs), saved as a plain single file.

Taking a copy of everything is itself ledgered, and the ledger is signed just before the
copy, so every backup carries a checkpoint covering its own contents.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from caselink.ledger import Action, Actor, record, signing
from caselink.ledger.checkpoint import Checkpoint
from caselink.ledger.sources import write_checkpoint
from caselink.store.db import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class OperationFailed(RuntimeError):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    checkpoint: Checkpoint  # signed just before the copy: the backup holds this many entries


def pg_tool(name: str) -> str:
    """A PostgreSQL client program, newest installed version first (Debian keeps them in
    /usr/lib/postgresql/<version>/bin, outside PATH). pg_dump must be at least as new as
    the server."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise OperationFailed(f"{name} is not installed: apt-get install postgresql-client")


def _version(path: str) -> tuple[int, ...]:
    part = path.split("/")[4]
    return tuple(int(p) for p in part.split(".") if p.isdigit())


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the PostgreSQL tools, and the environment that carries the
    password (never on a command line, where `ps` shows it)."""
    parsed = make_url(url)
    environment = {"PGPASSWORD": parsed.password} if parsed.password else {}
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), environment


def run_tool(command: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise OperationFailed(f"{Path(command[0]).name} failed: {done.stderr.strip()}")
    return done


def sqlite_path(db: Database) -> Path:
    name = make_url(db.url).database
    if not name or name == ":memory:":
        raise OperationFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(name)


def backup(db: Database, target: Path, actor: Actor, key_path: Path, keep: Path | None) -> Backup:
    """Write a backup to `target` (refusing to overwrite one) and return what it holds."""
    if target.exists():
        raise OperationFailed(f"{target} already exists: a backup never overwrites another")
    target.parent.mkdir(parents=True, exist_ok=True)
    with db.transaction() as session:
        record(session, actor, Action.EXPORT, "database", target.name, reason="backup")
        checkpoint = signing.issue(session, signing.load_or_create_key(key_path))
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        write_checkpoint(keep, checkpoint)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if db.dialect == "postgresql":
            uri, environment = libpq(db.url)
            run_tool(
                [pg_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={uri}"],
                environment,
            )
        else:
            _sqlite_copy(sqlite_path(db), partial)
        partial.rename(target)  # a backup file is complete or absent
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, checkpoint)


def _sqlite_copy(source: Path, target: Path) -> None:
    live = sqlite3.connect(source)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        live.close()
