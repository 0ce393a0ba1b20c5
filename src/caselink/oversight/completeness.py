"""Data completeness: for each force and agency, the share of records with each key field
recorded — including the ethnicity and nationality of suspects and victims, which the
national audit found missing in most cases.

Completeness is reported and never used: this module counts whether a field is filled in,
and no score, link, priority or alert reads it (tests/test_completeness.py checks that the
scoring, linkage and network code never reads these fields at all).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from caselink.store.models import Agency, Area, Case, CaseParticipant, PersonRecord, ReviewCase

LOW = 50.0  # a field recorded for fewer than this share of records is flagged

RECORD_FIELDS: tuple[tuple[str, str], ...] = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("sex", "Sex"),
    ("postcode", "Postcode"),
    ("nhs_number", "NHS number"),
    ("phone", "Phone"),
    ("ethnicity", "Ethnicity"),
    ("nationality", "Nationality"),
)
REVIEW_FIELDS: tuple[tuple[str, str], ...] = (
    ("offence_from", "Offence date"),
    ("victim_age", "Victim's age"),
    ("suspects_interviewed", "Suspects interviewed"),
    ("missing_episodes", "Missing episodes"),
    ("victim_ethnicity", "Victim ethnicity"),
    ("victim_nationality", "Victim nationality"),
    ("victim_religion", "Victim religion"),
    ("suspect_ethnicities", "Suspect ethnicity"),
    ("suspect_nationalities", "Suspect nationality"),
)
PARTICIPANT_FIELDS: tuple[tuple[str, str], ...] = (
    ("suspect:ethnicity", "Suspect ethnicity"),
    ("suspect:nationality", "Suspect nationality"),
    ("victim:ethnicity", "Victim ethnicity"),
    ("victim:nationality", "Victim nationality"),
)


@dataclass(frozen=True)
class Row:
    name: str
    detail: str  # the kind of agency, or the force it lies in
    records: int
    shares: dict[str, float | None]  # field -> percentage recorded


@dataclass(frozen=True)
class Section:
    title: str
    about: str
    fields: tuple[tuple[str, str], ...]
    rows: list[Row]
    national: Row


def _recorded(column: InstrumentedAttribute[object]) -> ColumnElement[int]:
    """How many rows have the field filled in (an empty string is not filled in)."""
    if column.type.python_type is str:
        return func.count(func.nullif(column, ""))
    return func.count(column)


def _share(hits: int, base: int) -> float | None:
    return 100.0 * hits / base if base else None


def _row(name: str, detail: str, base: int, hits: Sequence[int], fields: Sequence[str]) -> Row:
    return Row(name, detail, base, {f: _share(h, base) for f, h in zip(fields, hits, strict=True)})


def _total(name: str, rows: list[tuple[int, list[int]]], fields: Sequence[str]) -> Row:
    base = sum(b for b, _ in rows)
    hits = [sum(h[i] for _, h in rows) for i in range(len(fields))]
    return _row(name, "", base, hits, fields)


def records(session: Session) -> tuple[Section, Section]:
    """Person records, by agency and by force area (the agency's area or its parent)."""
    keys = [f for f, _ in RECORD_FIELDS]
    area = aliased(Area)
    force = aliased(Area)
    force_id = case((area.kind == "local_authority", area.parent_id), else_=area.id)
    agencies = {
        row.id: row
        for row in session.execute(
            select(Agency.id, Agency.code, Agency.name, Agency.kind, force.name.label("force"))
            .join(area, area.id == Agency.area_id)
            .join(force, force.id == force_id)
        )
    }
    # One pass over the records, grouped by the agency id alone; names are joined after.
    counted = session.execute(
        select(
            PersonRecord.agency_id,
            func.count(),
            *[_recorded(getattr(PersonRecord, k)) for k in keys],
        ).group_by(PersonRecord.agency_id)
    ).all()
    rows = sorted(
        (
            (a.code, a.name, a.kind, a.force, n, *hits)
            for agency_id, n, *hits in counted
            if (a := agencies.get(agency_id)) is not None
        ),
        key=lambda r: (r[3], r[2], r[0]),
    )
    by_agency = []
    by_force: dict[str, list[tuple[int, list[int]]]] = defaultdict(list)
    for code, name, kind, force_name, n, *hits in rows:
        counts = [int(h or 0) for h in hits]
        by_agency.append(_row(f"{name} ({code})", kind.replace("_", " "), n, counts, keys))
        by_force[force_name].append((n, counts))
    everything = [item for items in by_force.values() for item in items]
    national = _total("All agencies", everything, keys)
    forces = [_total(name, items, keys) for name, items in sorted(by_force.items())]
    return (
        Section(
            "Person records, by force area",
            "Every agency's records about a person, counted in the force area the agency is in.",
            RECORD_FIELDS,
            forces,
            national,
        ),
        Section(
            "Person records, by agency",
            "The same, agency by agency: police, children's services, health and schools.",
            RECORD_FIELDS,
            by_agency,
            national,
        ),
    )


def participants(session: Session) -> Section:
    """Ethnicity and nationality on the records of suspects and victims in cases, by the
    force area of the case."""
    rows = session.execute(
        select(
            Area.name,
            CaseParticipant.role,
            func.count(),
            _recorded(PersonRecord.ethnicity),
            _recorded(PersonRecord.nationality),
        )
        .join(PersonRecord, PersonRecord.id == CaseParticipant.person_record_id)
        .join(Case, Case.id == CaseParticipant.case_id)
        .join(Area, Area.id == Case.force_area_id)
        .where(CaseParticipant.role.in_(("suspect", "victim")))
        .group_by(Area.name, CaseParticipant.role)
    ).all()
    tally: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    for force_name, role, n, ethnicity, nationality in rows:
        tally[force_name][role] = (n, int(ethnicity or 0), int(nationality or 0))

    def row(name: str, roles: dict[str, tuple[int, int, int]]) -> Row:
        suspects = roles.get("suspect", (0, 0, 0))
        victims = roles.get("victim", (0, 0, 0))
        shares = {
            "suspect:ethnicity": _share(suspects[1], suspects[0]),
            "suspect:nationality": _share(suspects[2], suspects[0]),
            "victim:ethnicity": _share(victims[1], victims[0]),
            "victim:nationality": _share(victims[2], victims[0]),
        }
        return Row(name, f"{suspects[0]} suspects, {victims[0]} victims", 0, shares)

    national_roles: dict[str, tuple[int, int, int]] = {}
    for role in ("suspect", "victim"):
        found = [t[role] for t in tally.values() if role in t]
        national_roles[role] = (
            sum(f[0] for f in found),
            sum(f[1] for f in found),
            sum(f[2] for f in found),
        )
    return Section(
        "Suspects and victims in cases, by force area",
        "Whether the ethnicity and nationality of each suspect and victim is recorded.",
        PARTICIPANT_FIELDS,
        [row(name, roles) for name, roles in sorted(tally.items())],
        row("All forces", national_roles),
    )


def review_cases(session: Session) -> Section:
    """Closed cases imported for the national review, by the force that closed them."""
    keys = [f for f, _ in REVIEW_FIELDS]
    rows = session.execute(
        select(
            Area.name,
            func.count(),
            *[_recorded(getattr(ReviewCase, k)) for k in keys],
        )
        .join(Area, Area.id == ReviewCase.force_area_id)
        .group_by(Area.name)
        .order_by(Area.name)
    ).all()
    items = [(name, n, [int(h or 0) for h in hits]) for name, n, *hits in rows]
    return Section(
        "Closed cases under national review, by force area",
        "What each force's case file recorded when it closed the case.",
        REVIEW_FIELDS,
        [_row(name, "", n, hits, keys) for name, n, hits in items],
        _total("All forces", [(n, hits) for _, n, hits in items], keys),
    )


def report(session: Session) -> list[Section]:
    by_force, by_agency = records(session)
    return [participants(session), review_cases(session), by_force, by_agency]
