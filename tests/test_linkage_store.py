"""Linking the stored person records: persons written, incremental runs, re-linking, and
analysts' decisions stored, ledgered and followed by later runs. SQLite and PostgreSQL."""

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from caselink.ledger import Actor
from caselink.linkage.decisions import DecisionRefused, decide
from caselink.linkage.persons import link_stored
from caselink.store.db import Database
from caselink.store.models import (
    LedgerEntry,
    LinkageModelVersion,
    LinkCandidate,
    LinkDecision,
    Person,
    PersonRecord,
)
from tests.support.linkage import PEOPLE, load_more, load_world, others

logging.getLogger("splink").setLevel(logging.ERROR)
SYSTEM = Actor("cli:test")
ANALYST = Actor("analyst-n")


@pytest.fixture
def world(db: Database, tmp_path: Path) -> Database:
    load_world(db, tmp_path, PEOPLE + others(150))
    return db


def _persons(db: Database) -> dict[str, str | None]:
    with db.transaction() as session:
        rows = session.execute(
            select(PersonRecord.record_id, Person.person_key).outerjoin(
                Person, Person.id == PersonRecord.person_id
            )
        )
        return {r: k for r, k in rows}


def _candidate(db: Database, a: str, b: str) -> LinkCandidate:
    with db.transaction() as session:
        ids = {
            r: i
            for r, i in session.execute(
                select(PersonRecord.record_id, PersonRecord.id).where(
                    PersonRecord.record_id.in_([a, b])
                )
            )
        }
        first, second = sorted((ids[a], ids[b]))
        found = session.scalars(
            select(LinkCandidate)
            .where(LinkCandidate.record_a_id == first, LinkCandidate.record_b_id == second)
            .order_by(LinkCandidate.id.desc())
        ).first()
        assert found is not None, f"{a} and {b} should be waiting for review"
        return found


def _ledgered(db: Database, action: str, object_type: str) -> int:
    with db.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.action == action, LedgerEntry.object_type == object_type)
            )
            or 0
        )


def test_a_first_run_links_every_record_and_ledgers_each_link(world: Database) -> None:
    run = link_stored(world, SYSTEM)
    assert (run.kind, run.records_read, run.records_linked) == ("full", 159, 159)
    persons = _persons(world)
    assert all(persons.values()), "every record belongs to a person"
    assert persons["L-ELIZ-1"] == persons["L-ELIZ-2"] == persons["L-ELIZ-3"]
    assert persons["L-DARREN-1"] == persons["L-DARREN-2"] != persons["L-ELIZ-1"]
    assert persons["L-UNSURE-1"] != persons["L-UNSURE-2"]
    assert run.candidates >= 2
    _candidate(world, "L-UNSURE-1", "L-UNSURE-2")
    _candidate(world, "L-CROSS-1", "L-CROSS-2")
    assert _ledgered(world, "link", "person_record") == 159
    assert _ledgered(world, "create", "linkage_model") == 1
    with world.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LinkageModelVersion)) == 1
    again = link_stored(world, SYSTEM)
    assert again.run_id is None, "nothing new: nothing is re-scored or rewritten"


def test_new_records_join_existing_persons_and_nothing_else_moves(
    world: Database, tmp_path: Path
) -> None:
    link_stored(world, SYSTEM)
    before = _persons(world)
    load_more(
        world,
        tmp_path / "more.csv",
        [
            [
                "L-ELIZ-4",
                "CSC-NM-A",
                "Beth",
                "Marsh",
                "2010-04-03",
                "F",
                "NM1 4QX",
                "12 Alder Street",
                "",
                "",
                "",
            ],
            [
                "L-NEW-1",
                "POL-NM",
                "Siobhan",
                "Ferriday",
                "1999-09-09",
                "F",
                "NM1 5RR",
                "",
                "",
                "",
                "",
            ],
        ],
    )
    run = link_stored(world, SYSTEM)
    assert (run.kind, run.records_linked, run.persons_created) == ("incremental", 2, 1)
    assert run.model_version == 1, "the stored model is reused, not retrained"
    after = _persons(world)
    assert {r: after[r] for r in before} == before
    assert after["L-ELIZ-4"] == before["L-ELIZ-1"]
    assert after["L-NEW-1"] not in before.values()


def test_decisions_are_stored_ledgered_and_followed_by_later_runs(world: Database) -> None:
    link_stored(world, SYSTEM)
    unsure = _candidate(world, "L-UNSURE-1", "L-UNSURE-2")
    cross = _candidate(world, "L-CROSS-1", "L-CROSS-2")
    with world.transaction() as session:
        decide(session, ANALYST, unsure, "confirm", "Same school, same GP practice")
        decide(session, ANALYST, cross, "reject", "Westdale record is the cousin")
    persons = _persons(world)
    assert persons["L-UNSURE-1"] == persons["L-UNSURE-2"]
    assert _ledgered(world, "decide", "link_candidate") == 2
    # Even at a threshold that would link them, a rejected pair stays apart.
    run = link_stored(world, SYSTEM, relink=["L-CROSS-2", "L-UNSURE-2"], link_threshold=0.5)
    assert run.kind == "relink"
    persons = _persons(world)
    assert persons["L-CROSS-1"] != persons["L-CROSS-2"]
    assert persons["L-UNSURE-1"] == persons["L-UNSURE-2"], "a confirmed pair stays together"
    with world.transaction() as session:
        decided = {(d.record_a_id, d.record_b_id) for d in session.scalars(select(LinkDecision))}
        again = session.scalars(select(LinkCandidate).where(LinkCandidate.run_id == run.run_id))
        assert not {(c.record_a_id, c.record_b_id) for c in again} & decided, "decided pairs"


def test_rejecting_two_linked_records_detaches_one_until_the_next_run(world: Database) -> None:
    run = link_stored(world, SYSTEM)
    with world.transaction() as session:
        ids = {r: i for r, i in session.execute(select(PersonRecord.record_id, PersonRecord.id))}
        first, second = sorted((ids["L-ELIZ-1"], ids["L-ELIZ-2"]))
        candidate = LinkCandidate(
            run_id=run.run_id,
            record_a_id=first,
            record_b_id=second,
            match_probability=0.99,
            match_weight=7.0,
            evidence='{"bars":[],"match_weight":7.0,"match_probability":0.99}',
        )
        session.add(candidate)
        session.flush()
        decide(session, ANALYST, candidate, "reject", "Different mothers on the birth records")
    detached = "L-ELIZ-2" if second == ids["L-ELIZ-2"] else "L-ELIZ-1"
    assert _persons(world)[detached] is None
    assert _ledgered(world, "unlink", "person_record") == 1
    link_stored(world, SYSTEM)
    persons = _persons(world)
    assert persons["L-ELIZ-2"] is not None and persons["L-ELIZ-2"] != persons["L-ELIZ-1"]


def test_a_decision_needs_a_reason_and_can_never_be_changed(world: Database) -> None:
    link_stored(world, SYSTEM)
    unsure = _candidate(world, "L-UNSURE-1", "L-UNSURE-2")
    with pytest.raises(DecisionRefused, match="reason"), world.transaction() as session:
        decide(session, ANALYST, unsure, "confirm", "   ")
    with pytest.raises(DecisionRefused), world.transaction() as session:
        decide(session, ANALYST, unsure, "maybe", "not sure")
    with world.transaction() as session:
        decide(session, ANALYST, unsure, "reject", "Different people")
    with pytest.raises(DBAPIError), world.transaction() as session:
        session.execute(update(LinkDecision).values(decision="confirm"))


def test_relinking_an_unknown_record_is_refused_and_changes_nothing(world: Database) -> None:
    with pytest.raises(LookupError, match="NOPE"):
        link_stored(world, SYSTEM, relink=["NOPE"])
    assert not any(_persons(world).values())
