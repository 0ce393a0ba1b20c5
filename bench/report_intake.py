"""Sustained report intake through the HTTP API on PostgreSQL.

    .venv/bin/python bench/report_intake.py [--seconds 20] [--concurrency 16] [--workers 1]
        [--client raw|httpx]

Starts PostgreSQL on loopback (as the tests do), serves caselink with one uvicorn process,
and posts valid mandatory reports as fast as --concurrency clients can, each report
validated, routed to its force and local authority, sealed, and ledgered in the same
transaction. The baseline, in the same run and the same way, is a bare FastAPI endpoint
inserting the same JSON into PostgreSQL (bench/bare_intake_app.py). Prints reports/s and
p50/p99 latency for both and the ratio, then checks every receipt's report is stored,
routed and ledgered.

For caselink it also prints the latency its own request log saw (from the app receiving the
request to its response), so that a tail can be placed: inside the app (the ledger's lock,
the group commit's batches) or outside it (waiting for the event loop, the client itself).

It also prints the CPU time each report cost the server's processes, PostgreSQL's (from
/proc, over the measured seconds only) and the client's (this process): on a shared
machine, where the rate depends on what else is running, CPU per report is the figure that
compares runs. The client is by default the raw keep-alive one of bench/load_mixed.py, so
that it takes little of the two cores the servers need.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import httpx2
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caselink.access import tokens  # noqa: E402
from caselink.access.principal import principal_for  # noqa: E402
from caselink.store.db import Database  # noqa: E402
from caselink.store.migrate import upgrade  # noqa: E402
from caselink.store.models import User  # noqa: E402
from tests.support.postgres import running_server  # noqa: E402
from tests.support.reporting import reporting_world, valid  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(args: list[str], env: dict[str, str], port: int) -> Iterator[tuple[str, int, IO[bytes]]]:
    # The server logs every request as production does (JSON lines), to a file, not a terminal.
    with tempfile.TemporaryFile(prefix="caselink-bench-", suffix=".log") as log:
        process = subprocess.Popen(
            args,
            env={**os.environ, "CASELINK_LOG_FORMAT": "json", **env},
            cwd=ROOT,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    time.sleep(0.2)
            yield base, process.pid, log
        finally:
            process.terminate()
            process.wait(timeout=30)


COUNTER = iter(range(10**9))  # shared by every run, so no two reports are the same


async def load(
    base: str, headers: dict[str, str], seconds: float, concurrency: int, client: str = "raw"
) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    failures = 0
    counter = COUNTER
    stop = time.monotonic() + seconds
    today = date.today().isoformat()

    def next_report() -> tuple[dict[str, Any], dict[str, str]]:
        n = next(counter)
        body = valid(learned_on=today, what_happened=f"Bench disclosure number {n}.")
        return body, {**headers, "Idempotency-Key": f"bench-{n}"}

    async def raw_loop() -> None:
        # Imported here: load_mixed imports this module (free_port, served).
        from load_mixed import Connection

        nonlocal failures
        connection = Connection(int(base.rsplit(":", 1)[1]))
        while time.monotonic() < stop:
            body, sent = next_report()
            started = time.perf_counter()
            status, _ = await connection.send(
                "POST",
                "/api/reports",
                {**sent, "Content-Type": "application/json"},
                json.dumps(body).encode(),
            )
            elapsed = time.perf_counter() - started
            if status == 201:
                latencies.append(elapsed)
            else:
                failures += 1
        connection.close()

    async def httpx_loop(pool: httpx2.AsyncClient) -> None:
        nonlocal failures
        while time.monotonic() < stop:
            body, sent = next_report()
            started = time.perf_counter()
            response = await pool.post("/api/reports", json=body, headers=sent)
            elapsed = time.perf_counter() - started
            if response.status_code == 201:
                latencies.append(elapsed)
            else:
                failures += 1

    if client == "raw":
        await asyncio.gather(*(raw_loop() for _ in range(concurrency)))
        return len(latencies), failures, latencies
    limits = httpx2.Limits(max_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, timeout=30, limits=limits) as pool:
        await asyncio.gather(*(httpx_loop(pool) for _ in range(concurrency)))
    return len(latencies), failures, latencies


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root: int) -> float:
    """User + system CPU of process `root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier += children
    return sum(times.get(pid, 0.0) for pid in tree)


def measure(
    base: str,
    headers: dict[str, str],
    seconds: float,
    concurrency: int,
    server: int,
    postgres: int,
    client: str,
    log: IO[bytes] | None = None,
) -> dict[str, Any]:
    asyncio.run(load(base, headers, 2, concurrency, client))  # warm-up
    cpu_before = cpu_seconds(server), cpu_seconds(postgres), time.process_time()
    logged_before = os.fstat(log.fileno()).st_size if log else 0
    ok, failed, latencies = asyncio.run(load(base, headers, seconds, concurrency, client))
    cpu_after = cpu_seconds(server), cpu_seconds(postgres), time.process_time()
    cuts = statistics.quantiles(latencies, n=100)
    figures = {
        "rate": ok / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": cuts[98] * 1000,
        "ok": ok,
        "failed": failed,
        "server_cpu": (cpu_after[0] - cpu_before[0]) / ok * 1000,
        "postgres_cpu": (cpu_after[1] - cpu_before[1]) / ok * 1000,
        "client_cpu": (cpu_after[2] - cpu_before[2]) / ok * 1000,
    }
    if log:
        inside = _logged_durations(log, logged_before)
        if len(inside) >= 100:
            figures["app_p50"] = statistics.median(inside)
            figures["app_p99"] = statistics.quantiles(inside, n=100)[98]
    return figures


def _logged_durations(log: IO[bytes], start: int) -> list[float]:
    """duration_ms of each POST /api/reports line the server logged after `start`."""
    with open(log.fileno(), "rb", closefd=False) as again:
        again.seek(start)
        lines = again.read().splitlines()
    durations = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("path") == "/api/reports" and record.get("method") == "POST":
            durations.append(float(record["duration_ms"]))
    return durations


def postmaster(engine: Engine) -> int:
    """The PostgreSQL server's main process (the parent of a connection's backend)."""
    with engine.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="server processes, both apps")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: keep-alive HTTP/1.1 on asyncio streams, tens of microseconds a request "
        "(as bench/load_mixed.py); httpx: httpx2's client, about a millisecond of this "
        "machine's CPU a request (the figures before session 3 used it)",
    )
    options = parser.parse_args()
    with running_server() as admin_url:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in ("bench_intake", "bench_bare"):
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
                connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = admin_url.rsplit("/", 1)[0] + "/bench_intake"
        bare_url = admin_url.rsplit("/", 1)[0] + "/bench_bare"
        bare_engine = create_engine(bare_url)
        with bare_engine.begin() as connection:  # before several workers race to create it
            connection.execute(text("CREATE TABLE bare_reports (id SERIAL PRIMARY KEY, body TEXT)"))
        bare_engine.dispose()
        db = Database(url)
        upgrade(db)
        world = reporting_world(db)
        with db.transaction() as s:
            user = s.get(User, world.users["teacher"])
            assert user is not None
            token = tokens.issue(
                s, principal_for(s, user), "bench", {"reports:submit"}, timedelta(days=1)
            )
        headers = {"Authorization": f"Bearer {token}"}
        port = free_port()
        caselink = [sys.executable, "-m", "caselink", "serve", "--port", str(port)]
        caselink += ["--workers", str(options.workers)]
        postgres = postmaster(db.engine)
        with served(caselink, {"CASELINK_DATABASE_URL": url}, port) as (base, pid, log):
            ours = measure(
                base, headers, options.seconds, options.concurrency, pid, postgres,
                options.client, log,
            )  # fmt: skip
        port = free_port()
        bare = [
            sys.executable, "-m", "uvicorn", "--app-dir", "bench", "bare_intake_app:app",
            "--port", str(port), "--log-level", "warning", "--workers", str(options.workers),
        ]  # fmt: skip
        with served(bare, {"BARE_DATABASE_URL": bare_url}, port) as (base, pid, _):
            baseline = measure(
                base, {}, options.seconds, options.concurrency, pid, postgres, options.client
            )
        with db.engine.connect() as connection:
            stored = connection.execute(text("SELECT count(*) FROM reports")).scalar_one()
            unrouted = connection.execute(
                text("SELECT count(*) FROM reports r WHERE NOT EXISTS "
                     "(SELECT 1 FROM report_routes x WHERE x.report_id = r.id)")
            ).scalar_one()  # fmt: skip
            ledgered = connection.execute(
                text("SELECT count(*) FROM ledger_entries WHERE action = 'create' "
                     "AND object_type = 'report'")
            ).scalar_one()  # fmt: skip
        db.dispose()
    print(f"report intake, PostgreSQL, {options.workers} uvicorn process(es), "
          f"{options.concurrency} clients ({options.client}), "
          f"{options.seconds:g} s")  # fmt: skip
    for name, figures in (("caselink", ours), ("bare FastAPI + PostgreSQL insert", baseline)):
        print(
            f"  {name:34s} {figures['rate']:8.1f} reports/s   p50 {figures['p50']:6.1f} ms   "
            f"p99 {figures['p99']:6.1f} ms   ({figures['ok']:,} ok, {figures['failed']} failed)"
        )
        print(
            f"  {'':34s} CPU per report: server {figures['server_cpu']:5.2f} ms, "
            f"PostgreSQL {figures['postgres_cpu']:5.2f} ms, client {figures['client_cpu']:5.2f} ms"
        )
        if "app_p50" in figures:
            print(
                f"  {'':34s} inside the app (its request log): p50 {figures['app_p50']:6.1f} ms"
                f"   p99 {figures['app_p99']:6.1f} ms"
            )
    print(f"  ratio caselink / bare: {ours['rate'] / baseline['rate']:.2f}")
    print(
        f"  stored {stored:,} reports (incl. warm-up); unrouted {unrouted}; "
        f"creation entries in the ledger {ledgered:,}"
    )


if __name__ == "__main__":
    main()
