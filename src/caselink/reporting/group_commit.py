"""Group commit: reports filed at the same moment in one process share one transaction.

Every report takes the ledger's lock from its append until its commit, so one transaction
per report makes concurrent filers queue for that lock one at a time. Here a filer joins
a queue; if nobody is filing, it leads: it takes everything queued (its own report and any
that arrived meanwhile), files them all in one transaction with `intake.file_reports`,
commits, hands each waiting filer its own outcome, and passes the lead to the next filer
in the queue, if any (or, on the event loop's thread, files the next batch itself). Nobody
waits on a timer: under light load a batch is one report.

A filer on the event loop (the API) calls `file_soon`: it waits on the loop rather than in a
thread, and only the filer that leads hands its batch to a thread.

The guarantees are those of filing one report at a time. An outcome is handed out only
after the commit that made it durable, so a receipt is never sent for a report that was
not stored. Submissions are checked before they queue, and repeats and reused keys are
outcomes, not errors, so one report cannot spoil another's batch; should the transaction
fail anyway (a lost connection, a deadlock), each report is filed again on its own.
"""

import asyncio
import threading
import weakref
from dataclasses import dataclass, field

from caselink.config import Pool
from caselink.reporting.intake import Filed, Filing, Outcome, file_reports
from caselink.reporting.rules import DutyRules
from caselink.store.db import Database

MOST_PER_BATCH = 64  # bounds one transaction's size and the lead's own wait


@dataclass(eq=False)
class _Ticket:
    filing: Filing
    woken: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | BaseException | None = None
    on_loop: "asyncio.Future[None] | None" = None  # set for a filer waiting on the event loop

    def wake(self) -> None:
        """Tell the filer its outcome is in, or that it leads next (from any thread)."""
        if self.on_loop is None:
            self.woken.set()
        else:
            self.on_loop.get_loop().call_soon_threadsafe(_settle, self.on_loop)


def _settle(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


class GroupCommit:
    """Files reports for one database, batching those that arrive together."""

    def __init__(self, db: Database, rules: DutyRules) -> None:
        self.db, self.rules = db, rules
        # The leader files with a connection of its own: were it to wait for one from the
        # web's pool, requests holding those while they wait for a thread (taken by filers
        # waiting on the leader) would stall everything until the pool timed out.
        self._writer = (
            Database(db.url, Pool(size=1, overflow=1, timeout=30))
            if db.dialect == "postgresql"
            else db
        )
        self._lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._leading = False  # someone is filing a batch, and will hand on the lead

    def file(self, filing: Filing) -> Filed:
        """File one report with whatever else is filed now; its outcome, once committed."""
        ticket = _Ticket(filing)
        if self._join(ticket):
            ticket.woken.wait()  # for our outcome, or to lead the next batch
        if ticket.outcome is None:
            self._lead()
        return _result(ticket)

    async def file_soon(self, filing: Filing) -> Filed:
        """`file`, for a caller on the event loop: it waits there, not in a thread."""
        ticket = _Ticket(filing, on_loop=asyncio.get_running_loop().create_future())
        # Shielded: a cancelled caller must still lead if handed the lead (or the queue would
        # stall); its report is filed or not as if it had waited, and a retry finds it.
        return await asyncio.shield(self._file_on_loop(ticket))

    async def _file_on_loop(self, ticket: _Ticket) -> Filed:
        assert ticket.on_loop is not None
        if self._join(ticket):
            await ticket.on_loop  # for our outcome, or to lead the next batch
        if ticket.outcome is None:
            await asyncio.to_thread(self._lead, keep_leading=True)
        return _result(ticket)

    def _join(self, ticket: _Ticket) -> bool:
        """Queue the ticket; True if another filer leads now (so wait to be woken)."""
        with self._lock:
            self._queue.append(ticket)
            follow = self._leading
            self._leading = True
        return follow

    def _lead(self, keep_leading: bool = False) -> None:
        """File batches from the queue. A filer's own thread files one batch and hands the
        lead on (its caller is waiting for the reply); a thread of the event loop's pool
        (`keep_leading`) files batch after batch while filers keep queueing, so that the
        writer is not left idle while the lead passes through the event loop."""
        # The leader's ticket is first in the queue: it was either alone or handed the lead.
        while True:
            with self._lock:
                batch = self._queue[:MOST_PER_BATCH]
                del self._queue[:MOST_PER_BATCH]
            more = filed = False
            try:
                self._file(batch)
                filed = True
            finally:
                with self._lock:
                    if not self._queue:
                        self._leading = False
                    elif keep_leading and filed:
                        more = True
                    else:
                        self._queue[0].wake()  # its outcome is unset: it leads next
                for ticket in batch:
                    if ticket.outcome is None:  # the leader was interrupted
                        ticket.outcome = RuntimeError("the report could not be filed: try again")
                    ticket.wake()
            if not more:
                return

    def _file(self, batch: list[_Ticket]) -> None:
        try:
            outcomes = self._file_together([t.filing for t in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].outcome = error
                return
            for ticket in batch:  # one at a time, so that a failure is only its own
                try:
                    (ticket.outcome,) = self._file_together([ticket.filing])
                except Exception as own_error:
                    ticket.outcome = own_error
            return
        for ticket, outcome in zip(batch, outcomes, strict=True):
            ticket.outcome = outcome

    def _file_together(self, filings: list[Filing]) -> list[Outcome]:
        with self._writer.transaction() as session:
            return file_reports(session, filings, self.rules)


def _result(ticket: _Ticket) -> Filed:
    if isinstance(ticket.outcome, BaseException):
        raise ticket.outcome
    assert ticket.outcome is not None
    return ticket.outcome


_LINES: "weakref.WeakKeyDictionary[Database, GroupCommit]" = weakref.WeakKeyDictionary()
_LINES_LOCK = threading.Lock()


def for_database(db: Database, rules: DutyRules) -> GroupCommit:
    """This process's group commit for `db` (one per database, made on first use)."""
    with _LINES_LOCK:
        line = _LINES.get(db)
        if line is None or line.rules is not rules:
            line = _LINES[db] = GroupCommit(db, rules)
        return line
