"""The joined-up person record, child protection teams and s.16LA decisions, through the
API and the services, on SQLite and PostgreSQL."""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.access.sessions import utcnow
from caselink.ledger import Actor
from caselink.oversight.comparison import By, Window, compare
from caselink.people import sharing, teams
from caselink.people.problems import Problem
from caselink.store.db import Database
from caselink.store.models import Alert, CaseloadAddition, LedgerEntry, SharingDecision
from caselink.web.app import create_app
from tests.support.ledger import tamper
from tests.support.ledger_check import ledger_problems
from tests.support.people import PeopleWorld, build, principal


@pytest.fixture
def world(db: Database) -> PeopleWorld:
    return build(db)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _person(
    client: TestClient, world: PeopleWorld, username: str, who: str = "child"
) -> dict[str, Any]:
    answer = client.get(f"/api/people/{world.persons[who]}", headers=world.bearer(username))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _entries(db: Database, object_type: str, object_id: int, action: str) -> list[LedgerEntry]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.object_type == object_type,
                    LedgerEntry.object_id == str(object_id),
                    LedgerEntry.action == action,
                )
            )
        )


def test_an_officer_sees_the_childs_records_from_every_agency_in_the_team(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    person = _person(client, world, "officer-n")
    agencies = {r["agency"] for r in person["records"]}
    assert agencies == {
        "Northmoor Police",
        "Oakfield Academy",
        "Northmoor Hospitals NHS Trust",
        "Brackley Children's Services",
    }
    assert person["in_team_caseload"] is True
    assert set(person["known_names"]) == {"Lily Owusu", "Lilly Owusu", "Lily Owusu-Mensah"}
    nhs = next(r for r in person["records"] if r["agency_kind"] == "nhs_trust")
    assert nhs["nhs_number"] == "943 476 5919"
    differing = {d["field"]: d["values"] for d in person["differences"]}
    assert {"name", "date_of_birth", "address", "phone"} <= differing.keys()
    births = {v["value"]: v["agencies"] for v in differing["date_of_birth"]}
    assert births["4 March 2011"] == ["Northmoor Hospitals NHS Trust"]
    # Addresses in the order first recorded: the NHS trust's (2022) before the police's (2024).
    assert differing["address"][0]["value"] == "19 Canal Street, NM4 7QT"


def test_a_role_is_shown_for_its_case_only(client: TestClient, world: PeopleWorld) -> None:
    roles = {c["case_reference"]: c["role"] for c in _person(client, world, "officer-n")["cases"]}
    assert roles == {"NM/2024/1": "victim", "NM/2024/2": "witness"}


def test_a_social_worker_in_the_same_team_sees_the_same_person(
    client: TestClient, world: PeopleWorld
) -> None:
    officer = _person(client, world, "officer-n")
    social = _person(client, world, "social-n")
    assert {r["id"] for r in social["records"]} == {r["id"] for r in officer["records"]}


def test_every_record_shown_is_ledgered_as_a_read_of_that_record(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    shown = _person(client, world, "social-n")["records"]
    for record in shown:
        reads = _entries(db, "person_record", record["id"], "read")
        assert any(e.actor == "social-n" for e in reads), record["agency"]


def test_an_officer_from_another_area_is_told_not_found_and_the_refusal_is_ledgered(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    child = world.persons["child"]
    answer = client.get(f"/api/people/{child}", headers=world.bearer("officer-s"))
    assert answer.status_code == 404
    assert "Owusu" not in answer.text
    refused = _entries(db, "person", child, "attempt")
    assert [e.actor for e in refused] == ["officer-s"]
    client.cookies.set("caselink_session", world.cookies["officer-s"])
    page = client.get(f"/people/{child}")
    assert page.status_code == 404 and "Owusu" not in page.text
    chronology = client.get(f"/people/{child}/chronology.csv")
    assert chronology.status_code == 404 and "Owusu" not in chronology.text


def test_a_council_officer_cannot_read_another_councils_records(
    client: TestClient, world: PeopleWorld
) -> None:
    """The issue's attack: a local authority's officer read every person record in the force
    area (another council's included). Now: their own agency, their cases, their team."""
    far = world.records["CSC2-FAR"]
    assert client.get(f"/api/records/{far}", headers=world.bearer("social-n")).status_code == 404
    assert client.get(f"/api/records/{far}", headers=world.bearer("social-n2")).status_code == 200
    school = world.records["SCH-OTHER"]  # a child in no case: not the team's to see
    assert (
        client.get(f"/api/records/{school}", headers=world.bearer("officer-n")).status_code == 404
    )


def test_a_member_adds_a_person_to_the_caseload_with_a_reason_and_it_is_ledgered(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    other = world.persons["other"]
    before = client.get(f"/api/people/{other}", headers=world.bearer("officer-n"))
    assert before.status_code == 404
    social = principal(db, "social-n")
    with pytest.raises(Problem) as refused, db.transaction() as s:
        teams.add_to_caseload(s, social, other, "   ")
    assert refused.value.field == "reason"
    with db.transaction() as s:
        assert s.scalar(select(CaseloadAddition.id)) is None  # nothing changed
        teams.add_to_caseload(s, social, other, "Missing from school three times this term")
    after = _person(client, world, "officer-n", "other")
    assert {r["agency"] for r in after["records"]} == {
        "Brackley Children's Services",
        "Oakfield Academy",
    }
    with db.transaction() as s:
        reasons = s.scalars(
            select(LedgerEntry.reason).where(LedgerEntry.object_id == "MACPT-N1")
        ).all()
    assert any(f"person {other} added" in (r or "") for r in reasons)


def test_an_agency_leaving_the_team_loses_the_caseload(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    nhs = world.records["NHS-CHILD"]
    assert client.get(f"/api/records/{nhs}", headers=world.bearer("officer-n")).status_code == 200
    with db.transaction() as s:
        assert teams.remove_member(s, Actor("cli:admin"), "MACPT-N1", "POL-N")
    assert client.get(f"/api/records/{nhs}", headers=world.bearer("officer-n")).status_code == 404


def test_a_record_not_shared_shows_only_that_it_exists(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    nhs = world.records["NHS-CHILD"]
    nurse = principal(db, "nurse-n")
    review_on = (utcnow() + timedelta(days=90)).date()
    for reason, when, contact, field in [
        ("", review_on, "Duty safeguarding nurse, 0113 496 0000", "reason"),
        ("Disclosure would alert a parent who poses a risk", None, "Duty nurse", "review_on"),
        ("Disclosure would alert a parent who poses a risk", review_on, "", "contact"),
        ("Disclosure would alert a parent who poses a risk", date(2020, 1, 1), "x", "review_on"),
    ]:
        with pytest.raises(Problem) as bad, db.transaction() as s:
            sharing.not_shared(s, nurse, nhs, reason, when, contact)
        assert bad.value.field == field
    officer = principal(db, "officer-n")
    with pytest.raises(Problem), db.transaction() as s:  # only the holder decides
        sharing.not_shared(s, officer, nhs, "x" * 30, review_on, "someone")
    with db.transaction() as s:
        assert s.scalar(select(SharingDecision.id)) is None
        sharing.not_shared(
            s,
            nurse,
            nhs,
            "Disclosure would alert a parent who poses a risk",
            review_on,
            "Duty safeguarding nurse, 0113 496 0000",
        )
    person = _person(client, world, "officer-n")
    assert nhs not in {r["id"] for r in person["records"]}
    assert "19 Canal Street, NM4 7QT" in {
        v["value"] for d in person["differences"] for v in d["values"]
    }  # still from children's services; the NHS trust's content is gone
    assert "9434765919" not in str(person) and "943 476 5919" not in str(person)
    [notice] = person["not_shared"]
    assert notice["agency"] == "Northmoor Hospitals NHS Trust"
    assert notice["contact"] == "Duty safeguarding nurse, 0113 496 0000"
    assert client.get(f"/api/records/{nhs}", headers=world.bearer("officer-n")).status_code == 404
    # The holder still reads its own record.
    assert client.get(f"/api/records/{nhs}", headers=world.bearer("nurse-n")).status_code == 200
    decided = _entries(db, "person_record", nhs, "decide")
    assert decided and decided[0].actor == "nurse-n" and "not_shared" in (decided[0].reason or "")
    # Counted on the comparison page, in the holder's force area.
    with db.transaction() as s:
        found = compare(s, By.FORCE, Window(date(2020, 1, 1), date(2030, 1, 1)))
    metric = next(m for m in found.metrics if m.key == "not_shared")
    north = next(p for p in found.places if p.name == "Northmoor")
    assert metric.figures[north.id].value == 1
    # Listed for oversight.
    client.cookies.set("caselink_session", world.cookies["inspector"])
    listed = client.get("/oversight/sharing")
    assert listed.status_code == 200 and "Disclosure would alert a parent" in listed.text
    # Sharing again is a new decision; the record is back.
    with db.transaction() as s:
        sharing.share_again(s, nurse, nhs, "The risk has passed: the parent has moved away")
    again = _person(client, world, "officer-n")
    assert nhs in {r["id"] for r in again["records"]} and again["not_shared"] == []


def test_a_decision_comes_back_for_review_at_its_date_once(
    db: Database, world: PeopleWorld
) -> None:
    nurse = principal(db, "nurse-n")
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    with db.transaction() as s:
        decision = sharing.not_shared(
            s,
            nurse,
            world.records["NHS-CHILD"],
            "Sharing now would put the child at risk",
            date(2026, 7, 1),
            "Duty nurse",
            now=now,
        )
        decision_id = decision.id
    by = Actor.system("test")
    with db.transaction() as s:
        assert sharing.raise_reviews(s, date(2026, 6, 30), by) == 0
        assert sharing.raise_reviews(s, date(2026, 7, 1), by) == 1
    with db.transaction() as s:
        assert sharing.raise_reviews(s, date(2026, 7, 2), by) == 0  # raised once only
        alerts = s.scalars(select(Alert).where(Alert.subject_id == decision_id)).all()
    assert {a.recipient_user_id for a in alerts} == {world.users["nurse-n"], None}
    assert {a.recipient_role for a in alerts} == {None, "oversight_officer"}
    assert "1 July 2026" in alerts[0].message


def test_the_chronology_is_in_date_order_from_every_agency_and_filters(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    child = world.persons["child"]
    client.cookies.set("caselink_session", world.cookies["social-n"])
    rows = list(csv.DictReader(io.StringIO(client.get(f"/people/{child}/chronology.csv").text)))
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    kinds = {r["kind"] for r in rows}
    assert {"record", "event", "decision"} <= kinds
    assert {r["agency"] for r in rows if r["kind"] == "record"} == {
        "Northmoor Police",
        "Oakfield Academy",
        "Northmoor Hospitals NHS Trust",
        "Brackley Children's Services",
    }
    assert rows[0]["date"] == "2022-06-01" and rows[0]["agency"] == "Northmoor Hospitals NHS Trust"
    assert "sealed narrative" not in client.get(f"/people/{child}/chronology.csv").text
    only = client.get(f"/people/{child}/chronology.csv", params={"agency": "Oakfield Academy"}).text
    assert {r["agency"] for r in csv.DictReader(io.StringIO(only))} == {"Oakfield Academy"}
    page = client.get(f"/people/{child}/chronology", params={"kind": "decision"})
    assert page.status_code == 200 and "Strategy meeting" in page.text
    assert "Record first seen" not in page.text.split("<tbody")[1]
    printed = client.get(f"/people/{child}/chronology/print")
    assert printed.status_code == 200 and "20 February 2024" in printed.text
    assert _entries(db, "person_chronology", child, "export")


def test_demo_teams_one_per_local_authority_safe_to_run_again(
    db: Database, world: PeopleWorld
) -> None:
    from caselink.people.demo import seed_teams

    with db.transaction() as s:
        assert seed_teams(s) == 2  # LA-N1 has its team already; LA-N2 and LA-S1 get one
    with db.transaction() as s:
        assert seed_teams(s) == 0
        views = {v.code: v for v in teams.describe(s)}
    members = {m.agency_code for m in views["MACPT-LA-N2"].members}
    assert members == {"POL-N", "NHS-N", "CSC-N2"}  # not another area's school or council


def test_the_sharing_form_names_the_field_and_changes_nothing(
    db: Database, client: TestClient, world: PeopleWorld
) -> None:
    nhs = world.records["NHS-CHILD"]
    client.cookies.set("caselink_session", world.cookies["nurse-n"])
    form = client.get(f"/records/{nhs}/sharing")
    assert form.status_code == 200
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        f"/records/{nhs}/sharing",
        data={
            "decision": "not_shared",
            "reason": "A long enough reason for the decision",
            "review_on": "31/02/2027",
            "contact": "Duty nurse",
            "csrf_token": token,
        },
    )
    assert (
        answer.status_code == 400 and "Enter the date the decision will be reviewed" in answer.text
    )
    with db.transaction() as s:
        assert s.scalar(select(SharingDecision.id)) is None
    client.cookies.set("caselink_session", world.cookies["officer-n"])  # not the holder
    assert client.get(f"/records/{nhs}/sharing").status_code == 404


def test_a_chronology_csv_never_hands_a_spreadsheet_a_formula() -> None:
    from caselink.people.chronology import Entry, as_csv

    typed = Entry(datetime(2024, 1, 1, tzinfo=UTC), "record", "=cmd|' /C calc'!A0", "@SUM(1)", None)
    rows = list(csv.reader(io.StringIO(as_csv([typed]))))
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][3] == "'@SUM(1)"


def test_the_teams_commands_change_membership_and_name_a_bad_argument(
    database_url: str, db: Database, world: PeopleWorld
) -> None:
    from typer.testing import CliRunner

    from caselink.cli import app

    env = {"CASELINK_DATABASE_URL": database_url}
    runner = CliRunner()
    bad = runner.invoke(
        app, ["teams", "create", "T2", "Team", "--local-authority", "NOPE"], env=env
    )
    assert bad.exit_code == 2 and "local_authority: there is no local authority" in bad.output
    made = runner.invoke(
        app, ["teams", "create", "T2", "Coldwater team", "--local-authority", "LA-N2"], env=env
    )
    assert made.exit_code == 0, made.output
    added = runner.invoke(app, ["teams", "add-member", "T2", "CSC-N2"], env=env)
    assert added.exit_code == 0 and "CSC-N2 added to T2" in added.output
    shown = runner.invoke(app, ["teams", "show"], env=env)
    assert "MACPT-N1" in shown.output and "T2" in shown.output
    with db.transaction() as s:
        reasons = s.scalars(select(LedgerEntry.reason).where(LedgerEntry.object_id == "T2")).all()
    assert "member added: CSC-N2" in reasons


def test_a_sharing_decision_written_or_changed_behind_caselink_is_named_by_verify(
    db: Database, world: PeopleWorld
) -> None:
    """A record quietly withheld from the team is what a cover-up would look like: the state
    audit matches every s.16LA decision to its ledger entry."""
    nurse = principal(db, "nurse-n")
    review_on = (utcnow() + timedelta(days=90)).date()
    with db.transaction() as s:
        decided = sharing.not_shared(
            s,
            nurse,
            world.records["NHS-CHILD"],
            "Disclosure would alert a parent who poses a risk",
            review_on,
            "Duty safeguarding nurse, 0113 496 0000",
        )
        decided_id = decided.id
    assert ledger_problems(db) == []
    tamper(db, f"UPDATE sharing_decisions SET reason = 'Not needed' WHERE id = {decided_id}")
    [problem] = ledger_problems(db)
    assert f"s.16LA sharing decision {decided_id}" in problem and "changed" in problem
