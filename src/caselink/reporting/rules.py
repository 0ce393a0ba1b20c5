"""The duty's rules as configuration: the Bill's final text may differ, so the numbers live in
`duty.json` (or the file named by CASELINK_DUTY_RULES), not in code."""

import json
import os
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).with_name("duty.json")

# Why a report may be closed. Some of these should never close a child's report on one
# officer's word (the reviews found "consent" and "not credible" used against children).
CLOSURE_REASONS = {
    "no_abuse_found": "Enquiries found no abuse",
    "already_known": "Already known and being acted on (duplicate of another report)",
    "referred_elsewhere": "Referred to another agency that is acting on it",
    "consent": "The child consented",
    "not_credible": "The account was not credible",
    "lifestyle_choice": "Lifestyle choice",
    "insufficient_information": "Not enough information to identify the child",
}


@dataclass(frozen=True)
class DutyRules:
    version: str
    acknowledge_within: dict[str, timedelta]
    escalate_after_due: dict[str, tuple[timedelta, ...]]
    prompt_report: timedelta
    permitted_delay: timedelta
    exemption_min_age: int
    exemption_max_age_gap: int
    second_approval_under_age: int
    closure_reasons_needing_approval: frozenset[str]
    duplicate_window: timedelta
    max_text_chars: int
    max_people: int

    def deadline(self, urgent: bool) -> timedelta:
        return self.acknowledge_within["urgent" if urgent else "standard"]

    def escalation_steps(self, urgent: bool) -> tuple[timedelta, ...]:
        """How long after the deadline each level (1 duty officer, 2 supervisor, 3 oversight)
        is reached."""
        return self.escalate_after_due["urgent" if urgent else "standard"]


def _hours(value: Any) -> timedelta:
    return timedelta(hours=float(value))


def parse(data: dict[str, Any]) -> DutyRules:
    try:
        rules = DutyRules(
            version=str(data["version"]),
            acknowledge_within={k: _hours(v) for k, v in data["acknowledge_within_hours"].items()},
            escalate_after_due={
                k: tuple(_hours(h) for h in v) for k, v in data["escalate_after_due_hours"].items()
            },
            prompt_report=_hours(data["prompt_report_hours"]),
            permitted_delay=timedelta(days=int(data["permitted_delay_days"])),
            exemption_min_age=int(data["exemption_min_age"]),
            exemption_max_age_gap=int(data["exemption_max_age_gap_years"]),
            second_approval_under_age=int(data["second_approval_under_age"]),
            closure_reasons_needing_approval=frozenset(data["closure_reasons_needing_approval"]),
            duplicate_window=timedelta(minutes=int(data["duplicate_window_minutes"])),
            max_text_chars=int(data["max_text_chars"]),
            max_people=int(data["max_people"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"duty rules: missing or bad setting {error}") from error
    for kind in ("standard", "urgent"):
        if (
            kind not in rules.acknowledge_within
            or len(rules.escalation_steps(kind == "urgent")) != 3
        ):
            raise ValueError(f"duty rules: '{kind}' needs a deadline and three escalation steps")
    unknown = rules.closure_reasons_needing_approval - CLOSURE_REASONS.keys()
    if unknown:
        raise ValueError(f"duty rules: unknown closure reasons {sorted(unknown)}")
    return rules


@cache
def load(path: str | None = None) -> DutyRules:
    source = Path(path or os.environ.get("CASELINK_DUTY_RULES") or DEFAULT)
    try:
        return parse(json.loads(source.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"CASELINK_DUTY_RULES: cannot read {source}: {error}") from error
