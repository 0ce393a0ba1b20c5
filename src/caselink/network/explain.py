"""Why an alert was raised: the shortest paths that connect its cases across boundaries,
with the stored row behind every step, so an analyst can check each one in a minute.

Paths are taken between every pair of cases in different forces (or local authorities),
fewest steps first, and kept only while they connect cases not yet connected (Kruskal):
n cases need at most n - 1 paths. Common places shown for context are never a step.
"""

from dataclasses import dataclass
from datetime import date

import igraph  # type: ignore[import-untyped]

from caselink.store.models import NetworkEdge, NetworkNode

# What each kind of evidence edge is called on a page (the stored kinds are codes).
EDGE_WORDS = {
    "victim_in": "victim in",
    "suspect_in": "suspect in",
    "named_in": "named in",
    "uses_phone": "uses",
    "drives": "drives",
    "lives_at": "lives at",
    "seen_at": "seen at",
}
SOURCE_WORDS = {
    "case_participants": "the people named in case {case}",
    "case_entities": "the phones, vehicles and places recorded in case {case}",
}


def edge_words(kind: str, source_key: str = "") -> str:
    """An evidence edge in words, read from its source to its target (a case "names" a thing
    recorded without a person; a person is "named in" a case)."""
    if kind == "named_in" and source_key.startswith("case:"):
        return "names"
    return EDGE_WORDS.get(kind, kind.replace("_", " "))


def source_words(source_table: str, case_reference: str) -> str:
    """Where a person checks a piece of evidence, by the reference they use (a case), not by
    table and row."""
    template = SOURCE_WORDS.get(source_table, "case {case}")
    return template.format(case=case_reference)


@dataclass(frozen=True)
class Step:
    source: NetworkNode
    target: NetworkNode
    kind: str
    observed_on: date | None
    source_table: str
    source_row_id: int
    case_id: int
    person_record_id: int | None
    case_reference: str = ""

    @property
    def words(self) -> str:
        return edge_words(self.kind, self.source.key)

    @property
    def citation(self) -> str:
        """Where to check this step, in the reference people use: the case it is recorded in."""
        return source_words(self.source_table, self.case_reference or f"{self.case_id}")


@dataclass(frozen=True)
class Path:
    start: NetworkNode
    end: NetworkNode
    steps: list[Step]

    @property
    def nodes(self) -> list[NetworkNode]:
        out = [self.start]
        for step in self.steps:
            out.append(step.target if step.source is out[-1] else step.source)
        return out


def _crosses(a: NetworkNode, b: NetworkNode, by_authority: dict[int, str | None]) -> bool:
    if a.force_code != b.force_code:
        return True
    return by_authority.get(a.id) != by_authority.get(b.id)


def paths(
    nodes: list[NetworkNode],
    edges: list[NetworkEdge],
    authority: dict[int, str | None] | None = None,
    limit: int = 40,
) -> list[Path]:
    """The paths connecting a network's cases across forces (and, given each case node's
    local authority by node id, across local authorities)."""
    evidence = [n for n in nodes if not n.context]
    index = {n.key: i for i, n in enumerate(evidence)}
    usable = [e for e in edges if e.source_key in index and e.target_key in index]
    graph = igraph.Graph(
        n=len(evidence), edges=[(index[e.source_key], index[e.target_key]) for e in usable]
    )
    cases = [i for i, n in enumerate(evidence) if n.kind == "case"]
    references = {n.case_id: n.label for n in nodes if n.case_id is not None}
    by_authority = authority or {}
    candidates: list[tuple[int, int, int, list[int]]] = []
    for x, a in enumerate(cases):
        targets = [b for b in cases[x + 1 :] if _crosses(evidence[a], evidence[b], by_authority)]
        if not targets:
            continue
        for b, epath in zip(
            targets, graph.get_shortest_paths(a, targets, output="epath"), strict=True
        ):
            if epath:
                candidates.append((len(epath), a, b, epath))
    parent = {c: c for c in cases}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    chosen: list[Path] = []
    for _, a, b, epath in sorted(candidates, key=lambda c: (c[0], c[1], c[2])):
        if root(a) == root(b):
            continue
        parent[root(a)] = root(b)
        chosen.append(_path(evidence, index, usable, a, b, epath, references))
        if len(chosen) >= limit:
            break
    return chosen


def _path(
    evidence: list[NetworkNode],
    index: dict[str, int],
    usable: list[NetworkEdge],
    a: int,
    b: int,
    epath: list[int],
    references: dict[int, str],
) -> Path:
    steps = []
    for e in epath:
        edge = usable[e]
        steps.append(
            Step(
                evidence[index[edge.source_key]],
                evidence[index[edge.target_key]],
                edge.kind,
                edge.observed_on,
                edge.source_table,
                edge.source_row_id,
                edge.case_id,
                edge.person_record_id,
                references.get(edge.case_id, ""),
            )
        )
    return Path(evidence[a], evidence[b], steps)
