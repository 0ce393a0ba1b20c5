"""The search keys of a person record, written when the record is stored.

A search must answer in well under 150 ms on a million records, which a LIKE scan over names
cannot (bench/person_search.py). So each record's searchable facts are normalised once, the
way linkage normalises them (caselink.linkage.normalise), into rows of (kind, value): a
search then looks up exact values in one index. Keys are derived data: `index_missing`
rebuilds any that are absent, so a record stored by any path becomes findable.
"""

import re
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from caselink.linkage.nicknames import name_key
from caselink.linkage.normalise import name_tokens, phone_e164, phonetic, postcode_parts
from caselink.people.nhs import valid_or_none
from caselink.store.bulk import insert_rows
from caselink.store.models import CaseEntity, PersonRecord, PersonSearchKey

# The kinds of key, each one a column of evidence a searcher may give.
NAME, NICK, SOUND = "name", "nick", "sound"  # a name token, its nickname group, its metaphone
DOB = "dob"
UNIT, SECTOR, DISTRICT = "pc_unit", "pc_sector", "pc_district"  # compact: NM42AB, NM42, NM4
PHONE, VEHICLE, NHS = "phone", "vehicle", "nhs"

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
BATCH = 5_000
Key = tuple[str, str]


def compact(value: str) -> str:
    """Upper-case letters and digits only: how postcodes and registrations are compared."""
    return _NOT_ALNUM.sub("", value.upper())


@lru_cache(maxsize=65_536)
def name_keys(token: str) -> tuple[Key, ...]:
    """Names repeat (a million records hold a few thousand), so each is worked out once."""
    sound = phonetic(token)
    keys = [(NAME, token), (NICK, name_key(token))]
    return tuple([*keys, (SOUND, sound)] if sound else keys)


def record_keys(
    given_name: str | None,
    family_name: str | None,
    date_of_birth: date | None,
    postcode: str | None,
    phone: str | None,
    nhs_number: str | None,
) -> set[Key]:
    """Every key of one record. Deliberately no ethnicity, nationality or religion."""
    keys: set[Key] = set()
    tokens = name_tokens(given_name, drop_titles=True) + name_tokens(family_name)
    for token in tokens:
        if len(token) > 1:  # an initial says too little to be looked up alone
            keys.update(name_keys(token))
    if date_of_birth:
        keys.add((DOB, date_of_birth.isoformat()))
    unit, sector, district = postcode_parts(postcode)
    if sector:  # a real UK postcode; anything else keeps its compacted text as the unit
        keys.add((SECTOR, compact(sector)))
    if unit:
        keys.add((UNIT, compact(unit)))
    if district:
        keys.add((DISTRICT, compact(district)))
    e164 = phone_e164(phone)
    if e164:
        keys.add((PHONE, e164))
    nhs = valid_or_none(nhs_number)
    if nhs:
        keys.add((NHS, nhs))
    return {(k, v[:64]) for k, v in keys}


def vehicle_key(registration: str | None) -> Key | None:
    plate = compact(registration or "")
    return (VEHICLE, plate[:64]) if plate else None


_RECORD_COLUMNS = (
    PersonRecord.id,
    PersonRecord.given_name,
    PersonRecord.family_name,
    PersonRecord.date_of_birth,
    PersonRecord.postcode,
    PersonRecord.phone,
    PersonRecord.nhs_number,
)


def _write(session: Session, rows: Iterable[tuple[int, Key]]) -> int:
    table = PersonSearchKey.__table__
    batch: list[dict[str, object]] = []
    written = 0
    for record_id, (kind, value) in rows:
        batch.append({"kind": kind, "value": value, "person_record_id": record_id})
        if len(batch) >= BATCH:
            insert_rows(session.connection(), table, batch)  # type: ignore[arg-type]
            written, batch = written + len(batch), []
    if batch:
        insert_rows(session.connection(), table, batch)  # type: ignore[arg-type]
        written += len(batch)
    return written


def _record_rows(session: Session, where: object) -> Iterator[tuple[int, Key]]:
    for row in session.execute(select(*_RECORD_COLUMNS).where(where)):  # type: ignore[arg-type]
        for key in sorted(record_keys(*row[1:])):
            yield row[0], key


def _vehicle_rows(session: Session, where: object) -> Iterator[tuple[int, Key]]:
    seen: set[tuple[int, Key]] = set()
    for record_id, value in session.execute(
        select(CaseEntity.person_record_id, CaseEntity.value).where(
            CaseEntity.kind == "vehicle",
            CaseEntity.person_record_id.is_not(None),
            where,  # type: ignore[arg-type]
        )
    ):
        key = vehicle_key(value)
        if key and record_id is not None and (record_id, key) not in seen:
            seen.add((record_id, key))
            yield record_id, key


def index_records(session: Session, record_ids: Iterable[int]) -> int:
    """Write the keys of these (newly stored) records, in the caller's transaction."""
    ids = sorted(set(record_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        written += _write(session, list(_record_rows(session, PersonRecord.id.in_(chunk))))
    return written


def index_import(session: Session, import_id: int) -> int:
    """The keys of the records, or the vehicles, a file load has just stored."""
    written = _write(session, list(_record_rows(session, PersonRecord.import_id == import_id)))
    return written + index_vehicles(session, CaseEntity.import_id == import_id)


def index_vehicles(session: Session, where: object) -> int:
    """Vehicle keys from the case entities matching `where` that tie a vehicle to a person,
    skipping keys already there (two cases may name the same car for the same person)."""
    wanted = list(_vehicle_rows(session, where))
    if not wanted:
        return 0
    ids = {record_id for record_id, _ in wanted}
    present = set(
        session.execute(
            select(PersonSearchKey.person_record_id, PersonSearchKey.value).where(
                PersonSearchKey.kind == VEHICLE, PersonSearchKey.person_record_id.in_(ids)
            )
        ).all()
    )
    return _write(session, [(r, k) for r, k in wanted if (r, k[1]) not in present])


def index_missing(session: Session) -> int:
    """Keys for every stored record that has none yet (records stored before search keys
    existed, or by a path that did not index them). Idempotent."""
    has_keys = exists().where(PersonSearchKey.person_record_id == PersonRecord.id)
    written = index_records(session, session.scalars(select(PersonRecord.id).where(~has_keys)))
    return written + index_vehicles(session, CaseEntity.id.is_not(None))
