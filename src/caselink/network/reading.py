"""Reading stored networks and alerts, always through the access policy; each read of one
network or alert is ledgered."""

from dataclasses import dataclass, field
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
    PersonRecord,
)


@dataclass(frozen=True)
class StoredNetwork:
    network: Network
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    authority: dict[int, str | None]  # case node id -> local authority code
    opened: dict[int, date]  # case node id -> the day the case was opened
    area_names: dict[str, str] = field(default_factory=dict)  # area code -> its name

    def area_name(self, code: str | None) -> str:
        """A force area or local authority by its name; people do not read area codes."""
        return self.area_names.get(code, code) if code else ""

    def roles(self) -> dict[str, str]:
        """Each person node's role in this network, from its edges: "suspect", "victim" (a
        victim in any of its cases, whatever else), or "other person" (witness, named)."""
        suspects, victims = set[str](), set[str]()
        for e in self.edges:
            if e.kind in ("suspect_in", "victim_in"):
                (suspects if e.kind == "suspect_in" else victims).update(
                    (e.source_key, e.target_key)
                )
        out = {}
        for n in self.nodes:
            if n.kind == "person":
                out[n.key] = (
                    "victim" if n.key in victims else "suspect" if n.key in suspects else "other"
                )
        return out

    @property
    def cases(self) -> list[NetworkNode]:
        return [n for n in self.nodes if n.kind == "case" and not n.context]

    def central_people(self, count: int = 5) -> list[NetworkNode]:
        """The most central suspects: a person who is a victim in any of the network's cases
        is never listed, whatever their numbers (see caselink.network.summary)."""
        roles = self.roles()
        people = [
            n
            for n in self.nodes
            if n.kind == "person" and not n.context and roles.get(n.key) == "suspect"
        ]
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
    codes = {n.force_code for n in nodes if n.force_code} | {c for c, _ in cases.values() if c}
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())
    return StoredNetwork(
        network,
        nodes,
        edges,
        {n.id: cases[n.case_id][0] for n in in_cases if n.case_id is not None},
        {n.id: cases[n.case_id][1] for n in in_cases if n.case_id is not None},
        {str(code): str(name) for code, name in names.items()},
    )


def visible(session: Session, p: Principal, s: StoredNetwork) -> tuple[set[int], set[int]]:
    """Which of the network's cases and person records this viewer may open, so the drawing
    links only to what will open (everything else is drawn, unlinked)."""
    case_ids = {n.case_id for n in s.nodes if n.case_id is not None}
    record_ids = {e.person_record_id for e in s.edges if e.person_record_id is not None}
    cases = set(session.scalars(select(Case.id).where(Case.id.in_(case_ids), policy.cases(p))))
    records = set(
        session.scalars(
            select(PersonRecord.id).where(PersonRecord.id.in_(record_ids), policy.records(p))
        )
    )
    return cases, records


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
