"""Signed checkpoints: the signed body, Ed25519 signatures, JSON export and key files."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from caselink.ledger.checkpoint import (
    Checkpoint,
    checkpoint_body,
    format_issued_at,
    from_json,
    generate_private_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
    save_private_key,
    save_public_key,
    sign_checkpoint,
    to_json,
    utc_now,
    verify_checkpoint,
)
from caselink.ledger.merkle import leaf_hash, root

ROOT = root([leaf_hash(f"synthetic entry {i}".encode()) for i in range(10)])
WHEN = "2026-11-23T14:05:09Z"


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture(scope="module")
def cp(key: Ed25519PrivateKey) -> Checkpoint:
    return sign_checkpoint(key, 10, ROOT, WHEN)


def test_body_is_the_documented_note_text() -> None:
    expected = f"caselink-ledger\n10\n{base64.b64encode(ROOT).decode()}\n{WHEN}\n".encode()
    assert checkpoint_body(10, ROOT, WHEN) == expected


def test_signature_verifies_over_the_body(key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    assert verify_checkpoint(key.public_key(), cp)
    key.public_key().verify(cp.signature, cp.body())  # raises if not


def test_key_id_is_the_first_8_bytes_of_sha256_of_the_raw_key(
    key: Ed25519PrivateKey, cp: Checkpoint
) -> None:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert cp.key_id == key_id(key.public_key()) == hashlib.sha256(raw).hexdigest()[:16]


def test_json_round_trip(key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    text = to_json(cp)
    assert json.loads(text)["origin"] == "caselink-ledger"
    restored = from_json(text)
    assert restored == cp
    assert verify_checkpoint(key.public_key(), restored)


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 11},
        {"tree_size": 9},
        {"root_hash": bytes([ROOT[0] ^ 1]) + ROOT[1:]},
        {"issued_at": "2026-11-23T14:05:10Z"},
    ],
    ids=["size+1", "size-1", "root", "time"],
)
def test_a_changed_field_fails(
    key: Ed25519PrivateKey, cp: Checkpoint, change: dict[str, object]
) -> None:
    assert not verify_checkpoint(key.public_key(), dataclasses.replace(cp, **change))  # type: ignore[arg-type]


def test_a_changed_signature_fails(key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    for position in (0, 31, 32, 63):
        sig = bytearray(cp.signature)
        sig[position] ^= 0x01
        assert not verify_checkpoint(
            key.public_key(), dataclasses.replace(cp, signature=bytes(sig))
        )


def test_a_change_made_in_the_json_fails(key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    data = json.loads(to_json(cp))
    data["tree_size"] = 1_000
    assert not verify_checkpoint(key.public_key(), from_json(json.dumps(data)))


def test_a_different_key_fails(cp: Checkpoint) -> None:
    other = generate_private_key().public_key()
    assert not verify_checkpoint(other, cp)
    # Even if the key id is made to match, the signature does not.
    assert not verify_checkpoint(other, dataclasses.replace(cp, key_id=key_id(other)))


def test_signing_is_deterministic(key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    assert sign_checkpoint(key, 10, ROOT, WHEN) == cp


def test_empty_tree_checkpoint(key: Ed25519PrivateKey) -> None:
    empty = sign_checkpoint(key, 0, root([]), WHEN)
    assert verify_checkpoint(key.public_key(), from_json(to_json(empty)))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tree_size": -1}, "tree_size"),
        ({"tree_size": True}, "tree_size"),
        ({"root_hash": b"short"}, "root_hash"),
        ({"issued_at": "2026-11-23T14:05:09+00:00"}, "issued_at"),
        ({"issued_at": "2026-11-23T14:05:09.5Z"}, "issued_at"),
        ({"issued_at": "2026-13-23T14:05:09Z"}, "issued_at"),
        ({"key_id": "ABCDEF0123456789"}, "key_id"),
        ({"signature": b"\x00" * 63}, "signature"),
    ],
)
def test_malformed_checkpoints_are_refused_naming_the_field(
    cp: Checkpoint, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(cp, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("signature"), "fields"),
        (lambda d: d.update(extra=1), "fields"),
        (lambda d: d.update(origin="another-log"), "origin"),
        (lambda d: d.update(root_hash="not base64!"), "root_hash"),
        (lambda d: d.update(signature=17), "signature"),
        (lambda d: d.update(tree_size="10"), "tree_size"),
    ],
)
def test_malformed_json_is_refused(
    cp: Checkpoint, edit: Callable[[dict[str, Any]], object], message: str
) -> None:
    data = json.loads(to_json(cp))
    edit(data)
    with pytest.raises(ValueError, match=message):
        from_json(json.dumps(data))
    with pytest.raises(ValueError):
        from_json("[1, 2]")
    with pytest.raises(ValueError):
        from_json("{not json")


def test_issued_at_helpers() -> None:
    plus_one = timezone(timedelta(hours=1))
    assert format_issued_at(datetime(2026, 11, 23, 15, 5, 9, 999, tzinfo=plus_one)) == WHEN
    with pytest.raises(ValueError, match="timezone"):
        format_issued_at(datetime(2026, 11, 23))
    now = datetime.strptime(utc_now(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_pem_round_trip(key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    public = public_key_from_pem(public_key_to_pem(key.public_key()))
    assert verify_checkpoint(public, cp)
    for password in (None, b"synthetic passphrase"):
        pem = private_key_to_pem(key, password)
        assert private_key_from_pem(pem, password).public_key() == key.public_key()
    with pytest.raises(TypeError):
        private_key_from_pem(private_key_to_pem(key, b"secret"))  # password missing


def test_pem_of_another_key_type_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="Ed25519"):
        private_key_from_pem(pem)
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="Ed25519"):
        public_key_from_pem(public_pem)


def test_key_files(tmp_path: Path, key: Ed25519PrivateKey, cp: Checkpoint) -> None:
    private_path, public_path = tmp_path / "ledger.key", tmp_path / "ledger.pub"
    save_private_key(private_path, key, b"synthetic passphrase")
    save_public_key(public_path, key.public_key())
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    loaded = load_private_key(private_path, b"synthetic passphrase")
    assert verify_checkpoint(load_public_key(public_path), sign_checkpoint(loaded, 10, ROOT, WHEN))
    assert sign_checkpoint(loaded, 10, ROOT, WHEN) == cp
    with pytest.raises(FileExistsError):
        save_private_key(private_path, generate_private_key())
