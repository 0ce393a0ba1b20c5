"""Inserting a batch of rows as one statement whose text does not depend on the batch's size.

On PostgreSQL the rows go in as one array per column (`INSERT ... SELECT * FROM unnest(...)`),
as the ledger's appends do: the statement is built once per table and set of columns, so the
driver does not re-parse a text as long as the batch on every call (Core's multi-row VALUES
would be), and the server can keep it prepared. Each value gets its column's own bind
processing first (a SealedText column is sealed), exactly as Core's insert would give it.
Elsewhere (SQLite) it is Core's insert, executemany.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, Table, TextClause, text
from sqlalchemy.dialects import sqlite

_Key = tuple[str, tuple[str, ...], str | None, tuple[str, ...]]
_STATEMENTS: dict[_Key, TextClause] = {}
_PROCESSORS: dict[tuple[str, str], Callable[[Any], Any] | None] = {}


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts_on: str | None = None,
    returning: tuple[str, ...] = (),
) -> list[Row[Any]]:
    """Insert `rows` (each with the same columns, in the same order) into `table`.

    `skip_conflicts_on`: a uniquely indexed column; a row that would repeat a value already
    there is skipped, not an error. `returning`: columns to give back for each row inserted.
    """
    if not rows:
        return []
    names = tuple(rows[0])
    if connection.dialect.name != "postgresql":
        core = sqlite.insert(table)
        if skip_conflicts_on:
            core = core.on_conflict_do_nothing(index_elements=[skip_conflicts_on])
        if returning:
            return list(connection.execute(core.returning(*(table.c[n] for n in returning)), rows))
        connection.execute(core, rows)
        return []
    key = (table.name, names, skip_conflicts_on, returning)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _array_insert(connection, table, key)
    arrays = {}
    for name in names:
        process = _processor(connection, table, name)
        values = [row[name] for row in rows]
        arrays[name] = [process(v) for v in values] if process else values
    result = connection.execute(statement, arrays)
    return list(result) if returning else []


def unnest_rows(columns: Sequence[tuple[str, str]], prefix: str = "") -> str:
    """`(a, b) SELECT * FROM unnest(CAST(:a AS type[]), ...)`: the part of an INSERT that
    takes its rows from one array parameter per column (named `prefix` + column)."""
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"CAST(:{prefix}{name} AS {kind}[])" for name, kind in columns)
    return f"({names}) SELECT * FROM unnest({arrays})"


def _array_insert(connection: Connection, table: Table, key: _Key) -> TextClause:
    _, names, skip_conflicts_on, returning = key
    dialect = connection.dialect
    columns = [(name, str(table.c[name].type.compile(dialect=dialect))) for name in names]
    sql = f"INSERT INTO {table.name} {unnest_rows(columns)}"
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({skip_conflicts_on}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return text(sql)


def _processor(connection: Connection, table: Table, name: str) -> Callable[[Any], Any] | None:
    key = (table.name, name)
    if key not in _PROCESSORS:
        dialect = connection.dialect
        _PROCESSORS[key] = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return _PROCESSORS[key]
