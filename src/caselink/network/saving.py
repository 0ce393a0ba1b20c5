"""Storing networks: the network, the forces it concerns, its nodes and evidence edges.

A network's signature is a digest of its members and of the rows behind its edges; a run
that finds the same network again only marks it as seen in that run.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record
from caselink.network.graph import Graph
from caselink.network.summary import Summary
from caselink.store.models import Area, Network, NetworkEdge, NetworkForce, NetworkNode


@dataclass(frozen=True)
class Stored:
    network: Network
    new: bool


def signature(graph: Graph, s: Summary) -> str:
    h = hashlib.sha256(s.method.encode())
    for v in sorted(graph.keys[v] for v in s.members):
        h.update(b"\x00" + v.encode())
    for table, row in sorted(
        (int(graph.edge_source.data[e]), int(graph.edge_row.data[e])) for e in s.edges
    ):
        h.update(f"\x01{table}:{row}".encode())
    return h.hexdigest()


def save(
    session: Session, graph: Graph, s: Summary, run_id: int, actor: Actor, now: datetime
) -> Stored:
    sig = signature(graph, s)
    existing = session.scalar(select(Network).where(Network.signature == sig))
    if existing is not None:
        session.execute(update(Network).where(Network.id == existing.id).values(last_run_id=run_id))
        existing.last_run_id = run_id
        return Stored(existing, False)
    network = Network(
        signature=sig,
        first_run_id=run_id,
        last_run_id=run_id,
        method=s.method,
        case_count=len(s.cases),
        victim_count=len(s.victims),
        suspect_count=len(s.suspects),
        force_codes=";".join(s.forces),
        local_authority_codes=";".join(s.authorities),
        first_on=s.first_on,
        last_on=s.last_on,
        created_at=now,
    )
    session.add(network)
    session.flush()
    force_ids = session.scalars(select(Area.id).where(Area.code.in_(s.forces))).all()
    if force_ids:
        session.execute(
            insert(NetworkForce),
            [{"network_id": network.id, "force_area_id": f} for f in force_ids],
        )
    session.execute(insert(NetworkNode), _nodes(graph, s, network.id))
    if s.edges:
        session.execute(insert(NetworkEdge), _edges(graph, s, network.id))
    record(
        session,
        actor,
        Action.CREATE,
        "network",
        network.id,
        reason=f"{s.method}: {len(s.cases)} cases in {', '.join(s.forces) or 'no force'}",
        after=sig,
    )
    return Stored(network, True)


def _nodes(graph: Graph, s: Summary, network_id: int) -> list[dict[str, object]]:
    rows = []
    for v in [*s.members, *s.context]:
        key = graph.keys[v]
        kind = graph.kind_of(v)
        central = s.centrality.get(v)
        rows.append(
            {
                "network_id": network_id,
                "key": key[:600],
                "kind": kind,
                "label": graph.labels[v][:500],
                "force_code": graph.forces[v],
                "case_id": int(key.split(":", 1)[1]) if kind == "case" else None,
                "degree": central.degree if central else 0,
                "betweenness": central.betweenness if central else 0.0,
                "context": v in s.context,
            }
        )
    return rows


def _edges(graph: Graph, s: Summary, network_id: int) -> list[dict[str, object]]:
    rows = []
    for e in s.edges:
        evidence = graph.edge(e)
        rows.append(
            {
                "network_id": network_id,
                "source_key": evidence.source[:600],
                "target_key": evidence.target[:600],
                "kind": evidence.kind,
                "observed_on": evidence.observed_on,
                "case_id": evidence.case_id,
                "person_record_id": evidence.person_record_id,
                "source_table": evidence.source_table,
                "source_row_id": evidence.source_row_id,
            }
        )
    return rows
