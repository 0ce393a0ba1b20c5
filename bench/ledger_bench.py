"""Ledger benchmarks: append throughput, full verification speed, proof time at scale.

    .venv/bin/python bench/ledger_bench.py [--verify-entries 1000000] [--proof-entries 10000000]
        [--only-verify]

Append: each entry in its own real transaction on SQLite and on PostgreSQL (started on
loopback like the tests), against a baseline of the same transactions inserting a plain row
of the same size without the ledger. Verification: entries/s over a whole ledger read from
SQLite. Proofs: inclusion and consistency proof time on a ledger of --proof-entries entries.
Figures are medians; ratios are against the baseline measured in the same run.
"""

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from caselink.ledger import Action, Actor, record
from caselink.ledger.checkpoint import generate_private_key
from caselink.ledger.entry import GENESIS, canonical
from caselink.ledger.merkle import leaf_hash, node_hash
from caselink.ledger.parallel import verify_database
from caselink.ledger.signing import issue
from caselink.ledger.sources import checkpoints_from_db, rows_from_db
from caselink.ledger.tree import StoredTree
from caselink.ledger.verify import verify
from caselink.store.db import Database
from caselink.store.migrate import upgrade
from tests.support.postgres import running_server

ACTOR = Actor("officer", 7, "POL-NM")


def fresh_sqlite(directory: Path, name: str) -> Database:
    db = Database(f"sqlite:///{directory / name}")
    upgrade(db)
    return db


def append_rate(db: Database, count: int) -> tuple[float, float]:
    """(ledgered entries/s, baseline plain inserts/s), one transaction each."""
    key = "SERIAL" if db.dialect == "postgresql" else "INTEGER"
    with db.engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS bench_plain (id {key} PRIMARY KEY, body VARCHAR(400))"
            )
        )
    started = time.perf_counter()
    for i in range(count):
        with db.transaction() as session:
            record(session, ACTOR, Action.READ, "case", i, reason="bench", after="ab" * 32)
    ledgered = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(count):
        with db.transaction() as session:
            session.execute(
                text("INSERT INTO bench_plain (body) VALUES (:b)"), {"b": f"{i}" + "x" * 300}
            )
    plain = count / (time.perf_counter() - started)
    return ledgered, plain


def bulk_build(db: Database, count: int, batch: int = 50_000) -> None:
    """Write a valid ledger of `count` entries fast (bypassing per-entry transactions), with
    its stored subtree roots, for the verification and proof benchmarks."""
    chain = bytes.fromhex(GENESIS)
    stack: list[bytes] = []
    raw = db.engine.raw_connection()
    cursor = raw.cursor()
    entries: list[tuple[object, ...]] = []
    nodes: list[tuple[int, int, str]] = []
    for n in range(count):
        seq = n + 1
        fields = (
            seq,
            "2026-11-23T12:00:00.000000Z",
            "officer",
            7,
            "POL-NM",
            "read",
            "case",
            str(n % 5000),
            None,
            None,
            "ab" * 32,
        )
        leaf = leaf_hash(canonical(*fields))
        chain = hashlib.sha256(chain + leaf).digest()
        entries.append((*fields, leaf.hex(), chain.hex()))
        current, height, position = leaf, 0, n
        while position & 1:
            current = node_hash(stack.pop(), current)
            height += 1
            position >>= 1
            nodes.append((height, position, current.hex()))
        stack.append(current)
        if len(entries) >= batch or seq == count:
            cursor.executemany(
                "INSERT INTO ledger_entries (seq, recorded_at, actor, actor_user_id, agency, "
                "action, object_type, object_id, reason, before_digest, after_digest, leaf_hash, "
                "chain_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                entries,
            )
            cursor.executemany(
                "INSERT INTO ledger_nodes (height, position, hash) VALUES (?,?,?)", nodes
            )
            entries, nodes = [], []
    cursor.execute(
        "UPDATE ledger_head SET size = ?, chain_hash = ?, frontier = ? WHERE id = 1",
        (count, chain.hex(), ",".join(h.hex() for h in stack)),
    )
    raw.commit()
    raw.close()


def verify_rate(db: Database, public_key) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    """Entries/s: on every core from the database (what `caselink ledger verify` does), one
    core from the database, one core from rows already in memory, and the baseline of just
    reading the rows once."""
    checkpoints = checkpoints_from_db(db)
    started = time.perf_counter()
    verdict = verify_database(db, public_key, checkpoints)
    parallel = verdict.entries / (time.perf_counter() - started)
    assert verdict.intact, verdict.first
    started = time.perf_counter()
    verdict = verify(rows_from_db(db), public_key, checkpoints)
    one_core = verdict.entries / (time.perf_counter() - started)
    started = time.perf_counter()
    rows = list(rows_from_db(db))
    read_only = len(rows) / (time.perf_counter() - started)
    started = time.perf_counter()
    verify(rows, public_key, checkpoints)
    in_memory = len(rows) / (time.perf_counter() - started)
    return parallel, one_core, in_memory, read_only


def proof_times(db: Database, samples: int = 200) -> tuple[float, float]:
    """Median milliseconds for one inclusion proof and one consistency proof."""
    rng = random.Random(1)
    inclusion, consistency = [], []
    with db.transaction() as session:
        tree = StoredTree(session)
        for _ in range(samples):
            index = rng.randrange(tree.size)
            started = time.perf_counter()
            tree.inclusion_proof(index)
            inclusion.append(time.perf_counter() - started)
            old = rng.randrange(1, tree.size)
            started = time.perf_counter()
            tree.consistency_proof(old)
            consistency.append(time.perf_counter() - started)
    return statistics.median(inclusion) * 1000, statistics.median(consistency) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    parser.add_argument("--proof-entries", type=int, default=10_000_000)
    parser.add_argument("--only-verify", action="store_true", help="Skip appends and proofs.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="caselink-ledger-bench-"))

    if not args.only_verify:
        print(f"Append, one transaction per entry ({args.appends} entries, median of 3):")
        runs = [append_rate(fresh_sqlite(work, f"append{i}.db"), args.appends) for i in range(3)]
        _print_append("SQLite", runs)
        with running_server() as admin_url:
            runs = []
            for i in range(3):
                admin = Database(admin_url)
                with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text(f"CREATE DATABASE bench_{i}"))
                admin.dispose()
                db = Database(admin_url.rsplit("/", 1)[0] + f"/bench_{i}")
                upgrade(db)
                runs.append(append_rate(db, args.appends))
                db.dispose()
            _print_append("PostgreSQL", runs)

    key = generate_private_key()
    db = fresh_sqlite(work, "verify.db")
    bulk_build(db, args.verify_entries)
    with db.transaction() as session:
        issue(session, key)
    rates = [verify_rate(db, key.public_key()) for _ in range(3)]
    parallel, one_core, in_memory, read_only = (
        statistics.median(r[i] for r in rates) for i in range(4)
    )
    print(f"\nFull verification of {args.verify_entries:,} entries (SQLite, median of 3):")
    print(f"  all {os.cpu_count()} cores, from the database : {parallel:>10,.0f} entries/s")
    print(f"  one core, from the database   : {one_core:>10,.0f} entries/s")
    print(f"  one core, rows in memory      : {in_memory:>10,.0f} entries/s")
    print(
        f"  baseline, reading the rows only (one core): {read_only:,.0f} rows/s; "
        f"ratio of verification on all cores to it {parallel / read_only:.2f}"
    )
    if args.only_verify:
        return

    db = fresh_sqlite(work, "proofs.db")
    started = time.perf_counter()
    bulk_build(db, args.proof_entries)
    print(f"\nBuilt a {args.proof_entries:,}-entry ledger in {time.perf_counter() - started:.0f} s")
    small = fresh_sqlite(work, "proofs-small.db")
    bulk_build(small, args.proof_entries // 100)
    big_inc, big_con = proof_times(db)
    small_inc, small_con = proof_times(small)
    print(
        f"Proof time, median of 200 (SQLite), {args.proof_entries:,} entries vs "
        f"{args.proof_entries // 100:,}:"
    )
    print(
        f"  inclusion   : {big_inc:6.2f} ms  (baseline {small_inc:.2f} ms, "
        f"ratio {big_inc / small_inc:.2f})"
    )
    print(
        f"  consistency : {big_con:6.2f} ms  (baseline {small_con:.2f} ms, "
        f"ratio {big_con / small_con:.2f})"
    )


def _print_append(name: str, runs: list[tuple[float, float]]) -> None:
    ledgered = statistics.median(r[0] for r in runs)
    plain = statistics.median(r[1] for r in runs)
    print(
        f"  {name:<10}: {ledgered:8,.0f} entries/s; plain insert baseline {plain:8,.0f}/s; "
        f"ratio {ledgered / plain:.2f}"
    )


if __name__ == "__main__":
    main()
