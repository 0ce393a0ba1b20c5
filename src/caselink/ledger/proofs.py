"""Proof bundles a person can keep and check offline: "this entry is in the ledger" and
"this ledger extends the one I saw before"."""

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.ledger.checkpoint import Checkpoint, from_json, to_json, verify_checkpoint
from caselink.ledger.entry import canonical
from caselink.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from caselink.ledger.signing import stored
from caselink.ledger.sources import COLUMNS
from caselink.ledger.tree import StoredTree
from caselink.store.models import LedgerEntry


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str


def inclusion_bundle(session: Session, seq: int) -> dict[str, Any]:
    """Entry `seq`, its audit path and the signed checkpoint it is proved against (the
    smallest checkpoint that covers it, so old receipts keep working)."""
    entry = session.execute(
        select(*(getattr(LedgerEntry, c) for c in COLUMNS)).where(LedgerEntry.seq == seq)
    ).one_or_none()
    if entry is None:
        raise ValueError(f"there is no ledger entry {seq}")
    covering = [cp for cp in stored(session) if cp.tree_size >= seq]
    if not covering:
        raise ValueError(
            f"no checkpoint covers entry {seq} yet: run `caselink ledger checkpoint` first"
        )
    checkpoint = min(covering, key=lambda cp: cp.tree_size)
    proof = StoredTree(session).inclusion_proof(seq - 1, checkpoint.tree_size)
    return {
        "kind": "caselink-inclusion-proof",
        "entry": dict(zip(COLUMNS, entry, strict=True)),
        "tree_size": checkpoint.tree_size,
        "proof": [h.hex() for h in proof],
        "checkpoint": json.loads(to_json(checkpoint)),
    }


def check_inclusion(bundle: dict[str, Any], public_key: Ed25519PublicKey) -> Check:
    try:
        entry = bundle["entry"]
        checkpoint = from_json(json.dumps(bundle["checkpoint"]))
        proof = [bytes.fromhex(h) for h in bundle["proof"]]
        fields = [entry[c] for c in COLUMNS[:11]]
    except (KeyError, TypeError, ValueError) as error:
        return Check(False, f"the proof file is malformed: {error}")
    if not verify_checkpoint(public_key, checkpoint):
        return Check(False, "the checkpoint's signature does not verify with this public key")
    leaf = leaf_hash(canonical(*fields))
    if leaf.hex() != entry.get("leaf_hash"):
        return Check(False, "the entry's content does not match its hash")
    if not verify_inclusion(
        leaf, entry["seq"] - 1, checkpoint.tree_size, proof, checkpoint.root_hash
    ):
        return Check(False, "the audit path does not lead to the signed root")
    return Check(
        True,
        (
            f"entry {entry['seq']} ({entry['action']} {entry['object_type']} {entry['object_id']} "
            f"by {entry['actor']} at {entry['recorded_at']}) is in the ledger signed at "
            f"{checkpoint.issued_at} with {checkpoint.tree_size} entries"
        ),
    )


def consistency_bundle(session: Session, old: Checkpoint) -> dict[str, Any]:
    """Proof that the newest checkpoint extends `old` (one the holder kept)."""
    checkpoints = stored(session)
    if not checkpoints:
        raise ValueError("the ledger has no checkpoint yet")
    new = max(checkpoints, key=lambda cp: cp.tree_size)
    if old.tree_size > new.tree_size:
        raise ValueError(
            f"the kept checkpoint has {old.tree_size} entries but the newest here has "
            f"{new.tree_size}: this ledger is behind it (rolled back?)"
        )
    proof = StoredTree(session).consistency_proof(old.tree_size, new.tree_size)
    return {
        "kind": "caselink-consistency-proof",
        "old": json.loads(to_json(old)),
        "new": json.loads(to_json(new)),
        "proof": [h.hex() for h in proof],
    }


def check_consistency(bundle: dict[str, Any], public_key: Ed25519PublicKey) -> Check:
    try:
        old = from_json(json.dumps(bundle["old"]))
        new = from_json(json.dumps(bundle["new"]))
        proof = [bytes.fromhex(h) for h in bundle["proof"]]
    except (KeyError, TypeError, ValueError) as error:
        return Check(False, f"the proof file is malformed: {error}")
    for name, cp in (("old", old), ("new", new)):
        if not verify_checkpoint(public_key, cp):
            return Check(False, f"the {name} checkpoint's signature does not verify")
    if not verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof):
        return Check(
            False,
            (
                f"the ledger of {new.tree_size} entries does not extend the one of "
                f"{old.tree_size} entries: history was rewritten"
            ),
        )
    return Check(True, f"the ledger of {new.tree_size} entries extends the one of {old.tree_size}")
