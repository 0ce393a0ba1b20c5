"""What a victim is told about a decision: an explanation the decision maker writes for them,
never the staff's own reasons.

Staff reasons name whoever they need to ("Nicholas FOSTER (born 1997-01-30, phone 07506
805118)"). Withholding names from them by pattern always missed a format (a nickname, the
number written without spaces or with +44), so the portal no longer shows staff text at all.
The explanation is checked before it is stored against everything the case holds about its
other participants: their names and the nicknames linkage knows for them, dates of birth
written any common way, phone numbers in any format, email addresses, addresses, postcodes
and vehicles. If it contains any, it is refused, with what to remove; what is stored is then
exactly what the victim sees.

Where a decision has no explanation (one recorded before explanations existed), the victim
sees a fixed sentence saying a decision was recorded and how to ask about it.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, digest, record
from caselink.linkage import nicknames
from caselink.linkage.normalise import name_tokens, phone_e164
from caselink.store.models import (
    CaseEntity,
    CaseParticipant,
    PersonRecord,
    SurvivorExplanation,
)

FIELD = "survivor_explanation"
MAX_CHARS = 5000
NO_EXPLANATION = (
    "A decision was recorded on {date}. Your contact can explain it to you: you can ask "
    "them about it at any time, using the details under 'Your contact'."
)
REVIEW_NO_EXPLANATION = (
    "The review's decision was recorded on {date}. Your contact can explain the reasons to "
    "you: you can ask them about it at any time."
)
CLOSURE = (
    "The reasons for closing the case were recorded. Your contact can explain them to you: "
    "you can ask them about it at any time."
)
# Given names that are also everyday words: counted only when written with a capital.
EVERYDAY_WORDS = frozenset(
    (
        "will",
        "may",
        "mark",
        "bill",
        "rob",
        "sue",
        "pat",
        "don",
        "ray",
        "guy",
        "max",
        "frank",
        "grace",
        "hope",
        "rose",
        "faith",
        "joy",
        "art",
        "dawn",
        "summer",
        "april",
        "june",
        "august",
        "rich",
        "bell",
        "long",
        "young",
        "little",
        "white",
        "black",
        "green",
        "brown",
        "hill",
        "wood",
        "stone",
        "king",
        "cook",
        "page",
        "lane",
        "chase",
        "miles",
        "case",
    )
)
_CONTROL = {c: None for c in range(32) if c not in (9, 10)}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_TH = r"(?:st|nd|rd|th)?"
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(\d{4}|\d{2})"
_DATES = (
    # 1997-01-30, 1997/1/30, 1997.01.30
    ("ymd", re.compile(r"(?<!\d)(\d{4})[-/. ](\d{1,2})[-/. ](\d{1,2})(?!\d)")),
    # 30/01/1997, 30.1.97, 30-01-97, 1/30/1997
    ("dmy", re.compile(r"(?<!\d)(\d{1,2})\s?[-/.]\s?(\d{1,2})\s?[-/.]\s?" + _YEAR + r"(?!\d)")),
    # 30 January 1997, 30th of Jan 97
    ("dMy", re.compile(r"(?<!\d)(\d{1,2})" + _TH + r"\s*(?:of\s+)?" + _MONTH + r",?\s*" + _YEAR)),
    # January 30, 1997
    ("Mdy", re.compile(_MONTH + r"\s*(\d{1,2})" + _TH + r",?\s*" + _YEAR + r"(?!\d)")),
    # 30011997 or 19970130, 300197
    ("compact", re.compile(r"(?<!\d)(\d{6}|\d{8})(?!\d)")),
)
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().\-/]*\d")


class ExplanationRefused(ValueError):
    """The explanation cannot be stored; `message` says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.field = FIELD
        self.message = message


@dataclass
class Known:
    """What the case holds about the people a victim must not be told about."""

    names: set[str] = field(default_factory=set)  # lower-case ASCII name tokens
    born: set[date] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # national numbers: 7506805118
    emails: set[str] = field(default_factory=set)
    places: list[re.Pattern[str]] = field(default_factory=list)  # addresses, postcodes, cars


def _ascii_lower(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _spaced(value: str) -> re.Pattern[str] | None:
    """`value`'s letters and digits, matched whatever spaces or punctuation sit between."""
    parts = re.findall(r"[a-z0-9]+", _ascii_lower(value))
    if not parts or len("".join(parts)) < 4:
        return None
    chars = [re.escape(c) for c in "".join(parts)]
    return re.compile(r"(?<![a-z0-9])" + r"[\s\W_]*".join(chars) + r"(?![a-z0-9])")


def _street(address: str) -> list[re.Pattern[str]]:
    """An address's first line, with and without its house number ("7 Mill Lane", "Mill
    Lane"); the town alone identifies nobody."""
    first = address.split(",")[0].strip()
    found = [p for p in (_spaced(first),) if p]
    words = re.findall(r"[a-z]+", _ascii_lower(first))
    if len(words) >= 2:
        pattern = r"(?<![a-z])" + r"\W+".join(re.escape(w) for w in words) + r"(?![a-z])"
        found.append(re.compile(pattern))
    return found


def _national(phone: str | None) -> str | None:
    number = phone_e164(phone)
    if number is None:
        return None
    digits = number.lstrip("+")
    return digits[2:] if digits.startswith("44") else digits


def _add_person(known: Known, person: PersonRecord) -> None:
    for value in (person.given_name, person.family_name):
        known.names.update(t for t in name_tokens(value) if len(t) >= 2)
    if person.date_of_birth:
        known.born.add(person.date_of_birth)
    if national := _national(person.phone):
        known.phones.add(national)
    if person.email and "@" in person.email:
        known.emails.add(person.email.strip().lower())
    if person.address:
        known.places.extend(_street(person.address))
    if person.postcode and (pattern := _spaced(person.postcode)):
        known.places.append(pattern)


def known_about(session: Session, case_id: int, except_record_id: int | None) -> Known:
    """Everything the case holds about its participants other than `except_record_id` (the
    victim the explanation is for, when it is for one victim)."""
    known = Known()
    others = (
        select(PersonRecord)
        .join(CaseParticipant, CaseParticipant.person_record_id == PersonRecord.id)
        .where(CaseParticipant.case_id == case_id, PersonRecord.id != (except_record_id or 0))
    )
    for person in session.scalars(others):
        _add_person(known, person)
    entities = select(CaseEntity).where(
        CaseEntity.case_id == case_id,
        or_(
            CaseEntity.person_record_id.is_(None),
            CaseEntity.person_record_id != (except_record_id or 0),
        ),
    )
    for entity in session.scalars(entities):
        if entity.kind == "phone":
            if national := _national(entity.value):
                known.phones.add(national)
        elif entity.kind == "address":
            known.places.extend(_street(entity.value))
        elif pattern := _spaced(entity.value):  # vehicles and locations
            known.places.append(pattern)
    return known


def _year(text: str, born: date) -> bool:
    return int(text) == born.year if len(text) == 4 else int(text) == born.year % 100


def _is(born: date, day: str, month: int | str, year: str) -> bool:
    return int(day) == born.day and int(month) == born.month and _year(year, born)


def _dates_of_birth(text: str, born: Iterable[date]) -> list[str]:
    lower = _ascii_lower(text)
    found = []
    for kind, pattern in _DATES:
        for match in pattern.finditer(lower):
            g = match.groups()
            for b in born:
                if kind == "ymd":
                    hit = _is(b, g[2], g[1], g[0])
                elif kind == "dmy":
                    hit = _is(b, g[0], g[1], g[2]) or _is(b, g[1], g[0], g[2])
                elif kind == "dMy":
                    hit = _is(b, g[0], _MONTHS[g[1]], g[2])
                elif kind == "Mdy":
                    hit = _is(b, g[1], _MONTHS[g[0]], g[2])
                else:
                    s = g[0]
                    hit = _is(b, s[:2], s[2:4], s[4:]) or (
                        len(s) == 8 and _is(b, s[6:], s[4:6], s[:4])
                    )
                if hit:
                    found.append(match.group())
    return found


def _names(text: str, names: set[str]) -> list[str]:
    if not names:
        return []
    formal = {n: nicknames.name_forms(n) for n in names}
    found = []
    for match in re.finditer(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", text):
        written = match.group()
        word = re.sub(r"[^a-z]", "", _ascii_lower(written))
        if len(word) < 2:
            continue
        if word in EVERYDAY_WORDS and not written[0].isupper():
            continue
        forms = nicknames.name_forms(word)
        if word in names or any(forms & f for f in formal.values()):
            found.append(written)
    return found


def findings(known: Known, text: str) -> list[str]:
    """What in `text` identifies someone the victim must not be told about, in words."""
    found = [f"the name \u201c{n}\u201d" for n in _names(text, known.names)]
    found += [f"the date of birth \u201c{d}\u201d" for d in _dates_of_birth(text, known.born)]
    for run in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"\D", "", run.group())
        if any(p in digits for p in known.phones):
            found.append(f"the phone number \u201c{run.group().strip()}\u201d")
    lower = _ascii_lower(text)
    found += [f"the email address \u201c{e}\u201d" for e in known.emails if e in lower]
    for pattern in known.places:
        if match := pattern.search(lower):
            found.append(f"\u201c{match.group()}\u201d (an address or vehicle)")
    return list(dict.fromkeys(found))


def checked(session: Session, case_id: int, except_record_id: int | None, text: str | None) -> str:
    """The explanation as it will be stored and shown, or ExplanationRefused saying why not."""
    clean = (text or "").replace("\r\n", "\n").translate(_CONTROL).strip()
    if not clean:
        raise ExplanationRefused("Enter the explanation for the victim")
    if len(clean) > MAX_CHARS:
        raise ExplanationRefused(
            f"The explanation for the victim must be {MAX_CHARS:,} characters or fewer"
        )
    found = findings(known_about(session, case_id, except_record_id), clean)
    if found:
        raise ExplanationRefused(
            "The explanation for the victim must not name or identify anyone else in the "
            "case. Remove " + ", ".join(found)
        )
    return clean


def only_victim(session: Session, case_id: int) -> int | None:
    """The case's victim when it has exactly one (then a case decision's explanation is for
    them alone and may use their name); None when it has several, or none."""
    victims = session.scalars(
        select(CaseParticipant.person_record_id)
        .where(CaseParticipant.case_id == case_id, CaseParticipant.role == "victim")
        .limit(2)
    ).all()
    return victims[0] if len(victims) == 1 else None


def store(
    session: Session,
    by: Actor,
    case_id: int,
    text: str,
    now: datetime,
    *,
    decision_id: int | None = None,
    review_step_id: int | None = None,
) -> SurvivorExplanation:
    """Store an explanation already `checked`, ledgered with the digest of what is shown."""
    row = SurvivorExplanation(
        case_id=case_id,
        decision_id=decision_id,
        review_step_id=review_step_id,
        text=text,
        written_by_user_id=by.user_id,
        written_at=now,
    )
    session.add(row)
    session.flush()
    subject = f"decision {decision_id}" if decision_id else f"review step {review_step_id}"
    shown = digest({"id": row.id, "subject": subject, "text": text})
    record(session, by, Action.CREATE, "survivor_explanation", row.id, reason=subject, after=shown)
    return row


def for_decisions(session: Session, decision_ids: list[int]) -> dict[int, str]:
    if not decision_ids:
        return {}
    rows = session.execute(
        select(SurvivorExplanation.decision_id, SurvivorExplanation.text).where(
            SurvivorExplanation.decision_id.in_(decision_ids)
        )
    )
    return {d: t for d, t in rows if d is not None}


def for_review_steps(session: Session, step_ids: list[int]) -> dict[int, str]:
    if not step_ids:
        return {}
    rows = session.execute(
        select(SurvivorExplanation.review_step_id, SurvivorExplanation.text).where(
            SurvivorExplanation.review_step_id.in_(step_ids)
        )
    )
    return {s: t for s, t in rows if s is not None}
