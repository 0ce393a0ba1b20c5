"""Appending to the ledger inside the caller's transaction.

The entry is written in the same transaction as the change it records: if the change rolls
back, so does its entry, and a change cannot commit without its entry. The single
`ledger_head` row is updated first, which takes the write lock, so appends are serialised
and sequence numbers have no gaps. Several entries can be appended under one lock
(`record_all`): a batch of reports filed together pays for the lock once. A consultation
(`record_read`) is appended as the transaction commits, so the lock is not held while the
page that shows the record is built.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, event, insert, text, update
from sqlalchemy.orm import Session

from caselink.ledger.entry import Action, Actor, Entry, now
from caselink.ledger.merkle import leaf_hash, node_hash
from caselink.store.bulk import unnest_rows
from caselink.store.db import NO_TRANSACTION
from caselink.store.models import LedgerEntry, LedgerHead, LedgerNode

# Core tables, not ORM classes: an append is on every request's path, so keep it lean.
_HEAD: Table = LedgerHead.__table__  # type: ignore[assignment]
_ENTRIES: Table = LedgerEntry.__table__  # type: ignore[assignment]
_NODES: Table = LedgerNode.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Pending:
    """One entry to append; `before`/`after` are digests (see `entry.digest`), never content."""

    actor: Actor
    action: Action
    object_type: str
    object_id: str | int
    reason: str | None = None
    before: str | None = None
    after: str | None = None


def record(
    session: Session,
    actor: Actor,
    action: Action,
    object_type: str,
    object_id: str | int,
    *,
    reason: str | None = None,
    before: str | None = None,
    after: str | None = None,
) -> Entry:
    """Append one entry; `before`/`after` are digests (see `entry.digest`), never content."""
    pending = Pending(actor, action, object_type, object_id, reason, before, after)
    return record_all(session, [pending])[0]


_DEFERRED = "caselink_ledger_deferred"  # session.info key: reads to append at commit


def record_read(
    session: Session,
    actor: Actor,
    object_type: str,
    object_id: str | int,
    *,
    reason: str | None = None,
) -> None:
    """Record that `actor` consulted an object. It is appended when the transaction commits
    (and not at all if it rolls back, like any entry): most requests are reads, and each
    would otherwise hold the ledger's one lock, and so stall every other request that
    records anything, for as long as its page takes to build."""
    deferred = session.info.setdefault(_DEFERRED, [])
    deferred.append(Pending(actor, Action.READ, object_type, object_id, reason))


@event.listens_for(Session, "before_commit")
def _append_deferred(session: Session) -> None:
    if pending := session.info.pop(_DEFERRED, None):
        record_all(session, pending)


@event.listens_for(Session, "after_rollback")
def _forget_deferred(session: Session) -> None:
    session.info.pop(_DEFERRED, None)


def record_all(session: Session, pending: Sequence[Pending]) -> list[Entry]:
    """Append entries in the order given, consecutively, under one hold of the lock."""
    if not pending:
        return []
    if session.info.get(NO_TRANSACTION):
        # Each statement would commit on its own: an entry could be half-written.
        raise RuntimeError("the ledger is written only inside a transaction")
    # Whatever the caller has pending is written first, not while the lock below is held; the
    # appends then go straight to the connection (Core statements: no ORM work to do).
    session.flush()
    connection = session.connection()
    # Claiming the numbers is a write, so it takes the row lock (PostgreSQL) or the database
    # write lock (SQLite) at once: no other append can interleave.
    head = connection.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(size=_HEAD.c.size + len(pending))
        .returning(_HEAD.c.size, _HEAD.c.chain_hash, _HEAD.c.frontier)
    ).one()
    first = head.size - len(pending) + 1
    recorded_at = now()
    chain = bytes.fromhex(head.chain_hash)
    stack = [bytes.fromhex(h) for h in head.frontier.split(",") if h]
    entries: list[Entry] = []
    rows: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for seq, p in enumerate(pending, start=first):
        entry = Entry(
            seq=seq,
            recorded_at=recorded_at,
            actor=p.actor.name,
            actor_user_id=p.actor.user_id,
            agency=p.actor.agency,
            action=p.action.value,
            object_type=p.object_type,
            object_id=str(p.object_id),
            reason=p.reason,
            before_digest=p.before,
            after_digest=p.after,
        )
        leaf = leaf_hash(entry.canonical())
        chain = hashlib.sha256(chain + leaf).digest()
        nodes += _grow(stack, seq - 1, leaf)
        entries.append(entry)
        rows.append({**entry.__dict__, "leaf_hash": leaf.hex(), "chain_hash": chain.hex()})
    frontier = ",".join(h.hex() for h in stack)
    if session.get_bind().dialect.name == "postgresql":
        # One round trip while the head's lock is held: every other append waits for it.
        connection.execute(_APPEND_PG, _as_arrays(rows, nodes, chain.hex(), frontier))
        return entries
    connection.execute(insert(_ENTRIES), rows)
    if nodes:
        connection.execute(insert(_NODES), nodes)
    connection.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(chain_hash=chain.hex(), frontier=frontier)
    )
    return entries


def _grow(stack: list[bytes], size: int, leaf: bytes) -> list[dict[str, Any]]:
    """Add leaf number `size` (0-based) to the frontier of perfect subtrees (in place),
    returning the subtree roots it completed (to be stored for proofs)."""
    completed: list[dict[str, Any]] = []
    current, height, position = leaf, 0, size
    while position & 1:
        current = node_hash(stack.pop(), current)
        height += 1
        position >>= 1
        completed.append({"height": height, "position": position, "hash": current.hex()})
    stack.append(current)
    return completed


# Entries and nodes go in as arrays, so the statement's text is the same for any number of
# them: compiled once and prepared by the server, never rebuilt while the lock is held.
_ENTRY_COLUMNS = (
    ("seq", "bigint"),
    ("recorded_at", "text"),
    ("actor", "text"),
    ("actor_user_id", "bigint"),
    ("agency", "text"),
    ("action", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("reason", "text"),
    ("before_digest", "text"),
    ("after_digest", "text"),
    ("leaf_hash", "text"),
    ("chain_hash", "text"),
)
_NODE_COLUMNS = (("height", "integer"), ("position", "bigint"), ("hash", "text"))


_APPEND_PG = text(
    f"WITH added_entries AS (INSERT INTO ledger_entries {unnest_rows(_ENTRY_COLUMNS, 'e_')}), "
    f"added_nodes AS (INSERT INTO ledger_nodes {unnest_rows(_NODE_COLUMNS, 'n_')}) "
    "UPDATE ledger_head SET chain_hash = :chain, frontier = :frontier WHERE id = 1"
)


def _as_arrays(
    rows: list[dict[str, Any]], nodes: list[dict[str, Any]], chain: str, frontier: str
) -> dict[str, Any]:
    values: dict[str, Any] = {"chain": chain, "frontier": frontier}
    for name, _ in _ENTRY_COLUMNS:
        values[f"e_{name}"] = [row[name] for row in rows]
    for name, _ in _NODE_COLUMNS:
        values[f"n_{name}"] = [node[name] for node in nodes]
    return values
