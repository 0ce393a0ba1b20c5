"""Settings read from the environment, in one place."""

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./caselink.db"


@dataclass(frozen=True)
class Settings:
    database_url: str

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(database_url=os.environ.get("CASELINK_DATABASE_URL", DEFAULT_DATABASE_URL))
