"""Every kind of tampering the ledger must reveal, each on its own.

The attacker here has the database password: they switch off the append-only guards, change
what they like, and switch the guards back on. The verifier has only the public key and,
where said, a checkpoint kept outside the database.
"""

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from caselink.ledger import parallel
from caselink.ledger.checkpoint import Checkpoint, generate_private_key, sign_checkpoint
from caselink.ledger.entry import canonical
from caselink.ledger.merkle import leaf_hash
from caselink.ledger.sources import checkpoints_from_db, head_size, rows_from_db
from caselink.ledger.state import check_state
from caselink.ledger.verify import Verdict, verify
from caselink.store.db import Database
from tests.support.ledger import append, checkpoint, file_report, tamper


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def ledger(db: Database, key: Ed25519PrivateKey) -> Database:
    """30 entries, a checkpoint at 20 and at 30."""
    append(db, 20)
    checkpoint(db, key)
    append(db, 10, start=20)
    checkpoint(db, key)
    return db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make even these small ledgers take the parallel verifier's path, in chunks of 4."""
    monkeypatch.setattr(parallel, "CHUNK_BITS", 2)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)


def _verdict(db: Database, key: Ed25519PrivateKey, kept: Sequence[Checkpoint] = ()) -> Verdict:
    """The sequential verdict, after checking that `caselink ledger verify`'s parallel path
    (two worker processes) reaches the very same one."""
    args = (key.public_key(), checkpoints_from_db(db), kept, head_size(db))
    sequential = verify(rows_from_db(db), *args)
    on_two_cores = parallel.verify_database(db, *args, workers=2)
    assert [str(f) for f in on_two_cores.findings] == [str(f) for f in sequential.findings]
    assert (on_two_cores.entries, on_two_cores.root) == (sequential.entries, sequential.root)
    return sequential


def _recompute_chain(db: Database, sql: str) -> None:
    """Make the edit, then recompute every leaf and chain hash after it, as a careful
    attacker would, so that only the signed checkpoints can tell."""
    tamper(db, sql)
    chain = bytes(32)
    updates = []
    for row in rows_from_db(db):
        leaf = leaf_hash(canonical(*row[:11]))
        chain = hashlib.sha256(chain + leaf).digest()
        updates.append(
            f"UPDATE ledger_entries SET leaf_hash = '{leaf.hex()}', "
            f"chain_hash = '{chain.hex()}' WHERE seq = {row[0]}"
        )
    tamper(db, *updates)


def test_intact_ledger_passes(ledger: Database, key: Ed25519PrivateKey) -> None:
    assert _verdict(ledger, key).intact


def test_edited_entry_content(ledger: Database, key: Ed25519PrivateKey) -> None:
    tamper(ledger, "UPDATE ledger_entries SET reason = 'not assigned' WHERE seq = 12")
    verdict = _verdict(ledger, key)
    assert verdict.first is not None and verdict.first.seq == 12
    assert "changed after it was written" in verdict.first.problem


@pytest.mark.parametrize(
    "column, value", [("actor", "'analyst'"), ("recorded_at", "'2020-01-01T00:00:00.000000Z'")]
)
def test_edited_actor_or_time(
    ledger: Database, key: Ed25519PrivateKey, column: str, value: str
) -> None:
    tamper(ledger, f"UPDATE ledger_entries SET {column} = {value} WHERE seq = 5")
    verdict = _verdict(ledger, key)
    assert verdict.first is not None and verdict.first.seq == 5


def test_deleted_entry(ledger: Database, key: Ed25519PrivateKey) -> None:
    tamper(ledger, "DELETE FROM ledger_entries WHERE seq = 8")
    verdict = _verdict(ledger, key)
    assert verdict.first is not None and verdict.first.seq == 9
    assert "deleted, inserted or reordered" in verdict.first.problem


def test_inserted_entry(ledger: Database, key: Ed25519PrivateKey) -> None:
    # Shift entries 11.. up by one and slip a forged "read" in at 11, with a well-formed hash.
    forged = (
        "11",
        "2026-01-01T00:00:00.000000Z",
        "officer",
        7,
        "POL-NM",
        "read",
        "case",
        "999",
        None,
        None,
        None,
    )
    leaf = leaf_hash(canonical(int(forged[0]), *forged[1:])).hex()
    tamper(
        ledger,
        "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 11",
        "UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= 1000",
        "INSERT INTO ledger_entries (seq, recorded_at, actor, actor_user_id, agency, action, "
        "object_type, object_id, leaf_hash, chain_hash) VALUES (11, "
        f"'{forged[1]}', 'officer', 7, 'POL-NM', 'read', 'case', '999', '{leaf}', '{'0' * 64}')",
    )
    verdict = _verdict(ledger, key)
    assert verdict.first is not None and verdict.first.seq == 11
    assert "does not chain" in verdict.first.problem


def test_reordered_entries(ledger: Database, key: Ed25519PrivateKey) -> None:
    tamper(
        ledger,
        "UPDATE ledger_entries SET seq = 1000 WHERE seq = 3",
        "UPDATE ledger_entries SET seq = 3 WHERE seq = 4",
        "UPDATE ledger_entries SET seq = 4 WHERE seq = 1000",
    )
    verdict = _verdict(ledger, key)
    assert verdict.first is not None and verdict.first.seq == 3


def test_truncated_tail(ledger: Database, key: Ed25519PrivateKey) -> None:
    tamper(ledger, "DELETE FROM ledger_entries WHERE seq > 24")
    problems = [str(f) for f in _verdict(ledger, key).findings]
    assert any("commits to 30 entries but the ledger has 24" in p for p in problems)


def test_truncated_tail_with_its_checkpoints_and_head_rewritten(
    ledger: Database, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    kept = checkpoints_from_db(ledger)  # a copy someone kept outside the database
    tamper(
        ledger,
        "DELETE FROM ledger_entries WHERE seq > 24",
        "DELETE FROM ledger_checkpoints WHERE tree_size > 24",
        "UPDATE ledger_head SET size = 24",
    )
    problems = [str(f) for f in _verdict(ledger, key, kept).findings]
    assert any("checkpoint kept elsewhere of 30 entries" in p for p in problems)


def test_recomputed_hash_chain_after_an_edit(ledger: Database, key: Ed25519PrivateKey) -> None:
    _recompute_chain(ledger, "UPDATE ledger_entries SET actor = 'analyst' WHERE seq = 6")
    verdict = _verdict(ledger, key)
    assert not verdict.intact
    assert all(f.seq is None for f in verdict.findings), "the chain itself looks fine"
    assert "no longer have the root it signed" in str(verdict.first)


def test_database_restored_from_an_old_backup(
    db: Database, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    append(db, 15)
    checkpoint(db, key)
    backup = _backup(db, tmp_path)
    append(db, 10, start=15)
    kept = [checkpoint(db, key)]  # written to a file elsewhere, as `ledger checkpoint --keep`
    _restore(db, backup)
    assert _verdict(db, key).intact, "the restored copy is self-consistent on its own"
    problems = [str(f) for f in _verdict(db, key, kept).findings]
    assert any("commits to 25 entries but the ledger has 15" in p for p in problems)


def test_forged_checkpoint_signature(ledger: Database, key: Ed25519PrivateKey) -> None:
    forger = generate_private_key()
    forged = sign_checkpoint(forger, 30, bytes(32), "2026-11-23T00:00:00Z")
    tamper(
        ledger,
        "INSERT INTO ledger_checkpoints (tree_size, root_hash, issued_at, key_id, "
        f"signature) VALUES (30, '{'00' * 32}', '{forged.issued_at}', '{forged.key_id}', "
        f"'{forged.signature.hex()}')",
    )
    problems = [str(f) for f in _verdict(ledger, key).findings]
    assert any("signature does not verify" in p for p in problems)


def test_report_changed_directly_in_the_database(db: Database) -> None:
    report_id = file_report(db, "A pupil told her teacher")
    with db.transaction() as session:
        assert check_state(session) == []
    tamper(db, f"UPDATE reports SET trigger = 'witnessed' WHERE id = {report_id}")
    with db.transaction() as session:
        findings = [str(f) for f in check_state(session)]
    assert findings == [
        f"entry 1: report {report_id} no longer matches this entry: "
        "it was changed directly in the database"
    ]


def test_report_text_overwritten_in_plain_text(db: Database) -> None:
    report_id = file_report(db, "A pupil told her teacher")
    tamper(db, f"UPDATE reports SET summary = 'nothing to see' WHERE id = {report_id}")
    with db.transaction() as session:
        findings = [str(f) for f in check_state(session)]
    assert findings == [
        f"report {report_id}: summary cannot be decrypted: it was written directly to the database"
    ]


def test_report_inserted_directly_without_a_ledger_entry(db: Database) -> None:
    tamper(
        db,
        "INSERT INTO reports (reference, trigger, summary) VALUES ('X-1', 'witnessed', "
        "'slipped in')",
    )
    with db.transaction() as session:
        findings = [str(f) for f in check_state(session)]
    assert len(findings) == 1 and "written directly to the database" in findings[0]


def _backup(db: Database, tmp_path: Path) -> Path | str:
    if db.dialect == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        target = tmp_path / "backup.db"
        shutil.copy(db.engine.url.database or "", target)
        return target
    name = f"{db.engine.url.database}_backup"
    db.dispose()
    admin = Database(db.url.rsplit("/", 1)[0] + "/postgres")
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {db.engine.url.database}"))
    admin.dispose()
    return name


def _restore(db: Database, backup: Path | str) -> None:
    db.dispose()
    if isinstance(backup, Path):
        live = Path(db.engine.url.database or "")
        for suffix in ("-wal", "-shm"):
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        shutil.copy(backup, live)
        return
    admin = Database(db.url.rsplit("/", 1)[0] + "/postgres")
    name = db.engine.url.database
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {backup}"))
        connection.execute(text(f"DROP DATABASE {backup}"))
    admin.dispose()
