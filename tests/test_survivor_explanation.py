"""A survivor is never shown staff-written text: a decision reaches her as the explanation
its decision maker wrote for her, refused before it is stored if it names or identifies
anyone else in the case in any format; an old decision without one is a fixed sentence."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caselink.access.principal import principal_for
from caselink.ledger import Actor
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import (
    CaseEntity,
    CaseParticipant,
    PersonRecord,
    ReviewRequest,
    ReviewRequestStep,
    SurvivorExplanation,
    SurvivorLink,
    User,
)
from caselink.survivors import explanations, review, updates, victims_code
from tests.support.ledger import created
from tests.support.ledger_check import ledger_problems
from tests.support.survivors import PortalWorld, build_portal
from tests.support.world import csrf_from, sign_in

# The reason from the issue: every format of the suspect's details that slipped through.
LEAKY = (
    "Nicholas FOSTER (born 1997-01-30, phone 07506 805118) was not charged; Nick FOSTER; "
    "07506805118; +447506805118"
)
KIND = "The police have decided not to charge anyone for now. Your officer can explain why."


@pytest.fixture
def portal_world(db: Database) -> PortalWorld:
    built = build_portal(db, utcnow() - timedelta(days=3))
    north = built.world.cases["NORTH/1"]
    with db.transaction() as s:
        pol_n = s.scalar(
            select(PersonRecord.agency_id).where(PersonRecord.record_id == "N-WITNESS")
        )
        suspect = PersonRecord(
            record_id="N-SUSPECT-NF",
            source="POL-N",
            agency_id=pol_n,
            given_name="Nicholas",
            family_name="Foster",
            date_of_birth=date(1997, 1, 30),
            phone="07506 805118",
            address="22 Quarry Road, Ashby Vale",
            postcode="AV3 9QT",
        )
        s.add(suspect)
        s.flush()
        participant = CaseParticipant(case_id=north, person_record_id=suspect.id, role="suspect")
        s.add(participant)
        s.flush()
        created(s, "case_participant", [participant.id])  # ledgered, as caselink writes it
        s.add(
            CaseEntity(
                case_id=north,
                person_record_id=suspect.id,
                kind="vehicle",
                value="KX19 LMN",
                relation="drives",
            )
        )
    return built


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    from caselink.web.app import create_app

    with TestClient(create_app(db), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _decide(db: Database, world: PortalWorld, reason: str, explanation: str | None) -> None:
    """The survivor's Right to Review request, decided by the duty inspector."""
    now = utcnow()
    with db.transaction() as s:
        survivor = principal_for(s, s.get(User, world.world.users["survivor"]))  # type: ignore[arg-type]
        link = s.scalar(select(SurvivorLink).where(SurvivorLink.user_id == survivor.user_id))
        assert link is not None
        made = s.scalar(
            select(ReviewRequest).where(ReviewRequest.person_record_id == link.person_record_id)
        )
        if made is None:
            made = review.request_review(s, survivor, victims_code.load(), link, "Ask him", now)
    with db.transaction() as s:
        inspector = principal_for(s, s.get(User, world.world.users["inspector-n"]))  # type: ignore[arg-type]
        request = s.get(ReviewRequest, made.id)
        assert request is not None
        review.decide(
            s, inspector, victims_code.load(), request, "upheld", reason, now, explanation
        )


def _stored(db: Database) -> tuple[int, int]:
    with db.transaction() as s:
        steps = s.scalar(
            select(func.count())
            .select_from(ReviewRequestStep)
            .where(ReviewRequestStep.kind == "decide")
        )
        told = s.scalar(select(func.count()).select_from(SurvivorExplanation))
    return steps or 0, told or 0


@pytest.mark.parametrize(
    "leak",
    [
        "Nicholas",
        "Nick",
        "FOSTER",
        "Nicky",
        "born 1997-01-30",
        "born 30/01/1997",
        "born 30.1.97",
        "born 30 January 1997",
        "born 30th of Jan 1997",
        "born January 30, 1997",
        "born 30-01-97",
        "call 07506805118",
        "call 07506 805 118",
        "call +44 7506 805118",
        "call +447506805118",
        "call (07506) 805-118",
        "at 22 Quarry Road",
        "near quarry road",
        "in AV3 9QT",
        "in av39qt",
        "the car KX19LMN",
        "the car kx19 lmn",
        "Cara",  # the other victim
        "07700 900555",  # her phone
        "14 February 2009",  # the other victim's and the witness's date of birth
        "7 Mill Lane",
    ],
)
def test_an_explanation_that_identifies_anyone_else_is_refused_and_nothing_stored(
    db: Database, portal_world: PortalWorld, leak: str
) -> None:
    with pytest.raises(review.ReviewProblem) as refused:
        _decide(db, portal_world, "Staff reasons", f"We looked again. {leak} was considered.")
    assert refused.value.field == "survivor_explanation"
    assert "must not name or identify anyone else in the case" in refused.value.message
    assert _stored(db) == (0, 0), "a refused decision leaves nothing behind"


def test_everyday_words_and_her_own_name_are_not_refused(
    db: Database, portal_world: PortalWorld
) -> None:
    with db.transaction() as s:
        known = explanations.known_about(s, portal_world.world.cases["NORTH/1"], None)
    text = "Amy, the police will look at what you said in May, and we hope it helps."
    # Will Ness is a witness: "will" in lower case is the verb, not him.
    assert [f for f in explanations.findings(known, text) if "Amy" not in f] == []
    _decide(db, portal_world, "Staff reasons", "Amy, the decision stays as it is. " + KIND)
    assert _stored(db) == (1, 1)


def test_the_survivor_sees_exactly_the_explanation_and_never_the_staff_reasons(
    db: Database, portal_world: PortalWorld, client: TestClient
) -> None:
    _decide(db, portal_world, LEAKY, KIND)
    with db.transaction() as s:
        by = Actor("officer-n", portal_world.world.users["officer-n"], "POL-N")
        updates.record_decision(
            s,
            victims_code.load(),
            by,
            portal_world.world.cases["NORTH/1"],
            "no_further_action",
            LEAKY,
            datetime.now(UTC),
            explanation="After looking again, the police will not charge anyone for now.",
        )
    sign_in(client, portal_world.world, "survivor")
    mine = client.get("/my-case")
    reference = mine.text.split("/my-case/reviews/")[1].split('"')[0]
    own_request = client.get(f"/my-case/reviews/{reference}")
    case_page = client.get("/cases/NORTH%2F1")  # the officers' case file is not hers at all
    assert [r.status_code for r in (mine, own_request, case_page)] == [200, 200, 403]
    pages = [mine.text, own_request.text, case_page.text]
    for text in pages:
        for piece in ("Nicholas", "Nick", "FOSTER", "1997", "805118", "07506", "+44"):
            assert piece not in text, f"{piece!r} shown to the survivor"
    assert KIND in pages[1]
    assert "After looking again, the police will not charge anyone for now." in pages[0]
    # The decision recorded before explanations existed: a fixed, kind sentence.
    assert "A decision was recorded on" in pages[0]
    assert ledger_problems(db) == [], "caselink ledger verify stays intact"


def test_the_officers_form_refuses_a_leaky_explanation_with_a_clear_message(
    db: Database, portal_world: PortalWorld, client: TestClient
) -> None:
    sign_in(client, portal_world.world, "officer-n")
    page = client.get("/victim-updates")
    form = {
        "csrf_token": csrf_from(page.text),
        "case_reference": "NORTH/1",
        "kind": "charge",
        "reason": LEAKY,
        "survivor_explanation": "Nick was charged.",
    }
    refused = client.post("/victim-updates", data=form)
    assert refused.status_code == 400
    assert "must not name or identify anyone else in the case" in refused.text
    assert "the name \u201cNick\u201d" in refused.text
    with db.transaction() as s:
        charges = s.scalar(select(func.count()).select_from(SurvivorExplanation))
    assert charges == 0
    form["survivor_explanation"] = "The person suspected has been charged."
    done = client.post("/victim-updates", data=form)
    assert done.status_code == 303, done.text
    assert ledger_problems(db) == []
