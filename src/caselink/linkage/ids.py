"""Person identifiers that stay the same from one run to the next.

A group of records that held an identifier before keeps it: each earlier identifier goes
to the new group holding most of its records (ties to the larger group, then the smaller
identifier), so a person who gains a record, or loses a mistaken one, keeps their id. A
group with no earlier identifier gets one derived from its smallest record id, so
re-running on the same data without any earlier output gives the same ids too.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

PREFIX = "P"


def new_person_id(record_ids: Iterable[str], taken: set[str] | None = None) -> str:
    first = min(record_ids)
    digest = hashlib.sha256(first.encode()).hexdigest()
    candidate = f"{PREFIX}{digest[:16]}"
    suffix = 1
    while taken is not None and candidate in taken:  # bounded: ids are finite and distinct
        suffix += 1
        candidate = f"{PREFIX}{digest[:16]}-{suffix}"
    return candidate


def assign_person_ids(
    cluster_of: Mapping[str, str], previous: Mapping[str, str] | None = None
) -> dict[str, str]:
    """record id -> person id, for groups given as record id -> group label."""
    members: dict[str, list[str]] = defaultdict(list)
    for record, label in cluster_of.items():
        members[label].append(record)
    previous = previous or {}
    votes: list[tuple[int, int, str, str]] = []
    for label, records in members.items():
        counts = Counter(previous[r] for r in records if r in previous)
        for person, count in counts.items():
            votes.append((-count, -len(records), person, label))
    person_of_cluster: dict[str, str] = {}
    used: set[str] = set(previous.values())
    given: set[str] = set()
    for _, _, person, label in sorted(votes):
        if label in person_of_cluster or person in given:
            continue
        person_of_cluster[label] = person
        given.add(person)
    for label in sorted(members, key=lambda lab: min(members[lab])):
        if label not in person_of_cluster:
            person = new_person_id(members[label], used)
            person_of_cluster[label] = person
            used.add(person)
    return {record: person_of_cluster[label] for record, label in cluster_of.items()}
