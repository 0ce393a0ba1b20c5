"""Checking a ledger end to end, offline: every entry, the chain, every checkpoint.

Works on rows from a database or lines of an export alike. It trusts nothing stored beside
the entries: each entry's hash is recomputed from its content, the chain from those hashes,
and the Merkle root at each checkpoint's size from the recomputed leaves, so

- an edited entry fails its own hash;
- a deleted, inserted or reordered entry breaks the sequence or the chain;
- an edit whose hashes were all recomputed still changes the root a checkpoint signed;
- a truncated or rolled-back ledger is shorter than a checkpoint kept elsewhere;
- a forged checkpoint fails its signature.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from caselink.ledger.checkpoint import Checkpoint, verify_checkpoint
from caselink.ledger.entry import CANONICAL_ENCODER, GENESIS
from caselink.ledger.tree import fold

# seq, recorded_at, actor, actor_user_id, agency, action, object_type, object_id, reason,
# before_digest, after_digest, leaf_hash, chain_hash
EntryRow = tuple[object, ...]
MAX_FINDINGS = 100


@dataclass(frozen=True)
class Finding:
    seq: int | None  # the entry at fault, when one can be named
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}" if self.seq is not None else self.problem


@dataclass
class Verdict:
    entries: int = 0
    checkpoints: int = 0
    root: bytes = b""
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def verify(
    rows: Iterable[EntryRow],
    public_key: Ed25519PublicKey,
    checkpoints: Sequence[Checkpoint],
    kept: Sequence[Checkpoint] = (),
    claimed_size: int | None = None,
) -> Verdict:
    verdict = Verdict(checkpoints=len(checkpoints) + len(kept))
    named = [(cp, _name(cp, "stored")) for cp in checkpoints]
    named += [(cp, _name(cp, "kept")) for cp in kept]
    for cp, name in named:
        if not verify_checkpoint(public_key, cp):
            problem = "the signature does not verify with the ledger's public key (forged?)"
            verdict.findings.append(Finding(None, f"{name}: {problem}"))
    at_size: dict[int, list[tuple[Checkpoint, str]]] = {}
    for cp, name in named:
        at_size.setdefault(cp.tree_size, []).append((cp, name))

    chain = bytes.fromhex(GENESIS)
    expected = 1
    sha256 = hashlib.sha256
    frontier: list[bytes] = []  # the CompactRange's nodes, inlined here for speed
    for row in rows:
        seq = row[0]
        if seq != expected:
            _add(verdict, int(seq), f"expected entry {expected} here: {GAP}")  # type: ignore[call-overload]
            expected = int(seq)  # type: ignore[call-overload]
        leaf = sha256(b"\x00" + canonical_bytes(row)).digest()
        if leaf.hex() != row[11]:
            _add(verdict, expected, EDITED)
        chain = sha256(chain + leaf).digest()
        if chain.hex() != row[12]:
            _add(verdict, expected, UNCHAINED)
            chain = _resynchronised(row[12], chain)
        frontier.append(leaf)
        carry = verdict.entries
        while carry & 1:
            right = frontier.pop()
            frontier[-1] = sha256(b"\x01" + frontier[-1] + right).digest()
            carry >>= 1
        expected += 1
        verdict.entries += 1
        if verdict.entries in at_size:
            root = fold(frontier)
            for cp, name in at_size[verdict.entries]:
                if root != cp.root_hash:
                    _add(verdict, None, f"{name}: entries 1..{cp.tree_size} {REWRITTEN}")
    verdict.root = fold(frontier)
    for cp, name in named:
        if cp.tree_size > verdict.entries:
            missing = f"entries {verdict.entries + 1}..{cp.tree_size}"
            _add(
                verdict,
                None,
                (
                    f"{name} commits to {cp.tree_size} entries but the ledger has "
                    f"{verdict.entries}: {missing} {TRUNCATED}"
                ),
            )
    if claimed_size is not None and claimed_size != verdict.entries:
        _add(
            verdict,
            None,
            (f"the ledger head says {claimed_size} entries but {verdict.entries} are present"),
        )
    return verdict


def canonical_bytes(row: EntryRow) -> bytes:
    """The bytes an entry's leaf hash covers: `entry.canonical(*row[:11])`, built field by
    field because the general JSON encoder is most of the cost of verification. Any field of
    an unexpected type (a tampered row) takes the general encoder, so the bytes are always
    exactly the canonical ones."""
    seq, at, actor, user, agency, action, kind, oid, reason, before, after = row[:11]
    if seq.__class__ is int and (user is None or user.__class__ is int):
        try:
            return (
                f"[{seq},{_quoted(at)},{_quoted(actor)},{_null if user is None else user},"
                f"{_null if agency is None else _quoted(agency)},{_quoted(action)},"
                f"{_quoted(kind)},{_quoted(oid)},{_null if reason is None else _quoted(reason)},"
                f"{_null if before is None else _quoted(before)},"
                f"{_null if after is None else _quoted(after)}]"
            ).encode()
        except TypeError:  # a field that should be text is not
            pass
    return CANONICAL_ENCODER.encode(row[:11]).encode()


_null = "null"
# JSON's own string quoting (C); it raises TypeError for anything that is not text.
_quoted = cast(Callable[[object], str], encode_basestring)
GAP = "entries were deleted, inserted or reordered"
EDITED = "its content does not match its hash: it was changed after it was written"
UNCHAINED = (
    "it does not chain to the entry before it: an entry before it was removed, added or altered"
)
REWRITTEN = "no longer have the root it signed: an entry was changed and the hashes recomputed"
TRUNCATED = "were removed, or the database was restored from an older copy"


def _resynchronised(stored: object, recomputed: bytes) -> bytes:
    """Carry on from the stored chain hash, so that one fault is reported once; from the
    recomputed one when what is stored is not even a hash."""
    try:
        chain = bytes.fromhex(str(stored))
    except ValueError:
        return recomputed
    return chain if len(chain) == len(recomputed) else recomputed


def _add(verdict: Verdict, seq: int | None, problem: str) -> None:
    if len(verdict.findings) < MAX_FINDINGS:
        verdict.findings.append(Finding(seq, problem))


def _name(cp: Checkpoint, where: str) -> str:
    place = "checkpoint kept elsewhere" if where == "kept" else "checkpoint"
    return f"{place} of {cp.tree_size} entries issued {cp.issued_at}"
