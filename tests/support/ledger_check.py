"""`caselink ledger verify` in a test: the chain, the tree and the stored state."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from caselink.ledger.sources import checkpoints_from_db, head_size, rows_from_db
from caselink.ledger.state import check_state
from caselink.ledger.verify import verify
from caselink.store.db import Database


def ledger_problems(db: Database) -> list[str]:
    """Every finding `caselink ledger verify` would print (empty when intact)."""
    key = Ed25519PrivateKey.generate().public_key()
    verdict = verify(rows_from_db(db), key, checkpoints_from_db(db), (), head_size(db))
    with db.transaction() as session:
        state = check_state(session)
    return [str(f) for f in [*verdict.findings, *state]]
