"""Statistical disclosure control for published tables, in the manner of UK official
statistics (GSS): small counts suppressed and shown as "[c]", secondary suppression so that no
suppressed count can be worked out from the totals, and every published figure rounded.

A table and its margins form an (m+1) x (n+1) grid: interior counts, a total per row, a
total per column and the grand total. Each row and each column of the grid is an equation
(the parts add up to the total). Read the grid as a bipartite graph, one node per row and per
column and one edge per entry; the suppressed entries are a subgraph. A change to the
suppressed entries that keeps every equation true is a circulation on that subgraph, so a
suppressed entry can take more than one value exactly when its edge lies on a cycle, i.e. is
not a bridge. Secondary suppression therefore adds, for each bridge, the cheapest path of
unsuppressed non-zero entries that closes a cycle through it (interior cells before totals,
small before large). Zeros are never suppressed: a zero on a cycle could block its movement.
tests/test_statistics.py proves the result with linear programming.
"""

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

SUPPRESSED = "[c]"  # the GSS symbol: confidential


@dataclass(frozen=True)
class Rules:
    threshold: int = 10  # counts from 1 to threshold - 1 are suppressed
    rounding: int = 5  # every published count is rounded to a multiple of this

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.rounding < 1:
            raise ValueError("threshold and rounding must be at least 1")


@dataclass(frozen=True)
class Protected:
    """A table as published: rounded counts, None where suppressed."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None

    def grid(self) -> list[list[int | None]]:
        """Rows of the interior plus row total, then the column totals plus grand total."""
        rows = [[*r, t] for r, t in zip(self.cells, self.row_totals, strict=True)]
        return [*rows, [*self.column_totals, self.total]]


def round_count(value: int, base: int) -> int:
    """Round half up to a multiple of `base`."""
    return base * ((2 * value + base) // (2 * base))


def rounding_interval(published: int, base: int) -> tuple[int, int]:
    """The counts that round to `published` (inclusive), never below zero."""
    return max(0, published - base // 2), published + (base - 1) // 2


def full_grid(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with its row totals, column totals and grand total appended."""
    if not counts or not counts[0]:
        raise ValueError("a table needs at least one row and one column")
    width = len(counts[0])
    if any(len(row) != width for row in counts):
        raise ValueError("every row of a table must have the same number of columns")
    if any(v < 0 for row in counts for v in row):
        raise ValueError("counts cannot be negative")
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(row[j] for row in grid) for j in range(width + 1)])
    return grid


def suppression_pattern(grid: Sequence[Sequence[int]], threshold: int) -> set[tuple[int, int]]:
    """Which entries of the full grid to suppress: primary, then secondary until no
    suppressed entry is a bridge."""
    m, n = len(grid) - 1, len(grid[0]) - 1  # index of the total row and the total column
    hidden = {(i, j) for i in range(m + 1) for j in range(n + 1) if 0 < grid[i][j] < threshold}
    while bridge := _first_bridge(hidden, m, n):
        hidden |= _cheapest_cycle(grid, hidden, bridge, m, n)
    return hidden


def protect(counts: Sequence[Sequence[int]], rules: Rules) -> Protected:
    grid = full_grid(counts)
    hidden = suppression_pattern(grid, rules.threshold)
    shown = [
        [None if (i, j) in hidden else round_count(v, rules.rounding) for j, v in enumerate(row)]
        for i, row in enumerate(grid)
    ]
    return Protected(
        cells=tuple(tuple(row[:-1]) for row in shown[:-1]),
        row_totals=tuple(row[-1] for row in shown[:-1]),
        column_totals=tuple(shown[-1][:-1]),
        total=shown[-1][-1],
    )


# Nodes: ("r", i) for grid row i, ("c", j) for grid column j; entry (i, j) joins them.
Node = tuple[str, int]


def _ends(entry: tuple[int, int]) -> tuple[Node, Node]:
    return ("r", entry[0]), ("c", entry[1])


def _connected(edges: set[tuple[int, int]], start: Node, goal: Node) -> bool:
    neighbours: dict[Node, list[Node]] = {}
    for entry in edges:
        a, b = _ends(entry)
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in neighbours.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _first_bridge(hidden: set[tuple[int, int]], m: int, n: int) -> tuple[int, int] | None:
    for entry in sorted(hidden):
        if not _connected(hidden - {entry}, *_ends(entry)):
            return entry
    return None


def _cost(grid: Sequence[Sequence[int]], entry: tuple[int, int], m: int, n: int) -> float:
    """What suppressing an entry loses: its size, and much more for a total."""
    value = grid[entry[0]][entry[1]]
    margin = entry[0] == m or entry[1] == n
    return value + (1_000_000 if margin else 0)


def _cheapest_cycle(
    grid: Sequence[Sequence[int]],
    hidden: set[tuple[int, int]],
    bridge: tuple[int, int],
    m: int,
    n: int,
) -> set[tuple[int, int]]:
    """The entries of the cheapest path joining the bridge's ends without using it: already
    suppressed entries are free, zeros are not allowed."""
    start, goal = _ends(bridge)
    best: dict[Node, float] = {start: 0.0}
    came: dict[Node, tuple[Node, tuple[int, int]]] = {}
    queue: list[tuple[float, Node]] = [(0.0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best.get(node, float("inf")):
            continue
        kind, index = node
        others = range(n + 1) if kind == "r" else range(m + 1)
        for other in others:
            entry = (index, other) if kind == "r" else (other, index)
            if entry == bridge or grid[entry[0]][entry[1]] == 0:
                continue
            step = 0.0 if entry in hidden else _cost(grid, entry, m, n)
            nxt: Node = ("c", other) if kind == "r" else ("r", other)
            if cost + step < best.get(nxt, float("inf")):
                best[nxt] = cost + step
                came[nxt] = (node, entry)
                heapq.heappush(queue, (cost + step, nxt))
    if goal not in came:
        # Cannot happen for a positive entry: its row total, the grand total and its
        # column total are positive and join its ends.
        raise AssertionError(f"no cycle closes through entry {bridge}")
    path: set[tuple[int, int]] = set()
    node = goal
    while node != start:
        node, entry = came[node]
        path.add(entry)
    return path
