"""Person search on a real store, SQLite and PostgreSQL: names in either order, nicknames and
spellings, dates of birth however typed, postcode parts, phones in any format, vehicles, NHS
numbers (checked), people with records but no case, and the policy's scope (an out-of-scope
person is never returned or counted)."""

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.access.principal import Principal, principal_for
from caselink.loading.loader import load_file
from caselink.loading.specs import PERSON_RECORDS
from caselink.people import keys, nhs
from caselink.people.query import parse
from caselink.people.search import Found, search
from caselink.store.db import Database
from caselink.store.models import Agency, CaseEntity, LedgerEntry, PersonRecord, User
from caselink.synth.nhs import check_digit
from caselink.web.app import create_app
from tests.support.world import World, build, sign_in


def _valid_nhs(stem: int) -> str:
    while True:
        first_nine = str(stem)
        digit = check_digit(first_nine)
        if digit is not None:
            return f"{first_nine}{digit}"
        stem += 1


LILY_NHS = _valid_nhs(943_476_591)  # 9434765919, the NHS's published example
SOUTH_NHS = _valid_nhs(900_000_123)


@pytest.fixture
def world(db: Database) -> World:
    built = build(db)
    with db.transaction() as s:
        agency = {a.code: a.id for a in s.scalars(select(Agency))}
        for rid, code, given, family, born, postcode, phone, number in [
            # Held by children's services in the north; in no case at all.
            ("N-CSC-LILY", "CSC-N", "Lily", "Owusu", date(2011, 3, 14), "NM4 2AB",
             "07700 900123", LILY_NHS),
            ("N-SCH-KATE", "SCH-N", "Katherine", "Hughes-Morgan", date(2010, 12, 2), "NM1 7QT",
             None, None),
            ("N-POL-BECKY", "POL-N", "Becky", "Owusu", date(2009, 8, 30), "NM4 9ZZ",
             None, None),
            # The south's own child of the same name: outside a northern analyst's scope.
            ("S-POL-LILY", "POL-S", "Lily", "Owusu", date(2012, 1, 5), "SX3 1AA",
             "07700 900999", SOUTH_NHS),
        ]:  # fmt: skip
            s.add(
                PersonRecord(
                    record_id=rid,
                    source=code,
                    agency_id=agency[code],
                    given_name=given,
                    family_name=family,
                    date_of_birth=born,
                    postcode=postcode,
                    phone=phone,
                    nhs_number=number,
                )
            )
            s.flush()
            built.records[rid] = s.scalars(
                select(PersonRecord.id).where(PersonRecord.record_id == rid)
            ).one()
        s.add(
            CaseEntity(
                case_id=built.cases["NORTH/1"],
                person_record_id=built.records["N-SUSPECT"],
                kind="vehicle",
                value="NM19 ABC",
                relation="drives",
            )
        )
        s.flush()
        keys.index_missing(s)
    return built


def _as(db: Database, world: World, username: str) -> Principal:
    with db.transaction() as s:
        user = s.get(User, world.users[username])
        assert user is not None
        return principal_for(s, user)


def _find(db: Database, p: Principal, q: str = "", **fields: str) -> list[Found]:
    query = parse(q, **fields)  # type: ignore[arg-type]
    assert not query.problems, query.problems
    with db.transaction() as s:
        return search(s, p, query)


def _record_ids(found: list[Found]) -> list[int]:
    return [f.record_id for f in found]


# The searcher is the force's analyst, who reads records across the force; an officer reads
# their own agency's, their cases' and their child protection team's caseload (test_people.py).


def test_a_full_name_finds_the_person_in_either_order(db: Database, world: World) -> None:
    officer = _as(db, world, "analyst-n")
    lily = world.records["N-CSC-LILY"]
    for q in ("Lily Owusu", "Owusu Lily", "OWUSU, lily", "Miss Lily Owusu"):
        found = _find(db, officer, q)
        assert _record_ids(found) == [lily], q  # Becky Owusu agrees on one name of two
        assert found[0].reasons == ["name Lily", "name Owusu"] or found[0].reasons == [
            "name Owusu",
            "name Lily",
        ]
    hyphenated = _find(db, officer, "Katherine Hughes-Morgan")
    assert _record_ids(hyphenated) == [world.records["N-SCH-KATE"]]


def test_nicknames_and_spellings_find_the_person(db: Database, world: World) -> None:
    officer = _as(db, world, "analyst-n")
    kate = world.records["N-SCH-KATE"]
    for q in ("Kate Hughes-Morgan", "Kathryn Hughes Morgan", "Catherine Hughes-Morgan"):
        found = _find(db, officer, q)
        assert _record_ids(found)[:1] == [kate], q
        assert any("Katherine" in r or "form of the name" in r for r in found[0].reasons), q
    rebecca = _find(db, officer, "Rebecca Owusu")
    assert _record_ids(rebecca)[:1] == [world.records["N-POL-BECKY"]]
    # Spelled exactly ranks above a nickname: both Owusus named Lily/Lilly agree on 'Owusu'.
    lilly = _find(db, officer, "Lilly Owusu")
    assert _record_ids(lilly)[:1] == [world.records["N-CSC-LILY"]]


@pytest.mark.parametrize(
    "typed",
    ["14/3/2011", "14/03/2011", "14.03.11", "14-03-2011", "14 March 2011", "14th Mar 2011",
     "2011-03-14", "14032011"],
)  # fmt: skip
def test_a_date_of_birth_typed_any_common_uk_way(db: Database, world: World, typed: str) -> None:
    officer = _as(db, world, "analyst-n")
    found = _find(db, officer, f"Owusu {typed}")
    assert _record_ids(found) == [world.records["N-CSC-LILY"]]
    assert "same date of birth" in found[0].reasons
    by_field = _find(db, officer, "Owusu", date_of_birth=typed)
    assert _record_ids(by_field) == [world.records["N-CSC-LILY"]]


@pytest.mark.parametrize(
    "typed", ["07700 900123", "07700900123", "+44 7700 900123", "+44 (0)7700 900-123",
              "0044 7700 900123", "(07700) 900 123"],
)  # fmt: skip
def test_a_phone_in_any_format(db: Database, world: World, typed: str) -> None:
    officer = _as(db, world, "analyst-n")
    for found in (_find(db, officer, typed), _find(db, officer, phone=typed)):
        assert _record_ids(found) == [world.records["N-CSC-LILY"]]
        assert found[0].reasons == ["same phone number"]


def test_a_vehicle_registration_finds_who_drives_it(db: Database, world: World) -> None:
    officer = _as(db, world, "analyst-n")
    for found in (
        _find(db, officer, "NM19 ABC"),
        _find(db, officer, "nm19abc"),
        _find(db, officer, vehicle="nm19 abc"),
    ):
        assert _record_ids(found) == [world.records["N-SUSPECT"]]
        assert found[0].reasons == ["vehicle in a case"]


def test_part_of_a_postcode(db: Database, world: World) -> None:
    officer = _as(db, world, "analyst-n")
    lily, becky = world.records["N-CSC-LILY"], world.records["N-POL-BECKY"]
    assert _record_ids(_find(db, officer, "nm4 2ab")) == [lily]
    assert _record_ids(_find(db, officer, "NM4 2")) == [lily]
    assert set(_record_ids(_find(db, officer, "NM4"))) == {lily, becky}
    assert _record_ids(_find(db, officer, "Owusu", postcode="NM42AB")) == [lily]


def test_an_nhs_number_is_checked_and_then_enough_on_its_own(db: Database, world: World) -> None:
    officer = _as(db, world, "analyst-n")
    for typed in (LILY_NHS, nhs.display(LILY_NHS), "943-476-5919"):
        found = _find(db, officer, typed)
        assert _record_ids(found) == [world.records["N-CSC-LILY"]]
        assert found[0].reasons == ["same NHS number"]
    assert _record_ids(_find(db, officer, nhs_number=LILY_NHS)) == [world.records["N-CSC-LILY"]]
    wrong = LILY_NHS[:-1] + str((int(LILY_NHS[-1]) + 1) % 10)
    for query in (parse(wrong), parse(nhs_number=wrong)):
        assert list(query.problems.values()) == [
            f"The NHS number {nhs.display(wrong)} fails its check digit: check it was copied "
            "correctly"
        ]
        with db.transaction() as s:
            assert search(s, officer, query) == []
    assert parse(nhs_number="12345").problems == {
        "nhs_number": "The NHS number must be 10 digits, like 943 476 5919"
    }


def test_bad_input_names_the_field_and_searches_nothing() -> None:
    assert parse("Amy 31/02/2010").problems == {
        "q": "The date of birth 31/02/2010 is not a real date"
    }
    assert set(parse(date_of_birth="soon").problems) == {"date_of_birth"}
    assert set(parse(postcode="!!").problems) == {"postcode"}
    assert set(parse(phone="123").problems) == {"phone"}
    assert set(parse("Owusu 12345").problems) == {"q"}


def test_a_person_with_records_but_no_case_is_found(db: Database, world: World) -> None:
    # Katherine's only record is her school's; no case names her.
    found = _find(db, _as(db, world, "analyst-n"), "Hughes-Morgan 2 December 2010")
    assert _record_ids(found) == [world.records["N-SCH-KATE"]]
    assert found[0].agencies == ["SCH-N agency"]
    assert found[0].href == f"/records/{world.records['N-SCH-KATE']}"


def test_an_out_of_scope_person_is_never_returned_or_counted(db: Database, world: World) -> None:
    officer, inspector = _as(db, world, "analyst-n"), _as(db, world, "inspector")
    south = world.records["S-POL-LILY"]
    everyone = _find(db, inspector, "Lily Owusu")
    assert set(_record_ids(everyone)) == {world.records["N-CSC-LILY"], south}
    northern = _find(db, officer, "Lily Owusu")
    assert south not in _record_ids(northern)
    # The south's child by her own NHS number, phone and date of birth: nothing at all, the
    # same answer as for a number nobody holds.
    assert _find(db, officer, nhs_number=SOUTH_NHS) == []
    assert _find(db, officer, "07700 900999") == []
    assert _find(db, officer, "Lily Owusu 5/1/2012") == _find(db, officer, "Lily Owusu 5/1/1999")
    assert _find(db, inspector, nhs_number=SOUTH_NHS)[0].record_id == south


def test_a_search_is_ledgered_with_what_was_shown(db: Database, world: World) -> None:
    officer = _as(db, world, "analyst-n")
    _find(db, officer, "Lily Owusu")
    with db.transaction() as s:
        entry = s.scalars(
            select(LedgerEntry).where(LedgerEntry.object_type == "person_search")
        ).one()
    assert entry.actor == "analyst-n"
    assert entry.reason == f"1 people shown: records {world.records['N-CSC-LILY']}"


def test_records_loaded_from_a_file_are_findable(
    db: Database, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "person_records.csv"
    path.write_text(
        "record_id,source,given_name,family_name,date_of_birth,sex,postcode,address,"
        "nhs_number,phone,email\n"
        "L-1,SCH-N,Zainab,Farouk,2012-06-07,F,NM4 5CD,,,07700 900555,\n"
        "L-2,SCH-N,Tom,Eld,2012-06-08,M,,,9434765918,,\n",
        encoding="utf-8",
    )
    loaded = load_file(db, path, PERSON_RECORDS)
    assert (loaded.inserted, loaded.nhs_check_failed) == (2, 1)
    found = _find(db, _as(db, world, "analyst-n"), "Farouk Zainab")
    assert [f.name for f in found] == ["Zainab Farouk"]
    # A number failing its check digit is kept as held, but finds nobody by it.
    assert parse("9434765918").problems


def test_the_api_answers_with_reasons_and_names_a_bad_field(db: Database, world: World) -> None:
    app = create_app(db)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, world, "analyst-n")
        answer = client.get("/api/people", params={"q": "Owusu Lily"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [p["name"] for p in body["people"]] == ["Lily Owusu"]
        assert body["people"][0]["reasons"] in (
            ["name Lily", "name Owusu"],
            ["name Owusu", "name Lily"],
        )
        assert body["people"][0]["href"] == f"/records/{world.records['N-CSC-LILY']}"
        assert "total" not in body and "hidden" not in answer.text
        refused = client.get("/api/people", params={"nhs_number": "943 476 5918"})
        # Answered with what to correct, and nothing searched.
        assert refused.status_code == 200
        assert refused.json()["people"] == []
        assert refused.json()["problems"] == [
            {
                "field": "nhs_number",
                "message": "The NHS number 943 476 5918 fails its check digit: check it was "
                "copied correctly",
            }
        ]
        assert [p["field"] for p in client.get("/api/people").json()["problems"]] == ["q"]
        page = client.get("/people", params={"q": "Lily Owusu"})
        assert page.status_code == 200
        assert "Lily Owusu" in page.text and "name Lily" in page.text
        assert "14 March 2011" in page.text  # dates as people write them
