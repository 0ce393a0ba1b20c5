"""The synthetic data generator: its output contract (docs/synthetic-data.md) and the
properties that record linkage, network detection and case review will rely on."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from caselink.synth import generate, is_valid_nhs_number
from caselink.synth.names import NICKNAMES
from caselink.synth.writer import HEADERS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "synthetic-data.md"
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}$")
PHONE = re.compile(r"^(07\d{3} ?\d{6}|\+447\d{9}|\+44 7\d{3} \d{6})$")

Rows = list[dict[str, str]]


def read(out: Path, name: str) -> Rows:
    with (out / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth")
    generate(path, 20_000, seed=7)
    return path


@pytest.fixture(scope="module")
def people(out: Path) -> dict[str, Rows]:
    """Each true person's records, keyed by person_id."""
    person_of = {r["record_id"]: r["person_id"] for r in read(out, "truth_clusters.csv")}
    grouped: dict[str, Rows] = defaultdict(list)
    for record in read(out, "person_records.csv"):
        grouped[person_of[record["record_id"]]].append(record)
    return grouped


def digits_of_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return "0" + digits[2:] if digits.startswith("44") else digits


# -- the contract ---------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", 3000, seed=3)
    generate(tmp_path / "b", 3000, seed=3)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted([*HEADERS, "manifest.json"])
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_output_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    """Separate processes (each with its own string-hash seed) write the same bytes."""
    for hash_seed in ("1", "2"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "caselink.synth",
                "--records",
                "2000",
                "--seed",
                "3",
                "--out",
                str(tmp_path / hash_seed),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
    for name in HEADERS:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_different_seeds_give_different_people(tmp_path: Path) -> None:
    generate(tmp_path / "a", 3000, seed=3)
    generate(tmp_path / "b", 3000, seed=4)
    a = (tmp_path / "a" / "person_records.csv").read_bytes()
    b = (tmp_path / "b" / "person_records.csv").read_bytes()
    assert a != b


@pytest.mark.parametrize("records", [0, 1, 7, 999, 2000])
def test_exactly_the_requested_number_of_records(tmp_path: Path, records: int) -> None:
    manifest = generate(tmp_path, records, seed=2)
    assert len(read(tmp_path, "person_records.csv")) == records
    assert manifest.records == records
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert written["seed"] == 2 and written["records"] == records
    for name in HEADERS:
        rows = len(read(tmp_path, name))
        assert manifest.files[name] == rows == written["files"][name], name


def test_progress_counts_up_to_the_total(tmp_path: Path) -> None:
    seen: list[int] = []
    generate(tmp_path, 2500, seed=1, progress=seen.append)
    assert seen == [1000, 2000, 2500]


def test_every_file_has_the_documented_header(out: Path) -> None:
    documented = {
        name: tuple(c.strip() for c in columns.split(","))
        for name, columns in re.findall(r"`(\w+\.csv)`: `([^`]+)`", DOCS.read_text())
    }
    assert documented.keys() == HEADERS.keys()
    for name, header in documented.items():
        with (out / name).open(encoding="utf-8", newline="") as f:
            assert tuple(next(csv.reader(f))) == header, name


def test_record_ids_are_unique_and_every_reference_resolves(out: Path) -> None:
    ids = [r["record_id"] for r in read(out, "person_records.csv")]
    assert len(ids) == len(set(ids))
    known = set(ids)
    for name in ("case_persons.csv", "case_entities.csv", "events.csv"):
        refs = [r["record_id"] for r in read(out, name) if r["record_id"]]
        assert refs, name
        assert set(refs) <= known, name
    cases = {r["case_ref"] for r in read(out, "cases.csv")}
    for name in ("case_persons.csv", "case_entities.csv", "events.csv"):
        assert {r["case_ref"] for r in read(out, name)} <= cases, name


def test_sources_are_agencies_and_areas_nest(out: Path) -> None:
    agencies = {r["code"] for r in read(out, "agencies.csv")}
    assert {r["source"] for r in read(out, "person_records.csv")} <= agencies
    areas = read(out, "areas.csv")
    forces = {a["code"] for a in areas if a["kind"] == "force_area"}
    assert len(forces) >= 6
    assert all(a["parent_code"] in forces for a in areas if a["kind"] == "local_authority")


def test_truth_clusters_cover_every_record_once(out: Path) -> None:
    clusters = read(out, "truth_clusters.csv")
    records = [r["record_id"] for r in clusters]
    assert len(records) == len(set(records))
    assert set(records) == {r["record_id"] for r in read(out, "person_records.csv")}
    people = {r["person_id"] for r in read(out, "truth_people.csv")}
    assert {r["person_id"] for r in clusters} == people


def test_people_have_one_to_five_records_in_different_systems(people: dict[str, Rows]) -> None:
    sizes = Counter(len(records) for records in people.values())
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert sizes[1] < sum(sizes.values()) * 0.6  # most people are in more than one system
    for records in people.values():
        sources = [r["source"] for r in records]
        assert len(sources) == len(set(sources))


# -- identifiers and formats ----------------------------------------------------------


def test_nhs_number_check_digit() -> None:
    assert is_valid_nhs_number("9434765919")  # the NHS's own published example
    assert is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("9434765918")
    assert not is_valid_nhs_number("9434765991")  # last two digits swapped
    assert not is_valid_nhs_number("943476591")
    assert not is_valid_nhs_number("94347659AB")
    assert not is_valid_nhs_number("")


def test_nhs_numbers_mostly_valid_and_mistyped_ones_fail(people: dict[str, Rows]) -> None:
    present = invalid = disagreeing = both_valid = 0
    first_digits: Counter[str] = Counter()
    for records in people.values():
        numbers = {r["nhs_number"].replace(" ", "") for r in records if r["nhs_number"]}
        valid = {n for n in numbers if is_valid_nhs_number(n)}
        present += sum(bool(r["nhs_number"]) for r in records)
        invalid += sum(
            bool(r["nhs_number"]) and not is_valid_nhs_number(r["nhs_number"]) for r in records
        )
        first_digits.update(n[0] for n in valid)
        if len(numbers) > 1:  # one of them is mistyped
            disagreeing += 1
            both_valid += len(valid) > 1
    assert present > 5000
    assert first_digits["9"] > 0.99 * first_digits.total()  # the synthetic range
    assert 0 < invalid < present * 0.1
    # a mistyped number almost never passes the check, so rarely do two valid ones clash
    assert disagreeing > 50 and both_valid <= disagreeing * 0.1


def test_postcodes_have_the_uk_format_and_a_known_district(out: Path) -> None:
    districts = {r["district"] for r in read(out, "postcode_districts.csv")}
    postcodes = [r["postcode"] for r in read(out, "person_records.csv") if r["postcode"]]
    assert postcodes
    for postcode in postcodes:
        assert POSTCODE.match(postcode), postcode
        assert postcode.replace(" ", "")[:-3] in districts, postcode


def test_phones_and_emails_are_synthetic_and_varied(out: Path) -> None:
    records = read(out, "person_records.csv")
    phones = [r["phone"] for r in records if r["phone"]]
    assert all(PHONE.match(p) for p in phones)
    assert any(p.startswith("+44") for p in phones) and any(" " in p for p in phones)
    emails = [r["email"] for r in records if r["email"]]
    assert 0 < len(emails) < len(records) * 0.3  # email is missing more often than not
    assert all(e.rsplit("@", 1)[1] in {"example.com", "example.org", "example.net"} for e in emails)


# -- record errors linkage must cope with ---------------------------------------------


def test_nicknames_occur_among_records_of_one_person(people: dict[str, Rows]) -> None:
    pairs = 0
    for records in people.values():
        names = {r["given_name"] for r in records}
        pairs += any(set(NICKNAMES.get(name, ())) & names for name in names)
    assert pairs >= 50


def test_day_and_month_swaps_occur_among_records_of_one_person(people: dict[str, Rows]) -> None:
    swaps = 0
    for records in people.values():
        dobs = {r["date_of_birth"] for r in records if r["date_of_birth"]}
        swaps += any(f"{d[:4]}-{d[8:]}-{d[5:7]}" in dobs - {d} for d in dobs)
    assert swaps >= 20


def test_other_errors_occur(people: dict[str, Rows]) -> None:
    swapped_names = changed_family = moved = 0
    for records in people.values():
        givens = {r["given_name"].lower() for r in records}
        families = {r["family_name"].lower() for r in records}
        swapped_names += bool(givens & families)
        changed_family += len(families) > 1
        moved += len({r["postcode"].replace(" ", "") for r in records if r["postcode"]}) > 1
    assert swapped_names >= 10 and changed_family >= 200 and moved >= 200


# -- cases and planted networks -------------------------------------------------------


def test_networks_are_planted_even_in_a_small_data_set(tmp_path: Path) -> None:
    generate(tmp_path, 2000, seed=5)
    assert len(read(tmp_path, "truth_networks.csv")) >= 3


def test_a_network_crosses_forces_through_a_shared_phone_or_vehicle(out: Path) -> None:
    case_force = {c["case_ref"]: c["force_area_code"] for c in read(out, "cases.csv")}
    members: dict[str, set[str]] = defaultdict(set)
    for m in read(out, "truth_network_members.csv"):
        if m["member_type"] == "case":
            members[m["network_id"]].add(m["member_id"])
    forces_by_value: dict[tuple[str, str], set[str]] = defaultdict(set)
    network_of_case = {ref: n for n, refs in members.items() for ref in refs}
    for e in read(out, "case_entities.csv"):
        network = network_of_case.get(e["case_ref"])
        if network and e["kind"] in ("phone", "vehicle"):
            value = (
                digits_of_phone(e["value"]) if e["kind"] == "phone" else e["value"].replace(" ", "")
            )
            forces_by_value[(network, value)].add(case_force[e["case_ref"]])
    networks = read(out, "truth_networks.csv")
    crossing = [n for n in networks if len(n["force_area_codes"].split(";")) >= 2]
    assert len(crossing) >= len(networks) / 2
    connected = {network for (network, _), forces in forces_by_value.items() if len(forces) >= 2}
    assert {n["network_id"] for n in crossing} <= connected


def test_networks_have_organisers_at_their_hub(out: Path) -> None:
    role = {p["person_id"]: p["network_role"] for p in read(out, "truth_people.csv")}
    person_of = {r["record_id"]: r["person_id"] for r in read(out, "truth_clusters.csv")}
    network_cases: dict[str, set[str]] = defaultdict(set)
    for m in read(out, "truth_network_members.csv"):
        if m["member_type"] == "case":
            network_cases[m["network_id"]].add(m["member_id"])
    degree: Counter[str] = Counter()
    for cp in read(out, "case_persons.csv"):
        if cp["role"] == "suspect":
            degree[person_of[cp["record_id"]]] += 1
    for network in read(out, "truth_networks.csv"):
        assert int(network["case_count"]) >= 2
        assert int(network["victim_count"]) >= 2 and int(network["suspect_count"]) >= 2
    organisers = [p for p, r in role.items() if r == "organiser"]
    others = [p for p, r in role.items() if r == "suspect"]
    assert organisers and others
    assert sum(degree[p] for p in organisers) / len(organisers) > 1.5 * (
        sum(degree[p] for p in others) / len(others)
    )


def test_network_cases_are_mostly_closed_for_poor_reasons(out: Path) -> None:
    network_cases = {
        m["member_id"] for m in read(out, "truth_network_members.csv") if m["member_type"] == "case"
    }
    poor = {"consent", "victim not credible", "lifestyle choice"}
    cases = read(out, "cases.csv")
    in_network = [c for c in cases if c["case_ref"] in network_cases]
    single = [c for c in cases if c["case_ref"] not in network_cases]
    assert len(single) > 5 * len(in_network)  # most cases are unconnected incidents

    def poor_share(rows: Rows) -> float:
        return sum(c["closure_reason"] in poor for c in rows) / len(rows)

    assert poor_share(in_network) > 2 * poor_share(single)
    missing = Counter(
        e["case_ref"] for e in read(out, "events.csv") if e["kind"] == "missing_episode"
    )
    assert sum(missing[c["case_ref"]] for c in in_network) > sum(
        missing[c["case_ref"]] for c in single
    )


def test_most_victims_are_11_to_17(out: Path) -> None:
    dob = {r["record_id"]: r["date_of_birth"] for r in read(out, "person_records.csv")}
    opened = {c["case_ref"]: date.fromisoformat(c["opened_on"]) for c in read(out, "cases.csv")}
    ages = []
    for cp in read(out, "case_persons.csv"):
        born = dob[cp["record_id"]]
        if cp["role"] == "victim" and born:
            day = opened[cp["case_ref"]]
            ages.append((day - date.fromisoformat(born)).days // 365)
    assert sum(11 <= a <= 17 for a in ages) > 0.75 * len(ages)


def test_decoy_places_appear_in_many_unrelated_cases(out: Path) -> None:
    network_cases = {
        m["member_id"] for m in read(out, "truth_network_members.csv") if m["member_type"] == "case"
    }
    cases_by_place: dict[str, set[str]] = defaultdict(set)
    for e in read(out, "case_entities.csv"):
        if e["kind"] == "location" and "Shopping Centre" in e["value"]:
            cases_by_place[e["value"]].add(e["case_ref"])
    assert cases_by_place
    busiest = max(cases_by_place.values(), key=len)
    assert len(busiest - network_cases) >= 5  # a detector linking on it would over-link


# -- no profiling -------------------------------------------------------------------


def _ethnic_group(value: str) -> str:
    """The census's broad groups, with the small ones together so that every expected
    count in the chi-square test below is large enough."""
    group = value.split(" ")[0]
    return group if group in ("White", "Asian", "Black") else "Other"


def test_ethnicity_does_not_depend_on_being_a_suspect_or_in_a_network(out: Path) -> None:
    person_of = {r["record_id"]: r["person_id"] for r in read(out, "truth_clusters.csv")}
    suspects = {
        person_of[cp["record_id"]]
        for cp in read(out, "case_persons.csv")
        if cp["role"] == "suspect"
    }
    networked = {p["person_id"] for p in read(out, "truth_people.csv") if p["network_id"]}
    records = read(out, "person_records.csv")
    recorded: dict[str, str] = {}  # one observation per person: independence holds
    for r in records:
        if r["ethnicity"]:
            recorded.setdefault(person_of[r["record_id"]], _ethnic_group(r["ethnicity"]))

    def compare(group: set[str]) -> None:
        # how often it is recorded: the same for the group's records as for the rest
        inside = [bool(r["ethnicity"]) for r in records if person_of[r["record_id"]] in group]
        outside = [bool(r["ethnicity"]) for r in records if person_of[r["record_id"]] not in group]
        rate = sum(outside) / len(outside)
        assert abs(sum(inside) / len(inside) - rate) < 4 * (rate * (1 - rate) / len(inside)) ** 0.5
        # what is recorded: chi-square against the rest's shares, 3 degrees of freedom;
        # 16.27 is the 0.1% critical value
        seen = Counter(g for p, g in recorded.items() if p in group)
        rest = Counter(g for p, g in recorded.items() if p not in group)
        n, m = seen.total(), rest.total()
        chi_square = sum((seen[g] - n * rest[g] / m) ** 2 / (n * rest[g] / m) for g in rest)
        assert chi_square < 16.27, (seen, rest)

    compare(suspects)
    compare(networked)
