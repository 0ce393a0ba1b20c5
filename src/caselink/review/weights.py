"""The weights of the priority score: configuration, not code.

They live in a versioned JSON file (weights.json beside this module is the default). Every
score row records the version and the SHA-256 of the weights that produced it, so a priority
can always be traced to the exact configuration that made it.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caselink.review import columns

DEFAULT = Path(__file__).with_name("weights.json")
SHARED_KINDS = ("suspect", "phone", "vehicle", "address")


class WeightsError(ValueError):
    """The weights file is not usable; the message names the file and the field."""


@dataclass(frozen=True)
class Step:
    per: int
    cap: int


@dataclass(frozen=True)
class Weights:
    version: str
    digest: str
    offence_seriousness: dict[str, int]
    penetrative_offences: frozenset[str]
    penetrative_against_under_16: int
    victim_under_13: int
    victim_under_16: int
    child_below_age: int
    inappropriate_closure_reasons: frozenset[str]
    inappropriate_closure_reason: int
    suspects_not_interviewed: dict[str, int]
    shared: dict[str, Step]
    ignore_values_in_more_cases_than: int
    missing_from: int
    missing: Step
    multiple_victims: Step
    closure_max_points: int
    closure_years_to_zero: float
    band_high: int
    band_medium: int

    def band(self, score: int) -> str:
        if score >= self.band_high:
            return "high"
        return "medium" if score >= self.band_medium else "low"


def load(path: Path | None = None) -> Weights:
    path = path or DEFAULT
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise WeightsError(f"{path}: cannot read the weights: {error}") from None
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError) as error:
        raise WeightsError(f"{path}: {error}") from None


def _int(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key}: expected a whole number of points >= 0, got {value!r}")
    return value


def _step(data: dict[str, Any], per: str) -> Step:
    return Step(_int(data, per), _int(data, "cap"))


def _parse(data: dict[str, Any]) -> Weights:
    version = data["version"]
    if not isinstance(version, str) or not 0 < len(version) <= 40:
        raise ValueError("version: expected a name of 1-40 characters")
    seriousness = data["offence_seriousness"]
    unknown = set(seriousness) - set(columns.OFFENCES)
    if unknown or set(columns.OFFENCES) - set(seriousness):
        raise ValueError(
            "offence_seriousness: give points for exactly the offence codes "
            f"{', '.join(columns.OFFENCES)}"
        )
    reasons = frozenset(data["inappropriate_closure_reasons"])
    if unknown_reasons := sorted(reasons - set(columns.CLOSURE_REASONS)):
        raise ValueError(f"inappropriate_closure_reasons: unknown codes {unknown_reasons}")
    shared = data["shared_with_other_cases"]
    closure = data["time_since_closure"]
    bands = data["bands"]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return Weights(
        version=version,
        digest=hashlib.sha256(canonical).hexdigest(),
        offence_seriousness={k: _int(seriousness, k) for k in seriousness},
        penetrative_offences=frozenset(data["penetrative_offences"]),
        penetrative_against_under_16=_int(data, "penetrative_against_under_16"),
        victim_under_13=_int(data, "victim_under_13"),
        victim_under_16=_int(data, "victim_under_16"),
        child_below_age=_int(data, "child_below_age"),
        inappropriate_closure_reasons=reasons,
        inappropriate_closure_reason=_int(data, "inappropriate_closure_reason"),
        suspects_not_interviewed={
            k: _int(data["suspects_not_interviewed"], k) for k in ("no", "some")
        },
        shared={kind: _step(shared[kind], "per_case") for kind in SHARED_KINDS},
        ignore_values_in_more_cases_than=_int(data, "ignore_values_in_more_cases_than"),
        missing_from=_int(data["missing_episodes"], "from"),
        missing=_step(data["missing_episodes"], "per_episode"),
        multiple_victims=_step(data["multiple_victims"], "per_additional_victim"),
        closure_max_points=_int(closure, "max_points"),
        closure_years_to_zero=float(_int(closure, "years_to_zero") or 1),
        band_high=_int(bands, "high"),
        band_medium=_int(bands, "medium"),
    )
