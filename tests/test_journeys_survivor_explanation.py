"""In a real browser: the duty inspector decides a survivor's Right to Review request, is
refused an explanation that names the suspect in another spelling and gives his number without
spaces, writes one that names nobody, and the survivor then reads exactly that, and none of
the inspector's own reasons."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from caselink.access.principal import principal_for
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import CaseParticipant, PersonRecord, SurvivorLink, User
from caselink.survivors import review, victims_code
from tests.support.a11y import check_page
from tests.support.browser import served, sign_in
from tests.support.ledger import created
from tests.support.survivors import build_portal
from tests.support.world import World

STAFF_REASONS = "Carl Reed (07700 900111) denied it; Cara Lake could not be traced."
FOR_HER = "We looked at the decision again. It stays as it is. Your officer can tell you more."


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World, str]]:
    db = journey_db
    world = build_portal(db, utcnow()).world
    with db.transaction() as s:
        suspect = PersonRecord(
            record_id="N-SUSPECT-CR",
            source="POL-N",
            agency_id=s.scalar(select(User.agency_id).where(User.username == "officer-n")),
            given_name="Carl",
            family_name="Reed",
            phone="07700 900111",
        )
        s.add(suspect)
        s.flush()
        participant = CaseParticipant(
            case_id=world.cases["NORTH/1"], person_record_id=suspect.id, role="suspect"
        )
        s.add(participant)
        s.flush()
        created(s, "case_participant", [participant.id])  # ledgered, as caselink writes it
        survivor = principal_for(s, s.get(User, world.users["survivor"]))  # type: ignore[arg-type]
        link = s.scalar(select(SurvivorLink).where(SurvivorLink.user_id == survivor.user_id))
        assert link is not None
        made = review.request_review(
            s, survivor, victims_code.load(), link, "Nobody asked my friend.", utcnow()
        )
        reference = made.reference
    with served(db) as base:
        yield base, world, reference


def test_journey_an_explanation_is_checked_and_is_all_the_survivor_reads(
    browser: Browser, site: tuple[str, World, str]
) -> None:
    base, world, reference = site
    page = browser.new_page()
    sign_in(page, base, "inspector-n", world.secrets["inspector-n"])
    page.goto(f"{base}/right-to-review/{reference}")
    page.get_by_label("Upheld: the decision was right").check()
    page.get_by_label("Your reasons (for the case file)").fill(STAFF_REASONS)
    page.get_by_label("Your explanation for the victim").fill(
        "Karl was spoken to again on 07700900111 and denied it."
    )
    page.get_by_role("button", name="Record the decision").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("must not name or identify anyone else in the case")
    expect(summary).to_contain_text("\u201cKarl\u201d")
    expect(summary).to_contain_text("07700900111")
    check_page(page, "review decision refused")
    page.get_by_label("Your explanation for the victim").fill(FOR_HER)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#survivor-explanation")).to_have_text(FOR_HER)
    page.context.clear_cookies()

    sign_in(page, base, "survivor", world.secrets["survivor"])
    page.goto(f"{base}/my-case/reviews/{reference}")
    main = page.locator("main")
    expect(main).to_contain_text(FOR_HER)
    for staff_text in ("Carl", "Reed", "07700", "Cara", "denied it"):
        expect(main).not_to_contain_text(staff_text)
    check_page(page, "survivor reads the review's explanation")
    page.close()
