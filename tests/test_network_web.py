"""The network pages: an analyst of a force involved opens an alert, sees the paths and the
drawing; everyone else is refused."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.ledger import Actor
from caselink.network.run import run
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, NetworkAlert
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


def test_an_analyst_opens_the_alert_sees_the_paths_and_the_drawing(
    db: Database, world: World, client: TestClient
) -> None:
    sign_in(client, world, "analyst-n")
    alert_id = _alert_id(db)
    listing = client.get("/network/alerts")
    assert listing.status_code == 200 and f"/network/alerts/{alert_id}" in listing.text
    page = client.get(f"/network/alerts/{alert_id}")
    assert page.status_code == 200
    assert "case_entities row" in page.text and "uses phone" in page.text
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
