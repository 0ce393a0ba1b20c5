"""How well and how fast the review's priority score works, on the generator's closed cases.

    .venv/bin/python bench/review_scoring.py [--cases 5000] [--scale 100000] [--repeat 3]
                                             [--store] [--seed 1]

1. Ranking quality, on a file of ``--cases`` closed cases with planted should-be-prioritised
   cases: recall of the planted cases in the top 20% of the queue and their median rank,
   overall and by kind (network / lone), against single-factor rankings (offence
   seriousness alone; closure reason alone) and chance (recall 20%).
2. Speed, on a file of ``--scale`` cases: the median over ``--repeat`` runs of
   reading the CSV alone (the baseline: csv.reader over every row), reading and checking
   every row, and scoring every case (link index plus factors), with ratios to the baseline.
3. With ``--store``: one import into a fresh SQLite database and one full ``score_store``
   (writing every score row), the path ``caselink review import`` takes.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from caselink.loading.problems import Problem
from caselink.review import weights as review_weights
from caselink.review.casefile import ClosedCase, RowReader, raw_rows
from caselink.review.priorities import score_cases
from caselink.synth.closed_cases import write_closed_cases

AS_OF = date(2026, 11, 1)


def read(path: Path) -> list[ClosedCase]:
    problems: list[Problem] = []
    reader = RowReader(path.name, problems)
    cases = [c for c in (reader.read(r) for r in raw_rows(path, problems)) if c is not None]
    if problems:
        raise SystemExit(f"{len(problems)} problems, first: {problems[0]}")
    return cases


def read_only(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as text:
        return sum(1 for _ in csv.reader(text)) - 1


def ranks(order: list[str], wanted: set[str]) -> list[int]:
    return [n for n, ref in enumerate(order, 1) if ref in wanted]


def report(name: str, order: list[str], wanted: set[str]) -> None:
    found = ranks(order, wanted)
    top = len(order) * 0.2
    recall = sum(r <= top for r in found) / len(found)
    print(
        f"  {name:<34} recall@top20% {recall:6.1%}   median rank {statistics.median(found):>7,.0f}"
        f"   (of {len(order):,}; {len(found)} planted)"
    )


def quality(path: Path, truth: Path) -> None:
    weights = review_weights.load()
    cases = read(path)
    with truth.open(encoding="utf-8") as text:
        rows = list(csv.DictReader(text))
    planted = {r["case_reference"] for r in rows if r["should_prioritise"] == "yes"}
    by_kind = {
        kind: {r["case_reference"] for r in rows if r["planted_as"] == kind}
        for kind in ("network", "lone")
    }
    scored = score_cases(cases, weights, AS_OF)
    order = [ref for ref, s in sorted(scored, key=lambda x: (-x[1].total, x[0]))]
    print(f"Ranking quality, weights {weights.version}, {len(cases):,} cases ({path.name})")
    report("priority score", order, planted)
    for kind, refs in by_kind.items():
        report(f"  planted as {kind}", order, refs)
    seriousness = {
        c.reference: max(weights.offence_seriousness[o] for o in c.offences) for c in cases
    }
    report(
        "baseline: offence seriousness only",
        sorted(seriousness, key=lambda ref: (-seriousness[ref], ref)),
        planted,
    )
    poor = {c.reference: c.closure_reason in weights.inappropriate_closure_reasons for c in cases}
    report(
        "baseline: closure reason only", sorted(poor, key=lambda ref: (not poor[ref], ref)), planted
    )
    high = sum(1 for _, s in scored if s.band == "high")
    print(f"  high band: {high:,} cases ({high / len(cases):.1%})")


def timed(job: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds: the machine may be shared, so both are shown."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        job()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def speed(path: Path, repeat: int) -> None:
    weights = review_weights.load()
    cases = read(path)
    n = len(cases)
    base, base_cpu = timed(lambda: read_only(path), repeat)
    checked, checked_cpu = timed(lambda: read(path), repeat)
    scoring, scoring_cpu = timed(lambda: score_cases(cases, weights, AS_OF), repeat)
    size = path.stat().st_size / 1e6
    print(f"Speed, {n:,} cases, median of {repeat} ({size:.1f} MB CSV); wall s (CPU s)")
    print(f"  baseline: read the CSV alone      {base:6.2f} ({base_cpu:6.2f})")
    print(
        f"  read and check every row          {checked:6.2f} ({checked_cpu:6.2f})"
        f"  {checked / base:5.1f}x baseline"
    )
    print(
        f"  score every case (links, factors) {scoring:6.2f} ({scoring_cpu:6.2f})"
        f"  {scoring / base:5.1f}x baseline; {n / scoring:,.0f} cases/s; goal < 10 s"
    )


def store(path: Path, work: Path) -> None:
    from caselink.review.importing import import_file
    from caselink.review.priorities import score_store
    from caselink.store.db import Database
    from caselink.store.migrate import upgrade
    from caselink.store.models import Area
    from caselink.synth.places import FORCES

    db = Database(f"sqlite:///{work / 'bench.db'}")
    upgrade(db)
    with db.transaction() as session:
        session.add_all(Area(code=f.code, name=f.name, kind="force_area") for f in FORCES)
    started = time.perf_counter()
    result = import_file(db, path)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    run = score_store(db, review_weights.load(), as_of=AS_OF)
    scored = time.perf_counter() - started
    print(f"Store (SQLite), one run, {result.inserted:,} cases")
    print(f"  caselink review import (all or nothing) {imported:7.2f} s")
    print(f"  score_store (write {run.changed:,} score rows)  {scored:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caselink-review-bench-") as tmp:
        work = Path(tmp)
        small = write_closed_cases(work / "closed.csv", args.cases, args.seed)
        quality(small.path, small.truth_path)
        big = write_closed_cases(work / "closed-big.csv", args.scale, args.seed)
        speed(big.path, args.repeat)
        if args.store:
            store(big.path, work)


if __name__ == "__main__":
    main()
