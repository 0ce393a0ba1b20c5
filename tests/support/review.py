"""Closed-case files and reviewers for the review tests. Every name here is invented."""

import csv
import io
from pathlib import Path

import pyotp

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.ledger import Actor
from caselink.review import columns
from caselink.store.db import Database
from caselink.store.models import Area, User
from tests.support.world import PASSWORD, World

# F-NORTH and F-SOUTH are the force areas of tests/support/world.py.
ROWS = {
    # A rape of an 11-year-old closed as "consent", suspect never interviewed, missing often;
    # its phone, vehicle and suspect recur in REV/3 written differently.
    "REV/1": {
        "force": "F-NORTH",
        "reported_on": "2016-03-01",
        "closed_on": "2016-09-01",
        "offences": "rape;causing_child_sexual_exploitation",
        "closure_outcome": "no_further_action",
        "closure_reason": '"Consent"',
        "offence_from": "2015-11-20",
        "victim_age": "11",
        "victim_count": "2",
        "closure_note": "Officer wrote that the girl went willingly.",
        "suspects_interviewed": "no",
        "missing_episodes": "6",
        "suspects": "Darren Holt (1988-11-30); Kyle Moss",
        "phones": "07700 900123",
        "vehicles": "NM19 ABC",
        "addresses": "12 Alder Street, Ashby Vale",
        "victim_ethnicity": "White British",
        "victim_nationality": "British",
        "victim_religion": "No religion",
        "suspect_ethnicities": "White British;Asian Pakistani",
        "suspect_nationalities": "British;British",
    },
    # An ordinary closure: sexual communication with a 16-year-old, suspect interviewed.
    "REV/2": {
        "force": "F-SOUTH",
        "reported_on": "2012-01-10",
        "closed_on": "2012-05-01",
        "offences": "sexual_communication",
        "closure_outcome": "no_further_action",
        "closure_reason": "evidential difficulties",
        "victim_age": "16",
        "suspects_interviewed": "yes",
        "missing_episodes": "0",
        "suspects": "Paul Grant (1979-02-03)",
    },
    # In the neighbouring force: shares REV/1's suspect, phone and vehicle.
    "REV/3": {
        "force": "F-SOUTH",
        "reported_on": "2017-06-01",
        "closed_on": "2017-08-15",
        "offences": "sexual_activity_with_child",
        "closure_outcome": "no_crime_recorded",
        "closure_reason": "victim withdrew",
        "victim_age": "14",
        "suspects_interviewed": "some",
        "missing_episodes": "2",
        "suspects": "DARREN HOLT (1988-11-30)",
        "phones": "+44 7700 900123",
        "vehicles": "nm19abc",
        "addresses": "12 Alder St Ashby Vale",
    },
}


def csv_text(rows: dict[str, dict[str, str]] | None = None) -> str:
    rows = ROWS if rows is None else rows
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns.COLUMNS)
    for reference, values in rows.items():
        writer.writerow(
            [reference if c == "case_reference" else values.get(c, "") for c in columns.COLUMNS]
        )
    return out.getvalue()


def write_cases(path: Path, rows: dict[str, dict[str, str]] | None = None) -> Path:
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def add_reviewer(db: Database, world: World, username: str = "reviewer-2") -> None:
    """A second case reviewer, so that approvals can be tested."""
    secret = pyotp.random_base32()
    with db.transaction() as session:
        user = create_user(
            session,
            username,
            username.title(),
            f"{username}@example.org",
            Role.CASE_REVIEWER,
            PASSWORD,
            None,
            Actor.system("test"),
            totp_secret=secret,
        )
        world.users[username], world.secrets[username] = user.id, secret


def add_forces(db: Database) -> None:
    """Just the two force areas of the world, for tests that need no users (fast)."""
    with db.transaction() as session:
        for code in ("F-NORTH", "F-SOUTH"):
            session.add(Area(code=code, name=code.title(), kind="force_area"))


def add_people(db: Database) -> dict[str, int]:
    """Users who never sign in (no password hashing, so fast): two reviewers, an inspector,
    an officer and an analyst. Returns username -> user id."""
    people = {
        "reviewer": Role.CASE_REVIEWER,
        "reviewer-2": Role.CASE_REVIEWER,
        "inspector": Role.OVERSIGHT_OFFICER,
        "officer-n": Role.SAFEGUARDING_OFFICER,
        "analyst-n": Role.ANALYST,
    }
    with db.transaction() as session:
        users = [
            User(
                username=name,
                display_name=name.title(),
                email=f"{name}@example.org",
                role=role.value,
                password_hash="!",  # cannot sign in
            )
            for name, role in people.items()
        ]
        session.add_all(users)
        session.flush()
        return {user.username: user.id for user in users}
