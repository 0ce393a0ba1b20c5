"""What a found network is: its cases, victims, suspects, forces, local authorities, time
span, its most central suspects and the evidence edges themselves.

Centrality is computed over suspects only: a victim is never a candidate organiser, and the
paths that run through a victim (two men who abused the same child) do not make the victim
"central". Victims are left out of the centrality graph altogether, so their own number of
cases cannot push a suspect up or down either."""

from dataclasses import dataclass
from datetime import date

import igraph  # type: ignore[import-untyped]

from caselink.network.detect import Evidence, Found
from caselink.network.graph import EDGE_KINDS, Graph


@dataclass(frozen=True)
class Centrality:
    vertex: int
    degree: int
    betweenness: float


@dataclass(frozen=True)
class Summary:
    method: str
    members: list[int]  # vertices that are evidence
    context: list[int]  # common things touching two or more members, shown only
    edges: list[int]  # edge ids among members and context
    cases: list[int]  # vertices
    victims: list[int]
    suspects: list[int]
    forces: list[str]
    authorities: list[str]
    first_on: date | None
    last_on: date | None
    centrality: dict[int, Centrality]

    @property
    def central_people(self) -> list[Centrality]:
        """The suspects who connect most of the network; never a victim."""
        suspects = set(self.suspects) - set(self.victims)
        people = [c for v, c in self.centrality.items() if v in suspects]
        return sorted(people, key=lambda c: (-c.betweenness, -c.degree, c.vertex))


def summarise(graph: Graph, found: Found, ev: Evidence | None = None) -> Summary:
    """Describe a found network; without `ev` (a new-report match) every edge is evidence."""
    members = sorted(int(v) for v in found.vertices)
    inside = set(members)
    touching: dict[int, set[int]] = {}
    edges: list[int] = []
    for v in members:
        for e in graph.incident(v):
            other = graph.other_end(e, v)
            if other in inside:
                if other > v:  # each edge once
                    edges.append(e)
            elif ev is not None and ev.excluded[other]:
                touching.setdefault(other, set()).add(v)
    context = sorted(o for o, seen in touching.items() if len(seen) >= 2)
    for v in context:
        edges += [e for e in graph.incident(v) if graph.other_end(e, v) in inside]
    kinds = {v: graph.kind_of(v) for v in members}
    cases = [v for v in members if kinds[v] == "case"]
    role_of: dict[int, set[str]] = {}
    for e in edges:
        kind = EDGE_KINDS[int(graph.edge_kind.data[e])]
        if kind in ("victim_in", "suspect_in"):
            a, b = int(graph.src.data[e]), int(graph.dst.data[e])
            person = a if kinds.get(a) == "person" else b
            role_of.setdefault(person, set()).add(kind)
    dates = [int(graph.node_on.data[v]) for v in cases] + [
        int(graph.edge_on.data[e]) for e in edges
    ]
    known = [d for d in dates if d]
    victims = sorted(p for p, r in role_of.items() if "victim_in" in r)
    return Summary(
        method=found.method,
        members=members,
        context=context,
        edges=sorted(set(edges)),
        cases=cases,
        victims=victims,
        suspects=sorted(p for p, r in role_of.items() if "suspect_in" in r),
        forces=sorted({code for v in cases if (code := graph.forces[v])}),
        authorities=sorted({la for v in cases if (la := graph.authorities[v])}),
        first_on=date.fromordinal(min(known)) if known else None,
        last_on=date.fromordinal(max(known)) if known else None,
        centrality=_centrality(graph, members, edges, ev, kinds, set(victims)),
    )


def _centrality(
    graph: Graph,
    members: list[int],
    edges: list[int],
    ev: Evidence | None,
    kinds: dict[int, str],
    victims: set[int],
) -> dict[int, Centrality]:
    """Degree and betweenness of suspects (and cases) on the network's evidence edges, with
    every victim left out of the graph."""
    local = {v: i for i, v in enumerate(m for m in members if m not in victims)}
    pairs = {
        tuple(sorted((local[int(graph.src.data[e])], local[int(graph.dst.data[e])])))
        for e in edges
        if (ev is None or ev.linking[e])
        and int(graph.src.data[e]) in local
        and int(graph.dst.data[e]) in local
    }
    sub = igraph.Graph(n=len(members), edges=sorted(pairs))
    degree = sub.degree()
    betweenness = sub.betweenness()
    return {
        v: Centrality(v, degree[i], float(betweenness[i]))
        for v, i in local.items()
        if kinds[v] in ("person", "case")
    }
