"""Person records put into the comparable form the linkage model expects.

Each field is cleaned the way English agency records need: names lose accents, titles and
punctuation and gain their nickname groups and a phonetic code; dates gain their
day/month-swapped twin; postcodes are split into unit, sector and district; phones become
E.164-style; NHS numbers that fail their check digit become missing, so a mistyped number
is never evidence for or against a link. Values are computed once per distinct input,
which keeps a million records to seconds.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import jellyfish
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

from caselink.linkage.nicknames import name_forms, name_key
from caselink.people.nhs import valid_or_none

# Columns the model compares. Nothing else reaches Splink: in particular never ethnicity,
# nationality or religion, whatever the input file carries.
MODEL_COLUMNS = (
    "unique_id",
    "source",
    "given_first",
    "given_tokens",
    "given_forms",
    "given_key",
    "given_mp",
    "given_initial",
    "family",
    "family_parts",
    "family_mp",
    "family_initial",
    "family_key",
    "dob",
    "dob_swapped",
    "sex",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "address_key",
    "address_number",
    "address_tokens",
    "nhs_number",
    "phone",
    "email",
    "email_user",
)

_TITLES = frozenset(
    ["mr", "mrs", "miss", "ms", "mx", "dr", "prof", "rev", "sir", "dame", "master", "lady", "lord"]
)
# Placeholders agencies type when a name is not known: not a name, so not evidence.
_NOT_NAMES = frozenset(
    [
        "unknown",
        "unk",
        "nk",
        "notknown",
        "not",
        "known",
        "baby",
        "infant",
        "child",
        "male",
        "female",
        "anon",
        "anonymous",
        "none",
        "na",
        "n/a",
        "tbc",
        "tba",
        "withheld",
        "refused",
        "test",
    ]
)
_NAME_SEPARATORS = re.compile(r"[\s\-_./,]+")
_NOT_LETTERS = re.compile(r"[^a-z]")


def _ascii_lower(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_tokens(value: str | None, *, drop_titles: bool = False) -> list[str]:
    """Lower-case ASCII letters only, one token per word; apostrophes join (O'Brien)."""
    if not value:
        return []
    text = _ascii_lower(value).replace("'", "").replace("\u2019", "")
    tokens = [_NOT_LETTERS.sub("", t) for t in _NAME_SEPARATORS.split(text)]
    tokens = [t for t in tokens if t]
    if drop_titles:
        while tokens and tokens[0] in _TITLES:
            tokens = tokens[1:]
    if " ".join(tokens) in _NOT_NAMES or all(t in _NOT_NAMES for t in tokens):
        return []
    return tokens


def phonetic(name: str | None) -> str | None:
    if not name:
        return None
    return jellyfish.metaphone(name) or None


def swap_day_month(dob: str | None) -> str | None:
    """ISO date with day and month swapped, if that is another real date."""
    if not dob:
        return None
    year, month, day = dob[:4], dob[5:7], dob[8:10]
    if month == day:
        return None
    try:
        date(int(year), int(day), int(month))
    except ValueError:
        return None
    return f"{year}-{day}-{month}"


_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def postcode_parts(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(unit, sector, district) of a UK postcode, e.g. ('NM4 2AB', 'NM4 2', 'NM4').

    Anything that is not a UK postcode (a mistyped one, or a foreign one such as FEBRL's
    Australian four digits) keeps its compacted text as unit and district and has no
    sector, so two such values can still agree.
    """
    if not value:
        return None, None, None
    compact = re.sub(r"[^A-Z0-9]", "", _ascii_lower(value).upper())
    if not compact:
        return None, None, None
    match = _UK_POSTCODE.match(compact)
    if not match:
        return compact, None, compact
    outward, inward = match.groups()
    return f"{outward} {inward}", f"{outward} {inward[0]}", outward


_STREET_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "drv": "drive",
    "cres": "crescent",
    "cresc": "crescent",
    "cr": "crescent",
    "ct": "court",
    "crt": "court",
    "pl": "place",
    "gdns": "gardens",
    "gdn": "gardens",
    "gr": "grove",
    "gro": "grove",
    "cl": "close",
    "sq": "square",
    "tce": "terrace",
    "terr": "terrace",
    "ter": "terrace",
    "pde": "parade",
    "pk": "park",
    "wy": "way",
    "hl": "hill",
    "mt": "mount",
    "cir": "circuit",
    "cct": "circuit",
    "hwy": "highway",
    "bvd": "boulevard",
    "blvd": "boulevard",
    "apt": "flat",
    "apartment": "flat",
}
_STREET_TYPES = frozenset(_STREET_WORDS.values()) | {
    "row",
    "walk",
    "mews",
    "rise",
    "view",
    "wharf",
    "green",
    "yard",
    "gate",
    "circus",
    "esplanade",
    "crossing",
}
_ADDRESS_NOISE = frozenset({"flat", "the", "and", "of", "house", "unit"})
_ADDRESS_TOKEN = re.compile(r"[a-z0-9]+")
_HAS_DIGIT = re.compile(r"\d")
# 'Flat 3', 'Apartment 2b': the flat, not the house, so not part of the street key.
_FLAT = re.compile(r"\b(flat|apartment|apt|unit|room)\s*\.?\s*[0-9]+[a-z]?\b")


def address_parts(value: str | None, postcode: str | None) -> tuple[str | None, list[str]]:
    """(house number and street, distinctive words) of a free-text address.

    The key is the first number and the street name up to its type word ('12 high street'),
    which survives the town, county and flat details that agencies record differently.
    The words exclude numbers, street types and filler, so they speak for the place.
    """
    if not value:
        return None, []
    text = _FLAT.sub(" ", _ascii_lower(value).replace("'", ""))
    if postcode:  # a postcode typed into the address line says nothing new
        text = text.replace(postcode.lower(), " ").replace(postcode.lower().replace(" ", ""), " ")
    words: list[str] = []
    for segment in text.split(","):
        words += _street_words(_ADDRESS_TOKEN.findall(segment))
    number = next((w for w in words if _HAS_DIGIT.search(w)), None)
    street: list[str] = []
    start = words.index(number) + 1 if number is not None else 0
    for word in words[start:]:
        if _HAS_DIGIT.search(word):
            continue
        street.append(word)
        if word in _STREET_TYPES or len(street) == 4:
            break
    key = " ".join(([number] if number else []) + street) if street else None
    distinctive = sorted(
        {
            w
            for w in words
            if w not in _STREET_TYPES
            and w not in _ADDRESS_NOISE
            and len(w) > 1
            and not _HAS_DIGIT.search(w)
        }
    )
    return key, distinctive


def house_number(address_key: str | None) -> str | None:
    """The house number an address key starts with ('12a' of '12a high street'), if any."""
    if not address_key:
        return None
    first = address_key.split(" ", 1)[0]
    return first if _HAS_DIGIT.search(first) else None


def _street_words(tokens: list[str]) -> list[str]:
    """Abbreviations spelled out; 'st' before a name that a street type follows is Saint
    ('st marys road'), otherwise Street ('high st')."""
    words = []
    for i, token in enumerate(tokens):
        if token == "st" and i + 1 < len(tokens) and not _HAS_DIGIT.search(tokens[i + 1]):
            later = (_STREET_WORDS.get(t, t) for t in tokens[i + 2 :])
            if any(t in _STREET_TYPES for t in later):
                words.append("saint")
                continue
        words.append(_STREET_WORDS.get(token, token))
    return words


_PHONE_JUNK = re.compile(r"^(\d)\1+$")


def phone_e164(value: str | None) -> str | None:
    """UK numbers as +44..., others as +digits; placeholders and fragments as missing."""
    if not value:
        return None
    plus = value.strip().startswith("+")
    digits = re.sub(r"\D", "", value)
    if digits.startswith("00"):
        digits, plus = digits[2:], True
    if plus:
        number = digits
    elif digits.startswith("0") and len(digits) in (10, 11):
        number = "44" + digits[1:]
    elif digits.startswith("44") and len(digits) in (11, 12):
        number = digits
    else:
        number = digits
    if number.startswith("440"):  # +44 (0)7700 ...: the trunk zero written anyway
        number = "44" + number[3:]
    national = number[2:] if number.startswith("44") else number
    if len(number) < 8 or _PHONE_JUNK.match(national):
        return None
    return "+" + number


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_PLACEHOLDERS = frozenset(
    ["none", "noemail", "no.email", "na", "unknown", "test", "noreply", "no-reply"]
)


def email_parts(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    email = value.strip().lower()
    if not _EMAIL.match(email):
        return None, None
    user = email.split("@", 1)[0]
    if user in _EMAIL_PLACEHOLDERS:
        return None, None
    return email, user


def nhs_number(value: str | None) -> str | None:
    """Ten digits, or None when the check digit fails: an invalid number is no evidence."""
    return valid_or_none(value)


def _per_value(series: "pd.Series[Any]", function: Callable[[Any], Any]) -> "pd.Series[Any]":
    """Apply `function` once per distinct value; names and postcodes repeat a lot."""
    uniques = series.dropna().unique()
    lookup = {value: function(value) for value in uniques}
    return series.map(lookup)


def _blank_to_none(series: "pd.Series[Any]") -> "pd.Series[Any]":
    stripped = series.fillna("").astype(str).str.strip()
    return stripped.where(stripped != "", None)


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """The model's input frame from interchange records (columns as in records.py)."""
    raw = {c: _blank_to_none(records[c]) for c in records.columns}
    out = pd.DataFrame({"unique_id": records["record_id"].astype(str).values})
    out["source"] = raw["source"].values

    given_tokens = _per_value(raw["given_name"], lambda v: name_tokens(v, drop_titles=True))
    out["given_tokens"] = _lists(given_tokens).values
    given_first = out["given_tokens"].map(lambda t: t[0] if t else None)
    out["given_first"] = given_first.values
    out["given_forms"] = _lists(_per_value(given_first, lambda n: sorted(name_forms(n)))).values
    out["given_key"] = _per_value(given_first, name_key).values
    out["given_mp"] = _per_value(given_first, phonetic).values
    out["given_initial"] = given_first.str[:1].values

    family_tokens = _per_value(raw["family_name"], name_tokens)
    out["family_parts"] = _lists(family_tokens).values
    family = out["family_parts"].map(lambda t: "".join(t) if t else None)
    out["family"] = family.values
    out["family_mp"] = _per_value(family, phonetic).values
    out["family_initial"] = family.str[:1].values
    # The family box read as a given name, for names in each other's boxes ('White, Becky').
    out["family_key"] = _per_value(family, name_key).values

    out["dob"] = raw["date_of_birth"].values
    out["dob_swapped"] = _per_value(raw["date_of_birth"], swap_day_month).values
    out["sex"] = raw["sex"].str.upper().values

    parts = _per_value(raw["postcode"], postcode_parts)
    out["postcode"] = parts.map(lambda p: p[0] if isinstance(p, tuple) else None).values
    out["postcode_sector"] = parts.map(lambda p: p[1] if isinstance(p, tuple) else None).values
    out["postcode_district"] = parts.map(lambda p: p[2] if isinstance(p, tuple) else None).values

    address = pd.Series(list(zip(raw["address"], out["postcode"], strict=True)))
    address_split = _per_value(address, lambda pair: address_parts(pair[0], pair[1]))
    out["address_key"] = address_split.map(lambda p: p[0] if isinstance(p, tuple) else None)
    out["address_tokens"] = address_split.map(lambda p: p[1] if isinstance(p, tuple) else [])
    out["address_number"] = out["address_key"].map(house_number)

    out["nhs_number"] = _per_value(raw["nhs_number"], nhs_number).values
    out["phone"] = _per_value(raw["phone"], phone_e164).values
    emails = _per_value(raw["email"], email_parts)
    out["email"] = emails.map(lambda p: p[0] if isinstance(p, tuple) else None).values
    out["email_user"] = emails.map(lambda p: p[1] if isinstance(p, tuple) else None).values
    return out[list(MODEL_COLUMNS)].astype(object).where(out[list(MODEL_COLUMNS)].notna(), None)


LIST_COLUMNS = frozenset({"given_tokens", "given_forms", "family_parts", "address_tokens"})


def to_arrow(prepared: pd.DataFrame) -> pa.Table:
    """The prepared frame with explicit types, so that a column that happens to be empty
    everywhere (no NHS numbers in FEBRL) is still text to every backend."""
    schema = pa.schema(
        [
            pa.field(c, pa.list_(pa.string()) if c in LIST_COLUMNS else pa.string())
            for c in MODEL_COLUMNS
        ]
    )
    return pa.Table.from_pandas(prepared[list(MODEL_COLUMNS)], schema=schema, preserve_index=False)


def _lists(series: "pd.Series[Any]") -> "pd.Series[Any]":
    """Missing list values as empty lists: Splink's array levels want arrays, not nulls."""
    return series.map(lambda v: v if isinstance(v, list) else [])
