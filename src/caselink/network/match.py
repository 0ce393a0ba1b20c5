"""A new case against the graph: does its suspect, phone or vehicle already appear in
another force's case? Checked before the case joins the graph, in time proportional to the
matched things' degree, not to the graph's size.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session

from caselink.ledger import Actor
from caselink.network import alerts, keys, sources
from caselink.network.detect import Found
from caselink.network.graph import Graph
from caselink.network.saving import save
from caselink.network.settings import Thresholds
from caselink.network.summary import summarise
from caselink.store.models import NetworkAlert, NetworkRun


@dataclass(frozen=True)
class Match:
    thing: str  # node key of the shared suspect, phone or vehicle
    cases: list[str]  # node keys of other forces' cases naming it


def _suspects(facts: sources.Facts) -> set[str]:
    return {e.source for e in facts.edges if e.kind == "suspect_in"}


def find(graph: Graph, facts: sources.Facts, case_key: str, t: Thresholds) -> list[Match]:
    """Matches of a new case's facts against the graph as it stands (before adding them)."""
    force = next(n.force for n in facts.nodes if n.key == case_key)
    suspects = _suspects(facts)
    wanted = {
        n.key
        for n in facts.nodes
        if n.kind in t.match_kinds
        and n.kind not in t.weak_kinds
        and (n.kind != "person" or n.key in suspects)
    }
    found = []
    for key in sorted(wanted):
        vertex = graph.index.get(key)
        if vertex is None:
            continue
        edges = np.asarray(graph.incident(vertex), dtype=np.int64)
        if not len(edges):
            continue
        named_in = np.unique(graph.edge_case.data[edges])
        if keys.kind_of(key) != "person" and len(named_in) > t.hub_cases:
            continue  # a common thing: no evidence of a connection
        others = [
            keys.case(int(c))
            for c in named_in
            if (v := graph.index.get(keys.case(int(c)))) is not None and graph.forces[v] != force
        ]
        if others:
            found.append(Match(key, sorted(others)))
    return found


def members(graph: Graph, case_key: str, matches: list[Match]) -> list[int]:
    """The new case, the matched things and cases, and the people between them."""
    cases = {graph.index[case_key], *(graph.index[c] for m in matches for c in m.cases)}
    case_ids = {int(graph.keys[c].split(":", 1)[1]) for c in cases}
    out = set(cases)
    for m in matches:
        thing = graph.index[m.thing]
        out.add(thing)
        for e in graph.incident(thing):
            if int(graph.edge_case.data[e]) in case_ids:
                out.add(graph.other_end(e, thing))
    return sorted(out)


def raise_for_case(
    session: Session, graph: Graph, case_id: int, actor: Actor, t: Thresholds | None = None
) -> NetworkAlert | None:
    """Add a newly stored case to the graph; alert if it matches another force's case."""
    t = t or Thresholds()
    now = datetime.now(UTC)
    facts = sources.read(session, [case_id])
    case_key = keys.case(case_id)
    if not any(n.key == case_key for n in facts.nodes):
        raise LookupError(case_id)
    matches = find(graph, facts, case_key, t)
    graph.add(facts.nodes, facts.edges)
    if not matches:
        return None
    network_run = NetworkRun(kind="match", started_at=now, settings=t.to_json(), network_count=1)
    session.add(network_run)
    session.flush()
    summary = summarise(graph, Found("match", np.asarray(members(graph, case_key, matches))))
    stored = save(session, graph, summary, network_run.id, actor, now)
    things = ", ".join(sorted({keys.kind_of(m.thing) for m in matches}))
    message = (
        f"New case {graph.labels[graph.index[case_key]]} shares a {things} with "
        f"{len({c for m in matches for c in m.cases})} case(s) in another force: "
        + alerts.describe(stored.network)
    )
    return alerts.raise_alert(
        session, stored.network, "new_report", stored.network.signature, message, actor, now
    )
