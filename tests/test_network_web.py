"""The network pages: an analyst of a force involved opens an alert, sees the paths and the
drawing; everyone else is refused."""

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from caselink.ledger import Actor
from caselink.network.run import run
from caselink.store.db import Database
from caselink.store.models import Case, CaseParticipant, LedgerEntry, NetworkAlert, PersonRecord
from caselink.web.app import create_app
from tests.support.network import build_network_world
from tests.support.world import World, csrf_from, sign_in


@pytest.fixture
def world(db: Database) -> World:
    world = build_network_world(db)
    with db.transaction() as s:
        run(s, Actor.system("test"))
    return world


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(
        create_app(db), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


def _alert_id(db: Database) -> int:
    with db.transaction() as s:
        return s.scalars(select(NetworkAlert.id)).one()


def _network_id(db: Database) -> int:
    with db.transaction() as s:
        return s.scalars(select(NetworkAlert.network_id)).one()


def test_an_analyst_opens_the_alert_sees_the_paths_and_the_drawing(
    db: Database, world: World, client: TestClient
) -> None:
    sign_in(client, world, "analyst-n")
    alert_id = _alert_id(db)
    listing = client.get("/network/alerts")
    assert listing.status_code == 200 and f"/network/alerts/{alert_id}" in listing.text
    page = client.get(f"/network/alerts/{alert_id}")
    assert page.status_code == 200
    assert "source: the phones, vehicles and places recorded in case NORTH/1" in page.text
    assert "case_entities" not in page.text and " row " not in page.text
    assert "suspect_in" not in page.text and "uses_phone" not in page.text
    assert "Most central suspects" in page.text and "likely organisers" not in page.text
    assert client.get("/cases/SOUTH/1").status_code == 403, "reading the alert grants nothing"
    asked = client.post(
        f"/network/alerts/{alert_id}/access", data={"csrf_token": csrf_from(page.text)}
    )
    assert asked.status_code == 303
    page = client.get(f"/network/alerts/{alert_id}")
    assert "You have access to its 6 cases and records until" in page.text
    assert client.get("/cases/SOUTH/1").status_code == 200, "granted when asked for"
    network_id = int(page.text.split('href="/network/networks/')[1].split('"')[0])
    view = client.get(f"/network/networks/{network_id}")
    assert view.status_code == 200, view.text[-3000:]
    assert '<script src="/static/vendor/cytoscape.min.js"></script>' in view.text
    assert "<script>" not in view.text and "style=" not in view.text
    data = client.get(f"/network/networks/{network_id}/graph.json").json()
    kinds = {n["data"]["kind"] for n in data["elements"]["nodes"]}
    assert kinds == {"case", "person", "phone", "location"}
    assert all(e["data"]["evidence"] for e in data["elements"]["edges"])
    assert not any("_" in e["data"]["words"] for e in data["elements"]["edges"]), "in words"
    looks = {n["data"]["label"]: n["data"] for n in data["elements"]["nodes"]}
    assert looks["NORTH/1"]["shape"] != looks[_victim_label(db)]["shape"]
    victim, suspect = looks[_victim_label(db)], looks[_suspect_label(db)]
    assert (victim["what"], suspect["what"]) == ("Victim", "Suspect")
    assert victim["shape"] != suspect["shape"] and victim["colour"] != suspect["colour"]
    assert looks["NORTH/1"]["href"] == "/cases/NORTH/1", "granted when asked for"
    assert all(n["data"]["href"] for n in data["elements"]["nodes"] if not n["data"]["context"])
    assert [t["case"] for t in data["timeline"]] == ["NORTH/1", "SOUTH/1"]
    drawing = client.get(f"/network/networks/{network_id}/drawing.svg")
    assert drawing.status_code == 200 and drawing.headers["content-type"] == "image/svg+xml"
    assert drawing.text.startswith("<svg") and "NORTH/1" in drawing.text
    assert client.get("/static/network/network.js").status_code == 200
    with db.transaction() as s:
        actions = {
            (action, object_type)
            for action, object_type in s.execute(
                select(LedgerEntry.action, LedgerEntry.object_type).where(
                    LedgerEntry.actor == "analyst-n"
                )
            )
        }
    assert {("read", "network_alert"), ("read", "network"), ("export", "network")} <= actions
    assert ("disclose", "case") in actions and ("disclose", "record") in actions


def test_oversight_sees_every_alert(db: Database, world: World, client: TestClient) -> None:
    sign_in(client, world, "inspector")
    alert_id = _alert_id(db)
    assert f"/network/alerts/{alert_id}" in client.get("/network/alerts").text
    page = client.get(f"/network/alerts/{alert_id}")
    assert page.status_code == 200 and "You have access" not in page.text
    assert "Get access" not in page.text, "oversight reads everything: there is nothing to ask"


@pytest.mark.parametrize("username", ["officer-n", "reviewer", "teacher", "admin", "survivor"])
def test_other_roles_are_refused(
    db: Database, world: World, client: TestClient, username: str
) -> None:
    sign_in(client, world, username)
    alert_id = _alert_id(db)
    assert client.get("/network/alerts").status_code == 403
    assert client.get(f"/network/alerts/{alert_id}").status_code == 403
    assert client.get("/network/networks/1/graph.json").status_code == 403


def test_an_analyst_of_another_force_cannot_find_it(
    db: Database, world: World, client: TestClient
) -> None:
    sign_in(client, world, "analyst-e")
    alert_id = _alert_id(db)
    assert f"/network/alerts/{alert_id}" not in client.get("/network/alerts").text
    assert client.get(f"/network/alerts/{alert_id}").status_code == 404
    assert client.get("/network/networks/1").status_code == 404
    assert client.get("/network/networks/1/graph.json").status_code == 404
    assert client.get("/network/networks/1/drawing.svg").status_code == 404
    assert client.get("/cases/SOUTH/1").status_code == 403


def test_no_session_is_sent_to_sign_in(db: Database, world: World, client: TestClient) -> None:
    for path in ("/network/alerts", "/network/alerts/1", "/network/networks/1/graph.json"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def _label_of(db: Database, role: str) -> str:
    with db.transaction() as s:
        given, family = s.execute(
            select(PersonRecord.given_name, PersonRecord.family_name)
            .join(CaseParticipant, CaseParticipant.person_record_id == PersonRecord.id)
            .where(CaseParticipant.role == role)
            .order_by(CaseParticipant.id)
            .limit(1)
        ).one()
    return " ".join(p for p in (given, family) if p)


def _victim_label(db: Database) -> str:
    return _label_of(db, "victim")


def _suspect_label(db: Database) -> str:
    return _label_of(db, "suspect")


def test_the_timeline_is_in_date_order_and_dates_are_written_out(
    db: Database, world: World, client: TestClient
) -> None:
    """Cases opened out of reference order are listed by the day each was opened."""
    with db.transaction() as s:
        s.execute(
            update(Case).where(Case.reference == "NORTH/1").values(opened_on=date(2017, 5, 2))
        )
        s.execute(
            update(Case).where(Case.reference == "SOUTH/1").values(opened_on=date(2015, 3, 9))
        )
    sign_in(client, world, "analyst-n")
    client.get(f"/network/alerts/{_alert_id(db)}")
    network_id = _network_id(db)
    data = client.get(f"/network/networks/{network_id}/graph.json").json()
    assert [t["case"] for t in data["timeline"]] == ["SOUTH/1", "NORTH/1"]
    assert [t["when"] for t in data["timeline"]] == ["9 March 2015", "2 May 2017"]
    page = client.get(f"/network/networks/{network_id}").text
    assert page.index("9 March 2015: case SOUTH/1") < page.index("2 May 2017: case NORTH/1")
