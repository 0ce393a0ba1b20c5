"""Field-key rotation: seal every encrypted value again under a new key.

Append-only tables refuse UPDATE, so the rotation lifts their guards inside its own
transaction (DDL is transactional on SQLite and PostgreSQL) and puts them back before it
commits: either every value is re-sealed and the guards are back, or nothing changed. Only
the sealed columns are written, with the same plaintext; the ledger's state audit, which
digests plaintext, confirms afterwards that no content changed.
"""

from pathlib import Path

from sqlalchemy import Connection, text

from caselink.store.append_only import guard_statements, unguard_statements
from caselink.store.db import Database
from caselink.store.models import APPEND_ONLY_TABLES, SEALED_COLUMNS
from caselink.store.sealed import PREFIX, Keyring, use_keyring


def rotate(db: Database, keyring_path: Path) -> tuple[Keyring, int]:
    """Add a new current key, re-seal every value, and return (new keyring, values sealed)."""
    old = Keyring.load_or_create(keyring_path)
    new = old.rotated()
    resealed = 0
    with db.engine.begin() as connection:
        for table, column in SEALED_COLUMNS:
            guarded = table in APPEND_ONLY_TABLES
            if guarded:
                _run(connection, unguard_statements(db.dialect, table))
            resealed += _reseal(connection, table, column, old, new)
            if guarded:
                _run(connection, guard_statements(db.dialect, table))
        # Save the new keyring only once every value is sealed under it, inside the
        # transaction: if saving fails, the database rolls back and the old keys still work.
        new.save(keyring_path)
    use_keyring(new)
    return new, resealed


def _reseal(connection: Connection, table: str, column: str, old: Keyring, new: Keyring) -> int:
    name = f"{table}.{column}"
    rows = connection.execute(
        text(f"SELECT id, {column} FROM {table} WHERE {column} LIKE :sealed"),
        {"sealed": PREFIX + "%"},
    ).all()
    updates = [
        {"id": row_id, "value": new.seal(old.open(value, name), name)} for row_id, value in rows
    ]
    if updates:
        connection.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), updates)
    return len(updates)


def _run(connection: Connection, statements: list[str]) -> None:
    for statement in statements:
        connection.execute(text(statement))
