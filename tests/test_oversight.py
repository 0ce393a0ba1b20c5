"""Oversight reads the ledger: object histories, a person's access, unusual access."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from caselink.store.db import Database
from caselink.web.app import create_app
from tests.support.world import World, build, csrf_from, sign_in


@pytest.fixture
def world(db: Database) -> World:
    return build(db)


def _client(db: Database) -> TestClient:
    return TestClient(create_app(db), base_url="https://testserver", follow_redirects=False)


@pytest.fixture
def inspector(db: Database, world: World) -> Iterator[TestClient]:
    with _client(db) as client:
        yield sign_in(client, world, "inspector")


def test_history_of_a_case_shows_who_read_it_and_why(
    db: Database, world: World, inspector: TestClient
) -> None:
    with _client(db) as officer:
        sign_in(officer, world, "officer-n")
        officer.get("/cases/NORTH/1")
        form = officer.get("/cases/SOUTH/1/break-glass")
        officer.post(
            "/cases/SOUTH/1/break-glass",
            data={
                "reason": "Missing child from this case seen in our area",
                "csrf_token": csrf_from(form.text),
            },
        )
    page = inspector.get(f"/oversight/history?object_type=case&object_id={world.cases['SOUTH/1']}")
    assert page.status_code == 200
    assert "break glass" in page.text and "Missing child from this case seen" in page.text
    person = inspector.get("/oversight/history?actor=officer-n")
    assert person.text.count(">read<") >= 1 and "login" in person.text


def test_unusual_access_flags_break_glass_and_reads_outside_the_force(
    db: Database, world: World, inspector: TestClient
) -> None:
    with _client(db) as officer:
        sign_in(officer, world, "officer-n")
        form = officer.get("/cases/SOUTH/1/break-glass")
        officer.post(
            "/cases/SOUTH/1/break-glass",
            data={
                "reason": "Missing child from this case seen in our area",
                "csrf_token": csrf_from(form.text),
            },
        )
        officer.get("/cases/SOUTH/1")
    page = inspector.get("/oversight/access")
    row = page.text.split("officer-n</a>")[1].split("</tr>")[0]
    assert "unusual" in row
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[-4:] == ["1", "1", "1", "1"], cells  # reads, outside force, unassigned, glass


def test_oversight_list_reads_are_ledgered(inspector: TestClient) -> None:
    inspector.get("/cases?q=NORTH")
    page = inspector.get("/oversight/history?actor=inspector")
    assert "case list NORTH" in page.text


def test_only_oversight_may_read_the_ledger_pages(db: Database, world: World) -> None:
    with _client(db) as officer:
        sign_in(officer, world, "officer-n")
        assert officer.get("/oversight/access").status_code == 403
        assert officer.get("/oversight/history?actor=inspector").status_code == 403


def test_history_is_found_by_the_case_reference_and_shows_references(
    db: Database, world: World, inspector: TestClient
) -> None:
    """The reads of a case are ledgered by its row number; oversight asks by its reference
    and reads the answer by reference, never "case 122"."""
    with _client(db) as officer:
        sign_in(officer, world, "officer-n")
        for _ in range(3):
            assert officer.get("/cases/NORTH/1").status_code == 200
    page = inspector.get("/oversight/history?object_type=case&object_id=NORTH/1")
    assert page.status_code == 200
    assert page.text.count(">read<") == 3, "every read of the case, found by its reference"
    assert page.text.count(">case NORTH/1<") >= 3
    assert f">case {world.cases['NORTH/1']}<" not in page.text
    by_number = inspector.get(
        f"/oversight/history?object_type=case&object_id={world.cases['NORTH/1']}"
    )
    assert by_number.text.count(">read<") == 3
    person = inspector.get("/oversight/history?actor=officer-n")
    assert ">case NORTH/1<" in person.text
    nothing = inspector.get("/oversight/history?object_type=case&object_id=NORTH/404")
    assert "Nothing recorded" in nothing.text
