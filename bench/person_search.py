"""Person search on a store of a million person records: p50 and p95, against a LIKE scan.

    python bench/person_search.py [--records 1000000] [--queries 300] [--store PATH]

Builds a SQLite store (or reuses `--store` if it was built before) from the synthetic
generator's records: areas and agencies through the ordinary loader, the person records and
their search keys through a bulk path (executemany; the keys go to a staging table and are
copied into their index in key order, which builds the B-tree sequentially). Then runs a
fixed mix of queries drawn from the stored records (a full name, a name reversed with a date
of birth typed d/m/yyyy, a nickname with a family name, a family name with a postcode
district, a phone typed as people type it, an NHS number in 3-3-4, and a name nobody has),
through `caselink.people.search` exactly as the page runs it (parse, policy, ranking, reasons,
ledger entry), as an oversight officer (every record) and as a police officer (one force's
records: the policy's condition in the query). The baseline is the plain LIKE scan the cases
search uses, on the name queries of the same mix.
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select, text

from caselink.access.principal import Principal
from caselink.domain import AgencyKind, Role
from caselink.loading.loader import load_file
from caselink.loading.specs import AGENCIES, AREAS, POSTCODE_DISTRICTS
from caselink.people import nhs
from caselink.people.keys import record_keys
from caselink.people.query import parse
from caselink.people.search import search
from caselink.store.db import Database
from caselink.store.migrate import upgrade
from caselink.store.models import Agency, Area, PersonRecord

COLUMNS = (
    "record_id",
    "source",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
    "phone",
    "email",
)
BATCH = 20_000


def build(path: Path, records: int, seed: int) -> Database:
    with tempfile.TemporaryDirectory(prefix="caselink-search-bench-") as out:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "caselink.synth",
                "--records",
                str(records),
                "--out",
                out,
                "--seed",
                str(seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"generated {records:,} records in {time.perf_counter() - started:.1f} s")
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        for spec in (AREAS, POSTCODE_DISTRICTS, AGENCIES):
            load_file(db, Path(out) / spec.file_name, spec)
        started = time.perf_counter()
        _bulk(db, Path(out) / "person_records.csv")
        print(f"stored records and keys in {time.perf_counter() - started:.1f} s")
    return db


def _bulk(db: Database, csv_path: Path) -> None:
    import csv

    with db.engine.begin() as connection:
        agency = dict(connection.execute(select(Agency.code, Agency.id)).all())
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute(
            "CREATE TEMP TABLE staged_keys (kind TEXT, value TEXT, person_record_id INTEGER)"
        )
        names = ", ".join((*COLUMNS, "agency_id", "id"))
        insert_record = f"INSERT INTO person_records ({names}) VALUES ({', '.join('?' * 13)})"
        records: list[tuple[object, ...]] = []
        staged: list[tuple[str, str, int]] = []
        with csv_path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 1):
                values = {c: (row.get(c) or None) for c in COLUMNS}
                born = (
                    date.fromisoformat(values["date_of_birth"]) if values["date_of_birth"] else None
                )
                records.append((*values.values(), agency[values["source"]], number))
                for kind, value in record_keys(
                    values["given_name"],
                    values["family_name"],
                    born,
                    values["postcode"],
                    values["phone"],
                    values["nhs_number"],
                ):
                    staged.append((kind, value, number))
                if len(records) >= BATCH:
                    cursor.executemany(insert_record, records)
                    cursor.executemany("INSERT INTO staged_keys VALUES (?, ?, ?)", staged)
                    records, staged = [], []
        cursor.executemany(insert_record, records)
        cursor.executemany("INSERT INTO staged_keys VALUES (?, ?, ?)", staged)
        cursor.execute(
            "INSERT INTO person_search_keys (kind, value, person_record_id) "
            "SELECT DISTINCT kind, value, person_record_id FROM staged_keys "
            "ORDER BY kind, value, person_record_id"
        )
        cursor.execute("DROP TABLE staged_keys")
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _mix(db: Database, count: int, seed: int) -> list[tuple[str, str]]:
    """(label, query text): the fixed mix, drawn from stored records with a fixed seed."""
    rng = random.Random(seed)
    with db.engine.connect() as connection:
        top = connection.scalar(select(func.max(PersonRecord.id))) or 0
        picks = [rng.randint(1, top) for _ in range(count)]
        rows = connection.execute(
            select(
                PersonRecord.id,
                PersonRecord.given_name,
                PersonRecord.family_name,
                PersonRecord.date_of_birth,
                PersonRecord.postcode,
                PersonRecord.phone,
                PersonRecord.nhs_number,
            ).where(PersonRecord.id.in_(picks))
        ).all()
    nicknames = {"elizabeth": "Liz", "rebecca": "Becky", "katherine": "Kate", "william": "Bill"}
    mix: list[tuple[str, str]] = []
    for i, (_, given, family, born, postcode, phone, number) in enumerate(rows):
        kind = i % 7
        if kind == 0 and given and family:
            mix.append(("full name", f"{given} {family}"))
        elif kind == 1 and given and family and born:
            mix.append(("reversed name + dob", f"{family} {given} {born:%-d/%-m/%Y}"))
        elif kind == 2 and given and family:
            mix.append(("nickname", f"{nicknames.get(given.lower(), given)} {family}"))
        elif kind == 3 and family and postcode:
            mix.append(("family + district", f"{family} {postcode.split()[0]}"))
        elif kind == 4 and phone:
            mix.append(("phone", phone))
        elif kind == 5 and number and nhs.is_valid(number):
            mix.append(("NHS number", nhs.display(number)))
        elif kind == 6:
            mix.append(("nobody", "Zebedee Quixotic-Xanthe"))
    return mix


def _principals(db: Database) -> list[tuple[str, Principal]]:
    with db.engine.connect() as connection:
        force = connection.execute(
            select(Area.id, Agency.id, Agency.code)
            .join(Agency, Agency.area_id == Area.id)
            .where(Area.kind == "force_area", Agency.kind == "police_force")
            .order_by(Area.id)
            .limit(1)
        ).one()
    common = {"display_name": "Bench", "supervisor_id": None, "local_authority_id": None}
    return [
        (
            "oversight",
            Principal(1, "bench-oversight", role=Role.OVERSIGHT_OFFICER, agency_id=None,
                      agency_code=None, agency_kind=None, force_area_id=None, **common),
        ),
        (
            "police officer",
            Principal(2, "bench-officer", role=Role.SAFEGUARDING_OFFICER, agency_id=force[1],
                      agency_code=force[2], agency_kind=AgencyKind.POLICE_FORCE,
                      force_area_id=force[0], **common),
        ),
    ]  # fmt: skip


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"


def run(db: Database, queries: int, seed: int) -> None:
    mix = _mix(db, queries, seed)
    print(f"{len(mix)} queries: " + ", ".join(sorted({label for label, _ in mix})))
    for who, principal in _principals(db):
        times, found = [], 0
        by_label: dict[str, list[float]] = {}
        for label, q in mix:
            started = time.perf_counter()
            with db.transaction() as session:
                found += len(search(session, principal, parse(q)))
            times.append(time.perf_counter() - started)
            by_label.setdefault(label, []).append(times[-1])
        print(f"search as {who}: {_percentiles(times)} ({found:,} people shown in all)")
        for label, spent in sorted(by_label.items()):
            print(f"  {label} ({len(spent)}): {_percentiles(spent)}")
    baseline = []
    names = [q for label, q in mix if label in ("full name", "nickname")][:20]
    for q in names:
        words = [w.lower() for w in q.split()]
        started = time.perf_counter()
        with db.transaction() as session:
            session.execute(
                select(PersonRecord.id)
                .where(
                    *(
                        or_(
                            func.lower(PersonRecord.given_name).like(f"%{w}%"),
                            func.lower(PersonRecord.family_name).like(f"%{w}%"),
                        )
                        for w in words
                    )
                )
                .limit(200)
            ).all()
        baseline.append(time.perf_counter() - started)
    print(f"baseline LIKE scan ({len(names)} name queries): {_percentiles(baseline)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", type=Path, help="a store built by an earlier run to reuse")
    args = parser.parse_args()
    if args.store and args.store.exists():
        db = Database(f"sqlite:///{args.store}")
    else:
        path = args.store or Path(tempfile.mkdtemp(prefix="caselink-search-")) / "search.db"
        db = build(path, args.records, args.seed)
    with db.engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(PersonRecord)) or 0
        keyed = connection.scalar(text("SELECT count(*) FROM person_search_keys")) or 0
    print(f"store: {stored:,} person records, {keyed:,} search keys")
    run(db, args.queries, args.seed)
    db.dispose()


if __name__ == "__main__":
    main()
