"""Reading one agency CSV file: its bytes, its header and its rows, with every problem found.

UTF-8 is checked in a fast first pass; only a file that fails it is read again field by field
so that each bad byte can be reported with its line and column.
"""

import codecs
import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caselink.loading.problems import Problem

_CHUNK = 1 << 20
# The csv module raises (an error, not a problem) on a field past its limit (131,072
# characters by default): such a row is reported as a problem with its line.
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept as surrogates
# Control characters (NUL, BEL, escape...; tab and line breaks are text) and the characters
# that reorder how text is displayed (a right-to-left override makes "ABC/1" show as "1/CBA"):
# refused in any field, as the report form refuses them.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


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
        rows = max(sum(1 for _ in _records(csv.reader(text), None)) - 1, 0)
    return FileFacts(digest.hexdigest(), size, valid, rows)


def _open_text(path: Path):  # type: ignore[no-untyped-def]
    # utf-8-sig drops the byte-order mark spreadsheet programs write.
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def _records(reader: Any, failed: Callable[[int, str], None] | None) -> Iterator[list[str]]:
    """The reader's records, calling `failed(line, why)` for one it cannot read (a field
    past the csv module's limit) and going on with the next; bounded by the file, since
    each error consumes input."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if failed is not None:
                failed(reader.line_num, _unreadable(error))


def _unreadable(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"has a field longer than {csv.field_size_limit():,} characters"
    return f"cannot be read as CSV ({error})"


def not_text(value: str) -> str | None:
    """Why `value` cannot be accepted as text (a control or direction character), or None."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    kind = "control" if ord(char) < 0xA0 else "text-direction"
    return f"contains a {kind} character (U+{ord(char):04X}) that is not allowed: remove it"


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
            records = _records(reader, lambda line, why: self._problem(line, "row", why))
            header = next(records, None)
            if header is None or not any(cell.strip() for cell in header):
                self._problem(0, "file", "the file is empty: expected a header row and records")
                return
            columns = [cell.strip() for cell in header]
            if not self._header_ok(columns):
                return
            width = len(columns)
            for cells in records:
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
                if self._not_text(line, cells, values):
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

    def _not_text(self, line: int, cells: list[str], values: dict[str, str]) -> bool:
        if _NOT_TEXT.search("".join(cells)) is None:  # one search for the whole row
            return False
        for column, value in values.items():
            if why := not_text(value):
                self._problem(line, column, why)
        return True

    def _undecodable(self, line: int, values: dict[str, str]) -> bool:
        bad = [column for column, value in values.items() if _UNDECODABLE.search(value)]
        for column in bad:
            self._problem(line, column, "is not valid UTF-8 text; save the file as UTF-8")
        return bool(bad)
