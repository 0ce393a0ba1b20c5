"""Demo child protection teams: one per local authority in the store, with the police
force, the NHS trusts of its force area, the council's children's services and the area's
schools as members (so the demo officer and social worker share a team). Safe to run again."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from caselink.ledger import Actor
from caselink.people import teams
from caselink.store.models import Agency, Area, ChildProtectionTeam

BY = Actor.system("demo")
MEMBER_KINDS = ("police_force", "nhs_trust", "local_authority", "school")
FORCE_WIDE = ("police_force", "nhs_trust")  # agencies that serve the whole force area


def seed_teams(session: Session, actor: Actor = BY) -> int:
    """Create the teams that do not exist yet; returns how many were created."""
    created = 0
    authorities = session.scalars(
        select(Area).where(Area.kind == "local_authority").order_by(Area.code)
    ).all()
    for area in authorities:
        exists = session.scalar(
            select(ChildProtectionTeam.id).where(ChildProtectionTeam.local_authority_id == area.id)
        )
        if exists is not None:
            continue
        code = f"MACPT-{area.code}"
        teams.create_team(
            session, actor, code, f"{area.name} multi-agency child protection team", area.code
        )
        members = session.scalars(
            select(Agency.code)
            .where(
                Agency.kind.in_(MEMBER_KINDS),
                or_(
                    Agency.area_id == area.id,
                    (Agency.area_id == area.parent_id)
                    & Agency.kind.in_(("police_force", "nhs_trust")),
                ),
            )
            .order_by(Agency.kind, Agency.code)
        ).all()
        for agency in members:
            teams.add_member(session, actor, code, agency)
        created += 1
    return created
