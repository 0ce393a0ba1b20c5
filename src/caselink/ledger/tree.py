"""The ledger's Merkle tree as stored: proofs from a few indexed lookups, not a rehash.

Every complete subtree's root is kept in `ledger_nodes` when it completes (see append.py),
and leaves are the entries' `leaf_hash`. Any range the RFC 9162 proof recursion visits splits
into such complete subtrees, so an inclusion or consistency proof on ten million entries
needs a few dozen stored hashes, fetched in one query per tree level.
"""

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.ledger.merkle import (
    EMPTY_ROOT,
    _consistency_path,
    _inclusion_path,
    node_hash,
)
from caselink.store.models import LedgerEntry, LedgerHead, LedgerNode

Key = tuple[int, int]  # (height, position) of a complete subtree; height 0 is a leaf


def _parts(lo: int, hi: int) -> list[Key]:
    """The complete subtrees that make up leaves [lo, hi), largest first."""
    parts = []
    while lo < hi:
        height = (hi - lo).bit_length() - 1
        while lo % (1 << height):  # an unaligned start: take a smaller subtree first
            height -= 1
        parts.append((height, lo >> height))
        lo += 1 << height
    return parts


def fold(parts: list[bytes]) -> bytes:
    """MTH of consecutive complete subtrees (largest first), folded from the right."""
    if not parts:
        return EMPTY_ROOT
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


class StoredTree:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.size = session.scalar(select(LedgerHead.size).where(LedgerHead.id == 1)) or 0

    def _check(self, size: int) -> None:
        if not 0 < size <= self.size:
            raise ValueError(
                f"tree size {size} is out of range: the ledger has {self.size} entries"
            )

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if size == 0:
            return EMPTY_ROOT
        self._check(size)
        return self._with_hashes(lambda range_root: [range_root(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        self._check(size)
        if not 0 <= index < size:
            raise ValueError(f"entry {index + 1} is not within the first {size} entries")
        return self._with_hashes(lambda range_root: _inclusion_path(index, size, range_root))

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        self._check(size)
        if not 0 <= old_size <= size:
            raise ValueError(f"old size {old_size} must be between 0 and {size}")
        return self._with_hashes(lambda range_root: _consistency_path(old_size, size, range_root))

    def _with_hashes(
        self, prove: Callable[[Callable[[int, int], bytes]], list[bytes]]
    ) -> list[bytes]:
        # First pass learns which subtrees the proof needs; then fetch them all at once.
        wanted: set[Key] = set()

        def collect(lo: int, hi: int) -> bytes:
            wanted.update(_parts(lo, hi))
            return EMPTY_ROOT

        prove(collect)
        hashes = self._fetch(wanted)
        return prove(lambda lo, hi: fold([hashes[key] for key in _parts(lo, hi)]))

    def _fetch(self, keys: Iterable[Key]) -> dict[Key, bytes]:
        by_height: dict[int, list[int]] = {}
        for height, position in keys:
            by_height.setdefault(height, []).append(position)
        found: dict[Key, bytes] = {}
        for height, positions in by_height.items():
            if height == 0:
                rows = self.session.execute(
                    select(LedgerEntry.seq - 1, LedgerEntry.leaf_hash).where(
                        LedgerEntry.seq.in_([p + 1 for p in positions])
                    )
                )
            else:
                rows = self.session.execute(
                    select(LedgerNode.position, LedgerNode.hash).where(
                        LedgerNode.height == height, LedgerNode.position.in_(positions)
                    )
                )
            for position, value in rows:
                found[(height, position)] = bytes.fromhex(value)
        return found
