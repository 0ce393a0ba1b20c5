"""The graph of persons, phones, vehicles, addresses, locations and cases.

Facts about edges (kind, case, date, source row) live in numpy columns indexed by edge id,
not in igraph's per-edge Python attributes: five million edges then cost tens of megabytes,
not gigabytes. igraph holds only the topology, for the algorithms that need its C core.

New evidence (a new case, say) is appended at once to the columns and to a small overlay
adjacency, so lookups see it immediately; adding edges to igraph copies the whole edge
index (over a second at five million edges), so the C graph absorbs them lazily, in one
batch, when an algorithm next asks for it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import igraph  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

NODE_KINDS = ("case", "person", "phone", "vehicle", "address", "location")
EDGE_KINDS = (
    "victim_in",
    "suspect_in",
    "named_in",
    "uses_phone",
    "drives",
    "lives_at",
    "seen_at",
)
SOURCES = ("case_participants", "case_entities")
NODE_CODE = {k: i for i, k in enumerate(NODE_KINDS)}
EDGE_CODE = {k: i for i, k in enumerate(EDGE_KINDS)}
SOURCE_CODE = {k: i for i, k in enumerate(SOURCES)}
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    kind: str
    label: str
    force: str | None = None  # force area code (a case's, or the agency's holding a record)
    authority: str | None = None  # local authority code (cases)
    on: date | None = None  # a case's opening date


@dataclass(frozen=True, slots=True)
class Evidence:
    """One edge, and the stored row that says so."""

    source: str  # node key
    target: str
    kind: str
    case_id: int
    observed_on: date | None
    person_record_id: int | None
    source_table: str
    source_row_id: int


@dataclass(frozen=True)
class NodeColumns:
    keys: list[str]
    labels: list[str]
    forces: list[str | None]
    authorities: list[str | None]
    kind: Ints  # NODE_CODE values
    on: Ints  # date ordinals, 0 when unknown


class EdgeColumns(NamedTuple):
    src: Ints
    dst: Ints
    kind: Ints  # EDGE_CODE values
    source: Ints  # SOURCE_CODE values
    case: Ints
    on: Ints
    record: Ints
    row: Ints


class _Column:
    """A growable numpy column (amortised doubling)."""

    __slots__ = ("data", "size")

    def __init__(self, dtype: type, capacity: int = 1024) -> None:
        self.data: npt.NDArray[Any] = np.zeros(max(capacity, 16), dtype=dtype)
        self.size = 0

    def extend(self, values: Sequence[int] | npt.NDArray[np.generic]) -> None:
        n = len(values)
        if self.size + n > len(self.data):
            # headroom, so the first new case after a bulk load does not copy every column
            wanted = max(2 * len(self.data), self.size + n + (self.size + n) // 8)
            grown = np.zeros(wanted, dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : self.size + n] = values
        self.size += n

    def view(self) -> npt.NDArray[Any]:
        return self.data[: self.size]


class Graph:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.index: dict[str, int] = {}
        self.labels: list[str] = []
        self.forces: list[str | None] = []
        self.authorities: list[str | None] = []
        self.node_kind = _Column(np.int8)
        self.node_on = _Column(np.int32)  # date ordinal, 0 when unknown
        self.src, self.dst = _Column(np.int32), _Column(np.int32)
        self.edge_kind, self.edge_source = _Column(np.int8), _Column(np.int8)
        self.edge_case, self.edge_on = _Column(np.int32), _Column(np.int32)
        self.edge_record, self.edge_row = _Column(np.int64), _Column(np.int64)
        self._igraph = igraph.Graph()
        self._synced_nodes = self._synced_edges = 0
        self._overlay: dict[int, list[int]] = {}  # vertex -> edge ids not yet in igraph

    # -- size -------------------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self.keys)

    @property
    def edge_count(self) -> int:
        return self.src.size

    # -- adding -----------------------------------------------------------------------

    def add(self, nodes: Iterable[Node], edges: Iterable[Evidence]) -> range:
        """Add nodes not seen before (first facts win) and every edge; returns the new
        edges' ids."""
        for node in nodes:
            if node.key not in self.index:
                self._add_node(node)
        first = self.edge_count
        rows = []
        for e in edges:
            a, b = self._vertex(e.source), self._vertex(e.target)
            rows.append(
                (
                    a,
                    b,
                    EDGE_CODE[e.kind],
                    SOURCE_CODE[e.source_table],
                    e.case_id,
                    e.observed_on.toordinal() if e.observed_on else 0,
                    e.person_record_id if e.person_record_id is not None else -1,
                    e.source_row_id,
                )
            )
        if rows:
            columns = list(zip(*rows, strict=True))
            for column, values in zip(self._edge_columns(), columns, strict=True):
                column.extend(values)
        new = range(first, self.edge_count)
        if self._synced_edges:  # a live igraph: remember the edges it does not have yet
            for edge in new:
                self._overlay.setdefault(int(self.src.data[edge]), []).append(edge)
                self._overlay.setdefault(int(self.dst.data[edge]), []).append(edge)
        return new

    def add_columns(self, nodes: "NodeColumns", edges: "EdgeColumns") -> None:
        """Bulk load (for scale): nodes in vertex order, edges as columns of vertex ids."""
        first = self.node_count
        self.keys += nodes.keys
        self.index.update(zip(nodes.keys, range(first, first + len(nodes.keys)), strict=True))
        self.labels += nodes.labels
        self.forces += nodes.forces
        self.authorities += nodes.authorities
        self.node_kind.extend(nodes.kind)
        self.node_on.extend(nodes.on)
        for column, values in zip(self._edge_columns(), edges, strict=True):
            column.extend(values)

    def _edge_columns(self) -> tuple[_Column, ...]:
        return (
            self.src,
            self.dst,
            self.edge_kind,
            self.edge_source,
            self.edge_case,
            self.edge_on,
            self.edge_record,
            self.edge_row,
        )

    def _add_node(self, node: Node) -> int:
        vertex = len(self.keys)
        self.keys.append(node.key)
        self.index[node.key] = vertex
        self.labels.append(node.label)
        self.forces.append(node.force)
        self.authorities.append(node.authority)
        self.node_kind.extend([NODE_CODE[node.kind]])
        self.node_on.extend([node.on.toordinal() if node.on else 0])
        return vertex

    def _vertex(self, key: str) -> int:
        found = self.index.get(key)
        if found is None:
            kind = key.split(":", 1)[0]
            found = self._add_node(Node(key, "person" if kind == "record" else kind, key))
        return found

    # -- reading ----------------------------------------------------------------------

    def igraph(self) -> igraph.Graph:
        """The topology in igraph, brought up to date in one batch."""
        if self._synced_nodes < self.node_count:
            self._igraph.add_vertices(self.node_count - self._synced_nodes)
        if self._synced_edges < self.edge_count:
            pairs = np.column_stack(
                (
                    self.src.view()[self._synced_edges :],
                    self.dst.view()[self._synced_edges :],
                )
            )
            self._igraph.add_edges(pairs.tolist())
        self._synced_nodes, self._synced_edges = self.node_count, self.edge_count
        self._overlay.clear()
        return self._igraph

    def incident(self, vertex: int) -> list[int]:
        """Edge ids touching a vertex, including edges igraph has not absorbed yet."""
        if self._synced_edges == 0:
            self.igraph()
        known = self._igraph.incident(vertex) if vertex < self._synced_nodes else []
        return [*known, *self._overlay.get(vertex, ())]

    def other_end(self, edge: int, vertex: int) -> int:
        a = int(self.src.data[edge])
        return int(self.dst.data[edge]) if a == vertex else a

    def kind_of(self, vertex: int) -> str:
        return NODE_KINDS[int(self.node_kind.data[vertex])]

    def edge(self, edge: int) -> Evidence:
        on = int(self.edge_on.data[edge])
        record = int(self.edge_record.data[edge])
        return Evidence(
            source=self.keys[int(self.src.data[edge])],
            target=self.keys[int(self.dst.data[edge])],
            kind=EDGE_KINDS[int(self.edge_kind.data[edge])],
            case_id=int(self.edge_case.data[edge]),
            observed_on=date.fromordinal(on) if on else None,
            person_record_id=record if record >= 0 else None,
            source_table=SOURCES[int(self.edge_source.data[edge])],
            source_row_id=int(self.edge_row.data[edge]),
        )
