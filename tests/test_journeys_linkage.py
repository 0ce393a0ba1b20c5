"""Journey 4 in a real browser: an analyst opens the links to review, opens an uncertain
pair, reads the evidence (the waterfall of match weights and the same figures as a table),
confirms the link with a reason; the pair leaves the queue and the decision is ledgered.
The candidate is stored with the evidence a real run gave it; tests/test_linkage_web.py runs
Splink itself."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.linkage.evidence import PRIOR, Bar, Evidence
from caselink.store.db import Database
from caselink.store.models import (
    Agency,
    LedgerEntry,
    LinkageModelVersion,
    LinkageRun,
    LinkCandidate,
    PersonRecord,
)
from tests.support.a11y import check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.linkage import PEOPLE, load_world
from tests.support.world import BY, PASSWORD


@dataclass
class Site:
    base: str
    db: Database
    secret: str
    unsure: int  # the candidate id of the two Kayleigh Dunmore records


# The evidence a real run scored for this pair (see tests/test_linkage_web.py, which runs
# Splink): stored directly, so the journey does not depend on how the model is tuned.
EVIDENCE = Evidence(
    (
        Bar(PRIOR, "chance that two records picked at random match", -7.29),
        Bar("given_name", "same given name", 5.99),
        Bar("family_name", "same family name", 5.95),
        Bar("date_of_birth", "dates of birth differ", -5.58),
        Bar("sex", "same sex", 0.96),
        Bar("home", "postcode one character different, or same postcode sector", 1.58),
    ),
    match_weight=1.61,
    match_probability=0.754,
)


def store_candidate(db: Database, a: str, b: str) -> int:
    with db.transaction() as s:
        ids = sorted(s.scalars(select(PersonRecord.id).where(PersonRecord.record_id.in_([a, b]))))
        model = LinkageModelVersion(version=1, spec="journey", document="{}")
        s.add(model)
        s.flush()
        run = LinkageRun(
            model_id=model.id,
            kind="full",
            actor="cli:test",
            records_read=len(PEOPLE),
            records_linked=0,
            persons_created=0,
            candidates=1,
        )
        s.add(run)
        s.flush()
        candidate = LinkCandidate(
            run_id=run.id,
            record_a_id=ids[0],
            record_b_id=ids[1],
            match_probability=EVIDENCE.match_probability,
            match_weight=EVIDENCE.match_weight,
            evidence=EVIDENCE.to_json(),
        )
        s.add(candidate)
        s.flush()
        return candidate.id


@pytest.fixture
def site(journey_db: Database, tmp_path: Path) -> Iterator[Site]:
    db = journey_db
    load_world(db, tmp_path, PEOPLE)
    unsure = store_candidate(db, "L-UNSURE-1", "L-UNSURE-2")
    secret = pyotp.random_base32()
    with db.transaction() as s:
        agency = s.scalar(select(Agency).where(Agency.code == "POL-NM"))
        create_user(
            s,
            "analyst-nm",
            "Analyst Northmoor",
            "analyst-nm@example.org",
            Role.ANALYST,
            PASSWORD,
            agency,
            BY,
            totp_secret=secret,
        )
    with served(db) as base:
        yield Site(base, db, secret, unsure)


def test_journey_analyst_confirms_uncertain_link(browser: Browser, site: Site) -> None:
    shots = screenshots("04-analyst-confirms-a-link")
    page = browser.new_page()
    sign_in(page, site.base, "analyst-nm", site.secret)
    page.get_by_role("link", name="Links to review").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Links to review")
    pair = page.get_by_role("link", name=f"Review pair {site.unsure}")
    expect(pair).to_be_visible()
    check_page(page, "queue")
    page.screenshot(path=shots / "1-queue.png", full_page=True)

    pair.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are these the same person?")
    expect(page.get_by_role("img", name="Waterfall of match weights")).to_be_visible()
    weights = page.get_by_role("table").filter(has_text="Match weights")
    expect(weights).to_contain_text("dates of birth differ")
    expect(page.get_by_role("table").filter(has_text="The two records")).to_contain_text("Kayleigh")
    check_page(page, "pair")
    page.screenshot(path=shots / "2-evidence.png", full_page=True)

    # Sent without a reason: the error summary says what is missing.
    page.get_by_label("The same person: link them").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason for your decision")
    check_page(page, "pair with an error")
    page.get_by_label("Your reason").fill("Same school and GP; the birth year was mistyped.")
    page.get_by_role("button", name="Record decision").click()

    expect(page.get_by_text("Your decision (same person) is recorded.")).to_be_visible()
    expect(page.get_by_role("link", name=f"Review pair {site.unsure}")).to_have_count(0)
    check_page(page, "queue after the decision")
    page.screenshot(path=shots / "3-decided.png", full_page=True)

    with site.db.transaction() as s:
        decided = s.scalars(
            select(LedgerEntry.reason).where(
                LedgerEntry.action == "decide",
                LedgerEntry.actor == "analyst-nm",
                LedgerEntry.object_type == "link_candidate",
                LedgerEntry.object_id == str(site.unsure),
            )
        ).all()
        persons = set(
            s.scalars(
                select(PersonRecord.person_id).where(
                    PersonRecord.record_id.in_(["L-UNSURE-1", "L-UNSURE-2"])
                )
            )
        )
    assert decided == ["confirm: Same school and GP; the birth year was mistyped."]
    assert len(persons) == 1
