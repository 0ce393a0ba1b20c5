"""The access-test world (tests/support/world.py) with what the survivor portal needs: an
officer in charge of NORTH/1 and their senior (a duty inspector, in the same force), a second
victim and a witness on NORTH/1 with their own survivor account, a survivor on SOUTH/1, and a
decision not to charge on NORTH/1 whose reason names other people."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import accounts
from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.ledger import Actor
from caselink.store.db import Database
from caselink.store.models import (
    Agency,
    CaseAssignment,
    CaseParticipant,
    PersonRecord,
    SurvivorLink,
    User,
)
from caselink.survivors import updates, victims_code
from tests.support.ledger import created
from tests.support.world import BY, PASSWORD, World, build

# Everything about other people that a survivor must never see.
SECRETS_OF_OTHERS = (
    "Carl",
    "Reed",
    "Cara",
    "Lake",
    "2009-02-14",
    "14 Feb 2009",
    "7 Mill Lane",
    "07700 900555",
    "Will",
    "Ness",
    "Bea",
    "Hart",
    "Dean",
    "Moss",
    "Disclosure narrative",
    "Summary of",
)
NFA_REASON = "Carl Reed denied it and Cara Lake (07700 900555) could not be traced."


@dataclass
class PortalWorld:
    world: World
    decision_id: int


def _user(s: Session, username: str, role: Role, agency_code: str | None, world: World) -> User:
    agency = s.scalar(select(Agency).where(Agency.code == agency_code)) if agency_code else None
    secret = pyotp.random_base32()
    user = create_user(
        s,
        username,
        username.replace("-", " ").title(),
        f"{username}@example.org",
        role,
        PASSWORD,
        agency,
        BY,
        totp_secret=secret,
    )
    world.users[username], world.secrets[username] = user.id, secret
    return user


@contextmanager
def quick_hashes() -> Iterator[None]:
    """Cheap argon2 parameters while the world's accounts are made: a dozen accounts per test
    at the library's recommended cost take most of a test's time on a shared machine. Signing
    in verifies with the parameters stored in each hash, so nothing else changes."""
    kept = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        accounts._hasher = kept


def build_portal(db: Database, now: datetime) -> PortalWorld:
    with quick_hashes():
        return _build_portal(db, now)


def _build_portal(db: Database, now: datetime) -> PortalWorld:
    world = build(db)
    north, south = world.cases["NORTH/1"], world.cases["SOUTH/1"]
    with db.transaction() as s:
        pol_n = s.scalar(select(Agency.id).where(Agency.code == "POL-N"))
        for rid, role, given, family in [
            ("N-VICTIM2", "victim", "Cara", "Lake"),
            ("N-WITNESS", "witness", "Will", "Ness"),
        ]:
            person = PersonRecord(
                record_id=rid,
                source="POL-N",
                agency_id=pol_n,
                given_name=given,
                family_name=family,
                date_of_birth=date(2009, 2, 14),
                address="7 Mill Lane",
                phone="07700 900555",
            )
            s.add(person)
            s.flush()
            world.records[rid] = person.id
            participant = CaseParticipant(case_id=north, person_record_id=person.id, role=role)
            s.add(participant)
            s.flush()
            created(s, "case_participant", [participant.id])
        inspector = _user(s, "inspector-n", Role.SAFEGUARDING_OFFICER, "POL-N", world)
        second = _user(s, "survivor-2", Role.SURVIVOR, None, world)
        south_survivor = _user(s, "survivor-s", Role.SURVIVOR, None, world)
        s.add_all(
            [
                SurvivorLink(
                    user_id=second.id, case_id=north, person_record_id=world.records["N-VICTIM2"]
                ),
                SurvivorLink(
                    user_id=south_survivor.id,
                    case_id=south,
                    person_record_id=world.records["S-VICTIM"],
                ),
                CaseAssignment(case_id=north, user_id=world.users["officer-n"]),
            ]
        )
        officer = s.get(User, world.users["officer-n"])
        assert officer is not None
        # The chain: officer-n -> inspector-n (same force) -> officer-s (another force).
        officer.supervisor_id = inspector.id
        inspector.supervisor_id = world.users["officer-s"]
        s.flush()
        by = Actor("officer-n", world.users["officer-n"], "POL-N")
        decision, _ = updates.record_decision(
            s, victims_code.load(), by, north, "no_further_action", NFA_REASON, now
        )
    return PortalWorld(world, decision.id)
