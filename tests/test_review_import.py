"""Importing closed cases for review: CSV and Parquet, all or nothing, re-runnable, every
problem named by file, line and field."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.loading import LoadRejected
from caselink.review.importing import import_file
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, ReviewCase, ReviewCaseItem
from caselink.synth.closed_cases import write_closed_cases
from tests.support.review import ROWS, add_forces, write_cases


@pytest.fixture
def forces(db: Database) -> None:
    add_forces(db)


def _count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ReviewCase)) or 0


def _problems(db: Database, path: Path) -> list[str]:
    before = _count(db)
    with pytest.raises(LoadRejected) as rejected:
        import_file(db, path)
    assert _count(db) == before, "a rejected file must leave nothing behind"
    return [str(p) for p in rejected.value.problems]


def test_a_good_file_imports_every_case_with_its_items(
    db: Database, forces: None, tmp_path: Path
) -> None:
    result = import_file(db, write_cases(tmp_path / "closed.csv"))
    assert (result.rows_in_file, result.inserted, result.already_present) == (3, 3, 0)
    with db.transaction() as session:
        case = session.scalars(select(ReviewCase).where(ReviewCase.reference == "REV/1")).one()
        assert (case.victim_age, case.victim_count, case.closure_reason) == (11, 2, "consent")
        assert case.offences == "rape;causing_child_sexual_exploitation"
        assert case.closure_note == "Officer wrote that the girl went willingly."
        assert case.status == "unreviewed" and case.score is None
        keys = dict(
            session.execute(
                select(ReviewCaseItem.kind, ReviewCaseItem.key).where(
                    ReviewCaseItem.review_case_id == case.id, ReviewCaseItem.kind != "suspect"
                )
            ).all()
        )
        assert keys == {
            "phone": "07700900123",
            "vehicle": "NM19ABC",
            "address": "12 alder street ashby vale",
        }
        imports = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action == "import")
        )
    assert imports == 1


def test_the_closing_note_is_encrypted_at_rest(db: Database, forces: None, tmp_path: Path) -> None:
    import_file(db, write_cases(tmp_path / "closed.csv"))
    with db.engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT closure_note FROM review_cases WHERE reference = 'REV/1'"
        ).scalar_one()
    assert stored.startswith("enc:v1:") and "willingly" not in stored


def test_re_running_neither_duplicates_nor_drops(
    db: Database, forces: None, tmp_path: Path
) -> None:
    path = write_cases(tmp_path / "closed.csv")
    first = import_file(db, path)
    again = import_file(db, path)
    assert again.skipped_identical_file and again.import_id == first.import_id
    # A later file repeating the three cases unchanged and adding one: only the new one is added.
    more = dict(ROWS)
    more["REV/4"] = {**ROWS["REV/2"], "suspects": "Ian Webb"}
    result = import_file(db, write_cases(tmp_path / "more.csv", more))
    assert (result.inserted, result.already_present) == (1, 3)
    assert _count(db) == 4
    with db.transaction() as session:
        items = session.scalar(select(func.count()).select_from(ReviewCaseItem))
    assert items == 11


def test_a_changed_case_is_refused_not_overwritten(
    db: Database, forces: None, tmp_path: Path
) -> None:
    import_file(db, write_cases(tmp_path / "closed.csv"))
    changed = {"REV/1": {**ROWS["REV/1"], "victim_age": "15", "phones": "07700 900999"}}
    problems = _problems(db, write_cases(tmp_path / "changed.csv", changed))
    assert problems == [
        "changed.csv:2: case_reference: 'REV/1' is already stored with different victim_age, items"
    ]


def test_every_bad_row_is_named_by_line_and_field_and_nothing_is_stored(
    db: Database, forces: None, tmp_path: Path
) -> None:
    bad = {
        "REV/1": {**ROWS["REV/1"], "closed_on": "2016-02-30"},
        "REV/2": {**ROWS["REV/2"], "force": "F-NOWHERE"},
        "REV/3": {**ROWS["REV/3"], "offences": "rape;stealing", "victim_age": "fourteen"},
        "REV/4": {**ROWS["REV/2"], "closure_reason": "bad luck", "closed_on": "2011-01-01"},
        "REV/5": {**ROWS["REV/2"], "suspects": "Paul Grant (1979-13-03)"},
    }
    text = write_cases(tmp_path / "bad.csv", bad).read_text()
    path = tmp_path / "bad.csv"
    path.write_text(text + text.splitlines()[2] + "\n")  # REV/2 again, on line 7
    problems = _problems(db, path)
    assert problems[0] == "bad.csv:2: closed_on: '2016-02-30' is not a real calendar date"
    assert "bad.csv:3: force: no force area has the code 'F-NOWHERE'" in problems
    assert any(p.startswith("bad.csv:4: offences: unknown code 'stealing'") for p in problems)
    assert "bad.csv:4: victim_age: 'fourteen' is not a whole number" in problems
    assert any(p.startswith("bad.csv:5: closure_reason: unknown code 'bad luck'") for p in problems)
    assert "bad.csv:5: closed_on: 2011-01-01 is before reported_on 2012-01-10" in problems
    assert any(p.startswith("bad.csv:6: suspects: 'Paul Grant (1979-13-03)'") for p in problems)
    assert "bad.csv:7: force: no force area has the code 'F-NOWHERE'" in problems


def test_a_file_without_the_required_columns_is_refused(
    db: Database, forces: None, tmp_path: Path
) -> None:
    path = tmp_path / "short.csv"
    path.write_text("case_reference,force\nREV/9,F-NORTH\n")
    problems = _problems(db, path)
    assert "short.csv:1: header: the column 'closed_on' is missing" in problems


def test_parquet_with_typed_and_list_columns_imports(
    db: Database, forces: None, tmp_path: Path
) -> None:
    written = write_closed_cases(tmp_path / "closed.parquet", 40, seed=3)
    # The generator writes the synthetic forces' codes; map them onto this world's two.
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(written.path)
    forces = pc.if_else(pc.equal(table["force"], "NM"), "F-NORTH", "F-SOUTH")
    table = table.set_column(table.schema.get_field_index("force"), "force", forces)
    pq.write_table(table, written.path)
    result = import_file(db, written.path)
    assert (result.rows_in_file, result.inserted) == (40, 40)
    assert import_file(db, written.path).skipped_identical_file


def test_a_parquet_problem_names_the_row(db: Database, forces: None, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "bad.parquet"
    base = {k: [v] for k, v in ROWS["REV/2"].items()}
    base["case_reference"] = ["REV/2"]
    base["victim_age"] = [None]
    good = pa.table({k: pa.array(v, pa.string()) for k, v in base.items()})
    second = {**base, "case_reference": ["REV/8"], "closure_outcome": ["arrested"]}
    bad = pa.table({k: pa.array(v, pa.string()) for k, v in second.items()})
    pq.write_table(pa.concat_tables([good, bad]), path)
    problems = _problems(db, path)
    assert len(problems) == 1 and problems[0].startswith(
        "bad.parquet:2: closure_outcome: unknown code 'arrested'"
    )
