"""A batch inserted as one array statement stores exactly what Core's insert would: every
type, missing values (a column missing from every row too), sealed text sealed, and rows
that repeat a unique value skipped with only the new ones given back."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

from caselink.store.bulk import insert_rows
from caselink.store.db import Database
from caselink.store.sealed import PREFIX, SealedText

_metadata = MetaData()
_SAMPLES = Table(
    "bulk_samples",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(40), unique=True),
    Column("note", Text),
    Column("secret", SealedText("bulk_samples.secret")),
    Column("born", Date),
    Column("at", DateTime(timezone=True)),
    Column("flag", Boolean),
    Column("count", Integer),
)
_ROWS: list[dict[str, Any]] = [
    {
        "key": "a",
        "note": 'it\'s "quoted", {braced} and\nnew-lined',
        "secret": "the child's address",
        "born": date(2012, 2, 29),
        "at": datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        "flag": True,
        "count": None,
    },
    {
        "key": "b",
        "note": None,
        "secret": None,
        "born": None,
        "at": datetime(2026, 11, 24, 9, 31, tzinfo=UTC),
        "flag": False,
        "count": None,
    },
]


@pytest.fixture
def samples(db: Database) -> Database:
    _metadata.create_all(db.engine)
    return db


def _stored(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as s:
        rows = s.execute(select(_SAMPLES).order_by(_SAMPLES.c.key)).mappings()
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def test_rows_are_stored_as_given_and_sealed_text_is_sealed(samples: Database) -> None:
    with samples.transaction() as s:
        assert insert_rows(s.connection(), _SAMPLES, _ROWS) == []
    stored = _stored(samples)
    for row in stored:  # SQLite gives naive datetimes back
        row["at"] = row["at"].replace(tzinfo=UTC)
    assert stored == _ROWS
    with samples.transaction() as s:
        raw = s.execute(text("SELECT secret FROM bulk_samples WHERE key = 'a'")).scalar_one()
    assert raw.startswith(PREFIX) and "address" not in raw


def test_repeats_of_a_unique_value_are_skipped_and_only_new_rows_come_back(
    samples: Database,
) -> None:
    with samples.transaction() as s:
        insert_rows(s.connection(), _SAMPLES, _ROWS[:1])
    again = [{**_ROWS[0], "note": "a repeat"}, _ROWS[1]]
    with samples.transaction() as s:
        back = insert_rows(
            s.connection(), _SAMPLES, again, skip_conflicts_on="key", returning=("key", "id")
        )
    assert [row.key for row in back] == ["b"] and isinstance(back[0].id, int)
    assert [row["note"] for row in _stored(samples)] == [_ROWS[0]["note"], None]


def test_an_empty_batch_does_nothing(samples: Database) -> None:
    with samples.transaction() as s:
        assert insert_rows(s.connection(), _SAMPLES, [], returning=("id",)) == []
    assert _stored(samples) == []
