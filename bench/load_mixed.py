"""Mixed, realistic traffic against caselink in production mode on PostgreSQL, at rising
concurrency until it saturates, against a bare FastAPI + PostgreSQL app measured in the
same run.

    .venv/bin/python bench/load_mixed.py [--seconds 8] [--workers 2] [--records 3000]

Starts PostgreSQL on loopback (as the tests do), writes and loads demo-like synthetic data
(`caselink synth`, `caselink load`, `caselink demo-accounts`), serves caselink with
`caselink serve --workers N` and the baseline (bench/bare_mixed_app.py) with uvicorn and N
workers, both at once, and drives both with the same mix, level by level (caselink, then
the baseline, at each concurrency, so the machine's other load hits both alike):

    report intake (POST /api/reports, bearer token)       20%
    reports inbox (GET /api/reports/inbox, token)          20%
    case view (GET /api/cases/{ref}, token; ledgered)      20%
    case search (GET /api/cases?q=..., token)              15%
    inbox page (GET /reports/inbox, signed-in session)     15%
    case page (GET /cases/{ref}, session; ledgered)        10%

Loopback only; bounded: --seconds per level (plus 1 s warm-up), levels 1, 2, 4 ... up to
--max-clients, stopping early once throughput has stopped rising for two levels.

The client is one asyncio process speaking HTTP/1.1 keep-alive on raw streams (no HTTP
library), so a request costs it tens of microseconds; its CPU time is measured and printed
as a share of the machine. Both apps get the same client, so the ratio is fair even where
the client's share is not negligible.

Finally every receipt the intake got is checked: stored, with its ledger entry, no duplicates.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report_intake import free_port, served  # noqa: E402

from caselink.access import sessions  # noqa: E402
from caselink.access.accounts import find_user  # noqa: E402
from caselink.store.db import Database  # noqa: E402
from caselink.store.models import Agency, Case, PostcodeDistrict  # noqa: E402
from tests.support.faults import audit, reporter_token, serving  # noqa: E402
from tests.support.postgres import running_server  # noqa: E402

MIX = (
    ("intake", 20),
    ("inbox", 20),
    ("case", 20),
    ("search", 15),
    ("inbox page", 15),
    ("case page", 10),
)
SEARCHES = ("rape", "party", "girl", "takeaway", "car", "house", "school", "boy")


@dataclass
class Traffic:
    """What the clients send: credentials and the cases they may open."""

    report_token: str
    read_token: str
    cookie: str
    cases: list[str]
    district: str
    counter: int = 0

    def request(self, kind: str, rng: random.Random) -> tuple[str, str, dict[str, str], bytes]:
        api = {"Authorization": f"Bearer {self.read_token}"}
        page = {"Cookie": f"caselink_session={self.cookie}"}
        if kind == "intake":
            self.counter += 1
            body = json.dumps(self.report(self.counter)).encode()
            headers = {
                "Authorization": f"Bearer {self.report_token}",
                "Idempotency-Key": f"load-{self.counter}",
                "Content-Type": "application/json",
            }
            return "POST", "/api/reports", headers, body
        if kind == "inbox":
            return "GET", "/api/reports/inbox", api, b""
        if kind == "case":
            return "GET", f"/api/cases/{rng.choice(self.cases)}", api, b""
        if kind == "search":
            return "GET", f"/api/cases?q={rng.choice(SEARCHES)}", api, b""
        if kind == "inbox page":
            return "GET", "/reports/inbox", page, b""
        return "GET", f"/cases/{rng.choice(self.cases)}", page, b""

    def report(self, n: int) -> dict[str, Any]:
        return {
            "reporter_role": "teacher",
            "reporter_setting": "Demo school",
            "trigger": "child_told",
            "learned_on": date.today().isoformat(),
            "what_happened": f"Load test disclosure number {n}: a pupil described lifts home.",
            "immediate_danger": "no",
            "child": {
                "given_name": "Kim",
                "family_name": f"Loadtest{n}",
                "age": "13",
                "postcode": f"{self.district} {n % 9 + 1}AB",
            },
            "suspects": [{"given_name": "Lee", "phone": "07700 900456"}],
        }


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: the cheapest client."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode() + b"\r\n" + body)
        try:
            status = int((await reader.readline()).split(b" ", 2)[1])
            length, close, chunked = 0, False, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection":
                    close = value == "close"
                elif name == "transfer-encoding":
                    chunked = "chunked" in value
            data = await self._chunked(reader) if chunked else await reader.readexactly(length)
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
            self.close()
            raise
        if close:
            self.close()
        return status, data

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while size := int((await reader.readline()).strip(), 16):
            parts.append(await reader.readexactly(size))
            await reader.readline()
        await reader.readline()
        return b"".join(parts)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


@dataclass
class Level:
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    client_cpu: float = 0.0

    @property
    def done(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def cut(self, kind: str | None, q: int) -> float:
        values = sorted(v for k, vs in self.latencies.items() if kind in (None, k) for v in vs)
        if len(values) < 2:
            return values[0] * 1000 if values else float("nan")
        return statistics.quantiles(values, n=100)[q - 1] * 1000


async def drive(
    port: int, traffic: Traffic, clients: int, seconds: float, receipts: dict[str, str] | None
) -> Level:
    level = Level(seconds)
    kinds = [k for k, weight in MIX for _ in range(weight)]
    stop = time.monotonic() + seconds

    async def client(number: int) -> None:
        rng = random.Random(number)
        connection = Connection(port)
        while time.monotonic() < stop:
            kind = rng.choice(kinds)
            method, path, headers, body = traffic.request(kind, rng)
            started = time.perf_counter()
            try:
                status, data = await connection.send(method, path, headers, body)
            except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
                level.failures[f"{kind}: connection"] += 1
                continue
            elapsed = time.perf_counter() - started
            if status >= 400:
                level.failures[f"{kind}: HTTP {status}"] += 1
                continue
            level.latencies[kind].append(elapsed)
            if kind == "intake" and receipts is not None:
                receipts[headers["Idempotency-Key"]] = json.loads(data)["reference"]
        connection.close()

    cpu = time.process_time()
    await asyncio.gather(*(client(n) for n in range(clients)))
    level.client_cpu = time.process_time() - cpu
    return level


def measure(
    port: int, traffic: Traffic, clients: int, seconds: float, receipts: dict[str, str] | None
) -> Level:
    asyncio.run(drive(port, traffic, clients, 1.0, receipts))  # warm-up: connections, caches
    return asyncio.run(drive(port, traffic, clients, seconds, receipts))


def caselink(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "caselink", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"caselink {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def demo_world(url: str, records: int, scratch: Path) -> Traffic:
    """Demo-like data loaded through the CLI, then credentials for the clients."""
    env = {"CASELINK_DATABASE_URL": url}
    caselink("db", "upgrade", env=env)
    caselink("synth", "--records", str(records), "--out", str(scratch / "data"), env=env)
    for truth in (scratch / "data").glob("truth_*.csv"):
        truth.unlink()
    caselink("load", str(scratch / "data"), env=env)
    caselink("demo-accounts", env=env)
    db = Database(url)
    with db.transaction() as s:
        teacher, officer = find_user(s, "teacher"), find_user(s, "officer")
        assert teacher is not None and officer is not None
        force = s.scalar(select(Agency.area_id).where(Agency.id == officer.agency_id))
        district = s.scalar(
            select(PostcodeDistrict.district)
            .where(PostcodeDistrict.force_area_id == force)
            .limit(1)
        )
        cases = list(s.scalars(select(Case.reference).where(Case.force_area_id == force)))
        cookie = sessions.start(s, officer.id)
        found = sessions.find(s, cookie)
        assert found is not None
        sessions.second_factor_passed(found)  # signed in, as after password and code
        officer_id, teacher_id = officer.id, teacher.id
    traffic = Traffic(
        report_token=reporter_token(db, teacher_id),
        read_token=reporter_token(db, officer_id, {"reports:read", "cases:read"}),
        cookie=cookie,
        cases=cases,
        district=str(district),
    )
    db.dispose()
    assert traffic.cases, "the officer's force has no cases to read"
    return traffic


def bare_tables(url: str, traffic: Traffic, caselink_url: str) -> None:
    """The baseline's tables, with the same cases (reference and summary) to read."""
    source = create_engine(caselink_url)
    with source.connect() as connection:
        rows = connection.execute(text("SELECT reference, summary FROM cases")).all()
    source.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bare_reports (id SERIAL PRIMARY KEY, body TEXT)"))
        connection.execute(
            text("CREATE TABLE bare_cases (reference TEXT PRIMARY KEY, summary TEXT)")
        )
        connection.execute(
            text("INSERT INTO bare_cases VALUES (:r, :s)"), [{"r": r, "s": s} for r, s in rows]
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server processes, both apps")
    parser.add_argument("--records", type=int, default=3000, help="synthetic person records")
    parser.add_argument("--max-clients", type=int, default=256)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="caselink-load-"))
    # Keys of the bench's own, never the demo's in var/: every process started inherits them.
    os.environ["CASELINK_FIELD_KEYS"] = str(scratch / "field-keys.json")
    os.environ["CASELINK_LEDGER_KEY"] = str(scratch / "ledger" / "signing-key.pem")
    with running_server() as admin_url:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in ("load_caselink", "load_bare"):
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
                connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = admin_url.rsplit("/", 1)[0] + "/load_caselink"
        bare_url = admin_url.rsplit("/", 1)[0] + "/load_bare"
        traffic = demo_world(url, options.records, scratch)
        seeded = audit(Database(url), {}).stored  # the demo accounts' own reports
        bare_tables(bare_url, traffic, url)
        receipts: dict[str, str] = {}
        rows: list[tuple[int, Level, Level]] = []
        bare_port = free_port()
        bare = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            "bench",
            "bare_mixed_app:app",
            "--port",
            str(bare_port),
            "--log-level",
            "warning",
            "--workers",
            str(options.workers),
        ]
        quiet = {"CASELINK_LOG_LEVEL": "warning"}
        with (
            serving(url, options.workers, quiet) as ours,
            served(bare, {"BARE_DATABASE_URL": bare_url}, bare_port),
        ):
            port = int(ours.base.rsplit(":", 1)[1])
            clients, best, flat = 1, 0.0, 0
            while clients <= options.max_clients and flat < 2:
                mine = measure(port, traffic, clients, options.seconds, receipts)
                base = measure(bare_port, traffic, clients, options.seconds, None)
                rows.append((clients, mine, base))
                print(
                    f"  {clients:4d} clients: caselink {mine.rate:7.1f}/s, bare {base.rate:7.1f}/s",
                    file=sys.stderr,
                    flush=True,
                )
                flat = flat + 1 if mine.rate < best * 1.05 else 0
                best = max(best, mine.rate)
                clients *= 2
        found = audit(Database(url), receipts)
        sizes = storage(url)
    shutil.rmtree(scratch, ignore_errors=True)
    table(rows, options)
    print(
        f"intake receipts: {found.line(len(receipts))} (of which {seeded} demo reports "
        "seeded before the load)"
    )
    print("storage in PostgreSQL (tables and their indexes) per row:")
    for name, (count, size) in sizes.items():
        print(f"  {name:30s} {count:>9,} rows  {size / max(count, 1):8.0f} bytes/row")


def storage(url: str) -> dict[str, tuple[int, int]]:
    """Bytes per report (with its people and routes) and per ledger entry (with its Merkle
    nodes), for the capacity estimate."""
    groups = {
        "report (+ persons, routes)": ("reports", "report_persons", "report_routes"),
        "ledger entry (+ Merkle nodes)": ("ledger_entries", "ledger_nodes"),
    }
    engine = create_engine(url)
    found = {}
    with engine.connect() as connection:
        for name, tables in groups.items():
            rows = connection.execute(text(f"SELECT count(*) FROM {tables[0]}")).scalar_one()
            size = sum(
                connection.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one()
                for t in tables
            )
            found[name] = (int(rows), int(size))
    engine.dispose()
    return found


def table(rows: list[tuple[int, Level, Level]], options: argparse.Namespace) -> None:
    print(
        f"\nmixed load, PostgreSQL, {options.workers} server processes each, "
        f"{options.seconds:g} s per level, {options.records:,} synthetic records, "
        f"on {os.cpu_count()} cores"
    )
    print(
        f"{'clients':>7} | {'caselink req/s':>14} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} | "
        f"{'bare req/s':>10} {'p50 ms':>8} {'p99 ms':>8} | {'ratio':>5} | client CPU"
    )
    for clients, mine, base in rows:
        cpu = (mine.client_cpu + base.client_cpu) / (2 * options.seconds) / (os.cpu_count() or 1)
        print(
            f"{clients:>7} | {mine.rate:14.1f} {mine.cut(None, 50):8.1f} {mine.cut(None, 99):8.1f} "
            f"{sum(mine.failures.values()):>6} | {base.rate:10.1f} {base.cut(None, 50):8.1f} "
            f"{base.cut(None, 99):8.1f} | {mine.rate / base.rate:5.2f} | {cpu:6.1%}"
        )
    peak_clients, peak, peak_base = max(rows, key=lambda r: r[1].rate)
    print(f"\ncaselink at its peak ({peak_clients} clients), by kind of request:")
    for kind, _ in MIX:
        n = len(peak.latencies[kind])
        print(
            f"  {kind:11s} {n / peak.seconds:7.1f}/s  p50 {peak.cut(kind, 50):7.1f} ms  "
            f"p99 {peak.cut(kind, 99):7.1f} ms   bare p50 {peak_base.cut(kind, 50):6.1f} ms"
        )
    failures = Counter[str]()
    for _, mine, _ in rows:
        failures.update(mine.failures)
    print(f"caselink errors over the run: {dict(failures) or 'none'}")


if __name__ == "__main__":
    main()
