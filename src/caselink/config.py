"""Settings read from the environment, in one place."""

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./caselink.db"
DEFAULT_LEDGER_KEY = "var/ledger/signing-key.pem"


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Ed25519 key that signs ledger checkpoints; its public half (`*.pub.pem`) verifies them.
    ledger_key: Path

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("CASELINK_DATABASE_URL", DEFAULT_DATABASE_URL),
            ledger_key=Path(os.environ.get("CASELINK_LEDGER_KEY", DEFAULT_LEDGER_KEY)),
        )
