"""The Victims' Code and the Right to Review scheme as configuration: which case events entitle
a victim to an update and how soon, and the review's windows. The numbers live in
`victims_code.json` (or the file named by CASELINK_VICTIMS_CODE), since the Code is revised.

Loading checks every setting and names the one that is wrong, so a bad file stops the service
at start-up rather than giving a victim a wrong date."""

import json
import os
import string
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).with_name("victims_code.json")
PLACEHOLDERS = frozenset({"date"})


class VictimsCodeError(ValueError):
    """The configuration is unreadable or a setting is missing or wrong (named in the message)."""


@dataclass(frozen=True)
class Entitlement:
    kind: str
    working_days: int
    enhanced_working_days: int
    says: str  # plain English with {date}; never anybody's name

    def within(self, enhanced: bool) -> int:
        return self.enhanced_working_days if enhanced else self.working_days


@dataclass(frozen=True)
class ReviewWindows:
    reviewable_outcomes: frozenset[str]
    request_within_months: int
    acknowledge_within_working_days: int
    decide_within_days: int
    escalate_after_due_working_days: tuple[int, ...]
    reason_max_chars: int


@dataclass(frozen=True)
class VictimsCode:
    version: str
    enhanced_under_age: int
    every_case_is_a_sexual_offence: bool
    updates: dict[str, Entitlement]
    review: ReviewWindows
    bank_holidays: frozenset[date]


def _get(data: Any, path: str) -> Any:
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise VictimsCodeError(f"victims code: '{path}' is missing")
        value = value[part]
    return value


def _count(data: Any, path: str, low: int = 0, high: int = 366) -> int:
    value = _get(data, path)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise VictimsCodeError(
            f"victims code: '{path}' must be a whole number from {low} to {high}, got {value!r}"
        )
    return value


def _entitlement(data: Any, kind: str) -> Entitlement:
    path = f"updates.{kind}"
    says = _get(data, f"{path}.says")
    if not isinstance(says, str) or not says.strip():
        raise VictimsCodeError(f"victims code: '{path}.says' must be a sentence")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(says) if name is not None}
    except ValueError as error:
        raise VictimsCodeError(f"victims code: '{path}.says' is malformed: {error}") from error
    unknown = sorted(fields - PLACEHOLDERS)
    if unknown:
        raise VictimsCodeError(f"victims code: '{path}.says' may only use {{date}}, not {unknown}")
    return Entitlement(
        kind,
        _count(data, f"{path}.working_days", 0, 60),
        _count(data, f"{path}.enhanced_working_days", 0, 60),
        says.strip(),
    )


def _holidays(data: Any) -> frozenset[date]:
    days = _get(data, "bank_holidays")
    if not isinstance(days, list):
        raise VictimsCodeError("victims code: 'bank_holidays' must be a list of YYYY-MM-DD dates")
    parsed = set()
    for n, day in enumerate(days):
        try:
            parsed.add(date.fromisoformat(day))
        except (TypeError, ValueError) as error:
            raise VictimsCodeError(
                f"victims code: 'bank_holidays[{n}]' is not a YYYY-MM-DD date: {day!r}"
            ) from error
    return frozenset(parsed)


def parse(data: Any) -> VictimsCode:
    updates = _get(data, "updates")
    if not isinstance(updates, dict) or not updates:
        raise VictimsCodeError("victims code: 'updates' must name at least one event")
    outcomes = _get(data, "right_to_review.reviewable_outcomes")
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        raise VictimsCodeError(
            "victims code: 'right_to_review.reviewable_outcomes' must be a list of outcomes"
        )
    steps = _get(data, "right_to_review.escalate_after_due_working_days")
    if not isinstance(steps, list) or not steps:
        raise VictimsCodeError(
            "victims code: 'right_to_review.escalate_after_due_working_days' must list "
            "one or more numbers of working days"
        )
    escalations = tuple(_step(step, n) for n, step in enumerate(steps))
    version = _get(data, "version")
    return VictimsCode(
        version=str(version),
        enhanced_under_age=_count(data, "enhanced_rights.under_age", 0, 25),
        every_case_is_a_sexual_offence=bool(
            _get(data, "enhanced_rights.every_case_is_a_sexual_offence")
        ),
        updates={kind: _entitlement(data, kind) for kind in updates},
        review=ReviewWindows(
            reviewable_outcomes=frozenset(outcomes),
            request_within_months=_count(data, "right_to_review.request_within_months", 1, 24),
            acknowledge_within_working_days=_count(
                data, "right_to_review.acknowledge_within_working_days", 1, 60
            ),
            decide_within_days=_count(data, "right_to_review.decide_within_days", 1, 365),
            escalate_after_due_working_days=escalations,
            reason_max_chars=_count(data, "right_to_review.reason_max_chars", 100, 100_000),
        ),
        bank_holidays=_holidays(data),
    )


def _step(value: Any, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
        raise VictimsCodeError(
            f"victims code: 'right_to_review.escalate_after_due_working_days[{n}]' must be a "
            f"whole number from 0 to 60, got {value!r}"
        )
    return value


@cache
def load(path: str | None = None) -> VictimsCode:
    source = Path(path or os.environ.get("CASELINK_VICTIMS_CODE") or DEFAULT)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise VictimsCodeError(f"victims code: cannot read {source}: {error}") from error
    except json.JSONDecodeError as error:
        raise VictimsCodeError(
            f"victims code: {source} line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    try:
        return parse(data)
    except VictimsCodeError as error:
        raise VictimsCodeError(f"{source}: {error}") from error
