"""What each loadable file looks like and where its rows go.

A spec is data: its columns with their parsers, the natural key that makes a re-load
idempotent, and the codes it refers to (an agency, a force area, a record). The loader is
generic over specs, so a new file kind is a new spec, not a new loader.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table

from caselink.domain import (
    AgencyKind,
    AreaKind,
    CaseParticipantRole,
    CaseStatus,
    EntityKind,
    EventKind,
)
from caselink.loading import fields
from caselink.store.models import (
    Agency,
    Area,
    Case,
    CaseEntity,
    CaseParticipant,
    Event,
    PersonRecord,
    PostcodeDistrict,
)


@dataclass(frozen=True)
class Column:
    name: str  # header name in the CSV
    parse: Callable[[str], Any] = fields.text
    required: bool = False
    optional_column: bool = False  # the header may leave this column out
    to: str | None = None  # column in the table, when it is named differently

    @property
    def target(self) -> str:
        return self.to or self.name


@dataclass(frozen=True)
class Reference:
    """A code in the file that must name an existing row, e.g. `source` -> agencies.code."""

    column: str
    table: Table
    key: str
    to: str
    describe: str
    where: ColumnElement[bool] | None = None
    required: bool = True


@dataclass(frozen=True)
class FileSpec:
    kind: str
    file_name: str
    table: Table
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # table columns that identify a row across loads
    references: tuple[Reference, ...] = ()
    batch_size: int = 2000
    # The ledger's name for a row of an audited kind: each row loaded gets an entry with its
    # content digest, so `ledger verify` can tell it from one written behind caselink's back.
    audited_as: str | None = None

    @property
    def header(self) -> list[str]:
        names = [c.name for c in self.columns] + [r.column for r in self.references]
        return list(dict.fromkeys(names))

    @property
    def optional(self) -> set[str]:
        return {c.name for c in self.columns if c.optional_column}


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


areas = _t(Area)
agencies = _t(Agency)
cases = _t(Case)
person_records = _t(PersonRecord)
force_area_only = areas.c.kind == AreaKind.FORCE_AREA.value
local_authority_only = areas.c.kind == AreaKind.LOCAL_AUTHORITY.value


def _values(enum: Any) -> fields.Choice:
    return fields.one_of(*(member.value for member in enum))


AREAS = FileSpec(
    kind="areas",
    file_name="areas.csv",
    table=areas,
    columns=(
        Column("code", fields.bounded(32), required=True),
        Column("name", fields.bounded(200), required=True),
        Column("kind", _values(AreaKind), required=True),
    ),
    references=(
        Reference("parent_code", areas, "code", "parent_id", "area", force_area_only, False),
    ),
    key=("code",),
    batch_size=1,  # a local authority names a force area loaded a few lines earlier
)

POSTCODE_DISTRICTS = FileSpec(
    kind="postcode_districts",
    file_name="postcode_districts.csv",
    table=_t(PostcodeDistrict),
    columns=(Column("district", fields.bounded(8), required=True),),
    references=(
        Reference(
            "local_authority_code",
            areas,
            "code",
            "local_authority_id",
            "local authority",
            local_authority_only,
        ),
        Reference("force_area_code", areas, "code", "force_area_id", "force area", force_area_only),
    ),
    key=("district",),
)

AGENCIES = FileSpec(
    kind="agencies",
    file_name="agencies.csv",
    table=agencies,
    columns=(
        Column("code", fields.bounded(32), required=True),
        Column("name", fields.bounded(200), required=True),
        Column("kind", _values(AgencyKind), required=True),
    ),
    references=(Reference("area_code", areas, "code", "area_id", "area"),),
    key=("code",),
)

# The interchange format of DESIGN.md; `source` names the agency system holding the record.
PERSON_RECORDS = FileSpec(
    kind="person_records",
    file_name="person_records.csv",
    table=person_records,
    columns=(
        Column("record_id", fields.bounded(100), required=True),
        Column("source", fields.bounded(32), required=True),
        Column("given_name", fields.bounded(200)),
        Column("family_name", fields.bounded(200)),
        Column("date_of_birth", fields.iso_date),
        Column("sex", fields.one_of("F", "M", "X")),
        Column("postcode", fields.bounded(16)),
        Column("address", fields.bounded(500)),
        Column("nhs_number", fields.nhs_number),
        Column("phone", fields.bounded(40)),
        Column("email", fields.bounded(320)),
        Column("ethnicity", fields.bounded(100), optional_column=True),
        Column("nationality", fields.bounded(100), optional_column=True),
    ),
    references=(Reference("source", agencies, "code", "agency_id", "agency"),),
    key=("record_id",),
)

CASES = FileSpec(
    kind="cases",
    file_name="cases.csv",
    table=cases,
    columns=(
        Column("case_ref", fields.bounded(40), required=True, to="reference"),
        Column("opened_on", fields.iso_date, required=True),
        Column("closed_on", fields.iso_date),
        Column("status", _values(CaseStatus), required=True),
        Column("outcome", fields.bounded(40)),
        Column("closure_reason", fields.text),
        Column("summary", fields.text),
    ),
    references=(
        Reference("force_area_code", areas, "code", "force_area_id", "force area", force_area_only),
        Reference(
            "local_authority_code",
            areas,
            "code",
            "local_authority_id",
            "local authority",
            local_authority_only,
            False,
        ),
    ),
    key=("reference",),
    audited_as="case",
)

CASE_PERSONS = FileSpec(
    kind="case_persons",
    file_name="case_persons.csv",
    table=_t(CaseParticipant),
    columns=(Column("role", _values(CaseParticipantRole), required=True),),
    references=(
        Reference("case_ref", cases, "reference", "case_id", "case"),
        Reference("record_id", person_records, "record_id", "person_record_id", "person record"),
    ),
    key=("case_id", "person_record_id", "role"),
    audited_as="case_participant",
)

CASE_ENTITIES = FileSpec(
    kind="case_entities",
    file_name="case_entities.csv",
    table=_t(CaseEntity),
    columns=(
        Column("kind", _values(EntityKind), required=True),
        Column("value", fields.bounded(500), required=True),
        Column("relation", fields.bounded(16), required=True),
        Column("observed_on", fields.iso_date),
    ),
    references=(
        Reference("case_ref", cases, "reference", "case_id", "case"),
        Reference(
            "record_id",
            person_records,
            "record_id",
            "person_record_id",
            "person record",
            required=False,
        ),
    ),
    key=("case_id", "person_record_id", "kind", "value", "relation", "observed_on"),
)

EVENTS = FileSpec(
    kind="events",
    file_name="events.csv",
    table=_t(Event),
    columns=(
        Column("event_id", fields.bounded(100), required=True, to="source_ref"),
        Column("kind", _values(EventKind), required=True),
        Column("occurred_on", fields.iso_date, required=True),
        Column("detail", fields.text),
    ),
    references=(
        Reference("case_ref", cases, "reference", "case_id", "case", required=False),
        Reference(
            "record_id",
            person_records,
            "record_id",
            "person_record_id",
            "person record",
            required=False,
        ),
    ),
    key=("source_ref",),
    audited_as="event",
)

# In dependency order: each file refers only to files before it.
ALL = (
    AREAS,
    POSTCODE_DISTRICTS,
    AGENCIES,
    PERSON_RECORDS,
    CASES,
    CASE_PERSONS,
    CASE_ENTITIES,
    EVENTS,
)
BY_KIND = {spec.kind: spec for spec in ALL}
