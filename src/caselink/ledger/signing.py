"""Issuing and reading signed checkpoints of the stored ledger, and the signing key's files.

The private key signs; the public key, kept outside the database, is what a verifier trusts.
Someone who can rewrite the whole database cannot forge a checkpoint without the private key.
"""

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caselink.ledger.checkpoint import (
    Checkpoint,
    generate_private_key,
    load_private_key,
    load_public_key,
    save_private_key,
    save_public_key,
    sign_checkpoint,
    utc_now,
)
from caselink.ledger.tree import StoredTree
from caselink.store.models import LedgerCheckpoint


def public_key_path(private_key_path: Path) -> Path:
    return private_key_path.with_name(private_key_path.stem + ".pub.pem")


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at `path`, created (with its public half beside it) on first use."""
    if path.exists():
        return load_private_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_private_key()
    save_private_key(path, key)
    save_public_key(public_key_path(path), key.public_key())
    return key


def load_verifying_key(path: Path) -> Ed25519PublicKey:
    return load_public_key(path)


def issue(session: Session, key: Ed25519PrivateKey) -> Checkpoint:
    """Sign the ledger as it stands in this transaction and store the checkpoint."""
    tree = StoredTree(session)
    checkpoint = sign_checkpoint(key, tree.size, tree.root(), utc_now())
    session.execute(insert(LedgerCheckpoint).values(**_row(checkpoint)))
    return checkpoint


def stored(session: Session) -> list[Checkpoint]:
    rows = session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)).scalars()
    return [from_row(row) for row in rows]


def latest(session: Session) -> Checkpoint | None:
    """The checkpoint of the largest tree (one row: the worker asks on every pass)."""
    row = session.scalar(
        select(LedgerCheckpoint)
        .order_by(LedgerCheckpoint.tree_size.desc(), LedgerCheckpoint.id.desc())
        .limit(1)
    )
    return from_row(row) if row is not None else None


def _row(cp: Checkpoint) -> dict[str, object]:
    return {
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hash.hex(),
        "issued_at": cp.issued_at,
        "key_id": cp.key_id,
        "signature": cp.signature.hex(),
    }


def from_row(row: LedgerCheckpoint) -> Checkpoint:
    return Checkpoint(
        tree_size=row.tree_size,
        root_hash=bytes.fromhex(row.root_hash),
        issued_at=row.issued_at,
        key_id=row.key_id,
        signature=bytes.fromhex(row.signature),
    )
