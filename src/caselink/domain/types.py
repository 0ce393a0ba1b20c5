"""Enumerations of the domain. Stored as their string values, so the database stays readable."""

from enum import StrEnum


class AreaKind(StrEnum):
    FORCE_AREA = "force_area"
    LOCAL_AUTHORITY = "local_authority"


class AgencyKind(StrEnum):
    POLICE_FORCE = "police_force"
    LOCAL_AUTHORITY = "local_authority"  # children's social care
    NHS_TRUST = "nhs_trust"
    SCHOOL = "school"
    OTHER = "other"


class Role(StrEnum):
    """The users of DESIGN.md; what each may see is decided by the access policy."""

    REPORTER = "reporter"
    SAFEGUARDING_OFFICER = "safeguarding_officer"
    ANALYST = "analyst"
    CASE_REVIEWER = "case_reviewer"
    OVERSIGHT_OFFICER = "oversight_officer"
    SURVIVOR = "survivor"
    ADMINISTRATOR = "administrator"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseParticipantRole(StrEnum):
    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    REPORTER = "reporter"


class EntityKind(StrEnum):
    """Things other than people that connect cases."""

    PHONE = "phone"
    VEHICLE = "vehicle"
    ADDRESS = "address"
    LOCATION = "location"


class EventKind(StrEnum):
    MISSING_EPISODE = "missing_episode"
    DISCLOSURE = "disclosure"
    REFERRAL = "referral"
    ARREST = "arrest"
    INTERVIEW = "interview"
    CHARGE = "charge"
    NO_FURTHER_ACTION = "no_further_action"
    STRATEGY_MEETING = "strategy_meeting"


# The interchange format for person records (DESIGN.md): columns in this order, with a header.
INTERCHANGE_COLUMNS = (
    "record_id",
    "source",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
    "phone",
    "email",
)
