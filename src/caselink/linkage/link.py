"""Linking a set of person records end to end: prepare, train or reuse a model, score
candidate pairs, group records into persons, give each person a stable id."""

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]

from caselink.linkage.clusters import cluster
from caselink.linkage.engine import Backend, Step, _no_step, score, train
from caselink.linkage.ids import assign_person_ids
from caselink.linkage.model import LinkageModel
from caselink.linkage.normalise import prepare


@dataclass
class Linkage:
    persons: pd.DataFrame  # record_id, person_id: one row per input record
    pairs: pd.DataFrame  # record_id_l, record_id_r, match_probability, match_weight
    model: LinkageModel


def link(
    records: pd.DataFrame,
    backend: Backend,
    *,
    model: LinkageModel | None = None,
    link_threshold: float | None = None,
    review_threshold: float | None = None,
    previous: Mapping[str, str] | None = None,
    step: Step = _no_step,
) -> Linkage:
    """Link interchange `records` (records.py). With no `model`, one is trained on them.

    `previous` (record id -> person id from an earlier run) keeps person ids stable.
    """
    step("Normalising names, dates, postcodes, phones and NHS numbers")
    prepared = prepare(records)
    if model is None:
        model = train(prepared, backend, step=step)
    if link_threshold is not None:
        model.link_threshold = link_threshold
    if review_threshold is not None:
        model.review_threshold = review_threshold
    floor = min(model.review_threshold, model.link_threshold)
    pairs = score(prepared, model, backend, min_probability=floor, step=step)
    step("Grouping records into persons")
    triples = list(
        zip(
            pairs["unique_id_l"].tolist(),
            pairs["unique_id_r"].tolist(),
            pairs["match_probability"].astype(float).tolist(),
            strict=True,
        )
    )
    groups = cluster(prepared["unique_id"].tolist(), triples, threshold=model.link_threshold)
    person_of = assign_person_ids(groups.cluster_of, previous)
    persons = pd.DataFrame(
        {
            "record_id": records["record_id"].values,
            "person_id": [person_of[r] for r in records["record_id"]],
        }
    )
    out_pairs = pairs.rename(columns={"unique_id_l": "record_id_l", "unique_id_r": "record_id_r"})[
        ["record_id_l", "record_id_r", "match_probability", "match_weight"]
    ]
    return Linkage(persons, out_pairs, model)
