"""The priority score of a closed case: a sum of named factors, each with its points and the
evidence for it, so a reviewer can check every point of a priority.

`CaseFacts` holds the only facts a score may use. Ethnicity, nationality and religion are not
among them, and cannot become an input without changing this type (tests/test_review_scoring.py
proves that changing them changes no score).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from caselink.review.weights import Step, Weights


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    offences: tuple[str, ...]
    victim_age: int | None
    victim_count: int
    closure_reason: str
    suspects_interviewed: str | None
    missing_episodes: int | None
    closed_on: date


class Link(NamedTuple):
    """Another case naming the same thing: a review case, or a case in the store."""

    reference: str
    source: str  # "review" | "case"


@dataclass(frozen=True)
class SharedValue:
    value: str
    others: tuple[Link, ...]


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    points: int
    detail: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    factors: tuple[Factor, ...]

    def factors_json(self) -> str:
        return json.dumps(
            [
                {
                    "code": f.code,
                    "label": f.label,
                    "points": f.points,
                    "detail": f.detail,
                    "links": [{"reference": r, "source": s} for r, s in f.links],
                }
                for f in self.factors
            ],
            separators=(",", ":"),
        )


def factors_from_json(text: str) -> list[Factor]:
    return [
        Factor(
            f["code"],
            f["label"],
            f["points"],
            f["detail"],
            tuple(Link(**link) for link in f["links"]),
        )
        for f in json.loads(text)
    ]


_SHARED_LABELS = {
    "suspect": "Same suspect in other cases",
    "phone": "Same phone in other cases",
    "vehicle": "Same vehicle in other cases",
    "address": "Same address in other cases",
}


def _stepped(count: int, step: Step) -> int:
    return min(count * step.per, step.cap)


def score(
    facts: CaseFacts,
    shared: Mapping[str, Sequence[SharedValue]],
    weights: Weights,
    as_of: date,
) -> Score:
    """Score one case; `shared` maps suspect/phone/vehicle/address to values it shares."""
    found: list[Factor] = []

    def add(code: str, label: str, points: int, detail: str, links: tuple[Link, ...] = ()) -> None:
        if points > 0:
            found.append(Factor(code, label, points, detail, links))

    worst = max(facts.offences, key=lambda o: weights.offence_seriousness.get(o, 0))
    add(
        "offence",
        "Seriousness of the offence",
        weights.offence_seriousness.get(worst, 0),
        worst.replace("_", " "),
    )
    age = facts.victim_age
    penetrative = sorted(set(facts.offences) & weights.penetrative_offences)
    if penetrative and age is not None and age < 16:
        add(
            "penetrative_under_16",
            "Penetrative offence against a child under 16",
            weights.penetrative_against_under_16,
            f"{', '.join(o.replace('_', ' ') for o in penetrative)}; victim aged {age}",
        )
    if age is not None and age < 13:
        add("victim_under_13", "Victim under 13", weights.victim_under_13, f"aged {age}")
    elif age is not None and age < 16:
        add("victim_under_16", "Victim under 16", weights.victim_under_16, f"aged {age}")
    child = age is None or age < weights.child_below_age
    if child and facts.closure_reason in weights.inappropriate_closure_reasons:
        add(
            "closure_reason",
            "Closure reason that should not apply to a child",
            weights.inappropriate_closure_reason,
            f"closed for “{facts.closure_reason.replace('_', ' ')}”"
            + (f"; victim aged {age}" if age is not None else "; victim's age not recorded"),
        )
    if facts.suspects_interviewed in weights.suspects_not_interviewed:
        add(
            "not_interviewed",
            "Suspects never interviewed"
            if facts.suspects_interviewed == "no"
            else "Some suspects never interviewed",
            weights.suspects_not_interviewed[facts.suspects_interviewed],
            f"suspects interviewed: {facts.suspects_interviewed}",
        )
    for kind, label in _SHARED_LABELS.items():
        values = shared.get(kind)
        if not values:
            continue
        others = tuple({link: None for v in values for link in v.others})
        if others:
            add(
                f"shared_{kind}",
                label,
                _stepped(len(others), weights.shared[kind]),
                "; ".join(
                    f"{v.value}: {len(v.others)} other case{'s' * (len(v.others) != 1)}"
                    for v in values
                ),
                others[:50],
            )
    episodes = facts.missing_episodes or 0
    if episodes >= weights.missing_from:
        add(
            "missing",
            "Repeated missing episodes",
            _stepped(episodes, weights.missing),
            f"reported missing {episodes} times",
        )
    if facts.victim_count > 1:
        add(
            "victims",
            "Multiple victims",
            _stepped(facts.victim_count - 1, weights.multiple_victims),
            f"{facts.victim_count} victims",
        )
    years = max((as_of - facts.closed_on).days, 0) / 365.25
    recency = round(
        weights.closure_max_points * max(0.0, 1 - years / weights.closure_years_to_zero)
    )
    add(
        "recent_closure",
        "Time since closure",
        recency,
        f"closed {years:.1f} years before {as_of.isoformat()}",
    )
    total = sum(f.points for f in found)
    return Score(total, weights.band(total), tuple(found))
