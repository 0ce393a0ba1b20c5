"""Linkage output files: clusters (`record_id, person_id`, DESIGN.md), scored pairs, and the
report of rows that could not be linked (file, line, field, problem)."""

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]

from caselink.linkage.records import RejectedRow


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    # Written beside the target and renamed over it: a reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    write(partial)
    partial.replace(path)


def write_clusters(path: Path, persons: pd.DataFrame) -> None:
    _replace(path, lambda p: persons[["record_id", "person_id"]].to_csv(p, index=False))


def write_pairs(path: Path, pairs: pd.DataFrame) -> None:
    columns = ["record_id_l", "record_id_r", "match_probability", "match_weight"]
    _replace(
        path,
        lambda p: pairs[columns].to_csv(p, index=False, float_format="%.6g"),
    )


def write_rejected(path: Path, rejected: list[RejectedRow]) -> None:
    def write(target: Path) -> None:
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["file", "line", "field", "record_id", "problem"])
            for row in rejected:
                p = row.problem
                writer.writerow([p.file, p.line, p.field, row.record_id, p.message])

    _replace(path, write)
