"""A three-force world for the oversight tests: the access tests' two forces plus an eastern
one, each with police, children's services, a school and a postcode district, so the demo
activity (caselink.oversight.demo) can file and work reports everywhere at different paces."""

from datetime import date

from sqlalchemy import select

from caselink.oversight import demo
from caselink.reporting import rules
from caselink.store.db import Database
from caselink.store.models import Agency, Area, Case, PostcodeDistrict
from tests.support.ledger import created
from tests.support.world import World, build

DUTY = rules.load()


def _add_force(db: Database, code: str) -> None:
    with db.transaction() as s:
        force = Area(code=f"F-{code}", name=f"F-{code}".title(), kind="force_area")
        s.add(force)
        s.flush()
        authority = Area(code=f"LA-{code}", name=f"LA-{code}".title(), kind="local_authority")
        authority.parent_id = force.id
        s.add(authority)
        s.flush()
        s.add_all(
            [
                Agency(
                    code=f"POL-{code[0]}",
                    name=f"{code} police",
                    kind="police_force",
                    area_id=force.id,
                ),
                Agency(
                    code=f"CSC-{code[0]}",
                    name=f"{code} care",
                    kind="local_authority",
                    area_id=authority.id,
                ),
            ]
        )


def oversight_world(db: Database, per_force: int = 12) -> World:
    world = build(db)
    _add_force(db, "EAST")
    with db.transaction() as s:
        areas = {a.code: a for a in s.scalars(select(Area))}
        for code, district in (("NORTH", "NO1"), ("SOUTH", "SO1"), ("EAST", "EA1")):
            s.add(
                PostcodeDistrict(
                    district=district,
                    local_authority_id=areas[f"LA-{code}"].id,
                    force_area_id=areas[f"F-{code}"].id,
                )
            )
            if code != "NORTH":  # the access world has a school in the north already
                s.add(
                    Agency(
                        code=f"SCH-{code[0]}",
                        name=f"{code.title()} school",
                        kind="school",
                        area_id=areas[f"LA-{code}"].id,
                    )
                )
    with db.transaction() as s:
        assert demo.seed_activity(s, DUTY, per_force=per_force) == 3 * per_force
    return world


def add_closed_cases(db: Database, force_code: str, outcomes: dict[str, int]) -> None:
    """Closed cases in a force: {'no_further_action': 9, 'charged': 1}."""
    with db.transaction() as s:
        force = s.scalar(select(Area).where(Area.code == force_code))
        assert force is not None
        n = 0
        for outcome, count in outcomes.items():
            for _ in range(count):
                n += 1
                s.add(
                    Case(
                        reference=f"{force_code}/T/{n}",
                        force_area_id=force.id,
                        opened_on=date(2025, 1, 1),
                        closed_on=date(2025, 6, 1),
                        status="closed",
                        outcome=outcome,
                        closure_reason="consent" if outcome == "no_further_action" else None,
                    )
                )
        s.flush()
        added = select(Case.id).where(Case.reference.like(f"{force_code}/T/%"))
        created(s, "case", s.scalars(added))
