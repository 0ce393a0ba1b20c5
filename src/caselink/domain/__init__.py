"""Plain domain types shared by every capability.

These are the words of the domain (agency, area, case, event, decision) as enums and small
value types; they hold no storage or web concerns.
"""

from caselink.domain.dates import age_on
from caselink.domain.types import (
    INTERCHANGE_COLUMNS,
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
    "INTERCHANGE_COLUMNS",
    "AgencyKind",
    "AreaKind",
    "CaseParticipantRole",
    "CaseStatus",
    "EntityKind",
    "EventKind",
    "Role",
    "Sex",
    "age_on",
]
