"""Reading a closed-case file (CSV or Parquet) into checked `ClosedCase` values, with every
problem named by file, line (or Parquet row) and field. Columns: see caselink.review.columns."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]

from caselink.loading import fields
from caselink.loading.csv_file import CsvFile, not_text
from caselink.loading.problems import Problem
from caselink.review import columns, normalise

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Item:
    """A suspect, phone, vehicle or address named in a case."""

    kind: str
    value: str
    key: str


@dataclass(frozen=True)
class ClosedCase:
    reference: str
    force: str
    reported_on: date
    closed_on: date
    offences: tuple[str, ...]
    closure_outcome: str
    closure_reason: str
    offence_from: date | None = None
    victim_age: int | None = None
    victim_count: int = 1
    closure_note: str | None = None
    suspects_interviewed: str | None = None
    missing_episodes: int | None = None
    items: tuple[Item, ...] = ()
    protected: dict[str, str | None] = field(default_factory=dict)

    @staticmethod
    def stored_columns() -> tuple[str, ...]:
        return _STORED

    def stored(self) -> dict[str, Any]:
        """The row's columns as review_cases holds them (force resolved separately)."""
        return {
            "reference": self.reference,
            "offence_from": self.offence_from,
            "reported_on": self.reported_on,
            "closed_on": self.closed_on,
            "offences": ";".join(self.offences),
            "victim_age": self.victim_age,
            "victim_count": self.victim_count,
            "closure_outcome": self.closure_outcome,
            "closure_reason": self.closure_reason,
            "closure_note": self.closure_note,
            "suspects_interviewed": self.suspects_interviewed,
            "missing_episodes": self.missing_episodes,
            **self.protected,
        }


_STORED = (
    "reference",
    "offence_from",
    "reported_on",
    "closed_on",
    "offences",
    "victim_age",
    "victim_count",
    "closure_outcome",
    "closure_reason",
    "closure_note",
    "suspects_interviewed",
    "missing_episodes",
    *columns.PROTECTED,
)


@dataclass(frozen=True)
class RawRow:
    line: int
    values: dict[str, str]


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def raw_rows(path: Path, problems: list[Problem]) -> Iterator[RawRow]:
    """Rows as text, whatever the file type; header problems are added to `problems`."""
    if is_parquet(path):
        yield from _parquet_rows(path, problems)
        return
    source = CsvFile(path, list(columns.COLUMNS), set(columns.OPTIONAL))
    source.problems = problems
    for row in source.rows(check_encoding=True):
        yield RawRow(row.line, row.values)


def _parquet_rows(path: Path, problems: list[Problem]) -> Iterator[RawRow]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several types for a file that is not Parquet
        problems.append(Problem(path.name, 0, "file", f"is not a readable Parquet file: {error}"))
        return
    names = set(parquet.schema_arrow.names)
    missing = [c for c in columns.REQUIRED if c not in names]
    for column in missing:
        problems.append(Problem(path.name, 0, "header", f"the column {column!r} is missing"))
    if missing:
        return
    wanted = [c for c in columns.COLUMNS if c in names]
    number = 0
    for batch in parquet.iter_batches(batch_size=10_000, columns=wanted):
        for values in batch.to_pylist():
            number += 1
            row = {k: _text(v) for k, v in values.items()}
            refused = [(k, why) for k, v in row.items() if (why := not_text(v))]
            for column, why in refused:
                problems.append(Problem(path.name, number, column, why))
            if not refused:
                yield RawRow(number, row)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(_text(v) for v in value if v is not None)
    return str(value)


class RowReader:
    """Turns raw rows into ClosedCase values, collecting problems rather than stopping."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self._ok = True
        self._line = 0

    def _problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self._line, column, message))
        self._ok = False

    def _parse(self, row: RawRow, column: str, parse: Any, required: bool = False) -> Any:
        raw = row.values.get(column, "").strip()
        if not raw:
            if required:
                self._problem(column, "is required but empty")
            return None
        try:
            return parse(raw)
        except ValueError as error:
            self._problem(column, str(error))
            return None

    def read(self, row: RawRow) -> ClosedCase | None:
        self._ok, self._line = True, row.line
        p = self._parse
        reference = p(row, "case_reference", fields.bounded(40), True)
        force = p(row, "force", fields.bounded(32), True)
        reported_on = p(row, "reported_on", fields.iso_date, True)
        closed_on = p(row, "closed_on", fields.iso_date, True)
        offences = p(row, "offences", columns.offences, True)
        outcome = p(row, "closure_outcome", columns.code(columns.CLOSURE_OUTCOMES), True)
        reason = p(row, "closure_reason", columns.code(columns.CLOSURE_REASONS), True)
        offence_from = p(row, "offence_from", fields.iso_date)
        victim_age = p(row, "victim_age", columns.whole_number(0, 120))
        victim_count = p(row, "victim_count", columns.whole_number(1, 10_000))
        note = p(row, "closure_note", fields.bounded(4000))
        interviewed = p(row, "suspects_interviewed", columns.code(columns.INTERVIEWED))
        missing = p(row, "missing_episodes", columns.whole_number(0, 10_000))
        protected = {
            c: p(row, c, fields.bounded(500 if c.startswith("suspect") else 100))
            for c in columns.PROTECTED
        }
        items = self._items(row)
        if reported_on and closed_on and closed_on < reported_on:
            self._problem("closed_on", f"{closed_on} is before reported_on {reported_on}")
        if offence_from and reported_on and offence_from > reported_on:
            self._problem("offence_from", f"{offence_from} is after reported_on {reported_on}")
        if not self._ok:
            return None
        return ClosedCase(
            reference=reference,
            force=force,
            reported_on=reported_on,
            closed_on=closed_on,
            offences=offences,
            closure_outcome=outcome,
            closure_reason=reason,
            offence_from=offence_from,
            victim_age=victim_age,
            victim_count=victim_count or 1,
            closure_note=note,
            suspects_interviewed=interviewed,
            missing_episodes=missing,
            items=items,
            protected=protected,
        )

    def _items(self, row: RawRow) -> tuple[Item, ...]:
        items: list[Item] = []
        for entry in columns.split(row.values.get("suspects", "")):
            try:
                name, dob = columns.suspect(entry)
            except ValueError as error:
                self._problem("suspects", str(error))
                continue
            items.append(Item("suspect", entry[:500], normalise.suspect(name, dob)))
        for column, kind in (
            ("phones", "phone"),
            ("vehicles", "vehicle"),
            ("addresses", "address"),
        ):
            for entry in columns.split(row.values.get(column, "")):
                key = normalise.KEYS[kind](entry)
                if not key:
                    self._problem(column, f"{entry!r} is not a {kind}")
                elif len(entry) > 500:
                    self._problem(column, f"{entry[:20]!r}... is longer than 500 characters")
                else:
                    items.append(Item(kind, entry, key))
        # The same thing twice in one case counts once.
        return tuple({(i.kind, i.key): i for i in items}.values())
