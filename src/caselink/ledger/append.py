"""Appending to the ledger inside the caller's transaction.

The entry is written in the same transaction as the change it records: if the change rolls
back, so does its entry, and a change cannot commit without its entry. The single
`ledger_head` row is updated first, which takes the write lock, so appends are serialised
and sequence numbers have no gaps.
"""

import hashlib

from sqlalchemy import Table, insert, update
from sqlalchemy.orm import Session

from caselink.ledger.entry import Action, Actor, Entry, now
from caselink.ledger.merkle import leaf_hash, node_hash
from caselink.store.models import LedgerEntry, LedgerHead, LedgerNode

# Core tables, not ORM classes: an append is on every request's path, so keep it lean.
_HEAD: Table = LedgerHead.__table__  # type: ignore[assignment]
_ENTRIES: Table = LedgerEntry.__table__  # type: ignore[assignment]
_NODES: Table = LedgerNode.__table__  # type: ignore[assignment]


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
    # Claiming the next number is a write, so it takes the row lock (PostgreSQL) or the
    # database write lock (SQLite) at once: no other append can interleave.
    head = session.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(size=_HEAD.c.size + 1)
        .returning(_HEAD.c.size, _HEAD.c.chain_hash, _HEAD.c.frontier)
    ).one()
    entry = Entry(
        seq=head.size,
        recorded_at=now(),
        actor=actor.name,
        actor_user_id=actor.user_id,
        agency=actor.agency,
        action=action.value,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        before_digest=before,
        after_digest=after,
    )
    leaf = leaf_hash(entry.canonical())
    chain = hashlib.sha256(bytes.fromhex(head.chain_hash) + leaf).hexdigest()
    frontier, nodes = _grow(head.frontier, entry.seq - 1, leaf)
    add_entry = insert(_ENTRIES).values(**entry.__dict__, leaf_hash=leaf.hex(), chain_hash=chain)
    move_head = update(_HEAD).where(_HEAD.c.id == 1).values(chain_hash=chain, frontier=frontier)
    if session.get_bind().dialect.name == "postgresql":
        # One round trip while the head's lock is held: every other append waits for it.
        move_head = move_head.add_cte(add_entry.cte("added_entry"))
        if nodes:
            move_head = move_head.add_cte(insert(_NODES).values(nodes).cte("added_nodes"))
        session.execute(move_head)
        return entry
    session.execute(add_entry)
    if nodes:
        session.execute(insert(_NODES), nodes)
    session.execute(move_head)
    return entry


def _grow(frontier: str, size: int, leaf: bytes) -> tuple[str, list[dict[str, object]]]:
    """Add leaf number `size` (0-based) to the frontier of perfect subtrees, returning the new
    frontier and the subtree roots it completed (to be stored for proofs)."""
    stack = [bytes.fromhex(h) for h in frontier.split(",") if h]
    completed: list[dict[str, object]] = []
    current, height, position = leaf, 0, size
    while position & 1:
        current = node_hash(stack.pop(), current)
        height += 1
        position >>= 1
        completed.append({"height": height, "position": position, "hash": current.hex()})
    stack.append(current)
    return ",".join(h.hex() for h in stack), completed
