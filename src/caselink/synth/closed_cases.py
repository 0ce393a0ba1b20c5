"""A synthetic closed-case file for the historical case review, with its ground truth.

Most cases are ordinary closures: the offences, ages, reasons and gaps that real files show,
including some with one alarming feature (a poor closure reason, a young victim, a suspect
never interviewed), so that no single column sorts the file. A few percent are *planted*
cases that a good review would put first:

- **network** cases: groups of 3-8 cases, often across neighbouring forces, naming the same
  suspects, phones, vehicles or addresses, written differently from force to force
  (``+44 7700 900123`` / ``07700900123``, ``NM19 ABC`` / ``nm19abc``, ``St`` / ``Street``);
  each has only some of the aggravating features;
- **lone** cases: a penetrative offence against a young child, closed for a reason that
  should never apply to a child, often with the suspect never interviewed.

Decoys (a taxi firm's number, a bus station) recur in many unrelated cases. Ethnicity,
nationality and religion are drawn independently of everything else. Every person, number,
vehicle and address is invented. Columns: see caselink.review.columns.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from caselink.review import columns
from caselink.synth.entities import PhoneNumbers, Vehicles
from caselink.synth.names import FAMILY_POOL, MALE_POOL, pick
from caselink.synth.people import ETHNICITY_POOL, NATIONALITY_POOL
from caselink.synth.places import AUTHORITIES_BY_FORCE, FORCE_BY_CODE, FORCES, AddressBook

PLANTED_SHARE = 0.04
NETWORK_SHARE = 0.7  # of planted cases
TRUTH_HEADER = ("case_reference", "should_prioritise", "planted_as", "network_id")
FIRST_CLOSED = date(2010, 1, 1)
LAST_CLOSED = date(2025, 6, 30)

_RELIGIONS = (
    ("No religion", 37),
    ("Christian", 46),
    ("Muslim", 7),
    ("Hindu", 2),
    ("Sikh", 1),
    ("Jewish", 1),
    ("Buddhist", 1),
    ("Other", 1),
    ("Not stated", 4),
)
RELIGION_POOL = tuple(name for name, w in _RELIGIONS for _ in range(w))


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    return tuple(name for name, w in pairs for _ in range(w))


ORDINARY_OFFENCES = _weighted(
    (
        ("sexual_assault", 20),
        ("sexual_activity_with_child", 15),
        ("rape", 12),
        ("sexual_communication", 10),
        ("indecent_images", 10),
        ("grooming", 8),
        ("causing_sexual_activity", 5),
        ("assault_by_penetration", 4),
        ("causing_child_to_watch", 4),
        ("paying_for_sexual_services_of_child", 2),
        ("causing_child_sexual_exploitation", 3),
        ("trafficking", 1),
        ("child_abduction", 3),
        ("arranging_child_sex_offence", 1),
        ("other", 2),
    )
)
NETWORK_OFFENCES = _weighted(
    (
        ("rape", 45),
        ("causing_child_sexual_exploitation", 20),
        ("trafficking", 10),
        ("assault_by_penetration", 10),
        ("sexual_activity_with_child", 15),
    )
)
ORDINARY_REASONS = _weighted(
    (
        ("evidential_difficulties", 30),
        ("victim_withdrew", 25),
        ("insufficient_evidence", 20),
        ("not_in_public_interest", 8),
        ("suspect_not_identified", 10),
        ("other", 2),
    )
)
POOR_REASONS = (
    "consent",
    "lifestyle_choice",
    "not_credible",
    "willing_participant",
    "boyfriend_relationship",
)
OUTCOMES = _weighted(
    (
        ("no_further_action", 80),
        ("no_crime_recorded", 8),
        ("community_resolution", 4),
        ("cautioned", 3),
        ("charge_discontinued", 5),
    )
)
# How a source system might write a reason: the importer forgives case, spaces and quotes.
_REASON_SPELLINGS = {
    "consent": ('"consent"', "Consent", "consent"),
    "lifestyle_choice": ("lifestyle choice", "Lifestyle Choice", "lifestyle_choice"),
    "not_credible": ("not credible", "Not credible", "not_credible"),
}
_ORDINARY_AGES = _weighted(
    tuple(
        (str(age), w)
        for age, w in (
            (8, 1),
            (9, 1),
            (10, 2),
            (11, 3),
            (12, 5),
            (13, 9),
            (14, 12),
            (15, 13),
            (16, 9),
            (17, 6),
        )
    )
)


@dataclass
class _Network:
    number: int
    forces: tuple[str, ...]
    suspects: list[tuple[str, str]]  # (name, date of birth)
    phones: list[str]
    vehicles: list[str]
    addresses: list[tuple[str, str]]  # (full, abbreviated)


class ClosedCaseBook:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"caselink-closed-cases-{seed}")
        ids = random.Random(f"caselink-closed-case-ids-{seed}")
        self.phones = PhoneNumbers(ids)
        self.vehicles = Vehicles(ids)
        self.addresses = AddressBook(ids)
        self.taxi_phones = [self.phones.issue() for _ in range(4)]
        self.decoy_places = [f"{f.name} Bus Station" for f in FORCES]

    # --- pieces -------------------------------------------------------------------------
    def _force(self) -> str:
        return pick(
            tuple(f.code for f in FORCES for _ in range(2 + len(AUTHORITIES_BY_FORCE[f.code]))),
            self.rng,
        )

    def _dates(self) -> tuple[date, date, date]:
        span = (LAST_CLOSED - FIRST_CLOSED).days
        closed = FIRST_CLOSED + timedelta(days=int(self.rng.random() ** 0.8 * span))
        reported = closed - timedelta(days=20 + int(self.rng.random() * 600))
        offence = reported - timedelta(days=int(self.rng.random() * 900))
        return offence, reported, closed

    def _suspect(self) -> tuple[str, str]:
        born = date(1960, 1, 1) + timedelta(days=int(self.rng.random() * 15000))
        return f"{pick(MALE_POOL, self.rng)} {pick(FAMILY_POOL, self.rng)}", born.isoformat()

    def _write_suspect(self, suspect: tuple[str, str]) -> str:
        name, born = suspect
        if self.rng.random() < 0.15:
            name = name.upper() if self.rng.random() < 0.5 else name.lower()
        return name if self.rng.random() < 0.2 else f"{name} ({born})"

    def _write_phone(self, number: str) -> str:
        r = self.rng.random()
        if r < 0.4:
            return number
        if r < 0.7:
            return f"{number[:5]} {number[5:]}"
        return f"+44 {number[1:5]} {number[5:]}"

    def _write_vehicle(self, plate: str) -> str:
        return plate if self.rng.random() < 0.6 else plate.replace(" ", "").lower()

    def _address(self, force: str) -> tuple[str, str]:
        authorities = AUTHORITIES_BY_FORCE[force]
        place = self.addresses.allocate(authorities[int(self.rng.random() * len(authorities))])
        return place.text, place.abbreviated

    def _write_address(self, address: tuple[str, str]) -> str:
        return address[0] if self.rng.random() < 0.6 else address[1].replace(",", "")

    def _protected(self, suspects: int) -> dict[str, str]:
        r = self.rng
        return {
            "victim_ethnicity": pick(ETHNICITY_POOL, r) if r.random() < 0.8 else "",
            "victim_nationality": pick(NATIONALITY_POOL, r) if r.random() < 0.7 else "",
            "victim_religion": pick(RELIGION_POOL, r) if r.random() < 0.5 else "",
            "suspect_ethnicities": ";".join(
                pick(ETHNICITY_POOL, r) for _ in range(suspects) if r.random() < 0.7
            ),
            "suspect_nationalities": ";".join(
                pick(NATIONALITY_POOL, r) for _ in range(suspects) if r.random() < 0.6
            ),
        }

    def _reason(self, poor: float) -> str:
        reason = (
            pick(POOR_REASONS, self.rng)
            if self.rng.random() < poor
            else pick(ORDINARY_REASONS, self.rng)
        )
        spellings = _REASON_SPELLINGS.get(reason)
        return pick(spellings, self.rng) if spellings else reason

    def _interviewed(self, no: float, some: float, unknown: float) -> str:
        r = self.rng.random()
        if r < no:
            return "no"
        if r < no + some:
            return "some"
        return "" if r < no + some + unknown else "yes"

    def _missing(self, repeated: float) -> str:
        r = self.rng
        if r.random() < repeated:
            return str(2 + int(r.random() * 10))
        return str(int(r.random() < 0.2)) if r.random() < 0.9 else ""

    def _row(
        self,
        force: str,
        offences: list[str],
        age: str,
        reason: str,
        interviewed: str,
        missing: str,
        victims: int,
        suspects: list[str],
        phones: list[str],
        vehicles: list[str],
        addresses: list[str],
    ) -> dict[str, Any]:
        offence, reported, closed = self._dates()
        return {
            "case_reference": "",
            "force": force,
            "offence_from": offence.isoformat() if self.rng.random() < 0.8 else "",
            "reported_on": reported.isoformat(),
            "closed_on": closed.isoformat(),
            "offences": ";".join(dict.fromkeys(offences)),
            "victim_age": age,
            "victim_count": str(victims),
            "closure_outcome": pick(OUTCOMES, self.rng),
            "closure_reason": reason,
            "closure_note": "",
            "suspects_interviewed": interviewed if suspects else "",
            "missing_episodes": missing,
            "suspects": ";".join(suspects),
            "phones": ";".join(phones),
            "vehicles": ";".join(vehicles),
            "addresses": ";".join(addresses),
            **self._protected(len(suspects)),
        }

    # --- kinds of case ------------------------------------------------------------------
    def ordinary(self) -> dict[str, Any]:
        r = self.rng
        force = self._force()
        offences = [pick(ORDINARY_OFFENCES, r)] + (
            [pick(ORDINARY_OFFENCES, r)] if r.random() < 0.2 else []
        )
        reason = self._reason(poor=0.06)
        named = (
            0
            if reason == "suspect_not_identified"
            else 1 + int(r.random() < 0.2) + int(r.random() < 0.05)
        )
        suspects = [self._write_suspect(self._suspect()) for _ in range(named)]
        phones = [self._write_phone(self.phones.issue()) for _ in range(int(r.random() * 2.2))]
        if r.random() < 0.04:
            phones.append(self._write_phone(pick(tuple(self.taxi_phones), r)))
        vehicles = [
            self._write_vehicle(self.vehicles.issue(force)) for _ in range(int(r.random() < 0.3))
        ]
        addresses = [
            self._write_address(self._address(force)) for _ in range(int(r.random() * 1.8))
        ]
        if r.random() < 0.04:
            addresses.append(f"{FORCE_BY_CODE[force].name} Bus Station")
        victims = 1 + (int(r.random() * 3) if r.random() < 0.1 else 0)
        return self._row(
            force,
            offences,
            pick(_ORDINARY_AGES, r) if r.random() < 0.95 else "",
            reason,
            self._interviewed(no=0.15, some=0.05, unknown=0.1),
            self._missing(repeated=0.1),
            victims,
            suspects,
            phones,
            vehicles,
            addresses,
        )

    def lone(self) -> dict[str, Any]:
        r = self.rng
        force = self._force()
        offence = pick(("rape", "rape", "assault_by_penetration", "sexual_activity_with_child"), r)
        suspects = [self._write_suspect(self._suspect())]
        return self._row(
            force,
            [offence],
            str(9 + int(r.random() * 6)),
            self._reason(poor=0.7),
            self._interviewed(no=0.6, some=0.0, unknown=0.1),
            self._missing(repeated=0.5),
            1,
            suspects,
            [self._write_phone(self.phones.issue())] if r.random() < 0.5 else [],
            [],
            [],
        )

    def network(self, number: int) -> list[dict[str, Any]]:
        r = self.rng
        home = self._force()
        forces = (home, *FORCE_BY_CODE[home].neighbours[: int(r.random() * 3)])
        net = _Network(
            number,
            forces,
            [self._suspect() for _ in range(2 + int(r.random() * 2))],
            [self.phones.issue() for _ in range(1 + int(r.random() * 3))],
            [self.vehicles.issue(home) for _ in range(1 + int(r.random() * 2))],
            [self._address(home) for _ in range(1 + int(r.random() * 2))],
        )
        return [self._network_case(net) for _ in range(3 + int(r.random() * 6))]

    def _network_case(self, net: _Network) -> dict[str, Any]:
        r = self.rng
        force = net.forces[0] if r.random() < 0.6 else pick(net.forces, r)
        suspects = [self._write_suspect(s) for s in net.suspects if r.random() < 0.45]
        phones = [self._write_phone(p) for p in net.phones if r.random() < 0.5]
        vehicles = [self._write_vehicle(v) for v in net.vehicles if r.random() < 0.35]
        addresses = [self._write_address(a) for a in net.addresses if r.random() < 0.35]
        if not (suspects or phones or vehicles or addresses):
            phones = [self._write_phone(net.phones[0])]
        if r.random() < 0.3:  # a suspect of this case alone, besides the network's
            suspects.append(self._write_suspect(self._suspect()))
        offences = [pick(NETWORK_OFFENCES, r)] + (
            ["causing_child_sexual_exploitation"] if r.random() < 0.2 else []
        )
        age = str(11 + int(r.random() * 5)) if r.random() < 0.9 else str(16 + int(r.random() * 2))
        return self._row(
            force,
            offences,
            age,
            self._reason(poor=0.5),
            self._interviewed(no=0.45, some=0.15, unknown=0.05),
            self._missing(repeated=0.6),
            1 + (int(r.random() * 3) if r.random() < 0.3 else 0),
            suspects,
            phones,
            vehicles,
            addresses,
        )


@dataclass(frozen=True)
class Written:
    path: Path
    truth_path: Path
    cases: int
    planted: int


def closed_cases(count: int, seed: int = 1) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
    """Rows of the closed-case file and their ground truth, in file order."""
    if count < 1:
        raise ValueError(f"cases must be at least 1, got {count}")
    book = ClosedCaseBook(seed)
    planted_target = round(count * PLANTED_SHARE)
    cases: list[tuple[dict[str, Any], str, str]] = []
    networks = 0
    while sum(1 for _, kind, _ in cases if kind == "network") < planted_target * NETWORK_SHARE:
        networks += 1
        cases += [(row, "network", f"N{networks}") for row in book.network(networks)]
    while len(cases) < planted_target:
        cases.append((book.lone(), "lone", ""))
    cases = cases[:count]
    while len(cases) < count:
        cases.append((book.ordinary(), "", ""))
    book.rng.shuffle(cases)
    truth: list[tuple[str, ...]] = []
    rows = []
    for number, (row, kind, network) in enumerate(cases, 1):
        row["case_reference"] = f"{row['force']}/{row['closed_on'][:4]}/{number:06d}"
        rows.append(row)
        truth.append((row["case_reference"], "yes" if kind else "no", kind, network))
    return rows, truth


def truth_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}-truth.csv")


def write_closed_cases(path: Path, count: int, seed: int = 1) -> Written:
    """Write the file (CSV, or Parquet if `path` ends in .parquet) and its truth beside it."""
    rows, truth = closed_cases(count, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("case_reference", *[c for c in columns.COLUMNS if c != "case_reference"])
    if path.suffix.lower() == ".parquet":
        _write_parquet(path, rows, header)
    else:
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([row[c] for c in header] for row in rows)
    truth_path = truth_path_for(path)
    with truth_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(TRUTH_HEADER)
        writer.writerows(truth)
    return Written(path, truth_path, len(rows), sum(1 for t in truth if t[1] == "yes"))


def _write_parquet(path: Path, rows: list[dict[str, Any]], header: tuple[str, ...]) -> None:
    """Typed columns: dates, integers and lists, as a data warehouse would export them."""
    data: dict[str, Any] = {}
    for column in header:
        values = [row[column] for row in rows]
        if column in ("offence_from", "reported_on", "closed_on"):
            data[column] = pa.array(
                [date.fromisoformat(v) if v else None for v in values], pa.date32()
            )
        elif column in ("victim_age", "victim_count", "missing_episodes"):
            data[column] = pa.array([int(v) if v else None for v in values], pa.int32())
        elif column in columns.LIST_COLUMNS:
            data[column] = pa.array(
                [v.split(";") if v else [] for v in values], pa.list_(pa.string())
            )
        else:
            data[column] = pa.array([v or None for v in values], pa.string())
    pq.write_table(pa.table(data), path)
