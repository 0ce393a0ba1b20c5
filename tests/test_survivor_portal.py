"""The survivor portal's isolation: a survivor sees their own case in plain English and nothing
about anybody else (other victims, witnesses, suspects; another case), on any page or API
route; another's case or request is refused by URL and the attempt ledgered; nobody but an
independent, more senior officer of the case's force can act on a request."""

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caselink.access import tokens
from caselink.access.principal import principal_for
from caselink.ledger import Actor
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, ReviewRequest, ReviewRequestStep, User
from caselink.survivors import updates, victims_code
from caselink.web.app import create_app
from tests.support.survivors import NFA_REASON, SECRETS_OF_OTHERS, PortalWorld, build_portal
from tests.support.world import World, csrf_from, raw_token, sign_in


@pytest.fixture
def portal_world(db: Database) -> PortalWorld:
    built = build_portal(db, utcnow())
    with db.transaction() as s:
        by = Actor("officer-n", built.world.users["officer-n"], "POL-N")
        north = built.world.cases["NORTH/1"]
        updates.record_event(
            s, victims_code.load(), by, north, "arrest", date(2026, 3, 3), utcnow()
        )
        south = built.world.cases["SOUTH/1"]
        updates.record_event(
            s, victims_code.load(), by, south, "charge", date(2026, 3, 4), utcnow()
        )
    return built


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _token(db: Database, world: World, username: str, scopes: set[str]) -> dict[str, str]:
    with db.transaction() as s:
        user = s.get(User, world.users[username])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), "t", scopes, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def _ask(client: TestClient, reason: str = "Nobody spoke to my mum.") -> str:
    form = client.get("/my-case/review")
    assert form.status_code == 200
    sent = client.post(
        "/my-case/review", data={"reason": reason, "csrf_token": csrf_from(form.text)}
    )
    assert sent.status_code == 303, sent.text
    return sent.headers["location"].split("requested=")[1]


def _attempts(db: Database, username: str) -> list[tuple[str, str]]:
    with db.transaction() as s:
        return [
            (t, i)
            for t, i in s.execute(
                select(LedgerEntry.object_type, LedgerEntry.object_id).where(
                    LedgerEntry.actor == username, LedgerEntry.action == "attempt"
                )
            )
        ]


def _clean(text: str, *also: str) -> None:
    leaked = [s for s in (*SECRETS_OF_OTHERS, *also) if s in text]
    assert not leaked, f"shown to a survivor: {leaked}"


def test_the_portal_shows_her_own_case_in_plain_english(
    client: TestClient, portal_world: PortalWorld
) -> None:
    sign_in(client, portal_world.world, "survivor")
    page = client.get("/my-case")
    assert page.status_code == 200
    text = page.text
    assert "NORTH/1" in text and "Amy Stone" in text
    assert "Closed with no further action" in text
    assert "The person suspected was arrested on 3 March 2026." in text
    # The decision's reasons are staff text: she is told a decision was recorded and whom to
    # ask (no explanation was written for her when it was made).
    assert "A decision was recorded on" in text and "denied it" not in text
    assert "Officer-N" in text and "officer-n@example.org" in text  # her contact
    assert "Ask for the decision to be reviewed" in text and "You can ask until" in text
    assert "A suspect (details withheld)" in text
    _clean(text)


def test_a_survivor_never_sees_anybody_else_on_any_route(
    client: TestClient, portal_world: PortalWorld, db: Database
) -> None:
    world = portal_world.world
    # The other victim on the same case asks for a review first, through the API.
    other = _token(db, world, "survivor-2", {"my-case"})
    asked = client.post("/api/my-case/reviews", json={"reason": "Cara's own words"}, headers=other)
    assert asked.status_code == 201, asked.text
    other_ref = asked.json()["reference"]
    sign_in(client, world, "survivor")
    mine = _ask(client, "I want it looked at again.")
    token = raw_token(db, world.users["survivor"], set(tokens.SCOPES))
    shown = [
        client.get("/my-case").text,
        client.get(f"/my-case?requested={mine}").text,
        client.get(f"/my-case/reviews/{mine}").text,
        client.get("/cases/NORTH/1").text,  # the officers' case page, as she may see it
        client.get("/api/cases/NORTH/1", headers=token).text,
        client.get("/api/cases", headers=token).text,
        client.get("/api/my-case", headers=token).text,
        client.get(f"/api/my-case/reviews/{mine}", headers=token).text,
    ]
    for text in shown:
        _clean(text, other_ref, "Cara's own words", "CHARGE", "charged on 4 March")
    # Her own request is there and the other victim's is not; she has her own two updates
    # (the other victim's are rows of their own).
    assert mine in shown[0] and "Your request for a review has been sent" in shown[1]
    api = client.get("/api/my-case", headers=token).json()
    assert [r["reference"] for r in api["requests"]] == [mine]
    texts = [u["text"] for u in api["updates"]]
    assert len(texts) == 2 and texts[1] == "The person suspected was arrested on 3 March 2026."
    assert texts[0].endswith(
        "decided to take no further action. This means nobody will be "
        "charged for now. You can ask for this decision to be reviewed."
    )


def test_another_case_or_request_by_url_is_refused_and_ledgered(
    client: TestClient, portal_world: PortalWorld, db: Database
) -> None:
    world = portal_world.world
    sign_in(client, world, "survivor")
    mine = _ask(client)
    client.cookies.clear()
    sign_in(client, world, "survivor-s")
    assert client.get(f"/my-case/reviews/{mine}").status_code == 404
    # The officers' case pages are no survivor's (the portal is): refused by role, for any
    # case at all, so nothing is looked up (and nothing told).
    assert client.get("/cases/NORTH/1").status_code == 403
    assert client.get(f"/records/{world.records['N-VICTIM']}").status_code == 403
    token = raw_token(db, world.users["survivor-s"], set(tokens.SCOPES))
    assert client.get(f"/api/my-case/reviews/{mine}", headers=token).status_code == 404
    assert client.get("/api/cases/NORTH/1", headers=token).status_code == 403
    attempts = _attempts(db, "survivor-s")
    assert attempts.count(("review_request", mine)) == 2
    # What she sees of her own case says nothing of NORTH/1.
    own = client.get("/my-case").text
    assert "SOUTH/1" in own and "NORTH/1" not in own and mine not in own
    assert "The person suspected was charged on 4 March 2026." in own


def test_survivors_cannot_act_on_a_request(
    client: TestClient, portal_world: PortalWorld, db: Database
) -> None:
    world = portal_world.world
    sign_in(client, world, "survivor")
    mine = _ask(client)
    csrf = csrf_from(client.get("/my-case").text)
    for path in (f"/right-to-review/{mine}/decide", f"/right-to-review/{mine}/acknowledge"):
        refused = client.post(
            path, data={"outcome": "overturned", "reason": "x", "csrf_token": csrf}
        )
        assert refused.status_code == 403
    assert client.get("/right-to-review").status_code == 403
    token = raw_token(db, world.users["survivor-2"], set(tokens.SCOPES))
    body = {"outcome": "overturned", "reason": "mine now"}
    assert (
        client.post(f"/api/right-to-review/{mine}/decide", json=body, headers=token).status_code
        == 403
    )
    # Asking twice for the same decision is refused with a clear message.
    again = client.post("/my-case/review", data={"reason": "again", "csrf_token": csrf})
    assert again.status_code == 303 or "already asked" in again.text
    with db.transaction() as s:
        assert s.scalar(select(ReviewRequestStep.id)) is None


def test_only_an_independent_senior_officer_of_the_force_decides(
    client: TestClient, portal_world: PortalWorld, db: Database
) -> None:
    world = portal_world.world
    sign_in(client, world, "survivor")
    mine = _ask(client)
    client.cookies.clear()
    body = {
        "outcome": "overturned",
        "reason": "The suspect was never interviewed.",
        "survivor_explanation": "Nobody had been asked about what you told the police.",
    }
    # Another force's officer (senior in the chain, but not this force's) cannot even see it.
    south = _token(db, world, "officer-s", {"reviews:work"})
    assert (
        client.post(f"/api/right-to-review/{mine}/decide", json=body, headers=south).status_code
        == 404
    )
    # The officer in charge, who made the decision, is not independent.
    in_charge = _token(db, world, "officer-n", {"reviews:work"})
    refused = client.post(f"/api/right-to-review/{mine}/decide", json=body, headers=in_charge)
    assert refused.status_code == 403 and "independent" in refused.json()["detail"]
    # Oversight reads the queue but decides nothing; a social worker has no queue.
    oversight = _token(db, world, "inspector", {"reviews:work"})
    assert client.get("/api/right-to-review", headers=oversight).status_code == 200
    assert (
        client.post(f"/api/right-to-review/{mine}/decide", json=body, headers=oversight).status_code
        == 403
    )
    social = raw_token(db, world.users["social-n"], {"reviews:work"})
    assert client.get("/api/right-to-review", headers=social).status_code == 403
    # No token, no session: refused.
    assert client.post(f"/api/right-to-review/{mine}/decide", json=body).status_code == 401
    assert client.get("/right-to-review").status_code == 303
    attempts = _attempts(db, "officer-n") + _attempts(db, "officer-s")
    assert ("review_request", mine) in attempts
    # The duty inspector, above the decision maker in the same force, acknowledges and decides.
    sign_in(client, world, "inspector-n")
    queue = client.get("/right-to-review")
    assert mine in queue.text and "Yes" in queue.text
    page = client.get(f"/right-to-review/{mine}")
    assert "Nobody spoke to my mum." in page.text and NFA_REASON in page.text
    csrf = csrf_from(page.text)
    empty = client.post(f"/right-to-review/{mine}/decide", data={"csrf_token": csrf})
    assert empty.status_code == 400 and "Select whether the decision is upheld" in empty.text
    ack = client.post(f"/right-to-review/{mine}/acknowledge", data={"csrf_token": csrf})
    assert ack.status_code == 303
    done = client.post(f"/right-to-review/{mine}/decide", data={**body, "csrf_token": csrf})
    assert done.status_code == 303
    assert "You decided the review." in client.get(f"/right-to-review/{mine}?done=decided").text
    client.cookies.clear()
    sign_in(client, world, "survivor")
    own = client.get(f"/my-case/reviews/{mine}").text
    assert "The review found that the decision was wrong" in own
    # What she reads is the explanation written for her, not the reviewer's own reasons.
    assert "Nobody had been asked about what you told the police." in own
    assert "The suspect was never interviewed." not in own
    with db.transaction() as s:
        actions = s.execute(
            select(LedgerEntry.actor, LedgerEntry.action).where(
                LedgerEntry.object_type == "review_request", LedgerEntry.object_id == mine
            )
        ).all()
        request = s.scalar(select(ReviewRequest).where(ReviewRequest.reference == mine))
        assert request is not None
    assert ("survivor", "create") in actions
    assert ("inspector-n", "acknowledge") in actions and ("inspector-n", "decide") in actions
    assert ("inspector-n", "read") in actions


def test_pages_refuse_the_wrong_people(client: TestClient, portal_world: PortalWorld) -> None:
    world = portal_world.world
    assert client.get("/my-case").status_code == 303  # to sign in
    assert client.get("/api/my-case").status_code == 401
    for username in ("teacher", "officer-n", "admin"):
        sign_in(client, world, username)
        assert client.get("/my-case").status_code == 403
        assert client.get("/my-case/review").status_code == 403
        client.cookies.clear()
    sign_in(client, world, "teacher")
    assert client.get("/right-to-review").status_code == 403
    assert client.get("/victim-updates").status_code == 403


def test_the_survivor_and_the_police_are_given_the_same_due_dates(
    client: TestClient, portal_world: PortalWorld
) -> None:
    """One function says when a Right to Review request is to be acknowledged and decided;
    the survivor's confirmation, her request's page, the police queue and the request page
    all show what it says (they once differed by a day)."""
    sign_in(client, portal_world.world, "survivor")
    mine = _ask(client)
    told = client.get(f"/my-case?requested={mine}").text
    found = re.search(
        r"received by (\d+ \w+ \d{4}), and the review will be decided by (\d+ \w+ \d{4})", told
    )
    assert found, "the survivor is told both days"
    acknowledged_by, decided_by = found.groups()
    own = client.get(f"/my-case/reviews/{mine}").text
    assert acknowledged_by in own and decided_by in own
    client.cookies.clear()
    sign_in(client, portal_world.world, "inspector-n")
    queue = client.get("/right-to-review").text
    row = queue[queue.index(mine) :].split("</tr>")[0]
    assert acknowledged_by in row and decided_by in row, row
    page = client.get(f"/right-to-review/{mine}").text
    assert f">{acknowledged_by}" in page and f">{decided_by}<" in page
