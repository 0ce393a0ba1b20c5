"""Verifying a large ledger on every core: the fast way to prove an intact ledger intact.

Everything per entry is independent once the stored chain hash of the entry before is known:
its leaf hash from its content, its chain hash from the stored one before it. And RFC 6962
trees split cleanly at power-of-two boundaries, so each worker folds whole chunks of
2^CHUNK_BITS leaves into subtree roots and the main process only combines a few hundred roots
to recompute every checkpoint's root.

Any anomaly (a bad hash, a gap, a count that does not add up, a root that differs) makes the
caller re-run the sequential verifier, whose findings name the first bad entry exactly.
"""

import hashlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text

from caselink.ledger.checkpoint import Checkpoint, verify_checkpoint
from caselink.ledger.entry import GENESIS
from caselink.ledger.merkle import node_hash
from caselink.ledger.sources import rows_from_db
from caselink.ledger.tree import fold
from caselink.ledger.verify import Verdict, verify
from caselink.store.db import Database

CHUNK_BITS = 16
# Below this many entries one process is quicker than starting workers.
PARALLEL_FROM = 4 << CHUNK_BITS

# Each entry's canonical bytes (entry.canonical) built by the database itself: far cheaper
# than fetching eleven columns and encoding them here, which is most of verification's cost.
# If the database's JSON escaping ever differed from Python's for some entry, its hash would
# not match and the sequential verifier (which encodes in Python) would settle it: this can
# only make verification slower, never wrong.
_FIELDS = (
    "seq, recorded_at, actor, actor_user_id, agency, action, object_type, object_id, "
    "reason, before_digest, after_digest"
)
_SQLITE_CANONICAL = f"CAST(json_array({_FIELDS}) AS BLOB)"
_PG_TEXT = "to_json({})::text"
_PG_NULLABLE = "coalesce(to_json({})::text, 'null')"
_PG_CANONICAL = (
    "convert_to('[' || seq::text || ',' || "
    + " || ',' || ".join(
        [
            _PG_TEXT.format("recorded_at"),
            _PG_TEXT.format("actor"),
            "coalesce(actor_user_id::text, 'null')",
            _PG_NULLABLE.format("agency"),
            _PG_TEXT.format("action"),
            _PG_TEXT.format("object_type"),
            _PG_TEXT.format("object_id"),
            _PG_NULLABLE.format("reason"),
            _PG_NULLABLE.format("before_digest"),
            _PG_NULLABLE.format("after_digest"),
        ]
    )
    + " || ']', 'UTF8')"
)
# Both stored hashes in one text (one object less per row), NULL unless each is 64 long so
# that no hex digit can move from one to the other unseen.
SELECT_RANGE = (
    "SELECT seq, {canonical}, CASE WHEN length(leaf_hash) = 64 AND length(chain_hash) = 64 "
    "THEN leaf_hash || chain_hash END FROM ledger_entries "
    "WHERE seq >= {lo} AND seq <= {hi} ORDER BY seq"
)


@dataclass
class Chunk:
    """What one worker found in entries lo..hi (1-based, inclusive)."""

    lo: int
    hi: int
    sound: bool = True
    root: bytes = b""  # of the whole chunk, when it is complete
    frontiers: dict[int, list[bytes]] = field(default_factory=dict)  # at sizes asked for
    tail: list[bytes] = field(default_factory=list)  # when the chunk ends the ledger


_db: Database | None = None


def _check_chunk(url: str, lo: int, hi: int, sizes: tuple[int, ...]) -> Chunk:
    global _db
    if _db is None:  # one connection per worker process
        _db = Database(url)
    canonical = _PG_CANONICAL if _db.dialect == "postgresql" else _SQLITE_CANONICAL
    raw = _db.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        if lo == 1:
            before: tuple[str] | None = (GENESIS,)
        else:
            cursor.execute(f"SELECT chain_hash FROM ledger_entries WHERE seq = {lo - 1}")
            before = cursor.fetchone()
        cursor.execute(SELECT_RANGE.format(canonical=canonical, lo=int(lo), hi=int(hi)))
        rows = cursor.fetchall()
        cursor.close()
    except Exception:  # a tampered row the database cannot encode, for one
        return Chunk(lo, hi, sound=False)
    finally:
        raw.rollback()
        raw.close()
    if before is None:
        return Chunk(lo, hi, sound=False)
    try:
        leaves = _checked_leaves(rows, lo, hi, bytes.fromhex(before[0]))
    except (TypeError, ValueError):  # a hash or seq column holding something else
        leaves = None
    if leaves is None:
        return Chunk(lo, hi, sound=False)
    return _folded(Chunk(lo, hi), leaves, sizes)


def _checked_leaves(
    rows: list[tuple[int, bytes, str]], lo: int, hi: int, chain: bytes
) -> list[bytes] | None:
    """The chunk's leaf hashes, recomputed, if every entry is where it should be and matches
    its stored leaf and chain hash (fetched as one text, leaf then chain); None at the first
    sign of anything else. Whole-list operations rather than a loop per entry: the
    interpreter's overhead is most of the cost here."""
    if list(map(itemgetter(0), rows)) != list(range(lo, hi + 1)):
        return None
    sha256 = hashlib.sha256
    leaves = [sha256(b"\x00" + row[1]).digest() for row in rows]
    chains = [chain := sha256(chain + leaf).digest() for leaf in leaves]
    both: list[bytes] = [b""] * (2 * len(leaves))
    both[::2], both[1::2] = leaves, chains
    if b"".join(both).hex() != "".join(map(itemgetter(2), rows)):
        return None
    return leaves


def _folded(chunk: Chunk, leaves: list[bytes], sizes: tuple[int, ...]) -> Chunk:
    """The chunk's Merkle levels, level by level; from them its root, or the frontier (the
    complete subtrees' roots, largest first) at each size a checkpoint was signed."""
    levels = [leaves]
    sha256 = hashlib.sha256
    while len(levels[-1]) > 1:
        pairs = iter(levels[-1])  # an odd last node has no pair: frontier() takes it
        levels.append(
            [
                sha256(b"\x01" + left + right).digest()
                for left, right in zip(pairs, pairs, strict=False)
            ]
        )

    def frontier(count: int) -> list[bytes]:
        # Bit h of count set means a complete subtree of 2^h leaves, the ((count >> h) - 1)th.
        return [
            levels[h][(count >> h) - 1]
            for h in range(count.bit_length() - 1, -1, -1)
            if count >> h & 1
        ]

    for size in sizes:
        chunk.frontiers[size] = frontier(size - chunk.lo + 1)
    if len(leaves) == 1 << CHUNK_BITS:
        chunk.root = levels[-1][0]
    else:
        chunk.tail = frontier(len(leaves))
    return chunk


@dataclass(frozen=True)
class FastVerdict:
    intact: bool
    entries: int
    root: bytes


def verify_database(
    db: Database,
    public_key: Ed25519PublicKey,
    checkpoints: Sequence[Checkpoint],
    kept: Sequence[Checkpoint] = (),
    claimed_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> Verdict:
    """The same verdict as `verify(rows_from_db(db), ...)`, on every core when the ledger is
    large and intact; the sequential verifier names the faults when it is not."""
    workers = workers or os.cpu_count() or 1
    # The first and last entry from the key's index, not a count (which reads every row):
    # the chunks then prove each of 1..last present exactly once.
    with db.engine.connect() as connection:
        first, last = connection.execute(
            text(
                "SELECT (SELECT min(seq) FROM ledger_entries), "
                "(SELECT max(seq) FROM ledger_entries)"
            )
        ).one()
    count = last or 0
    everything = [*checkpoints, *kept]
    if workers > 1 and count >= PARALLEL_FROM and first == 1:
        fast, roots = _verify_in_parallel(
            db, count, [cp.tree_size for cp in everything], workers, progress
        )
        if (
            fast.intact
            and all(verify_checkpoint(public_key, cp) for cp in everything)
            and all(roots.get(cp.tree_size) == cp.root_hash for cp in everything)
            and claimed_size in (None, count)
        ):
            return Verdict(entries=count, checkpoints=len(everything), root=fast.root)

    def counted() -> Iterator[tuple[object, ...]]:
        for n, row in enumerate(rows_from_db(db), 1):
            if n % 50_000 == 0:
                progress(n)
            yield row

    return verify(counted(), public_key, checkpoints, kept, claimed_size)


def _verify_in_parallel(
    db: Database,
    size: int,
    checkpoint_sizes: Sequence[int],
    workers: int,
    progress: Callable[[int], None],
) -> tuple[FastVerdict, dict[int, bytes]]:
    """Check entries 1..size; returns the verdict and the recomputed root at each checkpoint
    size (the caller compares them with the signed roots)."""
    bounds = [
        (lo, min(lo + (1 << CHUNK_BITS) - 1, size)) for lo in range(1, size + 1, 1 << CHUNK_BITS)
    ]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    roots: dict[int, bytes] = {}
    complete: list[bytes] = []  # compact range of the whole chunks so far (level CHUNK_BITS+)
    ends = [s for s in checkpoint_sizes if 0 < s <= size]
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_check_chunk, db.url, lo, hi, tuple(s for s in ends if lo <= s <= hi))
            for lo, hi in bounds
        ]
        for number, future in enumerate(futures):
            chunk = future.result()
            if not chunk.sound:
                for rest in futures:
                    rest.cancel()
                return FastVerdict(False, 0, b""), {}
            for at, partial in chunk.frontiers.items():
                roots[at] = fold(complete + partial)
            if chunk.root:
                complete.append(chunk.root)
                carry = number
                while carry & 1:
                    right = complete.pop()
                    complete[-1] = node_hash(complete[-1], right)
                    carry >>= 1
            else:
                complete.extend(chunk.tail)
            progress(chunk.hi)
    return FastVerdict(True, size, fold(complete)), roots
