"""The accountability ledger: every create, read, change, disclosure, link and decision,
hash-chained and in a Merkle tree (RFC 9162), with signed checkpoints and proofs.

Capabilities call `record(...)` inside the transaction of the change it records, and
`record_read(...)` for a consultation (appended as that transaction commits). A row of an
audited kind (see `state.AUDITED`) is recorded with `record_rows(...)`, which puts the row's
content digest on its entry, so that `caselink ledger verify` can tell it from one written
behind caselink's back.
"""

from caselink.ledger.append import record, record_read
from caselink.ledger.entry import Action, Actor, digest
from caselink.ledger.state import record_rows

__all__ = ["Action", "Actor", "digest", "record", "record_read", "record_rows"]
