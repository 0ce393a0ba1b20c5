"""``python -m caselink.synth --records N --out DIR [--seed S]``: the generator without
the CLI's dependencies, used by the benchmark."""

from __future__ import annotations

import argparse
from pathlib import Path

from caselink.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m caselink.synth")
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    manifest = generate(args.out, args.records, args.seed)
    print(f"wrote {manifest.records} person records to {args.out}")


if __name__ == "__main__":
    main()
