"""The manifest: what a generation run produced, written beside the data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Manifest:
    seed: int
    records: int
    generator_version: str
    files: dict[str, int]  # file name -> data rows (header not counted)

    def write(self, path: Path) -> None:
        body = {
            "seed": self.seed,
            "records": self.records,
            "generator_version": self.generator_version,
            "files": dict(sorted(self.files.items())),
        }
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
