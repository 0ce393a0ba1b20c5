"""The two-force world of tests/support/world.py, with the same phone (written two ways) in
a case of each force, a takeaway both victims were seen at, and a third force's analyst."""

from datetime import date

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.store.db import Database
from caselink.store.models import Agency, Area, Case, CaseEntity, CaseParticipant, PersonRecord
from tests.support.ledger import created
from tests.support.world import BY, PASSWORD, World, build


def entity(
    s: Session, case_id: int, record_id: int | None, kind: str, value: str, relation: str
) -> None:
    s.add(
        CaseEntity(
            case_id=case_id,
            person_record_id=record_id,
            kind=kind,
            value=value,
            relation=relation,
            observed_on=date(2023, 2, 1),
        )
    )


def add_case(
    s: Session, reference: str, force_code: str, suspect: str, agency_code: str
) -> tuple[int, int]:
    """A new case in a force, with one suspect record of that force; returns (case, record)."""
    force = s.scalars(select(Area).where(Area.code == force_code)).one()
    agency = s.scalars(select(Agency).where(Agency.code == agency_code)).one()
    record = PersonRecord(record_id=suspect, source=agency_code, agency_id=agency.id)
    s.add(record)
    case = Case(
        reference=reference,
        force_area_id=force.id,
        opened_on=date(2024, 1, 5),
        status="open",
        outcome="ongoing",
    )
    s.add(case)
    s.flush()
    participant = CaseParticipant(case_id=case.id, person_record_id=record.id, role="suspect")
    s.add(participant)
    s.flush()
    created(s, "case", [case.id])
    created(s, "case_participant", [participant.id])
    return case.id, record.id


def build_network_world(db: Database) -> World:
    world = build(db)
    with db.transaction() as s:
        north, south = world.cases["NORTH/1"], world.cases["SOUTH/1"]
        entity(s, north, world.records["N-SUSPECT"], "phone", "07700 900123", "uses_phone")
        entity(s, south, world.records["S-SUSPECT"], "phone", "+447700900123", "uses_phone")
        for case, victim in ((north, "N-VICTIM"), (south, "S-VICTIM")):
            entity(s, case, world.records[victim], "location", "Star Pizza, Town", "seen_at")
        east = Area(code="F-EAST", name="East", kind="force_area")
        s.add(east)
        s.flush()
        agency = Agency(code="POL-E", name="POL-E agency", kind="police_force", area_id=east.id)
        s.add(agency)
        s.flush()
        secret = pyotp.random_base32()
        user = create_user(
            s,
            "analyst-e",
            "Analyst-E",
            "analyst-e@example.org",
            Role.ANALYST,
            PASSWORD,
            agency,
            BY,
            totp_secret=secret,
        )
        world.users["analyst-e"], world.secrets["analyst-e"] = user.id, secret
    return world
