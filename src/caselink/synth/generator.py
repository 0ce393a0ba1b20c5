"""The generation run: reference tables, then households and planted networks streamed
out until exactly the requested number of person records has been written."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from caselink.synth.agencies import AGENCIES
from caselink.synth.cases import CaseBook
from caselink.synth.entities import Decoys, PhoneNumbers, Vehicles
from caselink.synth.ids import RecordIds
from caselink.synth.incidents import Households
from caselink.synth.manifest import Manifest
from caselink.synth.networks import Networks, network_count
from caselink.synth.nhs import NhsNumbers
from caselink.synth.people import Population
from caselink.synth.places import AUTHORITIES, FORCES, AddressBook
from caselink.synth.professionals import Reporters
from caselink.synth.records import Registry
from caselink.synth.settings import GENERATOR_VERSION, ErrorRates
from caselink.synth.writer import DatasetWriter

LONE_ADULTS = 0.2  # share of planned units that are an adult living alone


def write_reference(out: DatasetWriter) -> None:
    for force in FORCES:
        out.row("areas.csv", (force.code, force.name, "force_area", ""))
    for la in AUTHORITIES:
        out.row("areas.csv", (la.code, la.name, "local_authority", la.force_code))
        for district in la.districts:
            out.row("postcode_districts.csv", (district, la.code, la.force_code))
    for agency in AGENCIES:
        out.row("agencies.csv", (agency.code, agency.name, agency.kind, agency.area_code))


def network_schedule(records: int, rng: random.Random) -> list[int]:
    """Record counts at which to plant each network: spread through the run, and early
    enough that the last one still fits."""
    n = network_count(records)
    return [int(records * (0.05 + 0.8 * (i + rng.random()) / n)) for i in range(n)]


def write_dataset(
    out_dir: Path,
    records: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    rates: ErrorRates | None = None,
) -> Manifest:
    if records < 0:
        raise ValueError(f"records must be zero or more, got {records}")
    rng = random.Random(seed)
    # Separate streams for identifiers and the output shuffle, so that tuning one part
    # of the generator does not reshuffle everything else.
    id_rng = random.Random(f"caselink-synth-ids-{seed}")
    with DatasetWriter(out_dir, random.Random(f"caselink-synth-shuffle-{seed}"), progress) as out:
        write_reference(out)
        phones = PhoneNumbers(id_rng)
        vehicles = Vehicles(id_rng)
        population = Population(rng, AddressBook(id_rng), NhsNumbers(id_rng), phones)
        registry = Registry(out, RecordIds(id_rng), rates or ErrorRates(), rng)
        book = CaseBook(out)
        reporters = Reporters(population, rng)
        households = Households(
            population, reporters, vehicles, Decoys(phones), registry, book, rng
        )
        networks = Networks(population, reporters, vehicles, registry, book, out, rng)

        schedule = network_schedule(records, rng)
        planted = 0
        while out.records_made < records:
            remaining = records - out.records_made
            if planted < len(schedule) and out.records_made >= schedule[planted]:
                network = networks.plan(planted)
                planted += 1
                if network.size <= remaining:
                    networks.write(network)
                continue
            if rng.random() < LONE_ADULTS:
                registry.enter(households.plan_lone_adult(remaining))
                continue
            household = households.plan()
            if household.size <= remaining:
                households.write(household)
            else:  # the end of the run: top up with people who need no case
                registry.enter(households.plan_lone_adult(remaining))
    manifest = Manifest(seed, records, GENERATOR_VERSION, dict(out.counts))
    manifest.write(out_dir / "manifest.json")
    return manifest
