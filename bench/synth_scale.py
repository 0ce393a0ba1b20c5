"""Scale benchmark for the synthetic data generator.

    python bench/synth_scale.py --records 1000000 [--baseline 100000] [--seed 1]

Runs the generator (``python -m caselink.synth``) in a subprocess for the baseline and
for ``--records``, and prints wall time, records per second and peak resident memory
of each, then the ratios. Peak memory should barely move between the two: the
generator streams its output and keeps only counters and small buffers.

Each run is measured from its own short-lived parent process (``--measure``), so that
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` covers exactly one generator run rather than
the largest of all runs so far.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(records: int, seed: int, out: Path) -> dict[str, float]:
    """Run one generation in a child process; report its wall time and peak RSS."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "caselink.synth",
            "--records",
            str(records),
            "--out",
            str(out),
            "--seed",
            str(seed),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    size = sum(f.stat().st_size for f in out.iterdir())
    return {
        "records": records,
        "seconds": seconds,
        "peak_mib": peak_kib / 1024,
        "output_mib": size / 2**20,
    }


def run_isolated(records: int, seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="caselink-synth-bench-") as tmp:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                str(records),
                "--seed",
                str(seed),
                "--out",
                str(Path(tmp) / "out"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def report(result: dict[str, float]) -> None:
    rate = result["records"] / result["seconds"]
    print(
        f"{int(result['records']):>12,}  {result['seconds']:>9.1f}  {rate:>12,.0f}"
        f"  {result['peak_mib']:>13.1f}  {result['output_mib']:>11.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.seed, args.out)))
        return

    print(
        f"{'records':>12}  {'wall s':>9}  {'records/s':>12}  {'peak RSS MiB':>13}"
        f"  {'output MiB':>11}"
    )
    base = run_isolated(args.baseline, args.seed)
    report(base)
    big = run_isolated(args.records, args.seed)
    report(big)
    print(
        f"ratio {args.records:,} / {args.baseline:,}:"
        f" records x{big['records'] / base['records']:.1f},"
        f" wall time x{big['seconds'] / base['seconds']:.2f},"
        f" peak RSS x{big['peak_mib'] / base['peak_mib']:.2f}"
    )


if __name__ == "__main__":
    main()
