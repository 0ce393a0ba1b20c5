"""Merkle tree of the accountability ledger, as in Certificate Transparency (RFC 9162 §2.1).

Every function here works on *leaf hashes* (32-byte SHA-256 digests made with
:func:`leaf_hash`), never on raw entries, so that the ledger can keep leaf hashes in the
database and hand them straight to these functions.

Three ways in, by cost:

- the pure functions :func:`root`, :func:`inclusion_proof` and :func:`consistency_proof`
  rehash the leaves they need, O(n) time, little memory: for one-off use and for the
  offline verifier;
- :class:`CompactRange` keeps only the O(log n) roots of the perfect subtrees covering
  the leaves so far: append one leaf per database transaction, read the current root in
  O(log n), persist it with ``to_state``/``from_state``;
- :class:`MerkleTree` keeps every perfect subtree in memory (about 2n hashes): roots at
  any earlier size and proofs in O(log² n), for serving many proofs.

The verifiers never raise on what a proof says: any index, size or hash that does not
check out gives ``False``, as RFC 9162 says "fail". The generators raise ``ValueError``
for an index or size out of range, because that is the caller's mistake.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import TypedDict

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string (RFC 9162 §2.1.1)."""

# Returns MTH(D[lo:hi]) for one of the ranges the RFC recursion visits.
RangeRoot = Callable[[int, int], bytes]


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d) (RFC 9162 §2.1.1).

    The 0x00 prefix keeps a leaf from ever hashing like an interior node, which would
    allow a second preimage (RFC 9162 §2.1.1, last paragraph).
    """
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), an interior node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): the k of RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    """Hash adjacent pairs; an odd last node moves up unchanged.

    Promoting the odd node, level by level, builds exactly the RFC 9162 §2.1.1 tree
    (split at the largest power of two below n), without recursion.
    """
    sha256 = hashlib.sha256
    pairs = iter(level)  # zip of one iterator with itself yields adjacent pairs
    # strict=False: an odd last node is left over on purpose and handled below.
    parents = [
        sha256(NODE_PREFIX + left + right).digest()
        for left, right in zip(pairs, pairs, strict=False)
    ]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (RFC 9162 §2.1.1), iterative, O(n) time."""
    if not leaves:
        return EMPTY_ROOT
    level = leaves
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is out of range for a tree of {size} leaves")


def _check_sizes(old_size: int, new_size: int) -> None:
    if not 0 <= old_size <= new_size:
        raise ValueError(
            f"old tree size {old_size} must be between 0 and the new tree size {new_size}"
        )


def _inclusion_path(index: int, size: int, range_root: RangeRoot) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, unrolled into a loop.

    The recursion appends the sibling subtree after the path below it, so siblings
    are found top-down and returned bottom-up.
    """
    lo, hi = 0, size
    siblings: list[bytes] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            siblings.append(range_root(lo + k, hi))
            hi = lo + k
        else:
            siblings.append(range_root(lo, lo + k))
            lo += k
    siblings.reverse()
    return siblings


def _consistency_path(old_size: int, size: int, range_root: RangeRoot) -> list[bytes]:
    """PROOF(old_size, D[size]) = SUBPROOF(old_size, D[size], true), RFC 9162 §2.1.4.1.

    ``lo``/``hi`` bound the current subtree, ``m`` is how many of its leaves the old
    tree holds, and ``whole`` is the RFC's flag b: still true while the subtree starts
    at leaf 0, so its old part is the whole old tree and the client already knows it.
    """
    if old_size in (0, size):
        return []
    lo, hi, m, whole = 0, size, old_size, True
    siblings: list[bytes] = []
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            siblings.append(range_root(lo + k, hi))
            hi = lo + k
        else:
            siblings.append(range_root(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    head = [] if whole else [range_root(lo, hi)]
    return head + siblings[::-1]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of all ``leaves`` (RFC 9162 §2.1.3.1).

    O(n) hashing: each sibling subtree is rehashed once. Use :class:`MerkleTree` to
    serve many proofs.
    """
    _check_index(index, len(leaves))
    return _inclusion_path(index, len(leaves), lambda lo, hi: root(leaves[lo:hi]))


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Proof that the first ``old_size`` leaves are a prefix of ``leaves`` (RFC 9162 §2.1.4.1).

    Empty when ``old_size`` is 0 or the whole tree: nothing needs proving then.
    """
    _check_sizes(old_size, len(leaves))
    return _consistency_path(old_size, len(leaves), lambda lo, hi: root(leaves[lo:hi]))


def _well_formed(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def _strip_right_edge(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both until LSB(fn) is set or fn is 0 (RFC 9162 §2.1.3.2 step 4.b.ii).

    Where fn == sn with LSB(fn) clear, the node has no right sibling at those levels:
    it was promoted unchanged, so those levels contribute no proof hash.
    """
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Check that ``leaf`` is leaf ``index`` of the tree with ``root_hash`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < tree_size or not _well_formed(leaf, root_hash, *proof):
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False  # proof longer than the tree is tall
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _strip_right_edge(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(r, root_hash)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check that the tree of ``old_size`` leaves is a prefix of the new one (RFC 9162 §2.1.4.2).

    The RFC algorithm covers 0 < old_size < new_size; the two trivial cases are
    decided here: equal sizes need equal roots, and the empty tree is a prefix of
    every tree. Both need an empty proof, so a proof cannot be padded.
    """
    if not 0 <= old_size <= new_size or not _well_formed(old_root, new_root, *proof):
        return False
    if old_size == new_size:
        return not proof and hmac.compare_digest(old_root, new_root)
    if old_size == 0:
        return not proof and hmac.compare_digest(old_root, EMPTY_ROOT)
    return _verify_consistency_path(old_size, new_size, old_root, new_root, proof)


def _verify_consistency_path(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Sequence[bytes]
) -> bool:
    """Steps 1-7 of RFC 9162 §2.1.4.2, for 0 < first < second."""
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        # The old tree is a whole subtree of the new one, so the proof omits its root.
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _strip_right_edge(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(fr, first_hash) and hmac.compare_digest(sr, second_hash)


class CompactRangeState(TypedDict):
    """JSON-ready form of a :class:`CompactRange`: its size and hex subtree roots."""

    size: int
    nodes: list[str]


class CompactRange:
    """The frontier of an append-only Merkle tree: O(log n) state, O(log n) root.

    It holds the roots of the perfect subtrees that cover leaves ``[0, size)``, one per
    set bit of ``size``, largest (leftmost) first. RFC 9162 §2.1.1 splits n at the
    largest power of two below it, so MTH(D[n]) is those roots folded from the right.
    Appending merges equal-sized subtrees like a binary counter carrying: amortised one
    node hash per leaf.
    """

    __slots__ = ("_nodes", "_size")

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._size = 0
        self._nodes: list[bytes] = []
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        """How many leaves have been appended."""
        return self._size

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash at the right edge."""
        if not _well_formed(leaf):
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        self._nodes.append(leaf)
        carry = self._size
        # Each trailing 1 bit of the old size is a subtree as big as the new one: merge.
        while carry & 1:
            right = self._nodes.pop()
            self._nodes[-1] = node_hash(self._nodes[-1], right)
            carry >>= 1
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """MTH of all leaves so far (RFC 9162 §2.1.1)."""
        if not self._nodes:
            return EMPTY_ROOT
        result = self._nodes[-1]
        for node in reversed(self._nodes[:-1]):
            result = node_hash(node, result)
        return result

    def to_state(self) -> CompactRangeState:
        """Everything needed to carry on appending, as JSON-ready values."""
        return {"size": self._size, "nodes": [node.hex() for node in self._nodes]}

    @classmethod
    def from_state(cls, state: CompactRangeState) -> CompactRange:
        """Rebuild from :meth:`to_state`; raises ``ValueError`` if the state is malformed."""
        size, hexes = state["size"], state["nodes"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"compact range size must be a non-negative integer, got {size!r}")
        if len(hexes) != size.bit_count():
            raise ValueError(
                f"a compact range of size {size} has {size.bit_count()} nodes, got {len(hexes)}"
            )
        nodes = [bytes.fromhex(h) for h in hexes]
        if not _well_formed(*nodes):
            raise ValueError(f"compact range nodes must be {HASH_SIZE}-byte hashes")
        compact = cls()
        compact._size, compact._nodes = size, nodes
        return compact

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._nodes == other._nodes

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


class MerkleTree:
    """An in-memory tree that keeps every perfect subtree: proofs in O(log² n).

    ``_levels[h][i]`` is the root of the perfect subtree over leaves
    ``[i * 2**h, (i + 1) * 2**h)``. Those never change once complete, so they serve
    every later tree size; any range the RFC recursion asks for is a few of them.
    Memory is about two hashes per leaf (roughly 130 MB for a million leaves).
    """

    __slots__ = ("_levels",)

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [list(leaves)]
        if not _well_formed(*self._levels[0]):
            raise ValueError(f"leaf hashes must be {HASH_SIZE} bytes")
        self._build_upper_levels()

    def _build_upper_levels(self) -> None:
        level = self._levels[0]
        while len(level) > 1:
            # Only whole pairs: an odd node is not a perfect subtree of the level above.
            level = _next_level(level[: len(level) & ~1])
            self._levels.append(level)

    @property
    def size(self) -> int:
        """How many leaves the tree has."""
        return len(self._levels[0])

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        _check_index(index, self.size)
        return self._levels[0][index]

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash; completes at most one perfect subtree per level."""
        if not _well_formed(leaf):
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        self._levels[0].append(leaf)
        height = 0
        while len(self._levels[height]) % 2 == 0:
            level = self._levels[height]
            if height + 1 == len(self._levels):
                self._levels.append([])
            self._levels[height + 1].append(node_hash(level[-2], level[-1]))
            height += 1

    def _range_root(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for ranges whose start is aligned to their width's top bit.

        Every range the RFC 9162 §2.1 recursion visits is such a range: it splits into
        perfect subtrees, largest first, and MTH is those roots folded from the right.
        """
        parts: list[bytes] = []
        while lo < hi:
            height = (hi - lo).bit_length() - 1
            parts.append(self._levels[height][lo >> height])
            lo += 1 << height
        result = parts[-1]
        for part in reversed(parts[:-1]):
            result = node_hash(part, result)
        return result

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is out of range: the tree has {self.size} leaves")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all), RFC 9162 §2.1.1."""
        size = self._check_size(size)
        return self._range_root(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) of RFC 9162 §2.1.3.1 (default: the whole tree)."""
        size = self._check_size(size)
        _check_index(index, size)
        return _inclusion_path(index, size, self._range_root)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1 (default: the whole tree)."""
        new_size = self._check_size(new_size)
        _check_sizes(old_size, new_size)
        return _consistency_path(old_size, new_size, self._range_root)
