"""What one ledger entry says, and its one canonical byte encoding.

The encoding is a JSON array in a fixed field order, so the same entry always hashes the
same, in the appender, the verifier and an export read years later.
"""

import getpass
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64  # chain hash before the first entry


class Action(StrEnum):
    """DPA 2018 s.62 names collection, alteration, consultation, disclosure, combination and
    erasure; these are caselink's words for them, plus decisions and sign-ins."""

    CREATE = "create"
    READ = "read"
    CHANGE = "change"
    DISCLOSE = "disclose"
    EXPORT = "export"
    IMPORT = "import"
    LINK = "link"
    UNLINK = "unlink"
    DECIDE = "decide"
    ANNOTATE = "annotate"
    LOGIN = "login"
    LOGOUT = "logout"
    BREAK_GLASS = "break_glass"
    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    ATTEMPT = "attempt"  # something refused: an edit or deletion of a report, for example
    RESTORE = "restore"  # the database was replaced from a backup


@dataclass(frozen=True)
class Actor:
    name: str  # username, or "system:<component>" / "cli:<os user>"
    user_id: int | None = None
    agency: str | None = None  # agency code

    @classmethod
    def system(cls, component: str) -> "Actor":
        return cls(f"system:{component}")

    @classmethod
    def operator(cls) -> "Actor":
        """Whoever runs a command: the machine's user (commands have no caselink account)."""
        return cls(f"cli:{getpass.getuser()}")


@dataclass(frozen=True)
class Entry:
    seq: int
    recorded_at: str
    actor: str
    actor_user_id: int | None
    agency: str | None
    action: str
    object_type: str
    object_id: str
    reason: str | None
    before_digest: str | None
    after_digest: str | None

    def canonical(self) -> bytes:
        return canonical(
            self.seq,
            self.recorded_at,
            self.actor,
            self.actor_user_id,
            self.agency,
            self.action,
            self.object_type,
            self.object_id,
            self.reason,
            self.before_digest,
            self.after_digest,
        )


CANONICAL_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def canonical(*fields: object) -> bytes:
    """The entry's fields as a compact JSON array, UTF-8: the bytes its leaf hash covers."""
    return CANONICAL_ENCODER.encode(fields).encode()


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(content: Mapping[str, Any] | bytes | str) -> str:
    """SHA-256 of content, so the ledger can prove what something was without holding it."""
    if isinstance(content, str):
        content = content.encode()
    elif not isinstance(content, bytes):
        content = json.dumps(
            {k: _plain(v) for k, v in content.items()},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    return hashlib.sha256(content).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
