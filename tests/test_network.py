"""Network detection: keys, the graph, detection, hubs, alerts, grants, explanation,
new-report matches and evaluation against the generator's ground truth."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import principal_for
from caselink.ledger import Actor
from caselink.loading import load_directory
from caselink.network import alerts, explain, keys, reading, sources
from caselink.network.detect import detect, evidence
from caselink.network.evaluate import evaluate
from caselink.network.graph import Evidence, Graph, Node
from caselink.network.match import raise_for_case
from caselink.network.run import run
from caselink.network.settings import Thresholds
from caselink.store.db import Database
from caselink.store.models import (
    AccessGrant,
    Alert,
    Case,
    CaseEntity,
    CaseParticipant,
    LedgerEntry,
    Network,
    NetworkAlert,
    Person,
    PersonRecord,
    User,
)
from tests.support.network import add_case, build_network_world, entity

SYSTEM = Actor.system("test")


def test_keys_see_through_how_things_were_written() -> None:
    assert keys.entity("phone", "07700 900123") == keys.entity("phone", "+44 7700 900123")
    assert keys.entity("vehicle", "nm19 abc") == keys.entity("vehicle", "NM19ABC")
    assert keys.entity("address", "12 Mill Rd, Town AB1 2CD") == keys.entity(
        "address", "12 Mill Road, Town"
    )
    assert keys.person(None, 7) == "record:7" and keys.person(3, 7) == "person:3"


def test_unknown_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown thresholds: nope"):
        Thresholds().with_changes(nope=1)


def _case(graph: Graph, case_id: int, force: str) -> None:
    graph.add([Node(keys.case(case_id), "case", f"C{case_id}", force, f"{force}-LA")], [])


def _link(graph: Graph, case_id: int, thing: str, row: int, owner: bool = True) -> None:
    """The case's suspect uses `thing`; without an owner, it is only named in the case."""
    suspect, case = f"record:{case_id}", keys.case(case_id)
    edges = [
        Evidence(suspect, case, "suspect_in", case_id, None, None, "case_participants", row),
        Evidence(suspect, thing, "uses_phone", case_id, None, None, "case_entities", row),
    ]
    if not owner:
        edges = [Evidence(case, thing, "named_in", case_id, None, None, "case_entities", row)]
    graph.add([], edges)


def test_a_large_component_is_split_by_leiden_at_its_weak_bridge() -> None:
    graph = Graph()
    row = 0
    for group, force in ((range(1, 6), "A"), (range(6, 11), "B")):
        for c in group:
            _case(graph, c, force)
        for a in group:  # each case shares a phone with every other in its group
            for b in group:
                if a < b:
                    row += 1
                    _link(graph, a, f"phone:{a}{b:02d}", row)
                    _link(graph, b, f"phone:{a}{b:02d}", row + 1000)
    _link(graph, 5, "vehicle:BRIDGE", 9001)
    _link(graph, 6, "vehicle:BRIDGE", 9002)
    whole = detect(graph, Thresholds())
    assert [f.method for f in whole] == ["component"]
    split = detect(graph, Thresholds(split_cases=6))
    assert [f.method for f in split] == ["leiden", "leiden"]
    forces = [{graph.forces[v] for v in f.vertices if graph.kind_of(v) == "case"} for f in split]
    assert sorted(map(sorted, forces)) == [["A"], ["B"]]


def test_hubs_weak_kinds_and_unowned_things_connect_nothing() -> None:
    graph = Graph()
    for c in range(1, 14):
        _case(graph, c, "A" if c % 2 else "B")
        _link(graph, c, "phone:taxi", c)  # a taxi firm: used in 13 cases
    _link(graph, 1, "location:star pizza", 100)
    _link(graph, 2, "location:star pizza", 101)
    _link(graph, 3, "phone:found", 102, owner=False)  # in a child's phone, owner unknown
    _link(graph, 4, "phone:found", 103, owner=False)
    assert detect(graph, Thresholds()) == []
    ev = evidence(graph, Thresholds())
    for thing in ("phone:taxi", "location:star pizza", "phone:found"):
        assert ev.excluded[graph.index[thing]], thing
    assert len(detect(graph, Thresholds(hub_cases=20))) == 1
    assert len(detect(graph, Thresholds(unowned_connect=True))) == 1


def test_new_evidence_is_seen_before_igraph_absorbs_it() -> None:
    graph = Graph()
    _case(graph, 1, "A")
    _link(graph, 1, "phone:1", 1)
    edges_before = graph.igraph().ecount()
    _case(graph, 2, "B")
    _link(graph, 2, "phone:1", 2)
    assert len(graph.incident(graph.index["phone:1"])) == 2  # the overlay shows the new edge
    assert graph.igraph().ecount() == edges_before + 2
    assert np.array_equal(graph.edge_case.view(), [1, 1, 2, 2])


def _detect(db: Database, t: Thresholds | None = None) -> list[Network]:
    with db.transaction() as s:
        result = run(s, SYSTEM, t)
        return [stored.network for stored in result.networks]


def test_a_phone_written_two_ways_connects_two_forces_and_raises_one_alert(db: Database) -> None:
    world = build_network_world(db)
    [network] = _detect(db)
    assert network.case_count == 2 and network.force_codes == "F-NORTH;F-SOUTH"
    assert (network.victim_count, network.suspect_count) == (2, 2)
    with db.transaction() as s:
        [alert] = s.scalars(select(NetworkAlert)).all()
        delivered = s.execute(
            select(Alert.recipient_user_id, Alert.recipient_role).where(Alert.kind == "network")
        ).all()
        # the north analyst and oversight; not the east analyst, whose force is not involved
        assert set(delivered) == {(world.users["analyst-n"], None), (None, "oversight_officer")}
        assert s.scalar(
            select(func.count()).where(
                LedgerEntry.object_type == "network_alert", LedgerEntry.object_id == str(alert.id)
            )
        )
    again = _detect(db)
    assert [n.id for n in again] == [network.id]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(NetworkAlert)) == 1


def test_locations_alone_do_not_connect_and_linkage_does(db: Database) -> None:
    world = build_network_world(db)
    with db.transaction() as s:  # remove the phone: only the takeaway is shared now
        s.execute(delete(CaseEntity).where(CaseEntity.kind == "phone"))
    assert _detect(db) == []
    with db.transaction() as s:  # record linkage decides both suspects are one man
        man = Person(person_key="P-TEST-1")
        s.add(man)
        s.flush()
        s.execute(
            update(PersonRecord)
            .where(PersonRecord.id.in_([world.records["N-SUSPECT"], world.records["S-SUSPECT"]]))
            .values(person_id=man.id)
        )
    [network] = _detect(db)
    assert network.force_codes == "F-NORTH;F-SOUTH"


def test_ethnicity_and_nationality_change_nothing(db: Database) -> None:
    build_network_world(db)
    [first] = _detect(db)
    with db.transaction() as s:
        s.execute(update(PersonRecord).values(ethnicity="Any", nationality="Any"))
    [second] = _detect(db)
    assert second.id == first.id and second.signature == first.signature


def test_the_explanation_cites_the_rows_behind_each_step(db: Database) -> None:
    build_network_world(db)
    [network] = _detect(db)
    with db.transaction() as s:
        stored = reading.load(s, network.id)
    assert stored is not None
    [path] = explain.paths(stored.nodes, stored.edges, stored.authority)
    assert {path.start.label, path.end.label} == {"NORTH/1", "SOUTH/1"}
    kinds = [step.kind for step in path.steps]
    assert kinds == ["suspect_in", "uses_phone", "uses_phone", "suspect_in"]
    assert [s.source_table for s in path.steps] == [
        "case_participants",
        "case_entities",
        "case_entities",
        "case_participants",
    ]
    assert [step.citation for step in path.steps] == [
        "the people named in case NORTH/1",
        "the phones, vehicles and places recorded in case NORTH/1",
        "the phones, vehicles and places recorded in case SOUTH/1",
        "the people named in case SOUTH/1",
    ]
    assert [step.words for step in path.steps] == ["suspect in", "uses", "uses", "suspect in"]
    assert [n.kind for n in path.nodes] == ["case", "person", "phone", "person", "case"]


def test_taking_access_from_an_alert_grants_exactly_its_records_once_and_ledgers_it(
    db: Database,
) -> None:
    world = build_network_world(db)
    _detect(db)
    now = datetime.now(UTC)
    with db.transaction() as s:
        analyst = principal_for(s, s.get_one(User, world.users["analyst-n"]))
        south = world.cases["SOUTH/1"]
        assert s.scalar(select(Case.id).where(Case.id == south, policy.cases(analyst))) is None
        alert_id = s.scalars(select(NetworkAlert.id)).one()
        opened = alerts.open_alert(s, analyst, alert_id, now)  # reading grants nothing
        assert opened.access_until is None
        assert s.scalar(select(func.count()).select_from(AccessGrant)) == 0
        granted = alerts.take_access(s, analyst, alert_id, Thresholds(), now)
        cases, records = alerts.scope(s, opened.network.id)
        assert sorted(cases) == sorted(world.cases.values())
        expected = {world.records[r] for r in ("N-VICTIM", "N-SUSPECT", "S-VICTIM", "S-SUSPECT")}
        assert set(records) == expected
        assert granted == len(cases) + len(records)
    with db.transaction() as s:
        assert s.scalar(select(Case.id).where(Case.id == south, policy.cases(analyst))) == south
        grants = s.scalars(select(AccessGrant).where(AccessGrant.kind == "network_alert")).all()
        assert {(g.object_type, g.object_id) for g in grants} == {
            *(("case", c) for c in cases),
            *(("record", r) for r in records),
        }
        disclosed = s.scalar(
            select(func.count()).where(
                LedgerEntry.action == "disclose", LedgerEntry.actor == "analyst-n"
            )
        )
        assert disclosed == len(grants)
        assert alerts.take_access(s, analyst, alert_id, Thresholds(), now) == 0
        assert alerts.open_alert(s, analyst, alert_id, now).access_until is not None
        inspector = principal_for(s, s.get_one(User, world.users["inspector"]))
        assert alerts.open_alert(s, inspector, alert_id, now).access_until is None
        with pytest.raises(PermissionError):
            alerts.take_access(s, inspector, alert_id, Thresholds(), now)
        for outsider in ("analyst-e", "officer-n", "reviewer"):
            p = principal_for(s, s.get_one(User, world.users[outsider]))
            with pytest.raises(LookupError):
                alerts.open_alert(s, p, alert_id, now)


def test_a_new_case_sharing_a_vehicle_with_another_force_raises_an_alert_at_once(
    db: Database,
) -> None:
    world = build_network_world(db)
    with db.transaction() as s:
        entity(
            s, world.cases["SOUTH/1"], world.records["S-SUSPECT"], "vehicle", "SO12 XYZ", "drives"
        )
    with db.transaction() as s:
        graph = sources.build(s)
        edges = graph.edge_count
        case_id, record_id = add_case(s, "NORTH/2", "F-NORTH", "N-NEW", "POL-N")
        entity(s, case_id, record_id, "vehicle", "so12xyz", "drives")
        s.flush()
        alert = raise_for_case(s, graph, case_id, SYSTEM)
        assert alert is not None and alert.kind == "new_report"
        assert "vehicle" in alert.message and "NORTH/2" in alert.message
        assert graph.edge_count == edges + 2  # added to the graph, not rebuilt
        stored = reading.load(s, alert.network_id)
        assert stored is not None
        assert {c.label for c in stored.cases} == {"NORTH/2", "SOUTH/1"}
        [path] = explain.paths(stored.nodes, stored.edges, stored.authority)
        assert "vehicle" in [n.kind for n in path.nodes]
        case_id2, _ = add_case(s, "NORTH/3", "F-NORTH", "N-OTHER", "POL-N")
        s.flush()
        assert raise_for_case(s, graph, case_id2, SYSTEM) is None


def test_evaluation_finds_the_planted_networks(db: Database, tmp_path: Path) -> None:
    from caselink.synth import generate

    out = tmp_path / "synth"
    out.mkdir()
    generate(out, 1000, 3, lambda n: None)
    load_directory(db, out, lambda spec, start: lambda n: None, SYSTEM)
    _detect(db)
    with db.transaction() as s:
        result = evaluate(s, out)
    assert result.planted == 3
    assert result.whole == 3 and result.merged == 0
    assert result.planted_alerted >= 2  # one network in four stays inside one force
    assert result.cases.precision == 1.0 and result.cases.recall == 1.0
    assert result.persons.recall > 0.9


def test_victims_are_never_listed_among_the_most_central_suspects(
    db: Database, tmp_path: Path
) -> None:
    """On the generator's planted networks, where victims sit in many cases and would rank
    high on raw centrality, the 'most central' list holds suspects only."""
    from caselink.synth import generate

    out = tmp_path / "synth"
    out.mkdir()
    generate(out, 1000, 3, lambda n: None)
    load_directory(db, out, lambda spec, start: lambda n: None, SYSTEM)
    networks = _detect(db)
    assert networks
    with db.transaction() as s:
        victims = set(
            s.scalars(
                select(CaseParticipant.person_record_id).where(CaseParticipant.role == "victim")
            )
        )
        suspects = set(
            s.scalars(
                select(CaseParticipant.person_record_id).where(CaseParticipant.role == "suspect")
            )
        )
        listed = 0
        for network in networks:
            stored = reading.load(s, network.id)
            assert stored is not None
            for node in stored.central_people(count=50):
                ids = _record_ids(s, node.key)
                assert ids and not ids & victims, f"victim {node.label} listed as central"
                assert ids & suspects
                listed += 1
    assert listed > 0


def _record_ids(s: Session, key: str) -> set[int]:
    """The person records behind a person node's key (a linked person or one record)."""
    kind, _, value = key.partition(":")
    if kind == "record":
        return {int(value)}
    return set(s.scalars(select(PersonRecord.id).where(PersonRecord.person_id == int(value))))
