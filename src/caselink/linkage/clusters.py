"""Records grouped into persons from scored pairs, honouring what analysts decided.

Pairs are joined strongest first (connected components when nothing is constrained).
A confirmed pair is joined before any scored one; a rejected pair's records are never put
in one group, so a later run cannot re-make a link an analyst rejected, even through a
chain of other records. Anchored groups (existing persons, in incremental linkage) are
never merged with each other: that is an analyst's call, raised as a review instead.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Clustering:
    cluster_of: dict[str, str]  # record id -> the smallest record id of its group
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (a, b, why)


class _Groups:
    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}
        self.forbidden: dict[str, set[str]] = {}  # root -> record ids it may not join
        self.anchor: dict[str, str] = {}  # root -> the existing person it belongs to

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def why_not(self, a: str, b: str) -> str | None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        anchor_a, anchor_b = self.anchor.get(ra), self.anchor.get(rb)
        if anchor_a is not None and anchor_b is not None and anchor_a != anchor_b:
            return "would merge two existing persons"
        for root, other in ((ra, rb), (rb, ra)):
            for record in self.forbidden.get(root, ()):
                if self.find(record) == other:
                    return "an analyst rejected a link between these groups"
        return None

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, drop = (ra, rb) if ra < rb else (rb, ra)
        self.parent[drop] = keep
        if drop in self.forbidden:
            self.forbidden.setdefault(keep, set()).update(self.forbidden.pop(drop))
        if drop in self.anchor:
            self.anchor.setdefault(keep, self.anchor.pop(drop))


def cluster(
    record_ids: Iterable[str],
    pairs: Sequence[tuple[str, str, float]],
    *,
    threshold: float,
    confirmed: Iterable[tuple[str, str]] = (),
    rejected: Iterable[tuple[str, str]] = (),
    anchors: dict[str, str] | None = None,
) -> Clustering:
    """Group `record_ids` by the `pairs` (a, b, probability) at or above `threshold`.

    `anchors` maps records already belonging to a person to that person's id: they start
    grouped by person, and two persons' groups are never merged.
    """
    groups = _Groups(record_ids)
    known = groups.parent
    for a, b in rejected:
        if a in known and b in known:
            groups.forbidden.setdefault(a, set()).add(b)
            groups.forbidden.setdefault(b, set()).add(a)
    refused: list[tuple[str, str, str]] = []
    if anchors:
        first_of: dict[str, str] = {}
        for record, person in sorted(anchors.items()):
            if record not in known:
                continue
            groups.anchor.setdefault(groups.find(record), person)
            if person in first_of:
                groups.union(first_of[person], record)
            else:
                first_of[person] = record
    for a, b in sorted(confirmed):
        if a not in known or b not in known:
            continue
        reason = groups.why_not(a, b)
        if reason == "would merge two existing persons":
            reason = None  # an analyst's confirmation is what merges persons
        if reason is None:
            groups.union(a, b)
        else:
            refused.append((a, b, f"confirmed, but {reason}"))
    strong = sorted(
        ((p, a, b) for a, b, p in pairs if p >= threshold and a in known and b in known),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for _, a, b in strong:
        reason = groups.why_not(a, b)
        if reason is None:
            groups.union(a, b)
        elif groups.find(a) != groups.find(b):
            refused.append((a, b, reason))
    return Clustering({i: groups.find(i) for i in known}, refused)
