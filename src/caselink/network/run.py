"""A detection run: build the graph from the store, find networks, store them, raise alerts,
all in one transaction with its ledger entries."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record
from caselink.network import alerts, sources
from caselink.network.detect import detect, evidence
from caselink.network.graph import Graph
from caselink.network.saving import Stored, save
from caselink.network.settings import Thresholds
from caselink.network.summary import summarise
from caselink.store.models import NetworkAlert, NetworkRun


@dataclass(frozen=True)
class RunResult:
    run_id: int
    graph: Graph
    networks: list[Stored]
    alerts: list[NetworkAlert]


def run(
    session: Session, actor: Actor, t: Thresholds | None = None, graph: Graph | None = None
) -> RunResult:
    t = t or Thresholds()
    now = datetime.now(UTC)
    graph = graph if graph is not None else sources.build(session)
    network_run = NetworkRun(kind="detect", started_at=now, settings=t.to_json())
    session.add(network_run)
    session.flush()
    ev = evidence(graph, t) if graph.node_count else None
    stored = [
        save(session, graph, summarise(graph, found, ev), network_run.id, actor, now)
        for found in detect(graph, t)
    ]
    raised = []
    for s in stored:
        if alerts.crosses_boundary(s.network, t):
            alert = alerts.raise_alert(
                session,
                s.network,
                "cross_boundary",
                s.network.signature,
                alerts.describe(s.network),
                actor,
                now,
            )
            if alert is not None:
                raised.append(alert)
    session.execute(
        update(NetworkRun)
        .where(NetworkRun.id == network_run.id)
        .values(network_count=len(stored), alert_count=len(raised))
    )
    record(
        session,
        actor,
        Action.CREATE,
        "network_run",
        network_run.id,
        reason=f"{len(stored)} networks, {len(raised)} new alerts; thresholds {t.to_json()}",
    )
    return RunResult(network_run.id, graph, stored, raised)
