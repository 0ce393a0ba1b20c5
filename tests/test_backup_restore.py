"""Backup and restore on SQLite and PostgreSQL: a restore is verified end to end, an old
backup is flagged against the checkpoint kept elsewhere (and refused unless the rollback is
accepted), and a database that holds data is never replaced without --force."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from caselink.cli import app
from caselink.ledger import Action, Actor, record, signing
from caselink.ledger.sources import read_checkpoints, write_checkpoint
from caselink.operations.backup import OperationFailed, backup
from caselink.operations.restore import RestoreRefused, contents, restore
from caselink.store.db import Database
from caselink.store.models import LedgerEntry
from tests.support.operations import empty_database

OPERATOR = Actor("cli:operator")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "ledger" / "signing-key.pem"
    signing.load_or_create_key(path)
    return path


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Another database of the same kind, with nothing in it (not even a schema)."""
    admin = None if database_url.startswith("sqlite") else "postgres_admin_url"
    with empty_database(database_url, tmp_path, admin and request.getfixturevalue(admin)) as url:
        yield url


def activity(db: Database, count: int, start: int = 0) -> None:
    with db.transaction() as session:
        for n in range(start, start + count):
            record(session, Actor("officer"), Action.CREATE, "report", f"MR-{n}")


def sign(db: Database, key: Path, keep: Path) -> int:
    with db.transaction() as session:
        checkpoint = signing.issue(session, signing.load_or_create_key(key))
    write_checkpoint(keep, checkpoint)
    return checkpoint.tree_size


def entries(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def test_backup_then_restore_into_an_empty_database_verifies_clean(
    db: Database, empty_url: str, key: Path, tmp_path: Path
) -> None:
    activity(db, 12)
    kept = tmp_path / "kept.jsonl"
    taken = backup(db, tmp_path / "caselink.backup", OPERATOR, key, kept)
    assert taken.checkpoint.tree_size == 13  # the backup itself is ledgered, then signed
    assert read_checkpoints(kept)[-1] == taken.checkpoint
    assert contents(taken.path).entries == 13
    with pytest.raises(OperationFailed, match="never overwrites"):
        backup(db, taken.path, OPERATOR, key, None)

    target = Database(empty_url)
    done = restore(target, taken.path, actor=OPERATOR, key_path=key, kept=read_checkpoints(kept))
    assert done.verdict is not None and done.verdict.intact, done.verdict.findings
    assert done.verdict.entries == 13 and not done.rolled_back and done.schema_current
    assert entries(target) == 14  # and the restore is on the record
    target.dispose()


def test_an_old_backup_is_refused_then_flagged_when_the_rollback_is_accepted(
    db: Database, key: Path, tmp_path: Path
) -> None:
    kept_file = tmp_path / "kept.jsonl"
    activity(db, 5)
    old = backup(db, tmp_path / "old.backup", OPERATOR, key, kept_file)
    activity(db, 7, start=100)
    assert sign(db, key, kept_file) == 13
    activity(db, 2, start=200)  # not yet signed: the database itself knows of these
    kept = read_checkpoints(kept_file)

    with pytest.raises(RestoreRefused) as refused:
        restore(db, old.path, actor=OPERATOR, key_path=key, kept=kept, force=True)
    message = str(refused.value)
    assert "OLDER" in message and "7 entries recorded since the backup are missing" in message
    assert "restoring would remove 9 of them" in message and "--accept-rollback" in message
    assert entries(db) == 15, "a refused restore changes nothing"

    done = restore(
        db,
        old.path,
        actor=OPERATOR,
        key_path=key,
        kept=kept,
        keep=kept_file,
        force=True,
        accept_rollback=True,
    )
    assert done.rolled_back and done.lost_to_kept == 7 and done.lost_to_database == 9
    assert done.verdict is not None and not done.verdict.intact
    assert any("restored from an older copy" in str(f) for f in done.verdict.findings)
    assert entries(db) == 7  # the 6 in the backup, and the restore's own entry

    # From now on the ordinary ledger check flags it, against the checkpoints kept elsewhere.
    env = {"CASELINK_DATABASE_URL": db.url, "CASELINK_LEDGER_KEY": str(key)}
    result = CliRunner().invoke(app, ["ledger", "verify", "--kept", str(kept_file)], env=env)
    assert result.exit_code == 1
    assert "restored from an older copy" in result.output


def test_a_database_that_holds_data_is_not_replaced_without_force(
    db: Database, key: Path, tmp_path: Path
) -> None:
    activity(db, 3)
    taken = backup(db, tmp_path / "same.backup", OPERATOR, key, None)
    with pytest.raises(RestoreRefused, match="not empty: it holds 4 ledger entries"):
        restore(db, taken.path, actor=OPERATOR, key_path=key, kept=[])
    done = restore(db, taken.path, actor=OPERATOR, key_path=key, kept=[], force=True)
    assert done.verdict is not None and done.verdict.intact and not done.rolled_back


def test_the_commands_name_the_problem(database_url: str, key: Path, tmp_path: Path) -> None:
    env = {
        "CASELINK_DATABASE_URL": database_url,
        "CASELINK_LEDGER_KEY": str(key),
        "CASELINK_KEPT_CHECKPOINTS": str(tmp_path / "kept.jsonl"),
    }
    runner = CliRunner()
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    result = runner.invoke(app, ["restore", str(not_a_backup)], env=env)
    assert result.exit_code == 1 and "not a caselink backup" in result.output

    taken = runner.invoke(app, ["backup", str(tmp_path / "b.backup")], env=env)
    assert taken.exit_code == 0, taken.output
    assert "signed at 1 entries" in taken.output
    refused = runner.invoke(app, ["restore", str(tmp_path / "b.backup")], env=env)
    assert refused.exit_code == 1 and "Give --force" in refused.output
    forced = runner.invoke(app, ["restore", str(tmp_path / "b.backup"), "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert "Ledger verified" in forced.output
