"""The priority score: named factors with their points, weights as versioned configuration,
links to other cases, and never ethnicity, nationality or religion."""

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.review import columns, scoring
from caselink.review import weights as review_weights
from caselink.review.casefile import RowReader, raw_rows
from caselink.review.importing import import_file
from caselink.review.priorities import score_cases, score_store
from caselink.review.scoring import CaseFacts, Link, SharedValue
from caselink.store.db import Database
from caselink.store.models import Area, Case, CaseEntity, ReviewCase, ReviewScore
from caselink.synth.closed_cases import closed_cases
from tests.support.review import ROWS, add_forces, write_cases

AS_OF = date(2026, 11, 1)
WEIGHTS = review_weights.load()


@pytest.fixture
def forces(db: Database) -> None:
    add_forces(db)


def _facts(**changes: object) -> CaseFacts:
    base = CaseFacts(
        reference="X/1",
        offences=("sexual_assault",),
        victim_age=15,
        victim_count=1,
        closure_reason="evidential_difficulties",
        suspects_interviewed="yes",
        missing_episodes=0,
        closed_on=date(2012, 1, 1),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _points(facts: CaseFacts, shared: dict[str, list[SharedValue]] | None = None) -> dict[str, int]:
    result = scoring.score(facts, shared or {}, WEIGHTS, AS_OF)
    assert result.total == sum(f.points for f in result.factors)
    return {f.code: f.points for f in result.factors}


def test_each_factor_shows_its_points() -> None:
    assert _points(_facts()) == {"offence": 12, "victim_under_16": 8}
    worst = _points(
        _facts(
            offences=("rape", "trafficking"),
            victim_age=11,
            victim_count=3,
            closure_reason="lifestyle_choice",
            suspects_interviewed="no",
            missing_episodes=7,
            closed_on=date(2024, 11, 1),
        )
    )
    assert worst == {
        "offence": 30,
        "penetrative_under_16": 15,
        "victim_under_13": 15,
        "closure_reason": 20,
        "not_interviewed": 12,
        "missing": 15,
        "victims": 12,
        "recent_closure": 9,
    }


def test_rape_of_a_young_child_outranks_lesser_offences() -> None:
    rape = scoring.score(_facts(offences=("rape",), victim_age=12), {}, WEIGHTS, AS_OF)
    images = scoring.score(_facts(offences=("indecent_images",), victim_age=12), {}, WEIGHTS, AS_OF)
    older = scoring.score(_facts(offences=("rape",), victim_age=17), {}, WEIGHTS, AS_OF)
    assert rape.total > older.total > images.total


def test_a_reason_that_cannot_apply_to_a_child_counts_only_for_a_child() -> None:
    assert "closure_reason" in _points(_facts(closure_reason="consent", victim_age=15))
    assert "closure_reason" in _points(_facts(closure_reason="consent", victim_age=None))
    assert "closure_reason" not in _points(_facts(closure_reason="consent", victim_age=19))
    assert "closure_reason" not in _points(_facts(closure_reason="victim_withdrew"))


def test_shared_values_count_each_other_case_once_up_to_a_cap() -> None:
    a, b, c = Link("R/2", "review"), Link("R/3", "review"), Link("NM/9", "case")
    shared = {
        "phone": [SharedValue("07700 900123", (a, b)), SharedValue("07700 900999", (a,))],
        "suspect": [SharedValue("Darren Holt", (a, b, c, Link("R/4", "review")))],
    }
    points = _points(_facts(), shared)
    assert points["shared_phone"] == 10  # two other cases, 5 each
    assert points["shared_suspect"] == 24  # four other cases, capped at 24


def test_weights_are_versioned_configuration(tmp_path: Path) -> None:
    data = json.loads(review_weights.DEFAULT.read_text())
    data["version"] = "test-v2"
    data["offence_seriousness"]["sexual_assault"] = 40
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data))
    changed = review_weights.load(path)
    assert (changed.version, WEIGHTS.version) == ("test-v2", "2026-11-v1")
    assert changed.digest != WEIGHTS.digest
    assert scoring.score(_facts(), {}, changed, AS_OF).factors[0].points == 40
    data["offence_seriousness"]["sexual_assault"] = -1
    path.write_text(json.dumps(data))
    with pytest.raises(review_weights.WeightsError, match="sexual_assault"):
        review_weights.load(path)


def test_ethnicity_nationality_and_religion_are_not_facts_of_a_score() -> None:
    facts = {f.name for f in dataclasses.fields(CaseFacts)}
    assert not facts & set(columns.PROTECTED)
    assert not {w for w in ("ethnic", "nationality", "religion") if any(w in f for f in facts)}


def test_changing_ethnicity_nationality_or_religion_changes_no_score(
    db: Database, forces: None, tmp_path: Path
) -> None:
    rows, _ = closed_cases(300, seed=7)
    for row in rows:
        row["force"] = "F-NORTH" if row["force"] in ("NM", "AV", "BK") else "F-SOUTH"
    swapped = [dict(row) for row in rows]
    for row in swapped:
        row.update(
            victim_ethnicity="Asian Pakistani",
            victim_nationality="Romanian",
            victim_religion="Muslim",
            suspect_ethnicities="Black African;White Other",
            suspect_nationalities="Nigerian;Polish",
        )
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    for path, data in ((first, rows), (second, swapped)):
        write_cases(path, {r["case_reference"]: r for r in data})

    def scores(path: Path) -> list[tuple[str, int, str]]:
        problems: list[object] = []
        reader = RowReader(path.name, problems)  # type: ignore[arg-type]
        cases = [c for c in (reader.read(r) for r in raw_rows(path, problems)) if c]  # type: ignore[arg-type]
        assert not problems and len(cases) == 300
        return [(ref, s.total, s.factors_json()) for ref, s in score_cases(cases, WEIGHTS, AS_OF)]

    assert scores(first) == scores(second)
    # And through the store: the stored scores equal those of the swapped file.
    import_file(db, first)
    score_store(db, WEIGHTS, as_of=AS_OF)
    with db.transaction() as session:
        stored = {
            ref: (total, factors)
            for ref, total, factors in session.execute(
                select(ReviewCase.reference, ReviewScore.score, ReviewScore.factors).join(
                    ReviewScore, ReviewScore.id == ReviewCase.score_id
                )
            )
        }
    assert stored == {ref: (total, factors) for ref, total, factors in scores(second)}


def test_scoring_the_store_links_cases_and_records_the_weights(
    db: Database, forces: None, tmp_path: Path
) -> None:
    # A case already in the store names REV/2's suspect's phone.
    with db.transaction() as session:
        south = session.scalars(select(Area).where(Area.code == "F-SOUTH")).one()
        case = Case(
            reference="SOUTH/77", force_area_id=south.id, opened_on=date(2020, 1, 1), status="open"
        )
        session.add(case)
        session.flush()
        session.add(
            CaseEntity(case_id=case.id, kind="phone", value="0161 496 0000", relation="uses_phone")
        )
    rows = {**ROWS, "REV/2": {**ROWS["REV/2"], "phones": "+44 161 496 0000"}}
    import_file(db, write_cases(tmp_path / "closed.csv", rows))
    run = score_store(db, WEIGHTS, as_of=AS_OF)
    assert (run.cases, run.changed, run.weights_version) == (3, 3, "2026-11-v1")
    with db.transaction() as session:
        scored = {
            ref: (band, version, scoring.factors_from_json(factors))
            for ref, band, version, factors in session.execute(
                select(
                    ReviewCase.reference,
                    ReviewCase.band,
                    ReviewScore.weights_version,
                    ReviewScore.factors,
                ).join(ReviewScore, ReviewScore.id == ReviewCase.score_id)
            )
        }
    band, version, factors = scored["REV/1"]
    assert band == "high" and version == "2026-11-v1"
    by_code = {f.code: f for f in factors}
    assert by_code["shared_suspect"].links == (Link("REV/3", "review"),)
    assert by_code["shared_phone"].links == (Link("REV/3", "review"),)
    assert by_code["shared_vehicle"].points == 5 and "shared_address" in by_code
    assert {f.code: f.links for f in scored["REV/2"][2]}["shared_phone"] == (
        Link("SOUTH/77", "case"),
    )
    assert scored["REV/2"][0] == "low"


def test_re_scoring_keeps_unchanged_scores_and_adds_rows_for_new_weights(
    db: Database, forces: None, tmp_path: Path
) -> None:
    import_file(db, write_cases(tmp_path / "closed.csv"))
    score_store(db, WEIGHTS, as_of=AS_OF)
    assert score_store(db, WEIGHTS, as_of=AS_OF).changed == 0
    data = json.loads(review_weights.DEFAULT.read_text())
    data["version"] = "test-v2"
    data["offence_seriousness"]["sexual_communication"] = 9
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(data))
    assert score_store(db, review_weights.load(path), as_of=AS_OF).changed == 3
    with db.transaction() as session:
        versions = session.execute(
            select(ReviewScore.weights_version, func.count()).group_by(ReviewScore.weights_version)
        ).all()
    assert sorted(versions) == [("2026-11-v1", 3), ("test-v2", 3)]
