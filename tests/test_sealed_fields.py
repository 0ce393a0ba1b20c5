"""Special-category text is encrypted at rest, readable through caselink, and rotatable."""

import os
from datetime import date
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text

from caselink.ledger.state import check_state
from caselink.store.db import Database
from caselink.store.models import Area, Case, Event
from caselink.store.rotation import rotate
from caselink.store.sealed import Keyring, active_keyring
from tests.support.ledger import created, file_report

NARRATIVE = "She said the man at the takeaway gave her vodka and a phone."


def _disclosure(db: Database) -> int:
    with db.transaction() as session:
        force = Area(code="F-NM", name="Northmoor", kind="force_area")
        session.add(force)
        session.flush()
        case = Case(
            reference="NM/1",
            force_area_id=force.id,
            opened_on=date(2024, 1, 2),
            status="open",
            summary="Child sexual exploitation concern",
        )
        session.add(case)
        session.flush()
        event = Event(
            case_id=case.id, kind="disclosure", occurred_on=date(2024, 1, 3), detail=NARRATIVE
        )
        session.add(event)
        session.flush()
        # Written as caselink writes them, so the audit can confirm rotation kept their text.
        created(session, "case", [case.id])
        created(session, "event", [event.id])
        return event.id


def _raw(db: Database, sql: str) -> str:
    with db.engine.connect() as connection:
        return str(connection.execute(text(sql)).scalar_one())


def test_narratives_are_ciphertext_in_the_database(db: Database) -> None:
    event_id = _disclosure(db)
    stored = _raw(db, f"SELECT detail FROM events WHERE id = {event_id}")
    assert stored.startswith("enc:v1:") and "takeaway" not in stored
    with db.transaction() as session:
        assert session.get(Event, event_id).detail == NARRATIVE  # type: ignore[union-attr]


def test_a_sealed_value_moved_to_another_column_does_not_open(db: Database) -> None:
    event_id = _disclosure(db)
    stored = _raw(db, f"SELECT detail FROM events WHERE id = {event_id}")
    with pytest.raises(InvalidTag):
        active_keyring().open(stored, "cases.summary")


def test_rotation_reseals_everything_and_keeps_content(db: Database, tmp_path: Path) -> None:
    event_id = _disclosure(db)
    report_id = file_report(db, "A nurse saw bruising consistent with restraint")
    path = Path(os.environ["CASELINK_FIELD_KEYS"])
    before = Keyring.load(path)
    new, count = rotate(db, path)
    assert count == 3 and new.current != before.current and before.current in new.keys
    stored = _raw(db, f"SELECT detail FROM events WHERE id = {event_id}")
    assert new.key_of(stored) == new.current
    with db.transaction() as session:
        assert session.scalars(select(Event.detail)).one() == NARRATIVE
        assert check_state(session) == [], "the ledger confirms no report content changed"
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM reports WHERE id = {report_id}"))
