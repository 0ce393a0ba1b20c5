"""Linkage at scale: `caselink link` end to end (read, train, score, cluster, write) on
synthetic records, on DuckDB, and on Spark (local mode) with the same model.

Each run is a separate `caselink link` process, so its wall time and peak resident memory
(from wait4; the largest of the process and the children it waited for) are its own. The
synthetic data are generated once per size into --data (not timed). Accuracy against the
generator's truth is printed too. For Spark, agreement with DuckDB's clusters is pairwise
precision/recall/F1 taking DuckDB's clusters as the reference, and the share of records
whose whole cluster is identical.

    .venv/bin/python bench/linkage_scale.py --records 100000 1000000 --spark 100000
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from caselink.linkage.evaluate import evaluate
from caselink.synth import generate

CASELINK = str(Path(sys.executable).with_name("caselink"))


def dataset(root: Path, records: int) -> Path:
    path = root / f"synth-{records}"
    if not (path / "manifest.json").is_file():
        print(f"generating {records:,} synthetic records into {path} ...", flush=True)
        generate(path, records, seed=1)
    return path


def run(arguments: list[str], timeout: float, log: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in GiB, exit code) of one `caselink` process; output to `log`."""
    start = time.perf_counter()
    with log.open("w") as sink:
        process = subprocess.Popen([CASELINK, *arguments], stdout=sink, stderr=sink)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"   failed: see {log}", flush=True)
    return seconds, usage.ru_maxrss / 2**20, code


def agreement(reference: pd.DataFrame, other: pd.DataFrame) -> str:
    scores = evaluate(other, reference)
    joined = reference.merge(other, on="record_id", suffixes=("_a", "_b"))
    members_a = joined.groupby("person_id_a")["record_id"].apply(frozenset)
    members_b = joined.groupby("person_id_b")["record_id"].apply(frozenset)
    same = joined["person_id_a"].map(members_a) == joined["person_id_b"].map(members_b)
    return (
        f"pairwise P {scores.pairwise.precision:.4f} R {scores.pairwise.recall:.4f} "
        f"F1 {scores.pairwise.f1:.4f}; records in an identical cluster {same.mean():.4%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, nargs="*", default=[100_000])
    parser.add_argument("--spark", type=int, nargs="*", default=[])
    parser.add_argument("--data", type=Path, default=Path("var/bench"))
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    for records in sorted(set(args.records) | set(args.spark)):
        data = dataset(args.data, records)
        out = args.data / f"out-{records}"
        out.mkdir(exist_ok=True)
        truth = pd.read_csv(data / "truth_clusters.csv", dtype=str)
        duck = out / "duckdb.csv"
        models = out / "models"
        seconds, gib, code = run(
            [
                "link",
                "--input",
                str(data / "person_records.csv"),
                "--output",
                str(duck),
                "--save-model",
                str(models),
            ],
            args.timeout,
            out / "duckdb.log",
        )
        print(
            f"duckdb {records:>9,} records: {seconds:8.1f} s end to end, "
            f"peak RSS {gib:5.2f} GiB, exit {code}",
            flush=True,
        )
        if code not in (0, 1) or not duck.is_file():  # 1: some rows reported, not linked
            continue
        rejected = out / "duckdb.errors.csv"
        if code == 1 and rejected.is_file():
            print(f"   rows reported as bad input: {len(pd.read_csv(rejected)):,}")
        result = evaluate(pd.read_csv(duck, dtype=str), truth)
        print(
            f"   accuracy: pairwise F1 {result.pairwise.f1:.4f}, cluster F1 {result.cluster.f1:.4f}"
        )
        if records not in args.spark:
            continue
        spark_out = out / "spark.csv"
        seconds, gib, code = run(
            [
                "link",
                "--input",
                str(data / "person_records.csv"),
                "--output",
                str(spark_out),
                "--backend",
                "spark",
                "--model",
                str(models),
            ],
            args.timeout,
            out / "spark.log",
        )
        print(
            f"spark  {records:>9,} records: {seconds:8.1f} s end to end (same model, no "
            f"training), peak RSS {gib:5.2f} GiB (python side), exit {code}",
            flush=True,
        )
        if code in (0, 1) and spark_out.is_file():
            spark = pd.read_csv(spark_out, dtype=str)
            reference = pd.read_csv(duck, dtype=str)
            print(f"   agreement with duckdb: {agreement(reference, spark)}")
            result = evaluate(spark, truth)
            print(f"   accuracy: pairwise F1 {result.pairwise.f1:.4f}")


if __name__ == "__main__":
    main()
