"""Record linkage on files: normalisation, the comparisons' evidence, the model as data,
clustering under analysts' decisions, accuracy, and the `caselink link` command."""

import csv
import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from caselink.cli import app
from caselink.domain import INTERCHANGE_COLUMNS
from caselink.linkage import febrl
from caselink.linkage.clusters import cluster
from caselink.linkage.engine import Backend, score
from caselink.linkage.evaluate import error_sources, evaluate
from caselink.linkage.evidence import PRIOR, from_prediction
from caselink.linkage.ids import assign_person_ids
from caselink.linkage.link import Linkage, link
from caselink.linkage.model import (
    COMPATIBLE_SPECS,
    LinkageModel,
    load_model,
    save_model,
    spec_digest,
)
from caselink.linkage.nicknames import name_forms, name_key
from caselink.linkage.normalise import (
    email_parts,
    name_tokens,
    nhs_number,
    phone_e164,
    postcode_parts,
    prepare,
    swap_day_month,
)
from caselink.linkage.records import read_records
from caselink.synth import generate

logging.getLogger("splink").setLevel(logging.ERROR)
VALID_NHS = "9434765919"  # check digit 9 is right
INVALID_NHS = "9434765918"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("linkage-synth")
    generate(path, 2_000, seed=11)
    return path


@pytest.fixture(scope="module")
def trained(synthetic: Path) -> Linkage:
    """Trained once per module: 2,000 records is the smallest set the model trains on."""
    records = read_records(synthetic / "person_records.csv").records
    return link(records, Backend())


def _person(**values: str) -> dict[str, str]:
    row = dict.fromkeys(INTERCHANGE_COLUMNS, "")
    row.update(values)
    return row


def _evidence(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Comparison -> level label for a pair scored with the model's priors."""
    frame = prepare(pd.DataFrame([a, b]))
    pairs = score(frame, LinkageModel(), Backend(), min_probability=0.0, explain=True)
    assert len(pairs) == 1, "the blocking rules should find this pair"
    return {bar.comparison: bar.label for bar in from_prediction(pairs.iloc[0]).bars}


# --- Normalising English records ----------------------------------------------------------


def test_an_nhs_number_failing_its_check_digit_is_missing_not_evidence() -> None:
    assert nhs_number("943 476 5919") == VALID_NHS
    assert nhs_number(INVALID_NHS) is None
    a = _person(record_id="a", given_name="Ann", family_name="Lee", nhs_number=INVALID_NHS)
    b = _person(record_id="b", given_name="Tom", family_name="Ray", nhs_number=INVALID_NHS)
    a["phone"] = b["phone"] = "07700 900123"  # so that blocking pairs them
    assert _evidence(a, b)["nhs_number"] == "missing on one record or both"
    a["nhs_number"] = b["nhs_number"] = VALID_NHS
    assert _evidence(a, b)["nhs_number"] == "same NHS number"


def test_postcodes_split_into_unit_sector_and_district() -> None:
    assert postcode_parts("sw1a1aa") == ("SW1A 1AA", "SW1A 1", "SW1A")
    assert postcode_parts(" M1 4BT ") == ("M1 4BT", "M1 4", "M1")
    assert postcode_parts("2600") == ("2600", None, "2600")  # not British: kept as written
    assert postcode_parts("") == (None, None, None)


def test_phones_and_emails_are_normalised_and_placeholders_dropped() -> None:
    assert phone_e164("07700 900123") == phone_e164("+44 (0)7700 900123") == "+447700900123"
    assert phone_e164("0044 7700 900123") == "+447700900123"
    assert phone_e164("00000000000") is None
    assert email_parts(" Jo.Smith@Example.org ") == ("jo.smith@example.org", "jo.smith")
    assert email_parts("none@none.com") == (None, None)
    assert email_parts("not an email") == (None, None)


def test_names_lose_titles_accents_and_placeholders() -> None:
    assert name_tokens("Mrs Zoë  O'Brien-Smith", drop_titles=True) == ["zoe", "obrien", "smith"]
    assert name_tokens("UNKNOWN") == []
    assert {"robert"} <= name_forms("bob") and name_key("bobby") == name_key("robert")
    assert swap_day_month("2010-03-04") == "2010-04-03"
    assert swap_day_month("2010-03-13") is None  # no 13th month


# --- The comparisons --------------------------------------------------------------------------


def test_nicknames_swapped_names_and_swapped_day_and_month_are_recognised() -> None:
    a = _person(
        record_id="a", given_name="Robert", family_name="Hughes", date_of_birth="2009-03-04"
    )
    b = _person(record_id="b", given_name="Bob", family_name="Hughes", date_of_birth="2009-04-03")
    found = _evidence(a, b)
    assert found["given_name"] == "nickname or other spelling of the same name"
    assert found["date_of_birth"] == "day and month swapped"
    c = _person(
        record_id="c", given_name="Hughes", family_name="Robert", date_of_birth="2009-03-04"
    )
    assert _evidence(a, c)["given_name"] == "given and family names swapped"


def test_swapped_names_are_recognised_with_a_typo_in_each() -> None:
    a = _person(record_id="a", given_name="John", family_name="Coxon", date_of_birth="1980-05-06")
    b = _person(record_id="b", given_name="Cooxn", family_name="Jonh", date_of_birth="1980-05-06")
    assert _evidence(a, b)["given_name"] == "given and family names swapped"
    sibling = _person(record_id="s", given_name="Coxon", family_name="Mary")
    sibling["date_of_birth"] = a["date_of_birth"]  # so that blocking pairs them
    assert _evidence(a, sibling)["given_name"] != "given and family names swapped"


def test_a_mistyped_street_is_the_same_address_only_at_the_same_house_number() -> None:
    a = _person(record_id="a", given_name="Amy", family_name="Khan", date_of_birth="2001-02-03",
                postcode="NM4 2AB", address="12 Hollybush Crescent, Northam")  # fmt: skip
    b = dict(a, record_id="b", postcode="NM4 2BA", address="12 Hollybsuh Cresent, Northam")
    assert _evidence(a, b)["home"] == "same address, family names agree"
    next_door = dict(b, record_id="c", address="14 Hollybsuh Cresent, Northam")
    assert _evidence(a, next_door)["home"] != "same address, family names agree"


def test_a_house_number_left_out_is_missing_not_another_house() -> None:
    a = _person(record_id="a", given_name="Riley", family_name="Hughes", date_of_birth="1957-12-31",
                postcode="NM4 2AB", address="2 Outtrim Avenue, Gowrie")  # fmt: skip
    b = dict(a, record_id="b", postcode="NM4 2BA", address="Outtrim Avenue, Gowrie")
    assert _evidence(a, b)["home"] == "same address, family names agree"
    # Without a postcode, the street alone does not place the house.
    nowhere = dict(b, record_id="c", postcode="")
    assert _evidence(a, nowhere)["home"] != "same address, family names agree"


def test_both_names_mistyped_are_still_compared_on_date_of_birth_and_an_initial() -> None:
    a = _person(record_id="a", given_name="Jonathan", family_name="Matthews",
                date_of_birth="1990-01-23")  # fmt: skip
    b = _person(record_id="b", given_name="Jonahtan", family_name="Mattheus",
                date_of_birth="1990-01-23")  # fmt: skip
    assert _evidence(a, b)["date_of_birth"] == "same date of birth"  # found by blocking


def test_a_missing_date_of_birth_and_a_family_name_mistyped_past_its_sound_are_compared() -> None:
    a = _person(record_id="a", given_name="Lia", family_name="Maynard", postcode="NM4 2AB")
    b = _person(record_id="b", given_name="Lia", family_name="Maymard", postcode="HM9 2ZP")
    assert _evidence(a, b)["family_name"] == "family name with a typo"  # found by blocking


def test_swapped_names_with_a_typo_are_compared_even_without_a_date_of_birth() -> None:
    a = _person(record_id="a", given_name="Abby", family_name="Sporn", postcode="NM4 2AB")
    b = _person(record_id="b", given_name="Sporn", family_name="Abyb", postcode="NM4 2AB")
    assert _evidence(a, b)["given_name"] == "given and family names swapped"
    e = _person(record_id="e", given_name="Rebecca", family_name="White", postcode="NM4 2AB")
    f = dict(e, record_id="f", given_name="White", family_name="Becky")  # and a nickname
    assert _evidence(e, f)["given_name"] == "given and family names swapped"
    # Both mistyped, one past Jaro-Winkler's 0.92 ('ethgn', 'ethan'): still a swap.
    c = _person(record_id="c", given_name="Ethan", family_name="White", date_of_birth="1941-11-06")
    d = dict(c, record_id="d", given_name="Whiet", family_name="Ethgn")
    assert _evidence(c, d)["given_name"] == "given and family names swapped"


def test_siblings_at_one_address_are_not_linked(trained: Linkage) -> None:
    home = {"family_name": "Satterley", "postcode": "NM4 2AB", "address": "5 Eugenia Street"}
    a = _person(record_id="a", given_name="Daniel", date_of_birth="1990-01-02", **home)
    b = _person(record_id="b", given_name="Matilda", date_of_birth="1994-07-12", **home)
    pairs = score(prepare(pd.DataFrame([a, b])), trained.model, Backend(), min_probability=0.0)
    assert len(pairs) == 1
    assert pairs["match_probability"].iloc[0] < trained.model.link_threshold


def test_ethnicity_and_nationality_never_reach_the_model(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*INTERCHANGE_COLUMNS, "ethnicity", "nationality", "religion"])
        writer.writerow(["R1", "POL", "Ann", "Lee", "", "", "", "", "", "", "", "X", "Y", "Z"])
    records = read_records(path).records
    assert list(records.columns) == list(INTERCHANGE_COLUMNS)
    assert not {"ethnicity", "nationality", "religion"} & set(prepare(records).columns)


# --- The model as data ------------------------------------------------------------------------


def test_the_trained_model_is_saved_versioned_and_reloads(trained: Linkage, tmp_path: Path) -> None:
    first = save_model(trained.model, tmp_path)
    second = save_model(trained.model, tmp_path)
    assert (first.name, second.name) == ("linkage-model-v0001.json", "linkage-model-v0002.json")
    document = json.loads(first.read_text())
    assert document["splink_settings"]["comparisons"], "Splink's own settings are kept too"
    reloaded = load_model(tmp_path)
    assert reloaded.version == 2
    assert reloaded.parameters == trained.model.parameters
    document["spec"] = "0" * 64
    first.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="other comparisons"):
        load_model(first)


def test_a_model_saved_before_the_blocking_rules_were_added_still_loads(
    trained: Linkage, tmp_path: Path
) -> None:
    document = json.loads(save_model(trained.model, tmp_path).read_text())
    document["spec"] = next(iter(COMPATIBLE_SPECS))  # same levels, fewer blocking rules
    old = tmp_path / "linkage-model-v0002.json"
    old.write_text(json.dumps(document))
    reloaded = load_model(old)
    assert reloaded.spec == spec_digest()
    assert reloaded.parameters == trained.model.parameters


def test_a_trained_model_links_synthetic_records_accurately(
    trained: Linkage, synthetic: Path
) -> None:
    truth = pd.read_csv(synthetic / "truth_clusters.csv", dtype=str)
    result = evaluate(trained.persons, truth)
    assert trained.model.trained_on_records == 2_000
    assert result.pairwise.f1 >= 0.97, result.lines()
    assert result.cluster.f1 >= 0.97, result.lines()


def test_evidence_sums_to_the_match_weight(trained: Linkage, synthetic: Path) -> None:
    records = prepare(read_records(synthetic / "person_records.csv").records.head(300))
    pairs = score(records, trained.model, Backend(), min_probability=0.5, explain=True)
    evidence = from_prediction(pairs.iloc[0])
    assert evidence.bars[0].comparison == PRIOR
    assert sum(b.weight for b in evidence.bars) == pytest.approx(evidence.match_weight, abs=0.01)


# --- Clusters, decisions and stable ids -------------------------------------------------------


def test_a_rejected_pair_is_never_joined_even_through_other_records() -> None:
    pairs = [("a", "b", 0.99), ("b", "c", 0.98), ("c", "d", 0.97)]
    together = cluster("abcd", pairs, threshold=0.9).cluster_of
    assert len(set(together.values())) == 1
    apart = cluster("abcd", pairs, threshold=0.9, rejected=[("a", "c")]).cluster_of
    assert apart["a"] != apart["c"]
    confirmed = cluster("abcd", [], threshold=0.9, confirmed=[("a", "d")]).cluster_of
    assert confirmed["a"] == confirmed["d"]


def test_two_existing_persons_are_never_merged_by_a_run() -> None:
    result = cluster("abc", [("a", "c", 0.99), ("b", "c", 0.99)], threshold=0.9,
                     anchors={"a": "P1", "b": "P2"})  # fmt: skip
    assert result.cluster_of["a"] != result.cluster_of["b"]
    assert result.refused and "existing persons" in result.refused[0][2]


def test_person_ids_are_stable_across_runs() -> None:
    first = assign_person_ids({"r1": "g", "r2": "g", "r3": "h"})
    again = assign_person_ids({"r1": "x", "r2": "x", "r3": "y"})
    assert first == again, "the same grouping gives the same ids without earlier output"
    grown = assign_person_ids({"r1": "x", "r2": "x", "r3": "y", "r4": "x"}, previous=first)
    assert grown["r4"] == grown["r1"] == first["r1"] and grown["r3"] == first["r3"]


# --- Accuracy measures and FEBRL ----------------------------------------------------------------


def test_pairwise_and_cluster_scores_on_a_small_example() -> None:
    truth = pd.DataFrame({"record_id": list("abcd"), "person_id": ["1", "1", "1", "2"]})
    predicted = pd.DataFrame({"record_id": list("abcd"), "person_id": ["x", "x", "y", "y"]})
    result = evaluate(predicted, truth)
    assert (result.pairwise.true_positives, result.pairwise.predicted) == (1, 2)
    assert result.pairwise.actual == 3
    assert result.cluster.true_positives == 0


def test_errors_are_traced_to_blocking_threshold_or_false_links() -> None:
    truth = pd.DataFrame({"record_id": list("abcde"), "person_id": ["1", "1", "1", "2", "3"]})
    candidates = pd.DataFrame(
        {
            "unique_id_l": ["a", "a", "d"],
            "unique_id_r": ["b", "c", "e"],
            "match_probability": [0.99, 0.2, 0.95],
        }
    )  # (b, c) was never compared; (a, c) scored too low; (d, e) is a false link
    found = error_sources(candidates, truth, threshold=0.9)
    assert (found.true_pairs, found.candidates) == (3, 3)
    assert found.missed_by_blocking == 1
    assert found.scored_below_threshold == 1
    assert found.false_above_threshold == 1
    assert "pairs missed by blocking: 1" in found.lines()


def test_febrl_maps_onto_the_interchange_format_offline() -> None:
    records, truth = febrl.load("febrl1")
    assert list(records.columns) == list(INTERCHANGE_COLUMNS)
    assert len(records) == len(truth) == 1_000
    assert truth["person_id"].nunique() == 500
    assert records["date_of_birth"].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()


# --- The command ------------------------------------------------------------------------------


def test_link_command_accounts_for_every_row(synthetic: Path, tmp_path: Path) -> None:
    source = pd.read_csv(synthetic / "person_records.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "people.csv"
    rows = source.head(400).copy()
    rows.loc[5, "date_of_birth"] = "2010-02-30"
    rows.loc[9, "sex"] = "Female"
    rows.loc[12, "record_id"] = rows.loc[11, "record_id"]
    rows.to_csv(path, index=False)
    output, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app,
        ["link", "--input", str(path), "--output", str(output), "--pairs", str(pairs)],
    )
    assert result.exit_code == 1, result.output  # some rows could not be linked
    clusters = pd.read_csv(output, dtype=str)
    problems = pd.read_csv(tmp_path / "clusters.errors.csv", dtype=str)
    assert len(clusters) + len(problems) == 400
    assert list(problems["line"]) == ["7", "11", "14"]  # header is line 1
    assert list(problems["field"]) == ["date_of_birth", "sex", "record_id"]
    assert "not a real calendar date" in problems["problem"].iloc[0]
    assert list(pd.read_csv(pairs).columns[:3]) == [
        "record_id_l",
        "record_id_r",
        "match_probability",
    ]


def test_link_command_refuses_an_unknown_backend(synthetic: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["link", "--input", str(synthetic), "--output", str(tmp_path / "o.csv"),
         "--backend", "oracle"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "unknown backend" in result.output


def test_evaluate_command_says_where_the_errors_come_from(synthetic: Path, tmp_path: Path) -> None:
    records = pd.read_csv(synthetic / "person_records.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(synthetic / "truth_clusters.csv", dtype=str, keep_default_na=False)
    records.head(300).to_csv(tmp_path / "person_records.csv", index=False)
    truth[truth["record_id"].isin(records.head(300)["record_id"])].to_csv(
        tmp_path / "truth_clusters.csv", index=False
    )
    result = CliRunner().invoke(app, ["link", "evaluate", "--input", str(tmp_path), "--breakdown"])
    assert result.exit_code == 0, result.output
    assert "pairwise" in result.output
    assert "pairs missed by blocking:" in result.output
    assert "scored below the link threshold:" in result.output
