"""Plain domain types shared by every capability.

These are the words of the domain (agency, area, case, event, decision) as enums and small
value types; they hold no storage or web concerns.
"""

from caselink.domain.types import (
    AgencyKind,
    AreaKind,
    CaseParticipantRole,
    CaseStatus,
    EntityKind,
    EventKind,
    Role,
    Sex,
)

__all__ = [
    "AgencyKind",
    "AreaKind",
    "CaseParticipantRole",
    "CaseStatus",
    "EntityKind",
    "EventKind",
    "Role",
    "Sex",
]
