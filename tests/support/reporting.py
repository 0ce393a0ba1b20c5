"""Helpers for the reporting tests: a world with postcode districts, a valid submission."""

import copy
from datetime import date
from typing import Any

from caselink.access.principal import Principal, principal_for
from caselink.reporting import rules, submission
from caselink.store.db import Database
from caselink.store.models import Area, PostcodeDistrict, User
from tests.support.world import World, build

TODAY = date(2026, 11, 23)
DUTY = rules.load()

VALID: dict[str, Any] = {
    "reporter_role": "teacher",
    "reporter_setting": "North Primary School",
    "trigger": "child_told",
    "learned_on": "2026-11-23",
    "what_happened": "The child told me that a man from the takeaway gives her lifts.",
    "immediate_danger": "no",
    "child": {
        "given_name": "Amy",
        "family_name": "Stone",
        "date_of_birth": "2012-05-01",
        "postcode": "NO1 2AB",
    },
    "suspects": [{"given_name": "Carl", "phone": "07700 900123", "vehicle": "ab12 cde"}],
}


def valid(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for path, value in changes.items():
        target = data
        parts = path.split("__")
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[parts[-1]] = value
    return data


def checked(**changes: Any) -> submission.Submission:
    return submission.read(valid(**changes), DUTY, TODAY)


def reporting_world(db: Database) -> World:
    """The access tests' two-force world, plus postcode districts for routing."""
    world = build(db)
    with db.transaction() as s:
        areas = {a.code: a.id for a in s.query(Area)}
        s.add_all(
            [
                PostcodeDistrict(
                    district="NO1",
                    local_authority_id=areas["LA-NORTH"],
                    force_area_id=areas["F-NORTH"],
                ),
                PostcodeDistrict(
                    district="SO1",
                    local_authority_id=areas["LA-SOUTH"],
                    force_area_id=areas["F-SOUTH"],
                ),
            ]
        )
    return world


def principal(db: Database, world: World, username: str) -> Principal:
    with db.transaction() as s:
        user = s.get(User, world.users[username])
        assert user is not None
        return principal_for(s, user)
