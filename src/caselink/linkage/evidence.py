"""Why two records were (or were not) linked: the evidence for and against, as Splink
charts it in its waterfall — the prior, then each comparison's match weight (log2 of its
Bayes factor, with the term-frequency adjustment for common and rare names), summing to
the pair's match weight.

The evidence names comparison levels and weights only, never the records' values, so it
can be stored beside a review candidate and written to a digest without personal data.
"""

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from caselink.linkage.model import COMPARISONS

PRIOR = "prior"


@dataclass(frozen=True)
class Bar:
    """One step of the waterfall."""

    comparison: str  # comparison name, or "prior"
    label: str  # the level that applied, e.g. "nickname or other spelling of the same name"
    weight: float  # match weight in bits: > 0 is evidence for, < 0 against

    @property
    def agrees(self) -> bool:
        return self.weight > 0


@dataclass(frozen=True)
class Evidence:
    bars: tuple[Bar, ...]  # the prior first, then one per comparison
    match_weight: float
    match_probability: float
    # Why the pair is in the review queue when it is not for its score alone (e.g. two
    # records linked into one person hold different valid NHS numbers). No personal data.
    reason: str | None = None

    def to_json(self) -> str:
        document: dict[str, Any] = {
            "bars": [asdict(b) for b in self.bars],
            "match_weight": self.match_weight,
            "match_probability": self.match_probability,
        }
        if self.reason:
            document["reason"] = self.reason
        return json.dumps(document, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Evidence":
        document = json.loads(text)
        return cls(
            tuple(Bar(**bar) for bar in document["bars"]),
            float(document["match_weight"]),
            float(document["match_probability"]),
            document.get("reason"),
        )


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    number = float(value)
    return 0.0 if math.isnan(number) else number


def from_prediction(row: Mapping[str, Any]) -> Evidence:
    """The evidence of one row of Splink's predictions, scored with intermediate columns
    retained (`explain=True` in engine.score)."""
    bars: list[Bar] = []
    for comparison in COMPARISONS:
        gamma = int(_number(row.get(f"gamma_{comparison.name}", -1)))
        if gamma < 0:
            label = "missing on one record or both"
        else:
            # Splink numbers levels from the bottom: the else level is 0.
            label = comparison.levels[len(comparison.levels) - 1 - gamma].label
        weight = _number(row.get(f"mw_{comparison.name}")) + _number(
            row.get(f"mw_tf_adj_{comparison.name}")
        )
        bars.append(Bar(comparison.name, label, round(weight, 3)))
    total = _number(row["match_weight"])
    prior = total - sum(bar.weight for bar in bars)
    return Evidence(
        (Bar(PRIOR, "chance that two records picked at random match", round(prior, 3)), *bars),
        round(total, 3),
        _number(row["match_probability"]),
    )
