"""Load a directory of agency files (such as `caselink synth` writes) in dependency order.

Each file is its own all-or-nothing transaction; files already loaded are recognised by their
digest, so after a failure or a crash the same command picks up where it stopped.
"""

from collections.abc import Callable
from pathlib import Path

from caselink.ledger import Actor
from caselink.loading.loader import SYSTEM, LoadResult, Progress, load_file
from caselink.loading.specs import ALL, FileSpec
from caselink.store.db import Database


def load_directory(
    db: Database,
    directory: Path,
    progress_for: Callable[[FileSpec, int], Progress | None] | None = None,
    actor: Actor = SYSTEM,
) -> list[LoadResult]:
    present = [spec for spec in ALL if (directory / spec.file_name).is_file()]
    if not present:
        names = ", ".join(spec.file_name for spec in ALL)
        raise FileNotFoundError(f"{directory} holds none of the files caselink loads ({names})")
    results = []
    for spec in present:
        path = directory / spec.file_name
        progress = progress_for(spec, 0) if progress_for else None
        results.append(load_file(db, path, spec, progress, actor))
    return results
