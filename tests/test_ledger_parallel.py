"""The fast paths of verification give exactly the answers of the plain ones."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from caselink.ledger import parallel
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
