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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text

from caselink.ledger.checkpoint import Checkpoint, verify_checkpoint
from caselink.ledger.entry import GENESIS
from caselink.ledger.merkle import node_hash
from caselink.ledger.sources import rows_from_db
from caselink.ledger.tree import fold
from caselink.ledger.verify import Verdict, canonical_bytes, verify
from caselink.store.db import Database

CHUNK_BITS = 16
# Below this many entries one process is quicker than starting workers.
PARALLEL_FROM = 4 << CHUNK_BITS
SELECT_RANGE = (
    "SELECT seq, recorded_at, actor, actor_user_id, agency, action, object_type, object_id, "
    "reason, before_digest, after_digest, leaf_hash, chain_hash FROM ledger_entries "
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
    chunk = Chunk(lo, hi)
    sha256 = hashlib.sha256
    raw = _db.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        if lo == 1:
            chain = bytes.fromhex(GENESIS)
        else:
            cursor.execute(f"SELECT chain_hash FROM ledger_entries WHERE seq = {lo - 1}")
            before = cursor.fetchone()
            if before is None:
                chunk.sound = False
                return chunk
            chain = bytes.fromhex(before[0])
        cursor.execute(SELECT_RANGE.format(lo=int(lo), hi=int(hi)))
        expected = lo
        frontier: list[bytes] = []
        wanted = set(sizes)
        while batch := cursor.fetchmany(20_000):
            for row in batch:
                leaf = sha256(b"\x00" + canonical_bytes(row)).digest()
                chain = sha256(chain + leaf).digest()
                if row[0] != expected or leaf.hex() != row[11] or chain.hex() != row[12]:
                    chunk.sound = False
                    return chunk
                frontier.append(leaf)
                carry = expected - lo
                while carry & 1:
                    right = frontier.pop()
                    frontier[-1] = sha256(b"\x01" + frontier[-1] + right).digest()
                    carry >>= 1
                if expected in wanted:
                    chunk.frontiers[expected] = list(frontier)
                expected += 1
        cursor.close()
    finally:
        raw.rollback()
        raw.close()
    if expected != hi + 1:
        chunk.sound = False
    elif hi - lo + 1 == 1 << CHUNK_BITS:
        chunk.root = frontier[0]
    else:
        chunk.tail = frontier
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
    with db.engine.connect() as connection:
        count, last = connection.execute(
            text("SELECT count(*), coalesce(max(seq), 0) FROM ledger_entries")
        ).one()
    everything = [*checkpoints, *kept]
    if workers > 1 and count >= PARALLEL_FROM and count == last:
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
