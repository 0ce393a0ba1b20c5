"""Thresholds of detection and alerting: data, so a run can say exactly what it used."""

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

# How much an edge through each kind of thing counts when Leiden weighs a community; a
# common thing counts for less (divided by log2(1 + the cases it is named in)).
KIND_WEIGHT = {"person": 1.0, "phone": 1.0, "vehicle": 1.0, "address": 0.7, "location": 0.3}


@dataclass(frozen=True)
class Thresholds:
    min_cases: int = 2  # a network connects at least this many cases
    # A phone, vehicle, address or location named in more cases than this is common (a
    # taxi firm, a bus station, a hostel): shown, never used to connect cases.
    hub_cases: int = 10
    # Kinds shown but never used on their own to connect cases: a popular takeaway or park
    # is where many unrelated children are seen.
    weak_kinds: tuple[str, ...] = ("location",)
    # A phone, vehicle or address never tied to a person in any case (a number found in a
    # child's phone, a taxi firm's) is shown, but connects cases only if this is set.
    unowned_connect: bool = False
    split_cases: int = 25  # a component with more cases is split into Leiden communities
    resolution: float = 1.0  # Leiden (modularity) resolution
    alert_forces: int = 2  # alert when a network spans at least this many force areas...
    alert_authorities: int = 2  # ...or this many local authorities
    match_kinds: tuple[str, ...] = ("person", "phone", "vehicle")  # new-report matches
    grant_days: int = 28  # how long opening an alert grants its records
    central_people: int = 5

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def with_changes(self, **changes: Any) -> "Thresholds":
        """A copy with the given fields replaced, ignoring those given as None."""
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown thresholds: {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
