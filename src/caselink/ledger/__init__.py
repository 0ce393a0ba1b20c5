"""The accountability ledger: every create, read, change, disclosure, link and decision,
hash-chained and in a Merkle tree (RFC 9162), with signed checkpoints and proofs.

Capabilities call `record(...)` inside the transaction of the change it records, and
`record_read(...)` for a consultation (appended as that transaction commits).
"""

from caselink.ledger.append import record, record_read
from caselink.ledger.entry import Action, Actor, digest

__all__ = ["Action", "Actor", "digest", "record", "record_read"]
