"""The case book: cases, who is in them, what is named in them and what happened.

Every row refers to person records by ``record_id``; the people have always been
written before their cases are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from caselink.synth.places import LocalAuthority
from caselink.synth.settings import TODAY
from caselink.synth.writer import DatasetWriter

# Reasons a case is closed with no further action. The "poor" ones are what the
# national audit found written on closed grooming cases; a case review should put
# cases closed for them first.
ORDINARY_NFA_REASONS = (
    "evidential difficulties",
    "victim withdrew support",
    "not in the public interest",
    "suspect not identified",
    "insufficient evidence to charge",
)
POOR_NFA_REASONS = (
    "consent",
    "victim not credible",
    "lifestyle choice",
    "victim seen as willing participant",
    "relationship described as boyfriend",
)


@dataclass(frozen=True, slots=True)
class Conclusion:
    closed_on: date | None
    status: str
    outcome: str
    reason: str


def conclude(
    opened: date, rng: random.Random, *, charge: float, caution: float, poor_reasons: float
) -> Conclusion:
    """How a case ended, or that it is still open if it would end after today."""
    closed = opened + timedelta(days=20 + int(rng.random() * 500))
    if closed > TODAY:
        return Conclusion(None, "open", "ongoing", "")
    x = rng.random()
    if x < charge:
        return Conclusion(closed, "closed", "charged", "")
    if x < charge + caution:
        return Conclusion(closed, "closed", "cautioned", "")
    reasons = POOR_NFA_REASONS if rng.random() < poor_reasons else ORDINARY_NFA_REASONS
    reason = reasons[int(rng.random() * len(reasons))]
    return Conclusion(closed, "closed", "no_further_action", reason)


def aged(years: int) -> str:
    """'a 14-year-old' or 'an 11-year-old'."""
    article = "an" if years in (8, 11, 18) or 80 <= years < 90 else "a"
    return f"{article} {years}-year-old"


def days_after(day: date, low: int, high: int, rng: random.Random) -> date:
    """A day between ``low`` and ``high`` days after ``day``, never after today."""
    return min(day + timedelta(days=low + int(rng.random() * (high - low + 1))), TODAY)


class CaseBook:
    """Issues case references and event ids and writes the case tables."""

    def __init__(self, out: DatasetWriter) -> None:
        self._out = out
        self._serials: dict[tuple[str, int], int] = {}
        self._events = 0

    def open(
        self,
        force_code: str,
        authority: LocalAuthority,
        opened: date,
        conclusion: Conclusion,
        summary: str,
    ) -> str:
        key = (force_code, opened.year)
        serial = self._serials.get(key, 0) + 1
        self._serials[key] = serial
        ref = f"{force_code}/{opened.year}/{serial:05d}"
        closed = conclusion.closed_on.isoformat() if conclusion.closed_on else ""
        self._out.row(
            "cases.csv",
            (
                ref,
                force_code,
                authority.code,
                opened.isoformat(),
                closed,
                conclusion.status,
                conclusion.outcome,
                conclusion.reason,
                summary,
            ),
        )
        return ref

    def person(self, ref: str, record_id: str, role: str) -> None:
        self._out.row("case_persons.csv", (ref, record_id, role))

    def entity(
        self, ref: str, record_id: str, kind: str, value: str, relation: str, observed_on: date
    ) -> None:
        self._out.row(
            "case_entities.csv", (ref, record_id, kind, value, relation, observed_on.isoformat())
        )

    def event(self, ref: str, record_id: str, kind: str, occurred_on: date, detail: str) -> None:
        self._events += 1
        self._out.row(
            "events.csv",
            (f"E{self._events:09d}", ref, record_id, kind, occurred_on.isoformat(), detail),
        )

    def outcome_events(
        self,
        ref: str,
        suspect_record: str,
        opened: date,
        conclusion: Conclusion,
        rng: random.Random,
    ) -> None:
        """Arrest and interview of the suspect, then the charge or NFA decision."""
        end = conclusion.closed_on or TODAY
        if rng.random() < 0.55:
            arrested = days_after(opened, 2, 60, rng)
            if arrested <= end:
                self.event(ref, suspect_record, "arrest", arrested, "Suspect arrested")
                self.event(
                    ref, suspect_record, "interview", arrested, "Suspect interviewed under caution"
                )
        if conclusion.outcome == "charged":
            self.event(ref, suspect_record, "charge", end, "Suspect charged")
        elif conclusion.outcome == "no_further_action":
            self.event(
                ref,
                suspect_record,
                "no_further_action",
                end,
                f"No further action: {conclusion.reason}",
            )
