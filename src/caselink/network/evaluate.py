"""How detection did against the synthetic generator's planted networks (ground truth).

For each planted network: found whole (one detected network holds all its cases),
fragmented (its cases are spread over several detected networks, or some are in none),
missed (none of its cases is in a detected network), and merged (a detected network holding
its cases also holds another planted network's). Membership precision and recall compare
each planted network with the detected network sharing most of its cases, for cases and
for persons (records mapped to the true person through truth_clusters.csv). A false alert
is one whose network holds no case of any planted network.
"""

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caselink.store.models import (
    Case,
    Network,
    NetworkAlert,
    NetworkEdge,
    NetworkNode,
    NetworkRun,
    PersonRecord,
)


class TruthMissing(Exception):
    """A ground-truth file is missing or lacks a column."""


@dataclass(frozen=True)
class Score:
    true_positives: int
    detected: int
    planted: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.detected if self.detected else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.planted if self.planted else 0.0


@dataclass(frozen=True)
class Evaluation:
    planted: int
    whole: int
    fragmented: int
    missed: int
    merged: int
    detected: int
    alerts: int
    false_alerts: int
    planted_alerted: int  # planted networks with at least one alert on a network holding them
    cases: Score
    persons: Score
    per_network: list[tuple[str, str, int, int]]  # id, verdict, cases found, cases planted


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise TruthMissing(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise TruthMissing(f"{path}:1: missing column(s) {', '.join(missing)}")
        return list(reader)


def _truth(directory: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    cases: dict[str, set[str]] = defaultdict(set)
    persons: dict[str, set[str]] = defaultdict(set)
    members = ("network_id", "member_type", "member_id")
    for row in _rows(directory / "truth_network_members.csv", members):
        if row["member_type"] == "case":
            cases[row["network_id"]].add(row["member_id"])
        elif row["member_type"] == "person":
            persons[row["network_id"]].add(row["member_id"])
    clusters = {
        r["record_id"]: r["person_id"]
        for r in _rows(directory / "truth_clusters.csv", ("record_id", "person_id"))
    }
    return cases, persons, clusters


def evaluate(session: Session, truth: Path) -> Evaluation:
    planted_cases, planted_persons, person_of = _truth(truth)
    latest = session.scalar(select(func.max(NetworkRun.id)).where(NetworkRun.kind == "detect"))
    ids = session.scalars(select(Network.id).where(Network.last_run_id == latest)).all()
    found_cases: dict[int, set[str]] = defaultdict(set)
    for network_id, reference in session.execute(
        select(NetworkNode.network_id, Case.reference)
        .join(Case, Case.id == NetworkNode.case_id)
        .where(NetworkNode.network_id.in_(ids), NetworkNode.context.is_(False))
    ):
        found_cases[network_id].add(reference)
    found_persons: dict[int, set[str]] = defaultdict(set)
    for network_id, record_id in session.execute(
        select(NetworkEdge.network_id, PersonRecord.record_id)
        .join(PersonRecord, PersonRecord.id == NetworkEdge.person_record_id)
        .where(NetworkEdge.network_id.in_(ids))
    ):
        if record_id in person_of:
            found_persons[network_id].add(person_of[record_id])
    network_of_case = {c: n for n, cs in found_cases.items() for c in cs}
    planted_of_case = {c: p for p, cs in planted_cases.items() for c in cs}
    verdicts: Counter[str] = Counter()
    merged = 0
    per_network = []
    case_score = [0, 0, 0]
    person_score = [0, 0, 0]
    for planted, cases in sorted(planted_cases.items()):
        holders = Counter(network_of_case[c] for c in cases if c in network_of_case)
        if not holders:
            verdict = "missed"
        elif len(holders) == 1 and sum(holders.values()) == len(cases):
            verdict = "whole"
        else:
            verdict = "fragmented"
        verdicts[verdict] += 1
        if any(planted_of_case.get(c, planted) != planted for n in holders for c in found_cases[n]):
            merged += 1
            verdict += "+merged"
        best = holders.most_common(1)[0][0] if holders else None
        per_network.append((planted, verdict, holders[best] if best else 0, len(cases)))
        for score, mine, theirs in (
            (case_score, found_cases.get(best, set()) if best else set(), cases),
            (
                person_score,
                found_persons.get(best, set()) if best else set(),
                planted_persons[planted],
            ),
        ):
            score[0] += len(mine & theirs)
            score[1] += len(mine)
            score[2] += len(theirs)
    alerted = session.execute(
        select(NetworkAlert.network_id).where(NetworkAlert.network_id.in_(ids))
    ).scalars()
    alerted_ids = set(alerted)
    false_alerts = sum(
        1 for n in alerted_ids if not any(c in planted_of_case for c in found_cases[n])
    )
    planted_alerted = sum(
        1
        for cases in planted_cases.values()
        if any(network_of_case.get(c) in alerted_ids for c in cases)
    )
    return Evaluation(
        planted=len(planted_cases),
        whole=verdicts["whole"],
        fragmented=verdicts["fragmented"],
        missed=verdicts["missed"],
        merged=merged,
        detected=len(ids),
        alerts=len(alerted_ids),
        false_alerts=false_alerts,
        planted_alerted=planted_alerted,
        cases=Score(*case_score),
        persons=Score(*person_score),
        per_network=per_network,
    )
