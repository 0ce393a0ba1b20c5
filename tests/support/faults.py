"""Fault injection for tests/test_faults.py and bench/load_mixed.py: a PostgreSQL server that
can be stopped and started again, caselink served in real processes, reporters that retry
with their idempotency keys, and an audit that every receipt is stored and ledgered once."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, func, select, text

from caselink.access import tokens
from caselink.access.principal import principal_for
from caselink.ledger.sources import head_size, rows_from_db
from caselink.ledger.verify import verify
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, Report, User
from tests.support.postgres import PostgresUnavailable, _as_postgres, _binaries, _free_port

ROOT = Path(__file__).resolve().parents[2]
INITDB = ["-U", "caselink", "-A", "trust", "-E", "UTF8", "--no-instructions"]


class Postgres:
    """A private PostgreSQL server on loopback that a test may stop and start again."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.root = Path(tempfile.mkdtemp(prefix="caselink-pg-fault-"))
        self.data = self.root / "data"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.data, "postgres")
        self.port = _free_port()
        subprocess.run(
            _as_postgres([str(self.bin / "initdb"), "-D", str(self.data), *INITDB]),
            check=True,
            capture_output=True,
        )

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://caselink@127.0.0.1:{self.port}/{name}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._ctl("-l", str(self.root / "log"), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """A fast shutdown: open transactions are rolled back, connections are cut."""
        self._ctl("-m", "fast", "-w", "stop")

    def create_database(self, name: str, template: str = "template1") -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        admin.dispose()
        return self.url(name)

    def remove(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def restartable_postgres() -> Iterator[Postgres]:
    if os.environ.get("CASELINK_TEST_POSTGRES_URL"):
        raise PostgresUnavailable(
            "a server given by CASELINK_TEST_POSTGRES_URL cannot be restarted"
        )
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@dataclass
class Served:
    """`caselink serve` running as its own process tree, as in production."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path  # what the server printed

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor started by spawn)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.process.pid and b"spawn_main" in command:
                found.append(int(entry.name))
        return sorted(found)


def wait_until(ready: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")


def _healthy(base: str) -> bool:
    try:
        return httpx2.get(f"{base}/health", timeout=2).status_code == 200
    except httpx2.HTTPError:
        return False


@contextmanager
def serving(
    database_url: str, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[Served]:
    """`caselink serve --workers N` on a free loopback port, stopped (SIGTERM) afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    command = [sys.executable, "-m", "caselink", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log = Path(tempfile.mkstemp(prefix="caselink-serve-", suffix=".log")[1])
    with log.open("wb") as sink:  # a file, not a pipe: nobody must have to drain it
        process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {}), "CASELINK_DATABASE_URL": database_url},
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        try:
            wait_until(lambda: process.poll() is not None or _healthy(served.base), 120, "serve")
        except AssertionError as late:
            raise AssertionError(f"{late}; it said:\n{served.output()[-2000:]}") from None
        assert process.poll() is None, f"caselink serve exited:\n{served.output()[-2000:]}"
        if workers > 1:
            wait_until(lambda: len(served.workers()) == workers, 30, f"{workers} workers")
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.unlink(missing_ok=True)


def reporter_token(db: Database, user_id: int, scopes: set[str] | None = None) -> str:
    with db.transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        owner = principal_for(s, user)
        return tokens.issue(s, owner, "fault test", scopes or {"reports:submit"}, timedelta(days=1))


@dataclass
class Intake:
    """What the reporters saw: one receipt per idempotency key, and every refusal on the way."""

    sent: int = 0  # distinct reports the clients set out to file
    attempts: int = 0  # HTTP requests, retries included
    receipts: dict[str, str] = field(default_factory=dict)  # idempotency key -> reference
    errors: Counter[str] = field(default_factory=Counter)  # what the clients were told
    error_bodies: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issued(self) -> int:
        with self.lock:
            return len(self.receipts)


def file_reports(
    base: str,
    token: str,
    bodies: list[tuple[str, dict[str, Any]]],
    outcome: Intake,
    clients: int = 4,
    give_up_after: float = 90.0,
) -> Intake:
    """Post each (key, body) until it gets a receipt, retrying with the same Idempotency-Key
    after a lost connection or a 5xx, as a well-behaved reporting system would."""
    outcome.sent = len(bodies)
    stop = time.monotonic() + give_up_after
    queue = list(reversed(bodies))

    def one_client() -> None:
        with httpx2.Client(base_url=base, timeout=15) as client:
            while True:
                with outcome.lock:
                    if not queue:
                        return
                    key, body = queue.pop()
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
                while time.monotonic() < stop:
                    with outcome.lock:
                        outcome.attempts += 1
                    try:
                        response = client.post("/api/reports", json=body, headers=headers)
                    except httpx2.TransportError as lost:
                        with outcome.lock:
                            outcome.errors[f"connection: {type(lost).__name__}"] += 1
                        time.sleep(0.05)
                        continue
                    if response.status_code in (200, 201):
                        with outcome.lock:
                            outcome.receipts[key] = response.json()["reference"]
                        break
                    with outcome.lock:
                        outcome.errors[f"HTTP {response.status_code}"] += 1
                        if len(outcome.error_bodies) < 20:
                            outcome.error_bodies.append(response.text[:300])
                    if response.status_code < 500:
                        break  # a client error is final: retrying would not help
                    time.sleep(0.1)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(one_client) for _ in range(clients)]:
            future.result()
    return outcome


@dataclass(frozen=True)
class Audit:
    receipts: int
    found: int  # receipts whose report is stored
    ledgered: int  # receipts whose report has its creation entry in the ledger
    stored: int  # reports in the database
    duplicates: int  # stored reports beyond one per distinct content
    unreceipted: int  # stored reports no client holds a receipt for

    @property
    def losses(self) -> int:
        return self.receipts - min(self.found, self.ledgered)

    def line(self, sent: int) -> str:
        return (
            f"sent {sent}, receipts {self.receipts}, found {self.found}, ledgered {self.ledgered}, "
            f"stored {self.stored}, losses {self.losses}, duplicates {self.duplicates}, "
            f"stored without receipt {self.unreceipted}"
        )


def audit(db: Database, receipts: dict[str, str]) -> Audit:
    references = set(receipts.values())
    with db.transaction() as s:
        stored = {
            ref: digest
            for ref, digest in s.execute(select(Report.reference, Report.content_digest))
        }
        created = set(
            s.scalars(
                select(LedgerEntry.object_id).where(
                    LedgerEntry.action == "create", LedgerEntry.object_type == "report"
                )
            )
        )
        entries_per_report = s.execute(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.action == "create", LedgerEntry.object_type == "report")
        ).scalar_one()
    assert entries_per_report == len(created), "a report with two creation entries"
    return Audit(
        receipts=len(receipts),
        found=len(references & stored.keys()),
        ledgered=len(references & created),
        stored=len(stored),
        duplicates=len(stored) - len(set(stored.values())),
        unreceipted=len(stored.keys() - references),
    )


def ledger_intact(db: Database) -> int:
    """Verify the whole hash chain and Merkle tree against the ledger head; the entry count."""
    throwaway = Ed25519PrivateKey.generate().public_key()  # no checkpoints are checked here
    verdict = verify(rows_from_db(db), throwaway, [], (), head_size(db))
    assert verdict.intact, [str(f) for f in verdict.findings]
    return verdict.entries
