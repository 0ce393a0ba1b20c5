"""Which cases name the same suspect, phone, vehicle or address: exact matches of normalised
keys across the review cases and the cases already in the store.

A value named in very many cases (a taxi firm's number, a shopping centre) says nothing about
any one of them, so values in more cases than the weights allow are left out.

Extension point: when record linkage and the network graph hold their own matches, they can
be added here as further `(kind, key, Link)` entries, and every score will show them.
"""

from collections import defaultdict
from collections.abc import Iterable

from caselink.review.casefile import Item
from caselink.review.scoring import Link, SharedValue


class LinkIndex:
    def __init__(self) -> None:
        self._cases: defaultdict[tuple[str, str], dict[Link, None]] = defaultdict(dict)

    def add(self, kind: str, key: str, link: Link) -> None:
        self._cases[(kind, key)][link] = None

    def add_review_case(self, reference: str, items: Iterable[Item]) -> None:
        link = Link(reference, "review")
        for item in items:
            self._cases[(item.kind, item.key)][link] = None

    def shared(
        self, reference: str, items: Iterable[Item], ignore_above: int
    ) -> dict[str, list[SharedValue]]:
        """What `reference` shares with other cases, by kind."""
        me = Link(reference, "review")
        found: dict[str, list[SharedValue]] = {}
        for item in items:
            cases = self._cases.get((item.kind, item.key), {})
            if len(cases) <= 1 or len(cases) > ignore_above:
                continue
            others = tuple(link for link in cases if link != me)
            if others:
                found.setdefault(item.kind, []).append(SharedValue(item.value, others))
        return found
