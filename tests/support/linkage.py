"""A small two-force world of person records for linkage tests: a few people recorded by
several agencies (with nicknames, swapped dates, typos), pairs that are uncertain on
purpose, and enough other people that the model's prior means something. All invented."""

import csv
import random
from pathlib import Path

from caselink.domain import INTERCHANGE_COLUMNS
from caselink.loading import load_directory, load_file
from caselink.loading.specs import PERSON_RECORDS
from caselink.store.db import Database

AREAS = """code,name,kind,parent_code
F-NM,Northmoor,force_area,
LA-NM-A,Ashby Vale,local_authority,F-NM
F-WD,Westdale,force_area,
LA-WD-B,Brinkley,local_authority,F-WD
"""

POSTCODE_DISTRICTS = """district,local_authority_code,force_area_code
NM1,LA-NM-A,F-NM
WD4,LA-WD-B,F-WD
"""

AGENCIES = """code,name,kind,area_code
POL-NM,Northmoor Police,police_force,F-NM
CSC-NM-A,Ashby Vale Children's Services,local_authority,LA-NM-A
SCH-NM-A1,Ashby Vale Academy,school,LA-NM-A
NHS-NM,Northmoor Health NHS Trust,nhs_trust,F-NM
POL-WD,Westdale Police,police_force,F-WD
"""

COLUMNS = list(INTERCHANGE_COLUMNS)

# The same girl in three systems; the same man twice; two uncertain pairs (one within
# Northmoor, one across the force boundary).
PEOPLE = [
    ["L-ELIZ-1", "POL-NM", "Elizabeth", "Marsh", "2010-04-03", "F", "NM1 4QX",
     "12 Alder Street, Ashby Vale", "9434765919", "07700 900123", ""],
    ["L-ELIZ-2", "SCH-NM-A1", "Liz", "Marsh", "2010-03-04", "F", "NM1 4QX",
     "12 Alder St", "", "", "liz.marsh@example.com"],
    ["L-ELIZ-3", "NHS-NM", "Elisabeth", "Marsh", "2010-04-03", "", "NM1 4QX", "",
     "9434765919", "", ""],
    ["L-DARREN-1", "POL-NM", "Darren", "Holt", "1988-11-30", "M", "NM1 7TT",
     "3 Mill Lane", "", "+447700900456", ""],
    ["L-DARREN-2", "CSC-NM-A", "Darren", "Holt", "1988-11-30", "M", "NM1 7TT",
     "3 Mill Lane", "", "07700 900456", ""],
    # Uncertain: same names, dates of birth differ, neighbouring postcodes.
    ["L-UNSURE-1", "CSC-NM-A", "Kayleigh", "Dunmore", "2008-02-11", "F", "NM1 2AB",
     "", "", "", ""],
    ["L-UNSURE-2", "POL-NM", "Kayleigh", "Dunmore", "2006-07-23", "F", "NM1 2XY",
     "", "", "", ""],
    # Uncertain across the boundary between Northmoor and Westdale: no date of birth.
    ["L-CROSS-1", "POL-NM", "Tyler", "Brannigan", "2007-05-20", "M", "NM1 3CD",
     "", "", "", ""],
    ["L-CROSS-2", "POL-WD", "Tyler", "Brannigan", "", "M", "WD4 8EF",
     "", "", "", ""],
]  # fmt: skip

GIVEN = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Grace",
    "Leo",
    "Freya",
    "Harry",
    "Evie",
    "Oscar",
]
FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Hall",
    "Green",
    "Wood",
    "Clarke",
]


def others(count: int, seed: int = 5, prefix: str = "L-OTHER") -> list[list[str]]:
    """Different people, one record each."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        rows.append(
            [
                f"{prefix}-{i}",
                rng.choice(["POL-NM", "CSC-NM-A", "SCH-NM-A1", "NHS-NM", "POL-WD"]),
                rng.choice(GIVEN),
                rng.choice(FAMILY) + ("" if i % 3 else "-" + rng.choice(FAMILY)),
                f"{rng.randint(1970, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice("FM"),
                f"NM1 {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
                "",
                "",
                "",
                "",
            ]
        )
    return rows


def write_people(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def load_world(db: Database, directory: Path, rows: list[list[str]]) -> None:
    (directory / "areas.csv").write_text(AREAS)
    (directory / "postcode_districts.csv").write_text(POSTCODE_DISTRICTS)
    (directory / "agencies.csv").write_text(AGENCIES)
    write_people(directory / "person_records.csv", rows)
    load_directory(db, directory)


def load_more(db: Database, path: Path, rows: list[list[str]]) -> None:
    load_file(db, write_people(path, rows), PERSON_RECORDS)
