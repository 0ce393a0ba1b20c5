"""The analyst's review queue in the browser: the evidence shown, decisions recorded and
ledgered, and the queue refused to everyone who may not see both records."""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.ledger import Actor
from caselink.linkage.persons import link_stored
from caselink.store.db import Database
from caselink.store.models import Agency, LedgerEntry, LinkCandidate, LinkDecision, PersonRecord
from caselink.web.app import create_app
from tests.support.linkage import PEOPLE, load_world, others
from tests.support.world import PASSWORD, World, csrf_from, sign_in

logging.getLogger("splink").setLevel(logging.ERROR)
USERS = [
    ("analyst-nm", Role.ANALYST, "POL-NM"),
    ("analyst-wd", Role.ANALYST, "POL-WD"),
    ("inspector", Role.OVERSIGHT_OFFICER, None),
    ("officer-nm", Role.SAFEGUARDING_OFFICER, "POL-NM"),
]


@dataclass
class Queue:
    db: Database
    world: World
    unsure: int  # candidate id: both records in Northmoor
    cross: int  # candidate id: one record in Northmoor, one in Westdale


def _candidate_id(db: Database, a: str, b: str) -> int:
    with db.transaction() as session:
        ids = sorted(
            session.scalars(select(PersonRecord.id).where(PersonRecord.record_id.in_([a, b])))
        )
        found = session.scalar(
            select(LinkCandidate.id).where(
                LinkCandidate.record_a_id == ids[0], LinkCandidate.record_b_id == ids[1]
            )
        )
        assert found is not None
        return found


@pytest.fixture
def queue(db: Database, tmp_path: Path) -> Queue:
    load_world(db, tmp_path, PEOPLE + others(150))
    link_stored(db, Actor("cli:test"))
    users, secrets = {}, {}
    with db.transaction() as session:
        for username, role, agency_code in USERS:
            agency = session.scalars(select(Agency).where(Agency.code == agency_code)).first()
            secret = pyotp.random_base32()
            user = create_user(
                session,
                username,
                username.title(),
                f"{username}@example.org",
                role,
                PASSWORD,
                agency,
                Actor.system("test"),
                totp_secret=secret,
            )
            users[username], secrets[username] = user.id, secret
    return Queue(
        db,
        World(users, secrets, {}, {}),
        _candidate_id(db, "L-UNSURE-1", "L-UNSURE-2"),
        _candidate_id(db, "L-CROSS-1", "L-CROSS-2"),
    )


@pytest.fixture
def client(queue: Queue) -> Iterator[TestClient]:
    with TestClient(
        create_app(queue.db), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


def test_an_analyst_sees_the_evidence_and_records_a_decision(
    queue: Queue, client: TestClient
) -> None:
    sign_in(client, queue.world, "analyst-nm")
    listing = client.get("/linkage/review")
    assert listing.status_code == 200
    assert f"/linkage/review/{queue.unsure}" in listing.text
    assert f"/linkage/review/{queue.cross}" not in listing.text, "a Westdale record"
    page = client.get(f"/linkage/review/{queue.unsure}")
    assert page.status_code == 200
    assert "<svg" in page.text and "dates of birth differ" in page.text
    assert "same given name" in page.text and "Kayleigh" in page.text
    chart = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    for name in ("Starting point", "Given name", "Date of birth", "NHS number", "Match weight"):
        assert f">{name}</text>" in chart, f"the bar for {name} is labelled in the chart"
    assert "Nhs" not in page.text and "nhs number" not in page.text
    assert re.search(r">[+-]\d+\.\d\d</text>", chart), "each bar shows its value"
    assert "match weight (each point doubles the odds)" in chart, "the axis is named"
    assert not re.search(r"\sstyle=", page.text), "the CSP forbids inline styles"
    assert "style-src 'self'" in page.headers["content-security-policy"]

    token = csrf_from(page.text)
    no_reason = client.post(
        f"/linkage/review/{queue.unsure}",
        data={"verdict": "confirm", "reason": " ", "csrf_token": token},
    )
    assert no_reason.status_code == 400 and "Give the reason" in no_reason.text
    forged = client.post(
        f"/linkage/review/{queue.unsure}",
        data={"verdict": "confirm", "reason": "Same GP", "csrf_token": "forged"},
    )
    assert forged.status_code == 400 and "expired" in forged.text
    done = client.post(
        f"/linkage/review/{queue.unsure}",
        data={"verdict": "confirm", "reason": "Same GP practice", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert f"/linkage/review/{queue.unsure}" not in client.get(done.headers["location"]).text
    with queue.db.transaction() as session:
        decision = session.scalars(select(LinkDecision)).one()
        assert (decision.decision, decision.decided_by_user_id) == (
            "confirm",
            queue.world.users["analyst-nm"],
        )
        entries = session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.action == "decide", LedgerEntry.actor == "analyst-nm")
        )
        assert entries == 1
        persons = set(
            session.scalars(
                select(PersonRecord.person_id).where(
                    PersonRecord.record_id.in_(["L-UNSURE-1", "L-UNSURE-2"])
                )
            )
        )
        assert len(persons) == 1


def test_an_analyst_cannot_reach_pairs_outside_their_force(
    queue: Queue, client: TestClient
) -> None:
    sign_in(client, queue.world, "analyst-wd")
    assert "Kayleigh" not in client.get("/linkage/review").text
    assert client.get(f"/linkage/review/{queue.unsure}").status_code == 404
    assert client.get(f"/linkage/review/{queue.cross}").status_code == 404
    token = csrf_from(client.get("/linkage/review").text)
    refused = client.post(
        f"/linkage/review/{queue.unsure}",
        data={"verdict": "reject", "reason": "guess", "csrf_token": token},
    )
    assert refused.status_code == 404
    with queue.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LinkDecision)) == 0


def test_oversight_reads_every_pair_but_cannot_decide(queue: Queue, client: TestClient) -> None:
    sign_in(client, queue.world, "inspector")
    listing = client.get("/linkage/review").text
    assert f"/linkage/review/{queue.unsure}" in listing
    assert f"/linkage/review/{queue.cross}" in listing
    page = client.get(f"/linkage/review/{queue.cross}")
    assert page.status_code == 200 and 'name="verdict"' not in page.text
    refused = client.post(
        f"/linkage/review/{queue.cross}",
        data={"verdict": "confirm", "reason": "looks right", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 403
    with queue.db.transaction() as session:
        reads = session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.actor == "inspector", LedgerEntry.object_type == "link_candidate")
        )
        assert reads == 1, "every read of a pair is ledgered"


def test_other_roles_and_strangers_are_refused(queue: Queue, client: TestClient) -> None:
    stranger = client.get(f"/linkage/review/{queue.unsure}", follow_redirects=False)
    assert stranger.status_code == 303 and "/sign-in" in stranger.headers["location"]
    sign_in(client, queue.world, "officer-nm")
    assert client.get("/linkage/review").status_code == 403
    assert client.get(f"/linkage/review/{queue.unsure}").status_code == 403
