"""Signed checkpoints of the ledger's Merkle tree (a signed tree head, RFC 9162 §4.10).

A checkpoint commits the ledger to its first ``tree_size`` entries: anyone holding one
can later demand an inclusion proof for an entry, or a consistency proof that a newer
checkpoint extends it, and check both offline with the public key alone.

Signed body
-----------
The Ed25519 signature covers exactly these UTF-8 bytes, in the style of a C2SP
``tlog-checkpoint`` note body (origin, size, root, then one extension line)::

    caselink-ledger\\n
    <tree_size in decimal, no leading zeros>\\n
    <root hash, standard base64 with padding>\\n
    <issued_at as YYYY-MM-DDTHH:MM:SSZ>\\n

The origin line keeps a ledger signature from being replayed as any other signed text.
The time format is fixed to one spelling, so one checkpoint has one body.

``key_id`` is the first 8 bytes of SHA-256 over the raw 32-byte public key, in hex. It
is not signed: it only names the key to verify with, and verification checks it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ORIGIN = "caselink-ledger"
ROOT_HASH_SIZE = 32
SIGNATURE_SIZE = 64
ISSUED_AT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ISSUED_AT_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_KEY_ID_SHAPE = re.compile(r"[0-9a-f]{16}")


def _check_tree_size(tree_size: object) -> None:
    # bool is an int subclass; True is not a tree size.
    if not isinstance(tree_size, int) or isinstance(tree_size, bool) or tree_size < 0:
        raise ValueError(f"tree_size must be a non-negative integer, got {tree_size!r}")


def _check_bytes(field: str, value: object, size: int) -> None:
    if not isinstance(value, bytes) or len(value) != size:
        raise ValueError(f"{field} must be {size} bytes")


def _check_issued_at(issued_at: object) -> None:
    if not isinstance(issued_at, str) or not _ISSUED_AT_SHAPE.fullmatch(issued_at):
        raise ValueError(f"issued_at must look like 2026-11-23T14:05:09Z, got {issued_at!r}")
    try:
        datetime.strptime(issued_at, ISSUED_AT_FORMAT)
    except ValueError as err:
        raise ValueError(f"issued_at is not a real UTC time: {issued_at!r}") from err


def format_issued_at(moment: datetime) -> str:
    """The canonical ``issued_at`` spelling of an aware datetime, to the second, in UTC."""
    if moment.tzinfo is None:
        raise ValueError("issued_at needs a timezone-aware datetime")
    return moment.astimezone(UTC).strftime(ISSUED_AT_FORMAT)


def utc_now() -> str:
    """The current time as a canonical ``issued_at``."""
    return format_issued_at(datetime.now(UTC))


def checkpoint_body(tree_size: int, root_hash: bytes, issued_at: str) -> bytes:
    """The exact bytes that are signed (see the module docstring)."""
    _check_tree_size(tree_size)
    _check_bytes("root_hash", root_hash, ROOT_HASH_SIZE)
    _check_issued_at(issued_at)
    root_b64 = base64.b64encode(root_hash).decode("ascii")
    return f"{ORIGIN}\n{tree_size}\n{root_b64}\n{issued_at}\n".encode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement: the ledger had ``tree_size`` entries with this root hash."""

    tree_size: int
    root_hash: bytes
    issued_at: str
    key_id: str
    signature: bytes

    def __post_init__(self) -> None:
        # Fail on construction, naming the field, rather than deep inside verification.
        _check_tree_size(self.tree_size)
        _check_bytes("root_hash", self.root_hash, ROOT_HASH_SIZE)
        _check_issued_at(self.issued_at)
        if not isinstance(self.key_id, str) or not _KEY_ID_SHAPE.fullmatch(self.key_id):
            raise ValueError(f"key_id must be 16 lowercase hex digits, got {self.key_id!r}")
        _check_bytes("signature", self.signature, SIGNATURE_SIZE)

    def body(self) -> bytes:
        """The signed bytes of this checkpoint."""
        return checkpoint_body(self.tree_size, self.root_hash, self.issued_at)


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 8 bytes of SHA-256 over the raw public key, as 16 hex digits."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:8].hex()


def sign_checkpoint(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, issued_at: str
) -> Checkpoint:
    """Sign the checkpoint body with Ed25519 (RFC 8032, deterministic)."""
    signature = private_key.sign(checkpoint_body(tree_size, root_hash, issued_at))
    return Checkpoint(tree_size, root_hash, issued_at, key_id(private_key.public_key()), signature)


def verify_checkpoint(public_key: Ed25519PublicKey, cp: Checkpoint) -> bool:
    """True only if ``cp`` names this key and its signature over the body holds."""
    if cp.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(cp.signature, cp.body())
    except InvalidSignature:
        return False
    return True


def to_json(cp: Checkpoint) -> str:
    """Export as a JSON object; bytes as standard base64, keys sorted for stable output."""
    return json.dumps(
        {
            "origin": ORIGIN,
            "tree_size": cp.tree_size,
            "root_hash": base64.b64encode(cp.root_hash).decode("ascii"),
            "issued_at": cp.issued_at,
            "key_id": cp.key_id,
            "signature": base64.b64encode(cp.signature).decode("ascii"),
        },
        sort_keys=True,
    )


def _b64_field(data: dict[str, Any], field: str) -> bytes:
    value = data[field]
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as err:
        raise ValueError(f"{field} is not valid base64: {err}") from err


def from_json(text: str | bytes) -> Checkpoint:
    """Parse :func:`to_json` output; raises ``ValueError`` naming the bad field.

    Parsing does not verify the signature: call :func:`verify_checkpoint` for that.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a checkpoint must be a JSON object")
    fields = {"origin", "tree_size", "root_hash", "issued_at", "key_id", "signature"}
    if set(data) != fields:
        raise ValueError(f"checkpoint fields must be exactly {sorted(fields)}, got {sorted(data)}")
    if data["origin"] != ORIGIN:
        raise ValueError(f"origin must be {ORIGIN!r}, got {data['origin']!r}")
    return Checkpoint(
        tree_size=data["tree_size"],
        root_hash=_b64_field(data, "root_hash"),
        issued_at=data["issued_at"],
        key_id=data["key_id"],
        signature=_b64_field(data, "signature"),
    )


def generate_private_key() -> Ed25519PrivateKey:
    """A new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def private_key_to_pem(private_key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted when a password is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def private_key_from_pem(data: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM private key; raises ``ValueError`` unless it is Ed25519."""
    key = serialization.load_pem_private_key(data, password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM, what an offline verifier is handed."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    """Load a PEM public key; raises ``ValueError`` unless it is Ed25519."""
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def save_private_key(
    path: Path, private_key: Ed25519PrivateKey, password: bytes | None = None
) -> None:
    """Write a new key file readable by its owner only; never overwrites an existing one.

    Overwriting a signing key would orphan every checkpoint signed with it, so an
    existing file raises ``FileExistsError``.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key_to_pem(private_key, password))


def load_private_key(path: Path, password: bytes | None = None) -> Ed25519PrivateKey:
    """Read a key file written by :func:`save_private_key`."""
    return private_key_from_pem(Path(path).read_bytes(), password)


def save_public_key(path: Path, public_key: Ed25519PublicKey) -> None:
    """Write the public key as PEM (it is public: ordinary permissions)."""
    Path(path).write_bytes(public_key_to_pem(public_key))


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read a PEM public key file."""
    return public_key_from_pem(Path(path).read_bytes())
