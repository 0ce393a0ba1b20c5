"""Synthetic multi-agency data with ground truth (see docs/synthetic-data.md).

Every person, place and case is invented.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from caselink.synth.generator import write_dataset
from caselink.synth.manifest import Manifest
from caselink.synth.nhs import is_valid_nhs_number
from caselink.synth.settings import ErrorRates

__all__ = ["ErrorRates", "Manifest", "generate", "is_valid_nhs_number"]


def generate(
    out_dir: Path, records: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> Manifest:
    """Write a synthetic data set of exactly ``records`` person records into ``out_dir``.

    The same ``seed`` and ``records`` give byte-identical files. ``progress`` is called
    with the number of person records written so far, about every 1,000 records.
    """
    return write_dataset(Path(out_dir), records, seed, progress)
