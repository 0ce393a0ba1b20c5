"""Reading what a searcher typed into the facts to look for.

One box takes anything a professional might have to hand: a name in either order, a date
of birth however it is written ("1/5/2010", "01.05.10", "1 May 2010", "2010-05-01"), a
postcode or part of one, a phone in any format, a vehicle registration, an NHS number. Each
fact becomes a criterion: the search keys that would match it, each with a weight and the
reason it is shown (caselink.people.keys writes the same keys for every record). Something
that cannot be read (a date that does not exist, an NHS number failing its check digit) is
a problem named against its field, and nothing is searched.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from caselink.linkage.nicknames import name_forms, name_key
from caselink.linkage.normalise import (
    name_tokens,
    phone_e164,
    phonetic,
    postcode_parts,
    swap_day_month,
)
from caselink.people import keys, nhs

# Weights: how strongly each kind of agreement says "this is the person". An NHS number is
# the consistent identifier (STRONG: enough on its own); a phone or a car is nearly as
# specific; a name spelled exactly beats a nickname, which beats a name that only sounds alike.
STRONG = 10.0
W_NHS, W_PHONE, W_VEHICLE = STRONG, 6.0, 6.0
W_DOB, W_DOB_SWAPPED = 4.0, 2.0
W_UNIT, W_SECTOR, W_DISTRICT = 3.0, 1.5, 1.0
W_NAME, W_FORM, W_NICK, W_SOUND = 3.0, 2.5, 2.0, 1.0


@dataclass(frozen=True)
class Alternative:
    kind: str
    value: str
    weight: float
    reason: str


@dataclass(frozen=True)
class Criterion:
    """One fact the searcher gave, and the keys that agree with it (best first)."""

    alternatives: tuple[Alternative, ...]


@dataclass
class Query:
    criteria: list[Criterion] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # field -> what is wrong

    @property
    def empty(self) -> bool:
        return not self.criteria


_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        1,
    )
    for m in names.split()
}
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WORDY_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_WORDS})\.?,?\s+(\d{{4}}|\d{{2}})\b", re.I
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_COMPACT_DATE = re.compile(r"\b(\d{2})(\d{2})(\d{4})\b")  # 01052010
_NHS = re.compile(r"(?<![\d+])([1-9]\d{2})[\s\-]?(\d{3})[\s\-]?(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<!\w)(\+|00)?[\d(][\d\s()\-]{8,18}\d(?!\d)")
_VEHICLE = re.compile(r"\b([A-Z]{2}\d{2})\s?([A-Z]{3})\b", re.I)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s?(\d[A-Z]{2})\b", re.I)
_SECTOR = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s(\d)\b", re.I)
_DISTRICT = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\b", re.I)
_HAS_DIGIT = re.compile(r"\d")


def read_date(text: str, today: date | None = None) -> date | None:
    """A date of birth as people in the UK write it (day first), or None if not a date.
    Raises ValueError for one that looks like a date but does not exist (31/02/2010)."""
    found = _match_date(text.strip(), full=True)
    if found is None:
        return None
    return _to_date(*found, today=today)


def _match_date(text: str, *, full: bool) -> tuple[str, str, str, str] | None:
    """(day, month, year, the text matched) of the first date in `text`."""
    for pattern, order in (
        (_ISO_DATE, (3, 2, 1)),
        (_NUMERIC_DATE, (1, 2, 3)),
        (_WORDY_DATE, (1, 2, 3)),
        (_COMPACT_DATE, (1, 2, 3)),
    ):
        match = pattern.fullmatch(text) if full else pattern.search(text)
        if match:
            d, m, y = (match.group(i) for i in order)
            return d, m, y, match.group(0)
    return None


def _to_date(day: str, month: str, year: str, matched: str, today: date | None = None) -> date:
    today = today or date.today()
    month_number = int(month) if month.isdigit() else _MONTHS[month.lower()]
    year_number = int(year)
    if len(year) == 2:  # '10' is 2010, '95' is 1995: nobody searched for is born in the future
        year_number += 2000 if 2000 + year_number <= today.year else 1900
    try:
        return date(year_number, month_number, int(day))
    except ValueError:
        raise ValueError(f"{matched} is not a real date") from None


def parse(
    q: str = "",
    *,
    date_of_birth: str = "",
    postcode: str = "",
    phone: str = "",
    vehicle: str = "",
    nhs_number: str = "",
    today: date | None = None,
) -> Query:
    """The criteria of a search: `q` is free text; the others are one fact each (the API's
    fields), read strictly so that a problem names the field it is in."""
    query = Query()
    text = q.strip()
    text = _take_nhs(query, text, "q")
    text = _take_phones(query, text)
    text = _take_dates(query, text, today)
    text = _take_vehicles(query, text)
    text = _take_postcodes(query, text)
    _take_names(query, text)
    if nhs_number.strip():
        problem = nhs.problem(nhs_number)
        if problem:
            query.problems["nhs_number"] = f"The NHS number {problem}"
        else:
            query.criteria.append(_nhs(nhs.digits(nhs_number)))
    if date_of_birth.strip():
        try:
            born = read_date(date_of_birth, today)
        except ValueError as error:
            query.problems["date_of_birth"] = f"The date of birth {error}"
        else:
            if born is None:
                query.problems["date_of_birth"] = (
                    "Enter the date of birth as a date, like 1/5/2010 or 1 May 2010"
                )
            else:
                query.criteria.append(_dob(born))
    if postcode.strip():
        criterion = _postcode(postcode)
        if criterion is None:
            query.problems["postcode"] = "Enter a postcode or the start of one, like NM4 2AB or NM4"
        else:
            query.criteria.append(criterion)
    if phone.strip():
        e164 = phone_e164(phone)
        if e164 is None:
            query.problems["phone"] = "Enter a whole phone number, like 07700 900123"
        else:
            query.criteria.append(_phone(e164))
    if vehicle.strip():
        plate = keys.vehicle_key(vehicle)
        if plate is None or len(plate[1]) < 2:
            query.problems["vehicle"] = "Enter a vehicle registration, like NM19 ABC"
        else:
            query.criteria.append(_vehicle(plate[1]))
    return query


def _nhs(number: str) -> Criterion:
    return Criterion((Alternative(keys.NHS, number, W_NHS, "same NHS number"),))


def _dob(born: date) -> Criterion:
    options = [Alternative(keys.DOB, born.isoformat(), W_DOB, "same date of birth")]
    swapped = swap_day_month(born.isoformat())
    if swapped:
        reason = "date of birth with day and month swapped"
        options.append(Alternative(keys.DOB, swapped, W_DOB_SWAPPED, reason))
    return Criterion(tuple(options))


def _phone(e164: str) -> Criterion:
    return Criterion((Alternative(keys.PHONE, e164, W_PHONE, "same phone number"),))


def _vehicle(plate: str) -> Criterion:
    return Criterion((Alternative(keys.VEHICLE, plate, W_VEHICLE, "vehicle in a case"),))


def _postcode(text: str) -> Criterion | None:
    value = text.strip()
    unit, sector, district = postcode_parts(value)
    if sector and unit and district:  # a whole postcode
        return Criterion(
            (
                Alternative(keys.UNIT, keys.compact(unit), W_UNIT, "same postcode"),
                Alternative(keys.SECTOR, keys.compact(sector), W_SECTOR, "same postcode sector"),
            )
        )
    match = _SECTOR.fullmatch(value)
    if match:
        sector_key = keys.compact(value)
        return Criterion((Alternative(keys.SECTOR, sector_key, W_SECTOR, "same postcode sector"),))
    if _DISTRICT.fullmatch(value) and _HAS_DIGIT.search(value):
        area = keys.compact(value)
        return Criterion((Alternative(keys.DISTRICT, area, W_DISTRICT, "same postcode district"),))
    return None


def _take_nhs(query: Query, text: str, field_name: str) -> str:
    for match in list(_NHS.finditer(text)):
        number = "".join(match.groups())
        problem = nhs.problem(number)
        if problem:
            query.problems[field_name] = f"The NHS number {problem}"
        else:
            query.criteria.append(_nhs(number))
        text = text.replace(match.group(0), " ", 1)
    return text


def _take_phones(query: Query, text: str) -> str:
    for match in list(_PHONE.finditer(text)):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if _match_date(raw.strip(), full=True) or len(digits) < 10:
            continue  # '01 05 2010' is a date, and a fragment is not a phone
        e164 = phone_e164(raw)
        if e164:
            query.criteria.append(_phone(e164))
            text = text.replace(raw, " ", 1)
    return text


def _take_dates(query: Query, text: str, today: date | None) -> str:
    for _ in range(5):  # at most a few dates in one search
        found = _match_date(text, full=False)
        if found is None:
            break
        text = text.replace(found[3], " ", 1)
        try:
            query.criteria.append(_dob(_to_date(*found, today=today)))
        except ValueError as error:
            query.problems["q"] = f"The date of birth {error}"
    return text


def _take_vehicles(query: Query, text: str) -> str:
    for match in list(_VEHICLE.finditer(text)):
        if _POSTCODE.fullmatch(match.group(0)):
            continue
        query.criteria.append(_vehicle(keys.compact(match.group(0))))
        text = text.replace(match.group(0), " ", 1)
    return text


def _take_postcodes(query: Query, text: str) -> str:
    for pattern in (_POSTCODE, _SECTOR, _DISTRICT):
        for match in list(pattern.finditer(text)):
            if not _HAS_DIGIT.search(match.group(0)):
                continue
            criterion = _postcode(match.group(0))
            if criterion:
                query.criteria.append(criterion)
                text = text.replace(match.group(0), " ", 1)
    return text


def _take_names(query: Query, text: str) -> None:
    leftover = [w for w in re.split(r"\s+", text) if _HAS_DIGIT.search(w)]
    if leftover:
        query.problems.setdefault(
            "q",
            f"{' '.join(leftover)!r} is not a date of birth, postcode, phone, vehicle or "
            "NHS number: check it",
        )
    seen: set[str] = set()
    for token in name_tokens(text, drop_titles=True):
        if len(token) < 2 or token in seen:
            continue
        seen.add(token)
        query.criteria.append(_name(token))


def _name(token: str) -> Criterion:
    """A name matches as typed, as a formal name it may be short for, through a shared
    nickname group or spelling (Becky, Rebecca, Rebekah), or by sound (Katherine, Kathryn)."""
    shown = token.capitalize()
    options = [Alternative(keys.NAME, token, W_NAME, f"name {shown}")]
    forms = sorted(name_forms(token) - {token})
    for form in forms:
        options.append(Alternative(keys.NAME, form, W_FORM, f"{form.capitalize()} for {shown}"))
    groups = sorted({name_key(f) for f in (*forms, token)})
    for group in groups:
        options.append(Alternative(keys.NICK, group, W_NICK, f"a form of the name {shown}"))
    sound = phonetic(token)
    if sound:
        options.append(Alternative(keys.SOUND, sound, W_SOUND, f"a name that sounds like {shown}"))
    return Criterion(tuple(options))
