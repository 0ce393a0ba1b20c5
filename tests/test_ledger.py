"""The ledger is written with the change it records, and its proofs hold."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from caselink.ledger import Action, merkle, proofs, record, record_read, signing
from caselink.ledger.checkpoint import generate_private_key
from caselink.ledger.sources import (
    checkpoints_from_db,
    export,
    head_size,
    rows_from_db,
    rows_from_export,
)
from caselink.ledger.tree import StoredTree
from caselink.ledger.verify import verify
from caselink.store.db import Database
from caselink.store.models import LedgerEntry
from tests.support.ledger import OFFICER, append, checkpoint


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return generate_private_key()


def _entries(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def test_an_entry_rolls_back_with_the_change_it_records(db: Database) -> None:
    append(db, 3)
    with pytest.raises(RuntimeError), db.transaction() as session:
        record(session, OFFICER, Action.CHANGE, "case", 1, reason="will fail")
        raise RuntimeError("the change failed")
    assert _entries(db) == 3 and head_size(db) == 3
    append(db, 1)
    assert [row[0] for row in rows_from_db(db)] == [1, 2, 3, 4], "no gap after a rollback"


def test_a_read_is_ledgered_as_its_transaction_commits(db: Database) -> None:
    """Until then the ledger's lock is free: another request appends meanwhile, unblocked."""
    append(db, 2)
    with db.transaction() as session:
        record_read(session, OFFICER, "case", 41, reason="assigned")
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
        append(db, 1)  # another transaction, while this one is still open
    with db.transaction() as session:
        last = session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc())).first()
    assert last is not None
    assert (last.seq, last.action, last.object_id, last.reason) == (4, "read", "41", "assigned")


def test_a_read_in_a_transaction_that_rolls_back_is_not_ledgered(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        record_read(session, OFFICER, "case", 1)
        raise RuntimeError("the page failed")
    with db.transaction() as session:
        record(session, OFFICER, Action.CHANGE, "case", 2)
    assert _entries(db) == 1


def test_entries_hold_digests_and_chain(db: Database) -> None:
    append(db, 2)
    first, second = list(rows_from_db(db))
    assert first[2:9] == ("officer", 7, "POL-NM", "read", "case", "0", "assigned")
    assert len(str(first[10])) == 64, "a digest of the content, not the content"
    assert first[12] != second[12]


def test_ledger_rows_cannot_be_changed_or_deleted(db: Database) -> None:
    append(db, 1)
    for statement in (
        "UPDATE ledger_entries SET actor = 'someone else'",
        "DELETE FROM ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 64, 100])
def test_stored_tree_matches_the_rfc_tree(db: Database, size: int) -> None:
    append(db, size)
    leaves = [bytes.fromhex(str(row[11])) for row in rows_from_db(db)]
    with db.transaction() as session:
        tree = StoredTree(session)
        assert tree.root() == merkle.root(leaves)
        for index in range(size):
            assert tree.inclusion_proof(index) == merkle.inclusion_proof(leaves, index)
        for old in range(1, size + 1):
            assert tree.consistency_proof(old) == merkle.consistency_proof(leaves, old)


def test_an_intact_ledger_verifies_from_the_database_and_from_an_export(
    db: Database, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    append(db, 40)
    checkpoint(db, key)
    append(db, 25, start=40)
    checkpoint(db, key)
    verdict = verify(
        rows_from_db(db), key.public_key(), checkpoints_from_db(db), claimed_size=head_size(db)
    )
    assert verdict.intact and verdict.entries == 65 and verdict.checkpoints == 2
    export(db, tmp_path, b"")
    offline = verify(rows_from_export(tmp_path), key.public_key(), checkpoints_from_db(db))
    assert offline.intact and offline.root == verdict.root


def test_inclusion_proof_bundle_checks_offline(db: Database, key: Ed25519PrivateKey) -> None:
    append(db, 10)
    checkpoint(db, key)
    append(db, 5, start=10)
    checkpoint(db, key)
    with db.transaction() as session:
        early = proofs.inclusion_bundle(session, 4)
        late = proofs.inclusion_bundle(session, 12)
    assert early["tree_size"] == 10 and late["tree_size"] == 15
    assert proofs.check_inclusion(early, key.public_key()).ok
    early["entry"]["actor"] = "nobody"
    assert not proofs.check_inclusion(early, key.public_key()).ok
    assert not proofs.check_inclusion(late, generate_private_key().public_key()).ok


def test_consistency_bundle_proves_the_ledger_only_grew(
    db: Database, key: Ed25519PrivateKey
) -> None:
    append(db, 7)
    old = checkpoint(db, key)
    append(db, 9, start=7)
    checkpoint(db, key)
    with db.transaction() as session:
        bundle = proofs.consistency_bundle(session, old)
    assert proofs.check_consistency(bundle, key.public_key()).ok
    bundle["proof"][0] = "00" * 32
    assert not proofs.check_consistency(bundle, key.public_key()).ok


def test_no_checkpoint_yet_is_a_clear_error(db: Database) -> None:
    append(db, 2)
    with db.transaction() as session, pytest.raises(ValueError, match="no checkpoint covers"):
        proofs.inclusion_bundle(session, 1)


def test_signing_key_is_created_once_with_its_public_half(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing-key.pem"
    first = signing.load_or_create_key(path)
    again = signing.load_or_create_key(path)
    assert first.private_bytes_raw() == again.private_bytes_raw()
    assert signing.public_key_path(path).exists()


def test_the_ledger_refuses_a_session_without_a_transaction(db: Database) -> None:
    """`Database.checking` commits statement by statement: an entry could be half-written."""
    with pytest.raises(RuntimeError, match="only inside a transaction"), db.checking() as s:
        record(s, OFFICER, Action.READ, "case", 1)
    assert _entries(db) == 0
