"""The NHS number as the consistent identifier: one check (people/nhs.py) used by synth,
linkage, loading and search; shown 3-3-4; and a record whose valid NHS number differs from
the rest of its linked person goes to the analyst's review queue with the reason."""

import json
import logging
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select

from caselink.domain import INTERCHANGE_COLUMNS
from caselink.ledger import Actor
from caselink.linkage import normalise
from caselink.linkage.nhs_conflicts import REASON, conflicts
from caselink.linkage.persons import link_stored
from caselink.loading.loader import load_file
from caselink.loading.problems import LoadRejected
from caselink.loading.specs import PERSON_RECORDS
from caselink.people import nhs
from caselink.store.db import Database
from caselink.store.models import LinkCandidate, Person, PersonRecord, PersonSearchKey
from caselink.synth import is_valid_nhs_number
from tests.support.linkage import PEOPLE, load_world, others

logging.getLogger("splink").setLevel(logging.ERROR)
OTHER = "9000001242"  # valid, and not Elizabeth's 943 476 5919


def test_one_check_everywhere_and_shown_3_3_4() -> None:
    assert nhs.is_valid(OTHER) and nhs.is_valid("943 476 5919") and nhs.is_valid("943-476-5919")
    assert is_valid_nhs_number is nhs.is_valid  # synth uses the same check
    assert normalise.nhs_number("943 476 5918") is None  # fails: never linkage evidence
    assert normalise.nhs_number("943 476 5919") == "9434765919"
    assert nhs.display("9434765919") == nhs.display(" 943-476-5919 ") == "943 476 5919"
    assert nhs.problem("9434765918") == (
        "943 476 5918 fails its check digit: check it was copied correctly"
    )
    assert nhs.problem("94347659") == "must be 10 digits, like 943 476 5919"


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(INTERCHANGE_COLUMNS))


def test_a_record_whose_number_differs_from_its_persons_is_paired_for_review() -> None:
    rows = [
        ["A", "POL", "Amy", "Stone", "2010-05-01", "F", "", "", "9434765919", "", ""],
        ["B", "NHS", "Amy", "Stone", "2010-05-01", "F", "", "", "943 476 5919", "", ""],
        ["C", "SCH", "Amy", "Stone", "2010-05-01", "F", "", "", OTHER, "", ""],
        ["D", "CSC", "Amy", "Stone", "2010-05-01", "F", "", "", "9434765918", "", ""],
    ]
    prepared = normalise.prepare(_frame(rows))
    person_of = dict.fromkeys("ABCD", "P1")
    no_pairs = pd.DataFrame({"unique_id_l": [], "unique_id_r": []})
    found = conflicts(prepared, person_of, no_pairs, ["P1"], {})
    # C holds another valid number; D's fails its check digit, so it is no conflict.
    assert [(a, b) for a, b, _ in found] == [("A", "C")]
    assert json.loads(found[0][2])["reason"] == REASON
    assert conflicts(prepared, person_of, no_pairs, ["P2"], {}) == []  # not touched by the run
    assert conflicts(prepared, person_of, no_pairs, ["P1"], {("A", "C"): "confirm"}) == []


def test_the_loader_checks_the_number_and_counts_check_digit_failures(
    db: Database, tmp_path: Path
) -> None:
    load_world(db, tmp_path, PEOPLE[:1])
    bad = tmp_path / "bad.csv"
    header = ",".join(INTERCHANGE_COLUMNS)
    bad.write_text(f"{header}\nX-1,POL-NM,Ann,Lee,,,,,94347AB919,,\n", encoding="utf-8")
    with pytest.raises(LoadRejected) as rejected:
        load_file(db, bad, PERSON_RECORDS)
    problem = rejected.value.problems[0]
    assert (problem.line, problem.field) == (2, "nhs_number")
    assert "must be 10 digits" in problem.message
    with db.transaction() as session:  # nothing stored
        assert (
            session.scalar(select(PersonRecord.id).where(PersonRecord.record_id == "X-1")) is None
        )


def test_a_stored_conflict_goes_to_the_analysts_queue(db: Database, tmp_path: Path) -> None:
    # A fourth Elizabeth Marsh, agreeing on everything but holding another valid NHS number.
    fourth = ["L-ELIZ-4", "CSC-NM-A", "Elizabeth", "Marsh", "2010-04-03", "F", "NM1 4QX",
              "12 Alder Street", OTHER, "07700 900123", "liz.marsh@example.com"]  # fmt: skip
    load_world(db, tmp_path, [*PEOPLE, fourth, *others(150)])
    link_stored(db, Actor("cli:test"))
    with db.transaction() as session:
        person = dict(
            session.execute(
                select(PersonRecord.record_id, Person.person_key).join(
                    Person, Person.id == PersonRecord.person_id
                )
            ).all()
        )
        ids = dict(session.execute(select(PersonRecord.record_id, PersonRecord.id)).all())
        candidates = session.scalars(select(LinkCandidate)).all()
        pairs = {(c.record_a_id, c.record_b_id): c for c in candidates}
        # Search keys were written by the run for records stored without them.
        assert (
            session.scalar(
                select(PersonSearchKey.person_record_id).where(PersonSearchKey.value == OTHER)
            )
            == ids["L-ELIZ-4"]
        )
    # Everything else agrees, so linkage joins it to Elizabeth despite the numbers...
    assert person["L-ELIZ-4"] == person["L-ELIZ-1"] == person["L-ELIZ-3"]
    # ...and an analyst is asked, with the reason, rather than the conflict passing silently.
    pair = tuple(sorted((ids["L-ELIZ-1"], ids["L-ELIZ-4"])))
    assert pair in pairs, "a linked record with another NHS number must be reviewed"
    assert json.loads(pairs[pair].evidence)["reason"] == REASON
