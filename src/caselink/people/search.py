"""Person search: the people a professional may see who match what they typed, strongest
match first, each with the reasons it matched.

One query does the work. Each alternative of each criterion (caselink.people.query) is an
exact look-up in the search-key index; a record's score is the sum over criteria of its best
alternative; a record qualifies when it agrees on at least two of the facts given (or on the
only one, or on an NHS number). The policy's condition on person records
(`policy.records`) is part of that same query, before the ranking and the limit: a searcher
never learns of a person outside their scope — no count, no "1 hidden", and the database
does the same work whether the matches are in scope or not. People with records but no case
are found like any other, since every record has keys.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import digest, record_read
from caselink.people.query import STRONG, Criterion, Query
from caselink.store.models import Agency, PersonRecord, PersonSearchKey

RECORD_LIMIT = 200  # the best-scoring records read; grouped into at most PEOPLE_LIMIT people
PEOPLE_LIMIT = 50


@dataclass
class Found:
    """One person (or one record not linked to a person yet) and why they matched."""

    person_id: int | None
    record_id: int  # the best-matching record this searcher may see
    name: str
    date_of_birth: date | None
    postcode: str | None
    score: float
    agencies: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def href(self) -> str:
        """The joined-up person page; a record not yet linked to anyone has its own page."""
        if self.person_id is not None:
            return f"/people/{self.person_id}"
        return f"/records/{self.record_id}"


def _need(query: Query) -> int:
    return min(len(query.criteria), 2)


def _matching(criteria: list[Criterion]) -> CompoundSelect[Any]:
    """The records matching any alternative of any of `criteria` (one flat UNION ALL:
    SQLite refuses a compound select nested in another)."""
    k = PersonSearchKey
    return union_all(
        *(
            select(k.person_record_id).where(k.kind == o.kind, k.value == o.value)
            for criterion in criteria
            for o in criterion.alternatives
        )
    )


def _drivers(session: Session, query: Query) -> set[int]:
    """The criteria that every qualifying record matches at least one of: a record agreeing
    on `need` of n facts misses at most n - need, so it matches one of the n - need + 1 most
    selective; and an NHS number qualifies alone. The others are then only probed for those
    records, so a postcode district or a common name's sound (tens of thousands of keys on
    a million records) is never read whole. Counting a key is an index range count."""
    k = PersonSearchKey
    counts = [
        sum(
            session.scalar(select(func.count()).where(k.kind == o.kind, k.value == o.value)) or 0
            for o in criterion.alternatives
        )
        for criterion in query.criteria
    ]
    by_size = sorted(range(len(counts)), key=lambda i: counts[i])
    chosen = set(by_size[: len(counts) - _need(query) + 1])
    chosen |= {i for i, c in enumerate(query.criteria) if c.alternatives[0].weight >= STRONG}
    return chosen


def _scored(session: Session, query: Query, p: Principal) -> Select[Any]:
    k = PersonSearchKey
    drivers = _drivers(session, query)
    candidates = _matching([query.criteria[i] for i in sorted(drivers)]).subquery("candidates")
    hits = []
    for number, criterion in enumerate(query.criteria):
        for option in criterion.alternatives:
            hit = select(
                k.person_record_id.label("rid"),
                literal(number).label("c"),
                literal(option.weight).label("w"),
            ).where(k.kind == option.kind, k.value == option.value)
            if number not in drivers:
                hit = hit.where(k.person_record_id.in_(select(candidates.c.person_record_id)))
            hits.append(hit)
    every = union_all(*hits).subquery("hits")
    best = (
        select(every.c.rid, every.c.c, func.max(every.c.w).label("w"))
        .group_by(every.c.rid, every.c.c)
        .subquery("best")
    )
    need = _need(query)
    total = func.sum(best.c.w)
    scored = (
        select(best.c.rid, total.label("score"))
        .group_by(best.c.rid)
        .having(or_(func.count() >= need, func.max(best.c.w) >= STRONG))
        .subquery("scored")
    )
    return (
        select(PersonRecord.id, PersonRecord.person_id, scored.c.score)
        .join(scored, scored.c.rid == PersonRecord.id)
        .where(policy.records(p))
        .order_by(scored.c.score.desc(), PersonRecord.id)
        .limit(RECORD_LIMIT)
    )


def search(session: Session, p: Principal, query: Query) -> list[Found]:
    """The people matching `query` that `p` may see, best first. The search is ledgered
    (who searched for what, and how many people they were shown), as any read is."""
    if query.problems or query.empty:
        return []
    scored = _scored(session, query, p)
    ranked = [(row[0], row[1], float(row[2])) for row in session.execute(scored)]
    found = _people(session, query, ranked)
    record_read(
        session,
        p.actor,
        "person_search",
        digest(repr([c.alternatives for c in query.criteria]))[:16],
        reason=f"{len(found)} people shown: records {', '.join(str(f.record_id) for f in found)}",
    )
    return found


def _people(
    session: Session, query: Query, ranked: list[tuple[int, int | None, float]]
) -> list[Found]:
    if not ranked:
        return []
    ids = [rid for rid, _, _ in ranked]
    reasons = _reasons(session, query, ids)
    rows = {
        r.id: (r, agency)
        for r, agency in session.execute(
            select(PersonRecord, Agency.name)
            .join(Agency, Agency.id == PersonRecord.agency_id)
            .where(PersonRecord.id.in_(ids))
        ).all()
    }
    people: dict[tuple[str, int], Found] = {}
    for rid, person_id, score in ranked:
        record, agency = rows[rid]
        key = ("person", person_id) if person_id is not None else ("record", rid)
        person = people.get(key)
        if person is None:
            if len(people) >= PEOPLE_LIMIT:
                continue
            name = " ".join(n for n in (record.given_name, record.family_name) if n)
            person = people[key] = Found(
                person_id,
                rid,
                name or "(no name recorded)",
                record.date_of_birth,
                record.postcode,
                float(score),
            )
        if agency not in person.agencies:
            person.agencies.append(agency)
        for reason in reasons.get(rid, []):
            if reason not in person.reasons:
                person.reasons.append(reason)
    return list(people.values())


def _reasons(session: Session, query: Query, ids: list[int]) -> dict[int, list[str]]:
    """Why each record matched: its best alternative of each criterion, in words."""
    k = PersonSearchKey
    wanted = {
        (option.kind, option.value): (number, option)
        for number, criterion in enumerate(query.criteria)
        for option in reversed(criterion.alternatives)  # the best alternative wins a tie
    }
    matches = session.execute(
        select(k.person_record_id, k.kind, k.value).where(
            k.person_record_id.in_(ids),
            or_(*(and_(k.kind == kind, k.value == value) for kind, value in wanted)),
        )
    ).all()
    best: dict[int, dict[int, tuple[float, str]]] = defaultdict(dict)
    for rid, kind, value in matches:
        number, option = wanted[(kind, value)]
        held = best[rid].get(number)
        if held is None or option.weight > held[0]:
            best[rid][number] = (option.weight, option.reason)
    return {
        rid: [reason for _, reason in sorted(by.values(), key=lambda wr: -wr[0])]
        for rid, by in best.items()
    }
