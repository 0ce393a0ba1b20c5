"""Loading agency CSV files: every problem named by file, line and field; all or nothing."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.loading import LoadRejected, load_directory, load_file
from caselink.loading.specs import PERSON_RECORDS
from caselink.store.db import Database
from caselink.store.models import Agency, Import, PersonRecord
from tests.support.files import HEADER, RECORDS, write_records, write_reference


@pytest.fixture
def loaded_reference(db: Database, tmp_path: Path) -> Database:
    write_reference(tmp_path)
    load_directory(db, tmp_path)
    return db


def _count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(PersonRecord)) or 0


def _problems(db: Database, path: Path) -> list[str]:
    with pytest.raises(LoadRejected) as rejected:
        load_file(db, path, PERSON_RECORDS)
    assert _count(db) == 0, "a rejected file must leave nothing behind"
    return [str(p) for p in rejected.value.problems]


def test_a_good_file_loads_every_record_with_its_agency(
    loaded_reference: Database, tmp_path: Path
) -> None:
    result = load_file(loaded_reference, write_records(tmp_path / "p.csv"), PERSON_RECORDS)
    assert (result.rows_in_file, result.inserted) == (4, 4)
    with loaded_reference.transaction() as session:
        liz = session.scalars(select(PersonRecord).where(PersonRecord.record_id == "R2")).one()
        agency = session.get(Agency, liz.agency_id)
    assert (liz.given_name, str(liz.date_of_birth), liz.sex, liz.nhs_number) == (
        "Liz",
        "2010-03-04",
        "F",
        None,
    )
    assert agency is not None and agency.code == "SCH-NM-A1"


def test_loading_the_same_file_again_changes_nothing(
    loaded_reference: Database, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "p.csv")
    first = load_file(loaded_reference, path, PERSON_RECORDS)
    again = load_file(loaded_reference, path, PERSON_RECORDS)
    assert again.skipped_identical_file and again.import_id == first.import_id
    assert _count(loaded_reference) == 4


def test_overlapping_file_skips_identical_rows_and_adds_the_rest(
    loaded_reference: Database, tmp_path: Path
) -> None:
    load_file(loaded_reference, write_records(tmp_path / "a.csv"), PERSON_RECORDS)
    extra = RECORDS + "R5,POL-NM,Kayleigh,Dunn,2011-09-12,F,,,,,\n"
    result = load_file(loaded_reference, write_records(tmp_path / "b.csv", extra), PERSON_RECORDS)
    assert (result.inserted, result.already_present) == (1, 4)
    assert _count(loaded_reference) == 5


def test_a_stored_record_is_not_silently_overwritten(
    loaded_reference: Database, tmp_path: Path
) -> None:
    load_file(loaded_reference, write_records(tmp_path / "a.csv"), PERSON_RECORDS)
    changed = HEADER + "R4,POL-NM,Darren,Holt,1988-11-30,M,,,,+447700900999,\n"
    with pytest.raises(LoadRejected) as rejected:
        load_file(loaded_reference, write_records(tmp_path / "b.csv", changed), PERSON_RECORDS)
    assert [str(p) for p in rejected.value.problems] == [
        "b.csv:2: record_id: 'R4' is already stored with different phone"
    ]


def test_a_file_without_a_header(loaded_reference: Database, tmp_path: Path) -> None:
    body = RECORDS.split("\n", 1)[1]
    assert _problems(loaded_reference, write_records(tmp_path / "p.csv", body)) == [
        "p.csv:1: header: the first line is not a header: expected the columns record_id, "
        "source, given_name, family_name, date_of_birth, sex, postcode, address, nhs_number, "
        "phone, email"
    ]


def test_a_header_missing_a_column(loaded_reference: Database, tmp_path: Path) -> None:
    body = RECORDS.replace(",email\n", "\n", 1)
    assert _problems(loaded_reference, write_records(tmp_path / "p.csv", body)) == [
        "p.csv:1: header: the column 'email' is missing"
    ]


def test_bad_dates_unknown_sex_codes_and_duplicates_each_get_one_error(
    loaded_reference: Database, tmp_path: Path
) -> None:
    body = HEADER + (
        "R1,POL-NM,Ann,Bell,2010-02-30,F,,,,,\n"
        "R2,POL-NM,Bea,Cole,03/04/2011,Female,,,,,\n"
        "R3,POL-NM,Cat,Dean,2012-01-01,F,,,,,\n"
        "R3,POL-NM,Cat,Dean,2012-01-01,F,,,,,\n"
        "R4,NOPE,Dot,Eade,2099-01-01,F,,,,,\n"
        ",POL-NM,Eve,Ford,,,,,,,\n"
    )
    assert _problems(loaded_reference, write_records(tmp_path / "p.csv", body)) == [
        "p.csv:2: date_of_birth: '2010-02-30' is not a real calendar date",
        "p.csv:3: date_of_birth: '03/04/2011' is not a date in the form YYYY-MM-DD",
        "p.csv:3: sex: unknown code 'Female': use one of F, M, X",
        "p.csv:5: record_id: 'R3' appears again (first on line 4)",
        "p.csv:6: date_of_birth: '2099-01-01' is in the future",
        "p.csv:7: record_id: is required but empty",
    ]


def test_an_unknown_agency_is_named(loaded_reference: Database, tmp_path: Path) -> None:
    body = HEADER + "R1,NOPE,Ann,Bell,2010-02-03,F,,,,,\n"
    assert _problems(loaded_reference, write_records(tmp_path / "p.csv", body)) == [
        "p.csv:2: source: no agency has the code 'NOPE'"
    ]


def test_a_file_in_the_wrong_encoding(loaded_reference: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes((HEADER + "R1,POL-NM,Zoë,Brontë,2010-02-03,F,,,,,\n").encode("latin-1"))
    assert _problems(loaded_reference, path) == [
        "p.csv:2: given_name: is not valid UTF-8 text; save the file as UTF-8",
        "p.csv:2: family_name: is not valid UTF-8 text; save the file as UTF-8",
    ]


def test_utf8_with_a_byte_order_mark_loads(loaded_reference: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(("\ufeff" + HEADER + "R1,POL-NM,Zoë,Brontë,2010-02-03,F,,,,,\n").encode())
    assert load_file(loaded_reference, path, PERSON_RECORDS).inserted == 1


def test_an_empty_file(loaded_reference: Database, tmp_path: Path) -> None:
    assert _problems(loaded_reference, write_records(tmp_path / "p.csv", "")) == [
        "p.csv: file: the file is empty: expected a header row and records"
    ]


def test_a_row_with_too_many_fields(loaded_reference: Database, tmp_path: Path) -> None:
    body = HEADER + "R1,POL-NM,Ann,Bell,2010-02-03,F,,,,,,extra\n"
    assert _problems(loaded_reference, write_records(tmp_path / "p.csv", body)) == [
        "p.csv:2: row: has 12 fields but the header has 11"
    ]


def test_unknown_extra_columns_are_ignored(loaded_reference: Database, tmp_path: Path) -> None:
    body = HEADER.replace(",email\n", ",email,shoe_size\n") + "R1,POL-NM,A,B,,,,,,,,9\n"
    assert (
        load_file(
            loaded_reference, write_records(tmp_path / "p.csv", body), PERSON_RECORDS
        ).inserted
        == 1
    )


def test_a_rejected_file_records_no_import(loaded_reference: Database, tmp_path: Path) -> None:
    body = HEADER + "R1,POL-NM,Ann,Bell,not-a-date,F,,,,,\n"
    _problems(loaded_reference, write_records(tmp_path / "p.csv", body))
    with loaded_reference.transaction() as session:
        kinds = session.scalars(select(Import.kind)).all()
    assert "person_records" not in kinds
