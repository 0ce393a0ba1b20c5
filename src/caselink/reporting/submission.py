"""What a reporter submits, checked field by field.

The web form and the API send the same shape (the form's field names are the dotted paths
below, e.g. `child.date_of_birth`, `suspects.0.phone`). Every problem is reported against
the field it belongs to, in words a reporter can act on; a submission with any problem is
not stored at all.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from caselink.domain import age_on
from caselink.people import nhs
from caselink.reporting.rules import DutyRules

REPORTER_ROLES = {
    "teacher": "Teacher or other school staff",
    "social_worker": "Social worker or social care staff",
    "health": "NHS or other health staff",
    "childcare": "Childcare or early years staff",
    "police": "Police constable",
    "other_regulated": "Other work in regulated activity with children",
    "position_of_trust": "Other position of trust",
}
TRIGGERS = {
    "child_told": "The child told me",
    "perpetrator_told": "The person who did it told me",
    "witnessed": "I saw it happen",
    "images": "I saw or heard it in images, video or audio",
}
DELAY_KINDS = {
    "child_at_risk": "Reporting sooner would have put the child at risk",
    "other": "Another reason",
}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
# Letters, digits, spaces and hyphen: UK registrations and foreign ones alike.
VEHICLE = re.compile(r"^[A-Z0-9 -]{2,12}$")
# Control characters other than tab and line breaks have no place in a narrative.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NAME_MAX = 100


@dataclass(frozen=True)
class PersonNamed:
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    age: int | None = None
    school: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    vehicle: str | None = None
    description: str | None = None
    nhs_number: str | None = None  # the child's, ten digits, checked (caselink.people.nhs)

    def age_on(self, day: date) -> int | None:
        return age_on(self.date_of_birth, day) if self.date_of_birth else self.age


@dataclass(frozen=True)
class Exemption:
    """The reporter's reasoning that the exemption for consensual activity between young
    people applies. Kept, never silently dropped."""

    other_age: int
    consensual: bool
    coercion: bool
    significant_gap: bool
    reasoning: str


@dataclass(frozen=True)
class Submission:
    reporter_role: str
    reporter_setting: str
    trigger: str
    learned_on: date
    what_happened: str
    immediate_danger: bool
    child: PersonNamed
    suspects: tuple[PersonNamed, ...] = ()
    delay_kind: str | None = None
    delay_reason: str | None = None
    exemption: Exemption | None = None

    def canonical(self) -> dict[str, Any]:
        """The exact content, as plain JSON values: what the receipt's digest is taken of.
        The same as `asdict` (with suspects as a list), without its deep copy of every value:
        this runs for every report filed."""
        data = dict(vars(self))
        data["child"] = _named(self.child)
        data["suspects"] = [_named(s) for s in self.suspects]
        if self.exemption is not None:
            data["exemption"] = dict(vars(self.exemption))
        return data

    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, default=str)

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def child_age(self) -> int | None:
        return self.child.age_on(self.learned_on)


@dataclass
class Problems:
    """Field path -> message, in form order."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.messages.setdefault(path, message)


class Rejected(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def _named(person: PersonNamed) -> dict[str, Any]:
    """A person's fields; an NHS number only when given, so that a report without one has
    the content (and the digest) it had before the field existed."""
    data = dict(vars(person))
    if data["nhs_number"] is None:
        del data["nhs_number"]
    return data


def _get(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


class _Reader:
    def __init__(self, data: Mapping[str, Any], rules: DutyRules, today: date) -> None:
        self.data, self.rules, self.today, self.problems = data, rules, today, Problems()

    def text(self, path: str, label: str, *, required: bool = False, limit: int = 0) -> str | None:
        raw = _get(self.data, path)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.problems.add(path, f"Enter {label}")
            return None
        if not isinstance(raw, str):
            self.problems.add(path, f"{label.capitalize()} must be text")
            return None
        value = raw.strip().replace("\r\n", "\n")
        limit = limit or NAME_MAX
        if len(value) > limit:
            self.problems.add(
                path,
                f"{label.capitalize()} must be {limit:,} characters or fewer "
                f"(it is {len(value):,})",
            )
            return None
        if CONTROL.search(value):
            self.problems.add(path, f"{label.capitalize()} contains characters that are not text")
            return None
        return value

    def choice(self, path: str, label: str, options: Mapping[str, str]) -> str | None:
        value = self.text(path, label)
        if value not in options:
            self.problems.add(path, f"Select {label}")
            return None
        return value

    def yes_no(self, path: str, question: str) -> bool | None:
        raw = _get(self.data, path)
        if isinstance(raw, bool):
            return raw
        if raw in ("yes", "no"):
            return bool(raw == "yes")
        self.problems.add(path, f"Select yes or no: {question}")
        return None

    def day(self, path: str, label: str, *, required: bool = False) -> date | None:
        raw = self.text(path, label, required=required, limit=10)
        if raw is None:
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            self.problems.add(path, f"{label.capitalize()} must be a real date, like 2026-03-27")
            return None
        if value > self.today:
            self.problems.add(path, f"{label.capitalize()} must be today or in the past")
            return None
        if value.year < 1900:
            self.problems.add(path, f"{label.capitalize()} must be after 1900")
            return None
        return value

    def number(self, path: str, label: str, low: int, high: int) -> int | None:
        raw = _get(self.data, path)
        if raw is None or raw == "":
            return None
        try:
            value = int(str(raw).strip())
        except ValueError:
            self.problems.add(path, f"{label.capitalize()} must be a whole number")
            return None
        if not low <= value <= high:
            self.problems.add(path, f"{label.capitalize()} must be between {low} and {high}")
            return None
        return value

    def pattern(self, path: str, label: str, regex: re.Pattern[str], example: str) -> str | None:
        value = self.text(path, label)
        if value is None:
            return None
        value = value.upper() if regex in (POSTCODE, VEHICLE) else value
        if not regex.match(value):
            self.problems.add(path, f"Enter {label} in the right format, like {example}")
            return None
        return value

    def nhs_number(self, path: str, who: str) -> str | None:
        value = self.text(path, f"the {who}'s NHS number", limit=20)
        if value is None:
            return None
        problem = nhs.problem(value)
        if problem:
            self.problems.add(path, f"The {who}'s NHS number {problem}")
            return None
        return nhs.digits(value)

    def person(self, prefix: str, who: str, *, child: bool) -> PersonNamed:
        person = PersonNamed(
            given_name=self.text(f"{prefix}.given_name", f"the {who}'s first name"),
            family_name=self.text(f"{prefix}.family_name", f"the {who}'s last name"),
            date_of_birth=self.day(f"{prefix}.date_of_birth", f"the {who}'s date of birth"),
            age=self.number(f"{prefix}.age", f"the {who}'s age", 0, 17 if child else 120),
            school=self.text(f"{prefix}.school", "the school", limit=200) if child else None,
            address=self.text(f"{prefix}.address", "the address", limit=500),
            postcode=self.pattern(f"{prefix}.postcode", "the postcode", POSTCODE, "NM4 2QD"),
            phone=None
            if child
            else self.pattern(f"{prefix}.phone", "the phone number", PHONE, "07700 900123"),
            vehicle=None
            if child
            else self.pattern(f"{prefix}.vehicle", "the vehicle registration", VEHICLE, "AB12 CDE"),
            description=self.text(f"{prefix}.description", "a description", limit=2000),
            nhs_number=self.nhs_number(f"{prefix}.nhs_number", who) if child else None,
        )
        if not any((person.given_name, person.family_name, person.description)):
            self.problems.add(
                f"{prefix}.given_name",
                f"Enter the {who}'s name, or describe them if you do not know it",
            )
        return person


def read(data: Mapping[str, Any], rules: DutyRules, today: date) -> Submission:
    """Check a submission; raise `Rejected` naming every problem, or return it cleaned."""
    r = _Reader(data, rules, today)
    role = r.choice("reporter_role", "your role", REPORTER_ROLES)
    setting = r.text("reporter_setting", "where you work", required=True, limit=200)
    trigger = r.choice("trigger", "how you know about the abuse", TRIGGERS)
    learned_on = r.day("learned_on", "the date you found out", required=True)
    what = r.text(
        "what_happened", "what you know or saw", required=True, limit=rules.max_text_chars
    )
    danger = r.yes_no("immediate_danger", "is the child in immediate danger?")
    child = r.person("child", "child", child=True)
    raw_suspects = _get(data, "suspects") or []
    if not isinstance(raw_suspects, list | tuple):
        r.problems.add("suspects", "Suspects must be a list")
        raw_suspects = []
    if len(raw_suspects) > rules.max_people:
        r.problems.add("suspects", f"Name at most {rules.max_people} people in one report")
        raw_suspects = []
    suspects = tuple(
        r.person(f"suspects.{i}", "person", child=False)
        for i, s in enumerate(raw_suspects)
        if isinstance(s, Mapping) and any(str(v).strip() for v in s.values() if v is not None)
    )
    if learned_on is not None:
        _check_child_age(r, child, learned_on)
    delay_kind, delay_reason = _delay(r, learned_on)
    exemption = _exemption(r, child, learned_on)
    if r.problems.messages:
        raise Rejected(r.problems.messages)
    assert role and setting and trigger and learned_on and what and danger is not None
    return Submission(
        reporter_role=role,
        reporter_setting=setting,
        trigger=trigger,
        learned_on=learned_on,
        what_happened=what,
        immediate_danger=danger,
        child=child,
        suspects=suspects,
        delay_kind=delay_kind,
        delay_reason=delay_reason,
        exemption=exemption,
    )


def _check_child_age(r: _Reader, child: PersonNamed, learned_on: date) -> None:
    if child.date_of_birth is None:
        return
    age = child.age_on(learned_on)
    if age is not None and age >= 18:
        r.problems.add(
            "child.date_of_birth",
            f"The date of birth makes the child {age} when you found out: the duty is about "
            "children under 18. Check the date of birth",
        )
    if child.date_of_birth > learned_on:
        r.problems.add(
            "child.date_of_birth", "The child's date of birth must be before the date you found out"
        )


def _delay(r: _Reader, learned_on: date | None) -> tuple[str | None, str | None]:
    """A report made more than a day after the reporter found out must say why; the
    permitted delay (child at risk) and its clock are recorded with the report."""
    kind = r.text("delay_kind", "why you are reporting now")
    reason = r.text("delay_reason", "the reason for the delay", limit=2000)
    late = (
        learned_on is not None
        and (r.today - learned_on).days * 24 > r.rules.prompt_report.total_seconds() / 3600
    )
    if not late:
        return None, None
    if kind not in DELAY_KINDS:
        r.problems.add(
            "delay_kind", "You found out more than a day ago: select why you are reporting now"
        )
    if not reason:
        r.problems.add("delay_reason", "Explain why the report was not made sooner")
    return kind, reason


def _exemption(r: _Reader, child: PersonNamed, learned_on: date | None) -> Exemption | None:
    claimed = _get(r.data, "exemption.claimed")
    if claimed in (None, "", "no", False):
        return None
    age = child.age_on(learned_on) if learned_on else None
    floor = r.rules.exemption_min_age
    if age is None:
        r.problems.add(
            "exemption.claimed",
            "The exemption can only be considered when you know the child's age or date "
            "of birth: give it, or make the report",
        )
        return None
    if age < floor:
        r.problems.add(
            "exemption.claimed",
            f"The exemption never applies to a child under {floor}: you must make the report",
        )
        return None
    other = r.number("exemption.other_age", "the other young person's age", 0, 120)
    consensual = r.yes_no("exemption.consensual", "was the activity consensual?")
    coercion = r.yes_no("exemption.coercion", "was there any coercion, pressure or exploitation?")
    gap = r.yes_no("exemption.significant_gap", "is there a significant gap in age or maturity?")
    reasoning = r.text(
        "exemption.reasoning", "your reasoning", required=True, limit=r.rules.max_text_chars
    )
    if other is None:
        r.problems.add("exemption.other_age", "Enter the other young person's age")
        return None
    if None in (consensual, coercion, gap) or reasoning is None:
        return None
    reasons = []
    if other < floor:
        reasons.append(f"the other young person is under {floor}")
    if other >= 18:
        reasons.append("the other person is an adult")
    if abs(other - age) > r.rules.exemption_max_age_gap or gap:
        reasons.append("there is a significant gap in age or maturity")
    if not consensual:
        reasons.append("the activity was not consensual")
    if coercion:
        reasons.append("there was coercion, pressure or exploitation")
    if reasons:
        r.problems.add(
            "exemption.claimed",
            "The exemption does not apply because "
            + " and ".join(reasons)
            + ": you must make the report",
        )
        return None
    assert consensual is not None and coercion is not None and gap is not None
    return Exemption(other, consensual, coercion, gap, reasoning)
