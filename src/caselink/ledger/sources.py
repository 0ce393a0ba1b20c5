"""Where a verifier reads a ledger from: the live database, or an export kept elsewhere.

An export is a directory of plain files anyone can check with this code alone:
`entries.jsonl` (one entry a line), `checkpoints.jsonl` (signed checkpoints) and
`public-key.pem`.
"""

import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from caselink.ledger.checkpoint import Checkpoint, from_json, public_key_to_pem, to_json
from caselink.ledger.signing import stored
from caselink.store.db import Database
from caselink.store.models import LedgerHead

COLUMNS = (
    "seq",
    "recorded_at",
    "actor",
    "actor_user_id",
    "agency",
    "action",
    "object_type",
    "object_id",
    "reason",
    "before_digest",
    "after_digest",
    "leaf_hash",
    "chain_hash",
)
_SELECT_SQL = f"SELECT {', '.join(COLUMNS)} FROM ledger_entries ORDER BY seq"


def rows_from_db(db: Database) -> Iterator[tuple[object, ...]]:
    """Every entry in sequence order, streamed. Read with the driver's own cursor (a
    server-side one on PostgreSQL): verification is bound by how fast rows arrive."""
    raw = db.engine.raw_connection()
    try:
        named = {"name": "caselink_ledger_rows"} if db.dialect == "postgresql" else {}
        cursor = raw.driver_connection.cursor(**named)  # type: ignore[union-attr]
        cursor.execute(_SELECT_SQL)
        while batch := cursor.fetchmany(20_000):
            yield from batch
        cursor.close()
    finally:
        raw.rollback()
        raw.close()


def checkpoints_from_db(db: Database) -> list[Checkpoint]:
    with db.transaction() as session:
        return stored(session)


def head_size(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(LedgerHead.size).where(LedgerHead.id == 1)) or 0


def export(db: Database, out: Path, public_key_pem: bytes) -> int:
    """Write the whole ledger to `out`; returns the number of entries written."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with (out / "entries.jsonl").open("w", encoding="utf-8") as entries:
        for row in rows_from_db(db):
            entries.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False))
            entries.write("\n")
            count += 1
    with (out / "checkpoints.jsonl").open("w", encoding="utf-8") as checkpoints:
        for cp in checkpoints_from_db(db):
            checkpoints.write(to_json(cp) + "\n")
    (out / "public-key.pem").write_bytes(public_key_pem)
    return count


def rows_from_export(directory: Path) -> Iterator[tuple[object, ...]]:
    with (directory / "entries.jsonl").open(encoding="utf-8") as entries:
        for line in entries:
            if line.strip():
                data = json.loads(line)
                yield tuple(data.get(c) for c in COLUMNS)


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints from a `.jsonl` file (one a line) or a single-checkpoint `.json` file."""
    text = path.read_text(encoding="utf-8")
    return [from_json(line) for line in text.splitlines() if line.strip()]


def write_checkpoint(path: Path, cp: Checkpoint) -> None:
    """Append a checkpoint to a file kept elsewhere (a second disk, another organisation)."""
    with path.open("a", encoding="utf-8") as kept:
        kept.write(to_json(cp) + "\n")


__all__ = ["public_key_to_pem"]
