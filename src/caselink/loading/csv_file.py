"""Reading one agency CSV file: its bytes, its header and its rows, with every problem found.

UTF-8 is checked in a fast first pass; only a file that fails it is read again field by field
so that each bad byte can be reported with its line and column.
"""

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from caselink.loading.problems import Problem

_CHUNK = 1 << 20
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept as surrogates


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    valid_utf8: bool
    rows: int  # data rows, header excluded


def inspect(path: Path) -> FileFacts:
    """Digest, UTF-8 validity and row count, without holding the file in memory."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid, size = True, 0
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            size += len(chunk)
            digest.update(chunk)
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    with _open_text(path) as text:
        rows = max(sum(1 for _ in csv.reader(text)) - 1, 0)
    return FileFacts(digest.hexdigest(), size, valid, rows)


def _open_text(path: Path):  # type: ignore[no-untyped-def]
    # utf-8-sig drops the byte-order mark spreadsheet programs write.
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


class CsvFile:
    """The rows of one file as dicts keyed by header name, plus the problems met reading it."""

    def __init__(self, path: Path, expected: list[str], optional: set[str]) -> None:
        self.path = path
        self.name = path.name
        self.expected = expected
        self.optional = optional
        self.problems: list[Problem] = []

    def _problem(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.name, line, field, message))

    def rows(self, check_encoding: bool) -> Iterator[Row]:
        with _open_text(self.path) as text:
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                self._problem(0, "file", "the file is empty: expected a header row and records")
                return
            columns = [cell.strip() for cell in header]
            if not self._header_ok(columns):
                return
            width = len(columns)
            for cells in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines carry nothing
                if len(cells) != width:
                    self._problem(
                        line, "row", f"has {len(cells)} fields but the header has {width}"
                    )
                    continue
                values = dict(zip(columns, cells, strict=True))
                if check_encoding and self._undecodable(line, values):
                    continue
                yield Row(line, values)

    def _header_ok(self, columns: list[str]) -> bool:
        missing = [c for c in self.expected if c not in columns and c not in self.optional]
        if len(missing) == len([c for c in self.expected if c not in self.optional]):
            self._problem(
                1,
                "header",
                "the first line is not a header: expected the columns "
                + ", ".join(c for c in self.expected if c not in self.optional),
            )
            return False
        for column in missing:
            self._problem(1, "header", f"the column {column!r} is missing")
        duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
        for column in duplicated:
            self._problem(1, "header", f"the column {column!r} appears more than once")
        return not missing and not duplicated

    def _undecodable(self, line: int, values: dict[str, str]) -> bool:
        bad = [column for column, value in values.items() if _UNDECODABLE.search(value)]
        for column in bad:
            self._problem(line, column, "is not valid UTF-8 text; save the file as UTF-8")
        return bool(bad)
