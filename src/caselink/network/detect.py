"""Finding networks: connected components of the evidence graph, split by Leiden when large.

The evidence graph is the full graph without what would glue unrelated cases together:
- professionals and witnesses `named_in` a case (a teacher reports many children);
- weak kinds (locations: a popular takeaway is where many children are seen);
- hubs: a phone, vehicle or address named in more than `hub_cases` cases (a taxi firm);
- things never tied to a person in any case (a number nobody is known to use).
Those stay in the graph, and are drawn as context, but connect nothing.

A component with at least `min_cases` cases is a network; one with more than `split_cases`
cases (what is left of a giant component) is split into Leiden communities (modularity,
weighted so that evidence through a commoner thing counts for less).
"""

from collections import Counter
from dataclasses import dataclass

import igraph  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from caselink.network.graph import EDGE_CODE, NODE_CODE, NODE_KINDS, SOURCE_CODE, Graph
from caselink.network.settings import KIND_WEIGHT, Thresholds

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
FIRST_ENTITY = NODE_CODE["phone"]


@dataclass(frozen=True)
class Evidence:
    """Which edges connect cases, and how much each counts."""

    linking: Mask  # per edge
    weight: npt.NDArray[np.float64]  # per edge
    excluded: Mask  # per vertex: weak or hub things


@dataclass(frozen=True)
class Found:
    method: str  # component | leiden
    vertices: Ints


def cases_per_entity(graph: Graph) -> Ints:
    """For every vertex, how many distinct cases name it (0 for cases and persons)."""
    kind = graph.node_kind.view()
    src, dst = graph.src.view().astype(np.int64), graph.dst.view().astype(np.int64)
    entity = kind >= FIRST_ENTITY
    vertex = np.where(entity[src], src, np.where(entity[dst], dst, -1))
    named = vertex >= 0
    pairs = np.unique((vertex[named] << 32) | graph.edge_case.view()[named].astype(np.int64))
    counts: Ints = np.bincount(pairs >> 32, minlength=graph.node_count).astype(np.int64)
    return counts


def owned(graph: Graph) -> Mask:
    """Vertices with an edge to a person: things someone in some case is tied to."""
    kind = graph.node_kind.view()
    src, dst = graph.src.view(), graph.dst.view()
    person = NODE_CODE["person"]
    flags = np.zeros(graph.node_count, dtype=bool)
    flags[dst[kind[src] == person]] = True
    flags[src[kind[dst] == person]] = True
    return flags


def evidence(graph: Graph, t: Thresholds) -> Evidence:
    kind = graph.node_kind.view()
    src, dst = graph.src.view(), graph.dst.view()
    cases = cases_per_entity(graph)
    weak = np.isin(kind, [NODE_CODE[k] for k in t.weak_kinds])
    excluded = (kind >= FIRST_ENTITY) & (weak | (cases > t.hub_cases))
    if not t.unowned_connect:
        excluded |= (kind >= FIRST_ENTITY) & ~owned(graph)
    bystander = (graph.edge_source.view() == SOURCE_CODE["case_participants"]) & (
        graph.edge_kind.view() == EDGE_CODE["named_in"]
    )
    linking = ~(excluded[src] | excluded[dst] | bystander)
    kind_weight = np.array([KIND_WEIGHT.get(k, 1.0) for k in NODE_KINDS])
    # an edge's weight is that of the thing it reaches (a person or case counts 1)
    thing = np.where(kind[src] >= FIRST_ENTITY, src, dst)
    weight = np.where(
        kind[thing] >= FIRST_ENTITY,
        kind_weight[kind[thing]] / np.log2(1 + np.maximum(cases[thing], 1)),
        1.0,
    )
    return Evidence(linking, weight, excluded)


def detect(graph: Graph, t: Thresholds) -> list[Found]:
    if graph.node_count == 0:
        return []
    ev = evidence(graph, t)
    ids = np.flatnonzero(ev.linking)
    linked = graph.igraph().subgraph_edges(ids.tolist(), delete_vertices=False)
    membership = np.asarray(linked.connected_components().membership, dtype=np.int64)
    is_case = graph.node_kind.view() == NODE_CODE["case"]
    case_count = np.bincount(membership[is_case], minlength=int(membership.max()) + 1)
    wanted = np.flatnonzero(case_count >= t.min_cases)
    order = np.argsort(membership, kind="stable")
    starts = np.searchsorted(membership[order], wanted)
    ends = np.searchsorted(membership[order], wanted, side="right")
    found: list[Found] = []
    for component, start, end in zip(wanted, starts, ends, strict=True):
        vertices = order[start:end]
        if case_count[component] > t.split_cases:
            found += _split(graph, ev, vertices, is_case, t)
        else:
            found.append(Found("component", vertices))
    return found


def _split(graph: Graph, ev: Evidence, vertices: Ints, is_case: Mask, t: Thresholds) -> list[Found]:
    """Leiden communities of one large component. Modularity on the raw graph would favour
    one star per case (case, suspect, his phones), so Leiden runs on the cases, joined with
    the weight of each person or thing they share; each person or thing then goes with the
    community holding most of its cases."""
    src, dst = graph.src.view(), graph.dst.view()
    inside = np.zeros(graph.node_count, dtype=bool)
    inside[vertices] = True
    edges = np.flatnonzero(ev.linking & inside[src] & inside[dst])
    case_vertex = {int(graph.keys[v].split(":", 1)[1]): int(v) for v in vertices if is_case[v]}
    cases = sorted(case_vertex.values())
    local = {v: i for i, v in enumerate(cases)}
    touching: dict[int, dict[int, float]] = {}  # person or thing -> {case: weight}
    for e in edges:
        case = case_vertex.get(int(graph.edge_case.data[e]))
        if case is None:
            continue
        for end in (int(src[e]), int(dst[e])):
            if not is_case[end]:
                touching.setdefault(end, {})[case] = float(ev.weight[e])
    pairs: dict[tuple[int, int], float] = {}
    for by_case in touching.values():
        linked = sorted(by_case)
        if len(linked) < 2:
            continue
        weight = min(by_case.values()) / (len(linked) - 1)
        for i, a in enumerate(linked):
            for b in linked[i + 1 :]:
                pairs[(local[a], local[b])] = pairs.get((local[a], local[b]), 0.0) + weight
    projected = igraph.Graph(n=len(cases), edges=list(pairs))
    parts = projected.community_leiden(
        objective_function="modularity",
        weights=list(pairs.values()),
        resolution=t.resolution,
        n_iterations=-1,
    )
    community = {case: parts.membership[i] for i, case in enumerate(cases)}
    members: dict[int, list[int]] = {}
    for case in cases:
        members.setdefault(community[case], []).append(case)
    for v, by_case in touching.items():
        votes = Counter(community[c] for c in by_case)
        members[min(votes, key=lambda c: (-votes[c], c))].append(v)
    return [
        Found("leiden", np.asarray(sorted(m), dtype=np.int64))
        for _, m in sorted(members.items())
        if sum(1 for v in m if is_case[v]) >= t.min_cases
    ]


def leiden_everywhere(graph: Graph, t: Thresholds) -> int:
    """Leiden over the whole evidence graph (for benchmarks); returns the community count."""
    ev = evidence(graph, t)
    ids = np.flatnonzero(ev.linking)
    linked = graph.igraph().subgraph_edges(ids.tolist(), delete_vertices=False)
    parts = linked.community_leiden(
        objective_function="modularity",
        weights=ev.weight[ids].tolist(),
        resolution=t.resolution,
        n_iterations=2,
    )
    return len(parts)
