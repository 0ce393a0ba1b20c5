"""Speed of the ledger's Merkle tree at 100k and 1M leaves.

Run: ``.venv/bin/python bench/merkle_speed.py`` (about half a minute on 2 cores).

Each figure is the median of 3 runs; operations that take microseconds are timed over a
batch and reported per operation. The last column is the 1M figure over the 100k one:
about 10 for O(n) work, close to 1 for O(log n) work.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

from caselink.ledger.merkle import (
    CompactRange,
    CompactRangeState,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

SIZES = (100_000, 1_000_000)
RUNS = 3
BATCH = 1_000  # operations per timing for the microsecond-scale ones


def median_seconds(work: Callable[[], object], repeat: int = 1) -> float:
    """Median over RUNS of the time one call takes, averaged over ``repeat`` calls."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(repeat):
            work()
        times.append((time.perf_counter() - start) / repeat)
    return statistics.median(times)


def ledger_append(state: CompactRangeState, leaf: bytes) -> tuple[bytes, CompactRangeState]:
    """What the ledger does per transaction: load the frontier, append, root, save."""
    compact = CompactRange.from_state(state)
    compact.append(leaf)
    return compact.root(), compact.to_state()


def measure(n: int) -> dict[str, float]:
    """Seconds per operation for a tree of ``n`` synthetic leaves."""
    leaves = [leaf_hash(b"synthetic ledger entry %d" % i) for i in range(n)]
    old, index = n * 2 // 3 + 1, n // 3
    tree_root, old_root = root(leaves), root(leaves[:old])
    incl, cons = inclusion_proof(leaves, index), consistency_proof(leaves, old)
    tree = MerkleTree(leaves)
    state = CompactRange(leaves[:-1]).to_state()
    indices = [(i * 7919) % n for i in range(BATCH)]
    return {
        "root(), pure, from scratch": median_seconds(lambda: root(leaves)),
        "inclusion_proof(), pure": median_seconds(lambda: inclusion_proof(leaves, index)),
        "consistency_proof(), pure": median_seconds(lambda: consistency_proof(leaves, old)),
        "verify_inclusion()": median_seconds(
            lambda: verify_inclusion(leaves[index], index, n, incl, tree_root), BATCH
        ),
        "verify_consistency()": median_seconds(
            lambda: verify_consistency(old, n, old_root, tree_root, cons), BATCH
        ),
        "CompactRange: all n appends": median_seconds(lambda: CompactRange(leaves)),
        "CompactRange: one ledger append": median_seconds(
            lambda: ledger_append(state, leaves[-1]), BATCH
        ),
        "MerkleTree: build": median_seconds(lambda: MerkleTree(leaves)),
        "MerkleTree: inclusion proof": median_seconds(
            lambda: [tree.inclusion_proof(i) for i in indices]
        )
        / BATCH,
        "MerkleTree: consistency proof": median_seconds(
            lambda: [tree.consistency_proof(i + 1) for i in indices]
        )
        / BATCH,
    }


def show(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:8.2f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.1f} ms"
    return f"{seconds * 1e6:8.1f} µs"


def main() -> None:
    print(f"Python {platform.python_version()} on {platform.machine()}, median of {RUNS} runs")
    results = {n: measure(n) for n in SIZES}
    base, big = results[SIZES[0]], results[SIZES[1]]
    print(f"{'operation':34}{'100k':>12}{'1M':>12}{'1M/100k':>10}")
    for name in base:
        print(
            f"{name:34}{show(base[name]):>12}{show(big[name]):>12}{big[name] / base[name]:>10.1f}"
        )


if __name__ == "__main__":
    main()
