"""Encryption at rest of special-category free text (disclosure narratives, health details).

AES-256-GCM from `cryptography`, one random 96-bit nonce per value. A stored value reads
`enc:v1:<key id>:<base64 nonce+ciphertext>`, so each value names the key that sealed it and
keys can be rotated: new writes use the newest key, old values stay readable until
`caselink keys rotate` re-seals them. The column name is bound in as associated data, so a
value copied into another column does not decrypt.
"""

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:v1:"


class KeyringError(RuntimeError):
    pass


@dataclass(frozen=True)
class Keyring:
    """Data keys by id; the last one is current and seals new values."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def new(cls) -> "Keyring":
        key_id = secrets.token_hex(4)
        return cls({key_id: AESGCM.generate_key(bit_length=256)}, key_id)

    def rotated(self) -> "Keyring":
        key_id = secrets.token_hex(4)
        return Keyring({**self.keys, key_id: AESGCM.generate_key(bit_length=256)}, key_id)

    def seal(self, plaintext: str, column: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode(), column.encode())
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, column: str) -> str:
        if not stored.startswith(PREFIX):
            raise KeyringError(f"{column}: the stored value is not encrypted")
        key_id, _, blob = stored[len(PREFIX) :].partition(":")
        if key_id not in self.keys:
            raise KeyringError(f"{column}: sealed with key {key_id}, which this keyring lacks")
        raw = base64.b64decode(blob)
        return AESGCM(self.keys[key_id]).decrypt(raw[:12], raw[12:], column.encode()).decode()

    def key_of(self, stored: str) -> str:
        return stored[len(PREFIX) :].partition(":")[0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "current": self.current,
            "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
        }
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2))
        temporary.chmod(0o600)
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Keyring":
        data = json.loads(path.read_text())
        return cls({k: base64.b64decode(v) for k, v in data["keys"].items()}, data["current"])

    @classmethod
    def load_or_create(cls, path: Path) -> "Keyring":
        if path.exists():
            return cls.load(path)
        keyring = cls.new()
        keyring.save(path)
        return keyring


# The keyring of this process, loaded on first use from CASELINK_FIELD_KEYS.
_active: Keyring | None = None


def use_keyring(keyring: Keyring | None) -> None:
    global _active
    _active = keyring


def active_keyring() -> Keyring:
    global _active
    if _active is None:
        path = Path(os.environ.get("CASELINK_FIELD_KEYS", "var/keys/field-keys.json"))
        _active = Keyring.load_or_create(path)
    return _active


class SealedText(TypeDecorator[str]):
    """A text column stored encrypted; code reads and writes plain strings."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value.startswith(PREFIX):
            return value
        return active_keyring().seal(value, self.column)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else active_keyring().open(value, self.column)
