"""Reading the graph's nodes and evidence from the store: cases, their participants and the
phones, vehicles, addresses and locations named in them.

Only identifiers, names (for labels), areas and dates are read. Ethnicity, nationality and
religion are never selected, so they cannot reach detection, scoring or alerts.
"""

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from caselink.network import keys
from caselink.network.graph import Evidence, Graph, Node
from caselink.store.models import Agency, Area, Case, CaseEntity, CaseParticipant, PersonRecord

ROLE_EDGE = {"victim": "victim_in", "suspect": "suspect_in"}  # witness, reporter: named_in
RELATIONS = frozenset({"uses_phone", "drives", "lives_at", "seen_at", "named_in"})
BATCH = 10_000


@dataclass(frozen=True)
class Facts:
    nodes: list[Node]
    edges: list[Evidence]


def _restrict(query: Select, column: object, case_ids: Collection[int] | None) -> Select:  # type: ignore[type-arg]
    return query if case_ids is None else query.where(column.in_(list(case_ids)))  # type: ignore[attr-defined]


def _people() -> Select:  # type: ignore[type-arg]
    """Records with their force: the agency's area, or its parent for a local authority."""
    area, parent = aliased(Area), aliased(Area)
    return (
        select(PersonRecord.id, PersonRecord.person_id, PersonRecord.given_name)
        .add_columns(PersonRecord.family_name, area.kind, area.code, parent.code)
        .join(Agency, Agency.id == PersonRecord.agency_id)
        .join(area, area.id == Agency.area_id)
        .outerjoin(parent, parent.id == area.parent_id)
    )


def _person_node(row: Sequence[Any]) -> Node:
    record_id, person_id, given, family, area_kind, area_code, parent_code = row
    force = parent_code if area_kind == "local_authority" else area_code
    label = " ".join(p for p in (given, family) if p) or f"record {record_id}"
    return Node(keys.person(person_id, record_id), "person", label, force)


def read(session: Session, case_ids: Collection[int] | None = None) -> Facts:
    """Every case (or the given cases) with its participants and entities."""
    return Facts(*_collect(session, case_ids))


def _collect(
    session: Session, case_ids: Collection[int] | None
) -> tuple[list[Node], list[Evidence]]:
    nodes: list[Node] = list(_cases(session, case_ids))
    edges: list[Evidence] = []
    query = (
        _people()
        .add_columns(
            CaseParticipant.id, CaseParticipant.case_id, CaseParticipant.role, Case.opened_on
        )
        .join(CaseParticipant, CaseParticipant.person_record_id == PersonRecord.id)
        .join(Case, Case.id == CaseParticipant.case_id)
    )
    query = _restrict(query, CaseParticipant.case_id, case_ids)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        person = _person_node(row[:7])
        nodes.append(person)
        row_id, case_id, role, opened_on = row[7:]
        edges.append(
            Evidence(  # a participant is in the case from the day it was opened
                person.key,
                keys.case(case_id),
                ROLE_EDGE.get(role, "named_in"),
                case_id,
                opened_on,
                row[0],
                "case_participants",
                row_id,
            )
        )
    # The joins of the record's agency and area must be outer: many entities have no person.
    agency, area, parent = aliased(Agency), aliased(Area), aliased(Area)
    query = (
        select(CaseEntity, PersonRecord.id, PersonRecord.person_id, PersonRecord.given_name)
        .add_columns(PersonRecord.family_name, area.kind, area.code, parent.code)
        .outerjoin(PersonRecord, PersonRecord.id == CaseEntity.person_record_id)
        .outerjoin(agency, agency.id == PersonRecord.agency_id)
        .outerjoin(area, area.id == agency.area_id)
        .outerjoin(parent, parent.id == area.parent_id)
    )
    query = _restrict(query, CaseEntity.case_id, case_ids)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        entity: CaseEntity = row[0]
        key = keys.entity(entity.kind, entity.value)
        if key.endswith(":"):
            continue  # nothing left once normalised (e.g. a phone with no digits)
        nodes.append(Node(key, entity.kind, entity.value))
        relation = entity.relation if entity.relation in RELATIONS else "named_in"
        if entity.person_record_id is not None:
            person = _person_node(row[1:8])
            nodes.append(person)
            source, kind = person.key, relation
        else:
            source, kind = keys.case(entity.case_id), "named_in"
        edges.append(
            Evidence(
                source,
                key,
                kind,
                entity.case_id,
                entity.observed_on,
                entity.person_record_id,
                "case_entities",
                entity.id,
            )
        )
    return nodes, edges


def _cases(session: Session, case_ids: Collection[int] | None) -> Iterator[Node]:
    force, authority = aliased(Area), aliased(Area)
    query = (
        select(Case.id, Case.reference, Case.opened_on, force.code, authority.code)
        .join(force, force.id == Case.force_area_id)
        .outerjoin(authority, authority.id == Case.local_authority_id)
    )
    query = _restrict(query, Case.id, case_ids)
    for case_id, reference, opened_on, force_code, la_code in session.execute(query):
        yield Node(keys.case(case_id), "case", reference, force_code, la_code, opened_on)


def build(session: Session, leave_out: int | None = None) -> Graph:
    """The whole graph from the store (but the case `leave_out`, about to be matched)."""
    facts = read(session, None)
    if leave_out is not None:
        key = keys.case(leave_out)
        facts.nodes[:] = [n for n in facts.nodes if n.key != key]
        facts.edges[:] = [e for e in facts.edges if e.case_id != leave_out]
    graph = Graph()
    graph.add(facts.nodes, facts.edges)
    return graph


def add_cases(session: Session, graph: Graph, case_ids: Collection[int] | None) -> range:
    """Add cases (all of them when `case_ids` is None) to a graph; returns new edge ids."""
    facts = read(session, case_ids)
    return graph.add(facts.nodes, facts.edges)
