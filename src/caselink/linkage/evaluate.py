"""Accuracy of a linkage against ground truth, pairwise and by cluster.

Pairwise: every pair of records placed in one person is a predicted link; it is right if
the truth also has them as one person. By cluster: a predicted person is right only if it
holds exactly the records of one true person, no more and no fewer (singletons count).
B-cubed averages, per record, how much of its predicted person is its true person.
"""

from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    actual: int

    @classmethod
    def of(cls, true_positives: int, predicted: int, actual: int) -> "Scores":
        precision = true_positives / predicted if predicted else 1.0
        recall = true_positives / actual if actual else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, true_positives, predicted, actual)

    def line(self) -> str:
        return (
            f"precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}"
            f"  ({self.true_positives:,} right of {self.predicted:,} predicted,"
            f" {self.actual:,} true)"
        )


@dataclass(frozen=True)
class Evaluation:
    records: int
    pairwise: Scores
    cluster: Scores
    bcubed_f1: float

    def lines(self) -> list[str]:
        return [
            f"records {self.records:,}",
            f"pairwise  {self.pairwise.line()}",
            f"cluster   {self.cluster.line()}",
            f"B-cubed F1 {self.bcubed_f1:.4f}",
        ]


def _pairs(sizes: "pd.Series[int]") -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def evaluate(predicted: pd.DataFrame, truth: pd.DataFrame) -> Evaluation:
    """Both frames have `record_id, person_id`; records only in the truth count as
    predicted singletons, records only in the prediction are ignored."""
    joined = truth[["record_id", "person_id"]].merge(
        predicted[["record_id", "person_id"]],
        on="record_id",
        how="left",
        suffixes=("_true", "_pred"),
    )
    missing = joined["person_id_pred"].isna()
    joined.loc[missing, "person_id_pred"] = "unlinked:" + joined.loc[missing, "record_id"]
    true_sizes = joined.groupby("person_id_true").size()
    pred_sizes = joined.groupby("person_id_pred").size()
    both = joined.groupby(["person_id_true", "person_id_pred"]).size()
    pairwise = Scores.of(_pairs(both), _pairs(pred_sizes), _pairs(true_sizes))

    # A predicted cluster is exact when it equals one true cluster in full.
    overlap = both.reset_index(name="n")
    overlap["true_size"] = overlap["person_id_true"].map(true_sizes)
    overlap["pred_size"] = overlap["person_id_pred"].map(pred_sizes)
    exact = int(
        ((overlap["n"] == overlap["true_size"]) & (overlap["n"] == overlap["pred_size"])).sum()
    )
    cluster = Scores.of(exact, len(pred_sizes), len(true_sizes))

    # B-cubed: for each record, |pred ∩ true| / |pred| and / |true|.
    n = overlap["n"]
    precision = float((n * n / overlap["pred_size"]).sum() / len(joined)) if len(joined) else 1.0
    recall = float((n * n / overlap["true_size"]).sum() / len(joined)) if len(joined) else 1.0
    bcubed = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Evaluation(len(joined), pairwise, cluster, bcubed)


@dataclass(frozen=True)
class ErrorSources:
    """Where pairwise errors come from, pair by pair (before grouping into persons, which
    can recover a missed pair through a third record or add pairs by chaining)."""

    true_pairs: int
    candidates: int  # pairs some blocking rule compared
    missed_by_blocking: int  # true pairs no blocking rule compared
    scored_below_threshold: int  # compared true pairs below the link threshold
    false_above_threshold: int  # compared false pairs at or above it

    def lines(self) -> list[str]:
        return [
            f"true pairs {self.true_pairs:,}; pairs compared {self.candidates:,}",
            f"pairs missed by blocking: {self.missed_by_blocking:,}",
            f"true pairs scored below the link threshold: {self.scored_below_threshold:,}",
            f"false pairs scored at or above it: {self.false_above_threshold:,}",
        ]


def error_sources(candidates: pd.DataFrame, truth: pd.DataFrame, threshold: float) -> ErrorSources:
    """`candidates`: every compared pair (`unique_id_l, unique_id_r, match_probability`,
    as engine.score gives with no minimum); `truth`: `record_id, person_id`."""
    person = truth.set_index("record_id")["person_id"]
    left = candidates["unique_id_l"].astype(str).map(person)
    right = candidates["unique_id_r"].astype(str).map(person)
    same = (left == right) & left.notna()
    above = candidates["match_probability"].astype(float) >= threshold
    sizes = truth.groupby("person_id").size()
    true_pairs = _pairs(sizes)
    return ErrorSources(
        true_pairs=true_pairs,
        candidates=len(candidates),
        missed_by_blocking=true_pairs - int(same.sum()),
        scored_below_threshold=int((same & ~above).sum()),
        false_above_threshold=int((~same & above).sum()),
    )
