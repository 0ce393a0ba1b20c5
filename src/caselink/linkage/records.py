"""Reading person records in the interchange format (DESIGN.md) for linkage.

Every data row ends up in exactly one of two places: the returned records, or the list of
rejected rows with the file, line and field that is wrong. Nothing is dropped silently.
Columns the format does not name (ethnicity, nationality, anything else) are never read.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]

from caselink.domain import INTERCHANGE_COLUMNS
from caselink.loading import fields
from caselink.loading.csv_file import CsvFile
from caselink.loading.problems import Problem

_SEX = fields.one_of("F", "M", "X")
_RECORD_ID = fields.bounded(100)


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not linked, and the first thing wrong with it."""

    problem: Problem
    record_id: str


@dataclass
class RecordSet:
    records: pd.DataFrame  # one row per good record, INTERCHANGE_COLUMNS, "" for empty
    rejected: list[RejectedRow] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)  # CSV files that hold no records
    file_problems: list[Problem] = field(default_factory=list)  # headers, empty files
    rows_read: int = 0

    @property
    def problems(self) -> list[Problem]:
        return self.file_problems + [r.problem for r in self.rejected]


def read_records(path: Path, progress: Callable[[int], None] | None = None) -> RecordSet:
    """Read one interchange CSV file, or every interchange CSV file in a directory.

    In a directory, CSV files whose header has no `record_id` and name columns are other
    kinds of file (cases, areas...) and are listed in `skipped_files`, not read.
    """
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    result = RecordSet(records=pd.DataFrame(columns=list(INTERCHANGE_COLUMNS)))
    columns: dict[str, list[str]] = {c: [] for c in INTERCHANGE_COLUMNS}
    first_seen: dict[str, tuple[str, int]] = {}
    for file in files:
        if path.is_dir() and not _looks_like_person_records(file):
            result.skipped_files.append(file.name)
            continue
        for line, values, rejected in _rows(file, result.file_problems):
            result.rows_read += 1
            if progress is not None and result.rows_read % 10_000 == 0:
                progress(result.rows_read)
            if rejected is None:
                rejected = _check(file.name, line, values, first_seen)
            if rejected is not None:
                result.rejected.append(rejected)
                continue
            for column in INTERCHANGE_COLUMNS:
                columns[column].append(values[column])
    result.records = pd.DataFrame(columns)
    if progress is not None:
        progress(result.rows_read)
    return result


def _looks_like_person_records(file: Path) -> bool:
    with file.open(encoding="utf-8-sig", errors="replace", newline="") as text:
        header = next(csv.reader(text), [])
    names = {cell.strip() for cell in header}
    return {"record_id", "given_name", "family_name"} <= names


def _rows(
    file: Path, file_problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str], RejectedRow | None]]:
    """(line, values, why it cannot be used) for every data row of the file; problems with
    the file as a whole go to `file_problems`."""
    reader = CsvFile(file, list(INTERCHANGE_COLUMNS), optional=set())
    reported = 0
    for row in reader.rows(check_encoding=True):
        # Problems met while reading (wrong width, bad UTF-8) belong to rows not yielded.
        for problem in reader.problems[reported:]:
            yield problem.line, {}, RejectedRow(problem, "")
        reported = len(reader.problems)
        yield row.line, row.values, None
    header_problems = []
    for problem in reader.problems[reported:]:
        if problem.field in ("header", "file"):
            header_problems.append(problem)
        else:
            yield problem.line, {}, RejectedRow(problem, "")
    if header_problems:
        # The file could not be read: every data row is reported, none is lost.
        file_problems.extend(header_problems)
        message = f"not linked: the file's header is wrong ({header_problems[0].message})"
        for line, record_id in _raw_lines(file):
            yield line, {}, RejectedRow(Problem(file.name, line, "row", message), record_id)


def _raw_lines(file: Path) -> Iterator[tuple[int, str]]:
    with file.open(encoding="utf-8-sig", errors="replace", newline="") as text:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return
        names = [c.strip() for c in header]
        position = names.index("record_id") if "record_id" in names else None
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            record_id = cells[position] if position is not None and position < len(cells) else ""
            yield reader.line_num, record_id


def _check(
    file: str, line: int, values: dict[str, str], first_seen: dict[str, tuple[str, int]]
) -> RejectedRow | None:
    record_id = values["record_id"].strip()

    def reject(column: str, message: str) -> RejectedRow:
        return RejectedRow(Problem(file, line, column, message), record_id)

    if not record_id:
        return reject("record_id", "is empty: every record needs an identifier")
    try:
        _RECORD_ID(record_id)
    except ValueError as error:
        return reject("record_id", str(error))
    if record_id in first_seen:
        where, first_line = first_seen[record_id]
        place = f"line {first_line}" if where == file else f"{where} line {first_line}"
        return reject("record_id", f"{record_id!r} appears again (first on {place})")
    if values["date_of_birth"].strip():
        try:
            fields.iso_date(values["date_of_birth"])
        except ValueError as error:
            return reject("date_of_birth", str(error))
    if values["sex"].strip():
        try:
            _SEX(values["sex"])
        except ValueError as error:
            return reject("sex", str(error))
    first_seen[record_id] = (file, line)
    values["record_id"] = record_id
    values["date_of_birth"] = values["date_of_birth"].strip()
    values["sex"] = values["sex"].strip()
    return None
