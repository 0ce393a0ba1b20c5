"""Streaming CSV output: one open file per table, rows written as they are made.

Person records pass through a small shuffle buffer so that the records of one person
are not next to each other in the file (a linkage method must not be able to lean on
row order), while memory stays bounded by the buffer size.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from caselink.domain import INTERCHANGE_COLUMNS

HEADERS: dict[str, tuple[str, ...]] = {
    "areas.csv": ("code", "name", "kind", "parent_code"),
    "postcode_districts.csv": ("district", "local_authority_code", "force_area_code"),
    "agencies.csv": ("code", "name", "kind", "area_code"),
    "person_records.csv": (
        *INTERCHANGE_COLUMNS,
        "ethnicity",
        "nationality",
    ),
    "cases.csv": (
        "case_ref",
        "force_area_code",
        "local_authority_code",
        "opened_on",
        "closed_on",
        "status",
        "outcome",
        "closure_reason",
        "summary",
    ),
    "case_persons.csv": ("case_ref", "record_id", "role"),
    "case_entities.csv": ("case_ref", "record_id", "kind", "value", "relation", "observed_on"),
    "events.csv": ("event_id", "case_ref", "record_id", "kind", "occurred_on", "detail"),
    "truth_clusters.csv": ("record_id", "person_id"),
    "truth_people.csv": ("person_id", "category", "network_id", "network_role"),
    "truth_networks.csv": (
        "network_id",
        "force_area_codes",
        "case_count",
        "victim_count",
        "suspect_count",
    ),
    "truth_network_members.csv": ("network_id", "member_type", "member_id"),
}

PERSON_RECORDS = "person_records.csv"
TRUTH_CLUSTERS = "truth_clusters.csv"
_SHUFFLE_BUFFER = 8192
_PROGRESS_EVERY = 1000


class DatasetWriter:
    """All output tables of one generation run, open for appending rows."""

    def __init__(
        self,
        out_dir: Path,
        shuffle_rng: random.Random,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}  # csv writer objects have no public type
        self.counts: dict[str, int] = dict.fromkeys(HEADERS, 0)
        for name, header in HEADERS.items():
            f = (out_dir / name).open("w", encoding="utf-8", newline="", buffering=1 << 20)
            self._files[name] = f
            self._writers[name] = csv.writer(f, lineterminator="\n")
            self._writers[name].writerow(header)
        self._records = self._writers[PERSON_RECORDS]
        self._clusters = self._writers[TRUTH_CLUSTERS]
        self._buffer: list[tuple[list[str], str]] = []
        self._rng = shuffle_rng
        self._progress = progress
        self.records_made = 0

    def row(self, name: str, values: list[str] | tuple[str, ...]) -> None:
        self._writers[name].writerow(values)
        self.counts[name] += 1

    def person_record(self, row: list[str], person_id: str) -> None:
        buffer = self._buffer
        if len(buffer) < _SHUFFLE_BUFFER:
            buffer.append((row, person_id))
        else:
            i = int(self._rng.random() * _SHUFFLE_BUFFER)
            self._emit(*buffer[i])
            buffer[i] = (row, person_id)
        self.records_made += 1
        if self._progress is not None and self.records_made % _PROGRESS_EVERY == 0:
            self._progress(self.records_made)

    def _emit(self, row: list[str], person_id: str) -> None:
        self._records.writerow(row)
        self._clusters.writerow((row[0], person_id))

    def close(self) -> None:
        self._rng.shuffle(self._buffer)
        for row, person_id in self._buffer:
            self._emit(row, person_id)
        self._buffer.clear()
        self.counts[PERSON_RECORDS] = self.counts[TRUTH_CLUSTERS] = self.records_made
        if self._progress is not None and self.records_made % _PROGRESS_EVERY != 0:
            self._progress(self.records_made)
        for f in self._files.values():
            f.close()

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
