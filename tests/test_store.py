"""The schema itself protects what must never change."""

from datetime import date

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from caselink.store.db import Database
from caselink.store.migrate import current_revision, head_revision
from caselink.store.models import APPEND_ONLY_TABLES, Agency, Area, Case, Decision, Event, Import


def _a_case(db: Database) -> int:
    with db.transaction() as session:
        force = Area(code="F-NM", name="Northmoor", kind="force_area")
        session.add(force)
        session.flush()
        session.add(
            Agency(code="POL-NM", name="Northmoor Police", kind="police_force", area_id=force.id)
        )
        case = Case(
            reference="NM/2024/1", force_area_id=force.id, opened_on=date(2024, 1, 5), status="open"
        )
        session.add(case)
        session.flush()
        return case.id


def test_schema_is_at_the_newest_revision(db: Database) -> None:
    assert current_revision(db) == head_revision() is not None


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_every_append_only_table_has_its_guard(db: Database, table: str) -> None:
    # The guard is a trigger in the schema; look for it by name in the catalogue.
    if db.dialect == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name=:t"
    else:
        query = "SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass)"
    with db.engine.connect() as connection:
        assert connection.execute(text(query), {"t": table}).scalar_one() >= 2


def test_a_decision_cannot_be_edited_or_deleted(db: Database) -> None:
    case_id = _a_case(db)
    with db.transaction() as session:
        session.add(
            Decision(
                case_id=case_id,
                kind="closure",
                outcome="no further action",
                reason="Victim withdrew support; reviewed by DI.",
            )
        )
    for statement in ("UPDATE decisions SET reason = 'nothing'", "DELETE FROM decisions"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    with db.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT reason FROM decisions"))
            .scalar_one()
            .startswith("Victim withdrew")
        )


def test_events_and_imports_refuse_deletion(db: Database) -> None:
    case_id = _a_case(db)
    with db.transaction() as session:
        session.add(Event(case_id=case_id, kind="missing_episode", occurred_on=date(2024, 2, 1)))
        session.execute(
            insert(Import).values(kind="x", file_name="f.csv", file_sha256="0" * 64, row_count=0)
        )
    for table in ("events", "imports"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table}"))


def test_truncate_is_refused_on_postgres(db: Database) -> None:
    if db.dialect != "postgresql":
        return  # SQLite has no TRUNCATE; DELETE is guarded instead
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text("TRUNCATE decisions CASCADE"))


def test_a_decision_needs_a_reason(db: Database) -> None:
    case_id = _a_case(db)
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Decision(case_id=case_id, kind="closure", outcome="nfa", reason="   "))


def test_a_case_cannot_close_before_it_opened(db: Database) -> None:
    _a_case(db)
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(
            Case(
                reference="NM/2024/2",
                force_area_id=1,
                status="closed",
                opened_on=date(2024, 3, 1),
                closed_on=date(2024, 2, 1),
            )
        )
