"""The fast paths of verification give exactly the answers of the plain ones."""

import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from caselink.ledger import Action, Actor, parallel, record
from caselink.ledger.checkpoint import generate_private_key
from caselink.ledger.entry import canonical
from caselink.ledger.sources import checkpoints_from_db, head_size, rows_from_db
from caselink.ledger.verify import canonical_bytes, verify
from caselink.store.db import Database
from tests.support.ledger import append, checkpoint, tamper

# Anything a tampered row could hold, not only what caselink writes.
_any = st.one_of(
    st.none(),
    st.integers(),
    st.text(),
    st.booleans(),
    st.floats(allow_nan=False),
)
_text = st.text()


@given(
    st.tuples(
        st.one_of(st.integers(min_value=1), _any),
        _text,
        _text,
        st.one_of(st.none(), st.integers(min_value=1), _any),
        st.one_of(st.none(), _text),
        _text,
        _text,
        st.one_of(_text, _any),
        st.one_of(st.none(), _text),
        st.one_of(st.none(), _text, _any),
        st.one_of(st.none(), _text),
    )
)
def test_fast_canonical_bytes_are_the_canonical_bytes(fields: tuple[object, ...]) -> None:
    row = (*fields, "leaf", "chain")
    assert canonical_bytes(row) == canonical(*fields)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def ledger(db: Database, key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> Database:
    """37 entries in chunks of 8, checkpoints inside chunks, at a chunk's end, and at the end."""
    monkeypatch.setattr(parallel, "CHUNK_BITS", 3)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    for count in (5, 11, 21):
        append(db, count, start=sum((5, 11, 21)[: (5, 11, 21).index(count)]))
        checkpoint(db, key)
    return db


def _must_not_fall_back(*args: object, **kwargs: object) -> None:
    raise AssertionError("the sequential verifier ran on an intact ledger")


def test_an_intact_ledger_is_verified_on_two_cores(
    ledger: Database, key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = (key.public_key(), checkpoints_from_db(ledger), (), head_size(ledger))
    sequential = verify(rows_from_db(ledger), *args)
    monkeypatch.setattr(parallel, "verify", _must_not_fall_back)
    fast = parallel.verify_database(ledger, *args, workers=2)
    assert fast.intact and sequential.intact
    assert (fast.entries, fast.checkpoints, fast.root) == (37, 3, sequential.root)


def test_a_fault_is_named_by_the_sequential_verifier(
    ledger: Database, key: Ed25519PrivateKey
) -> None:
    tamper(ledger, "UPDATE ledger_entries SET reason = 'none given' WHERE seq = 30")
    verdict = parallel.verify_database(
        ledger, key.public_key(), checkpoints_from_db(ledger), (), head_size(ledger), workers=2
    )
    assert verdict.first is not None and verdict.first.seq == 30
    assert "does not match its hash" in verdict.first.problem


def _awkward_text(rng: random.Random, allow_nul: bool) -> str:
    """Quotes, backslashes, control characters, accents, CJK, emoji: what JSON must escape
    or must leave alone."""
    pools = [
        '"',
        "\\",
        "\n",
        "\t",
        "\x01",
        "\x1f",
        "\x7f",
        "é",
        "ß",
        "中",
        "😀",
        "\u2028",
        "a",
        " ",
    ]
    if allow_nul:
        pools.append("\x00")
    made = "".join(rng.choice(pools) for _ in range(rng.randrange(0, 12)))
    return made + "".join(chr(rng.randrange(32, 0xD7FF)) for _ in range(rng.randrange(0, 4)))


def test_the_database_encodes_entries_exactly_as_python_does(
    db: Database, key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parallel verifier has the database build each entry's canonical bytes; any text an
    entry may hold must come out byte for byte as `entry.canonical` makes it, or an intact
    ledger would need the slow path."""
    rng = random.Random(6962)
    nul = db.dialect == "sqlite"  # PostgreSQL text cannot hold NUL at all
    with db.transaction() as session:
        for i in range(300):
            who = Actor(_awkward_text(rng, nul)[:100], user_id=rng.choice([None, i]))
            record(
                session,
                who,
                Action.ANNOTATE,
                "case",
                _awkward_text(rng, nul)[:100],
                reason=rng.choice([None, _awkward_text(rng, nul)]),
            )
    checkpoint(db, key)
    monkeypatch.setattr(parallel, "CHUNK_BITS", 5)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    monkeypatch.setattr(parallel, "verify", _must_not_fall_back)
    verdict = parallel.verify_database(
        db, key.public_key(), checkpoints_from_db(db), (), head_size(db), workers=2
    )
    assert verdict.intact and verdict.entries == 300


def test_a_hex_digit_moved_between_the_stored_hashes_is_found(
    ledger: Database, key: Ed25519PrivateKey
) -> None:
    """The fast path reads both stored hashes as one text; the boundary between them must
    still count."""
    moved = "substr(leaf_hash, 64, 1) || chain_hash"
    if ledger.dialect == "postgresql":  # varchar(64) will not hold 65: a digit is lost instead
        moved = "substr(leaf_hash, 64, 1) || substr(chain_hash, 1, 63)"
    tamper(
        ledger,
        f"UPDATE ledger_entries SET leaf_hash = substr(leaf_hash, 1, 63), chain_hash = {moved} "
        "WHERE seq = 20",
    )
    verdict = parallel.verify_database(
        ledger, key.public_key(), checkpoints_from_db(ledger), (), head_size(ledger), workers=2
    )
    assert not verdict.intact
    assert verdict.first is not None and verdict.first.seq == 20
