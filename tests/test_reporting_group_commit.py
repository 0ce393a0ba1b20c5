"""Reports filed together: one transaction and one ledger lock per batch, with every report's
outcome its own, and nothing handed back before it is committed."""

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from caselink.access import tokens
from caselink.access.principal import Principal, principal_for
from caselink.ledger import Action, Actor
from caselink.ledger.append import Pending, record_all
from caselink.ledger.checkpoint import generate_private_key
from caselink.ledger.sources import checkpoints_from_db, head_size, rows_from_db
from caselink.ledger.state import check_state
from caselink.ledger.verify import verify
from caselink.reporting import group_commit, intake
from caselink.store.db import Database
from caselink.store.models import ApiToken, LedgerEntry, Report, ReportPerson, ReportRoute, User
from caselink.web.app import create_app
from tests.support.ledger import checkpoint
from tests.support.reporting import DUTY, checked, principal, reporting_world, valid
from tests.support.world import World

T = TypeVar("T")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _run_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on a thread of its own: in the whole suite, Playwright's sync API (the
    browser tests) keeps an event loop running on the main thread."""
    with ThreadPoolExecutor(1) as own_thread:
        return own_thread.submit(asyncio.run, coroutine).result()


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


def _intact(db: Database, key: Ed25519PrivateKey) -> None:
    checkpoint(db, key)
    verdict = verify(rows_from_db(db), key.public_key(), checkpoints_from_db(db), (), head_size(db))
    assert verdict.intact, verdict.findings
    with db.transaction() as s:
        assert check_state(s) == []


def _count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_entries_appended_together_chain_and_prove_like_single_ones(db: Database) -> None:
    officer = Actor("officer", 7, "POL-NM")
    for size in (1, 3, 1, 5, 8):  # crosses several subtree boundaries of the Merkle tree
        with db.transaction() as s:
            pending = [Pending(officer, Action.READ, "case", n) for n in range(size)]
            entries = record_all(s, pending)
        assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + size))
    assert head_size(db) == 18
    _intact(db, generate_private_key())


def test_reports_filed_together_are_each_stored_routed_and_ledgered(
    db: Database, world: World
) -> None:
    teacher = principal(db, world, "teacher")
    filings = [
        intake.Filing(teacher, checked(what_happened="First disclosure."), "a"),
        intake.Filing(teacher, checked(what_happened="Second.", child__postcode="SO1 2AB")),
        intake.Filing(teacher, checked(what_happened="Third.", child__postcode="ZZ9 9ZZ"), "c"),
        intake.Filing(teacher, checked(what_happened="Urgent.", immediate_danger="yes"), "d"),
    ]
    with db.transaction() as s:
        outcomes = intake.file_reports(s, filings, DUTY, NOW)
    filed = [o for o in outcomes if isinstance(o, intake.Filed)]
    assert len(filed) == 4 and not any(f.duplicate for f in filed)
    seqs = [f.ledger_entry or 0 for f in filed]
    assert seqs == list(range(seqs[0], seqs[0] + 4)), "one entry each, consecutive, in order"
    assert [f.sent_to[0][0] for f in filed] == [
        "POL-N agency",
        "POL-S agency",
        "National triage queue",
        "POL-N agency",
    ]
    assert [len(f.sent_to) for f in filed] == [2, 2, 1, 2]
    assert _count(db, ReportRoute) == 7 and _count(db, ReportPerson) == 8
    _intact(db, generate_private_key())


def test_repeats_within_a_batch_are_found_as_if_filed_one_after_another(
    db: Database, world: World
) -> None:
    teacher = principal(db, world, "teacher")
    same = checked(what_happened="The same words twice.")
    filings = [
        intake.Filing(teacher, same),
        intake.Filing(teacher, same),  # a double click: the first report
        intake.Filing(teacher, checked(what_happened="Keyed."), "k"),
        intake.Filing(teacher, checked(what_happened="Other words."), "k"),  # the key reused
        intake.Filing(teacher, checked(what_happened="Keyed."), "k"),  # a retry
    ]
    with db.transaction() as s:
        first, double, keyed, reused, retry = intake.file_reports(s, filings, DUTY, NOW)
    assert isinstance(first, intake.Filed) and isinstance(double, intake.Filed)
    assert double.duplicate and double.reference == first.reference
    assert isinstance(keyed, intake.Filed) and not keyed.duplicate
    assert isinstance(reused, intake.KeyReused)
    assert isinstance(retry, intake.Filed) and retry.reference == keyed.reference
    assert _count(db, Report) == 2


def test_one_bad_report_does_not_fail_the_others_in_its_batch(db: Database, world: World) -> None:
    teacher = principal(db, world, "teacher")
    # An agency that does not exist: the database refuses the row (a foreign key).
    broken = intake.Filing(replace(teacher, agency_id=999_999), checked(what_happened="Broken."))
    line = group_commit.GroupCommit(db, DUTY)
    good = [intake.Filing(teacher, checked(what_happened=f"Good {n}.")) for n in range(2)]
    batch = [group_commit._Ticket(f) for f in (good[0], broken, good[1])]
    line._file(batch)
    assert isinstance(batch[0].outcome, intake.Filed)
    assert isinstance(batch[1].outcome, Exception)
    assert isinstance(batch[2].outcome, intake.Filed)
    assert _count(db, Report) == 2
    with db.transaction() as s:
        assert s.scalar(select(func.count()).where(LedgerEntry.object_type == "report")) == 2


def _held_first_batch(
    line: group_commit.GroupCommit, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[int], threading.Event]:
    """Make the first batch wait for the returned event, so that others queue meanwhile."""
    sizes: list[int] = []
    real = line._file_together
    release = threading.Event()

    def held(filings: list[intake.Filing]) -> list[intake.Outcome]:
        sizes.append(len(filings))
        if len(sizes) == 1:
            release.wait(5)
        return real(filings)

    monkeypatch.setattr(line, "_file_together", held)
    return sizes, release


def _filing(teacher: Principal, n: int) -> intake.Filing:
    return intake.Filing(teacher, checked(what_happened=f"Report {n}."), f"key-{n}")


def test_concurrent_filers_share_transactions_and_each_gets_its_own_receipt(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = principal(db, world, "teacher")
    line = group_commit.GroupCommit(db, DUTY)
    sizes, first_batch = _held_first_batch(line, monkeypatch)
    results: dict[int, intake.Filed] = {}

    def file(n: int) -> None:
        results[n] = line.file(_filing(teacher, n))
        with db.transaction() as s:  # handed back only once committed: visible to anyone
            assert s.scalar(select(Report.id).where(Report.reference == results[n].reference))

    threads = [threading.Thread(target=file, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    while sum(sizes) + len(line._queue) < 8:
        threading.Event().wait(0.01)
    first_batch.set()
    for t in threads:
        t.join(30)
    assert len(results) == 8 and len({r.reference for r in results.values()}) == 8
    assert sum(sizes) == 8 and len(sizes) < 8, f"batches of {sizes}"
    assert not line._queue and not line._leading
    _intact(db, generate_private_key())


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url="https://testserver") as c:
        yield c


def test_a_revoked_token_is_refused_on_its_very_next_report(
    client: TestClient, db: Database, world: World
) -> None:
    with db.transaction() as s:
        user = s.get(User, world.users["teacher"])
        assert user is not None
        token = tokens.issue(s, principal_for(s, user), "t", {"reports:submit"}, timedelta(days=1))
    headers = {"Authorization": f"Bearer {token}"}
    body = valid(learned_on=date.today().isoformat())
    assert client.post("/api/reports", json=body, headers=headers).status_code == 201
    with db.transaction() as s:
        s.execute(update(ApiToken).values(revoked_at=datetime.now(UTC)))
    again = valid(learned_on=date.today().isoformat(), what_happened="After revocation.")
    assert client.post("/api/reports", json=again, headers=headers).status_code == 401
    stranger = {"Authorization": "Bearer clk_not-a-token"}
    assert client.post("/api/reports", json=again, headers=stranger).status_code == 401
    assert _count(db, Report) == 1


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def test_filers_on_the_event_loop_share_batches_with_threads_and_get_their_own_receipts(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = principal(db, world, "teacher")
    line = group_commit.GroupCommit(db, DUTY)
    sizes, release = _held_first_batch(line, monkeypatch)
    results: dict[int, intake.Filed] = {}

    def in_a_thread(n: int) -> None:  # the web form's way, beside the API's
        results[n] = line.file(_filing(teacher, n))

    async def main() -> None:
        async def on_loop(n: int) -> None:
            results[n] = await line.file_soon(_filing(teacher, n))

        first = asyncio.create_task(on_loop(0))
        await _until(lambda: sizes == [1])  # it leads, and is held
        thread = threading.Thread(target=in_a_thread, args=(1,))
        thread.start()
        others = [asyncio.create_task(on_loop(n)) for n in range(2, 8)]
        await _until(lambda: len(line._queue) == 7)
        release.set()
        await asyncio.gather(first, *others)
        await asyncio.to_thread(thread.join, 30)

    _run_loop(main())
    assert sorted(results) == list(range(8))
    assert len({r.reference for r in results.values()}) == 8
    assert not any(r.duplicate for r in results.values())
    assert sizes[0] == 1 and sum(sizes) == 8 and len(sizes) < 8, f"batches of {sizes}"
    assert not line._queue and not line._leading
    assert _count(db, Report) == 8
    _intact(db, generate_private_key())


def test_a_leader_on_the_event_loop_files_batch_after_batch_while_filers_queue(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead does not go back through the event loop between batches: the thread that
    filed the first batch files the ones queued behind it, so the writer is never idle
    while filers wait."""
    teacher = principal(db, world, "teacher")
    line = group_commit.GroupCommit(db, DUTY)
    sizes, release = _held_first_batch(line, monkeypatch)
    held = line._file_together
    threads: list[int] = []

    def noted(filings: list[intake.Filing]) -> list[intake.Outcome]:
        threads.append(threading.get_ident())
        return held(filings)

    monkeypatch.setattr(line, "_file_together", noted)
    queued = group_commit.MOST_PER_BATCH + 6

    async def main() -> list[intake.Filed]:
        first = asyncio.create_task(line.file_soon(_filing(teacher, 0)))
        await _until(lambda: sizes == [1])
        rest = [
            asyncio.create_task(line.file_soon(_filing(teacher, n))) for n in range(1, queued + 1)
        ]
        await _until(lambda: len(line._queue) == queued)
        release.set()
        return await asyncio.gather(first, *rest)

    filed = _run_loop(main())
    assert len({f.reference for f in filed}) == queued + 1
    assert sizes == [1, group_commit.MOST_PER_BATCH, 6]
    assert len(set(threads)) == 1, "the lead went back through the event loop"
    assert not line._queue and not line._leading
    assert _count(db, Report) == queued + 1


def test_a_filer_cancelled_while_waiting_does_not_stall_the_others(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = principal(db, world, "teacher")
    line = group_commit.GroupCommit(db, DUTY)
    sizes, release = _held_first_batch(line, monkeypatch)

    async def main() -> list[intake.Filed]:
        first = asyncio.create_task(line.file_soon(_filing(teacher, 0)))
        await _until(lambda: sizes == [1])
        # The next in the queue leads the next batch: cancel it before it is woken to lead.
        gone = asyncio.create_task(line.file_soon(_filing(teacher, 1)))
        rest = [asyncio.create_task(line.file_soon(_filing(teacher, n))) for n in (2, 3)]
        await _until(lambda: len(line._queue) == 3)
        gone.cancel()
        release.set()
        filed = await asyncio.gather(first, *rest)
        with pytest.raises(asyncio.CancelledError):
            await gone
        filed.append(await line.file_soon(_filing(teacher, 4)))  # the line still moves
        return filed

    filed = _run_loop(main())
    assert len({f.reference for f in filed}) == 4
    assert not line._queue and not line._leading
    # The cancelled caller's report was filed as if it had waited: a retry finds it.
    assert _count(db, Report) == 5
    again = line.file(_filing(teacher, 1))
    assert again.duplicate
