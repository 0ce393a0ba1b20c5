"""Reading stored networks and alerts, always through the access policy; each read of one
network or alert is ledgered."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.ledger import record_read
from caselink.store.models import (
    Area,
    Case,
    Network,
    NetworkAlert,
    NetworkEdge,
    NetworkNode,
    NetworkRun,
)


@dataclass(frozen=True)
class StoredNetwork:
    network: Network
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    authority: dict[int, str | None]  # case node id -> local authority code
    opened: dict[int, date]  # case node id -> the day the case was opened

    @property
    def cases(self) -> list[NetworkNode]:
        return [n for n in self.nodes if n.kind == "case" and not n.context]

    def central_people(self, count: int = 5) -> list[NetworkNode]:
        people = [n for n in self.nodes if n.kind == "person" and not n.context]
        return sorted(people, key=lambda n: (-n.betweenness, -n.degree, n.label))[:count]


def latest_detection(session: Session) -> int | None:
    return session.scalar(select(func.max(NetworkRun.id)).where(NetworkRun.kind == "detect"))


def alerts_for(session: Session, p: Principal, limit: int = 200) -> list[NetworkAlert]:
    return list(
        session.scalars(
            select(NetworkAlert)
            .where(policy.network_alerts(p))
            .order_by(NetworkAlert.created_at.desc(), NetworkAlert.id.desc())
            .limit(limit)
        )
    )


def load(session: Session, network_id: int) -> StoredNetwork | None:
    """A network with its nodes and edges; no policy check (callers check first)."""
    network = session.get(Network, network_id)
    if network is None:
        return None
    nodes = list(
        session.scalars(
            select(NetworkNode).where(NetworkNode.network_id == network_id).order_by(NetworkNode.id)
        )
    )
    edges = list(
        session.scalars(
            select(NetworkEdge).where(NetworkEdge.network_id == network_id).order_by(NetworkEdge.id)
        )
    )
    authority = aliased(Area)
    cases = {
        case_id: (code, opened_on)
        for case_id, code, opened_on in session.execute(
            select(Case.id, authority.code, Case.opened_on)
            .outerjoin(authority, authority.id == Case.local_authority_id)
            .where(Case.id.in_([n.case_id for n in nodes if n.case_id is not None]))
        )
    }
    in_cases = [n for n in nodes if n.case_id in cases]
    return StoredNetwork(
        network,
        nodes,
        edges,
        {n.id: cases[n.case_id][0] for n in in_cases if n.case_id is not None},
        {n.id: cases[n.case_id][1] for n in in_cases if n.case_id is not None},
    )


def read_network(session: Session, p: Principal, network_id: int) -> StoredNetwork | None:
    """One network the principal may see (None otherwise, and the refusal ledgered),
    ledgered as a read."""
    try:
        refusals.find_or_refuse(
            session,
            p,
            "network",
            network_id,
            select(Network.id).where(Network.id == network_id, policy.networks(p)),
            select(Network.id).where(Network.id == network_id),
        )
    except refusals.Refused:
        return None
    record_read(session, p.actor, "network", network_id)
    return load(session, network_id)
