"""The analyst's queue of uncertain links: pairs scored between the review and link
thresholds (or that would merge two existing persons), newest scoring of each pair, not
yet decided. What a principal sees is filtered by `policy.link_candidates` in the query.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.linkage.evidence import Evidence
from caselink.people import nhs
from caselink.store.models import Agency, LinkCandidate, LinkDecision, PersonRecord

PAGE_SIZE = 50

# What the pair page shows side by side: interchange fields only (never ethnicity etc.).
SHOWN_FIELDS = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("sex", "Sex"),
    ("postcode", "Postcode"),
    ("address", "Address"),
    ("nhs_number", "NHS number"),
    ("phone", "Phone"),
    ("email", "Email"),
)


@dataclass(frozen=True)
class RecordSide:
    id: int
    record_id: str
    agency: str
    values: dict[str, str]


@dataclass(frozen=True)
class QueueRow:
    candidate_id: int
    probability: float
    a: RecordSide
    b: RecordSide


@dataclass(frozen=True)
class Review:
    row: QueueRow
    evidence: Evidence
    decided: str | None  # the newest decision on the pair, if any


def _undecided() -> ColumnElement[bool]:
    return ~exists().where(
        LinkDecision.record_a_id == LinkCandidate.record_a_id,
        LinkDecision.record_b_id == LinkCandidate.record_b_id,
    )


def _newest() -> ColumnElement[bool]:
    newer = aliased(LinkCandidate)
    return ~exists().where(
        newer.record_a_id == LinkCandidate.record_a_id,
        newer.record_b_id == LinkCandidate.record_b_id,
        newer.id > LinkCandidate.id,
    )


def _side(record: PersonRecord, agency: str) -> RecordSide:
    values = {}
    for name, _ in SHOWN_FIELDS:
        value = getattr(record, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif name == "nhs_number" and value:
            value = nhs.display(value)  # 3-3-4, as people read it
        values[name] = "" if value is None else str(value)
    return RecordSide(record.id, record.record_id, agency, values)


def _rows(session: Session, candidates: list[LinkCandidate]) -> list[QueueRow]:
    ids = {c.record_a_id for c in candidates} | {c.record_b_id for c in candidates}
    found = session.execute(
        select(PersonRecord, Agency.code)
        .join(Agency, Agency.id == PersonRecord.agency_id)
        .where(PersonRecord.id.in_(ids))
    ).all()
    sides = {r.id: _side(r, code) for r, code in found}
    return [
        QueueRow(c.id, c.match_probability, sides[c.record_a_id], sides[c.record_b_id])
        for c in candidates
    ]


def open_queue(session: Session, p: Principal, page: int = 1) -> tuple[list[QueueRow], int]:
    """One page of open candidates this principal may see, most likely links first."""
    where = and_(policy.link_candidates(p), _undecided(), _newest())
    total = session.scalar(select(func.count()).select_from(LinkCandidate).where(where)) or 0
    candidates = list(
        session.scalars(
            select(LinkCandidate)
            .where(where)
            .order_by(LinkCandidate.match_probability.desc(), LinkCandidate.id)
            .limit(PAGE_SIZE)
            .offset((max(page, 1) - 1) * PAGE_SIZE)
        )
    )
    return _rows(session, candidates), total


def find(session: Session, p: Principal, candidate_id: int) -> LinkCandidate | None:
    """The candidate, if it exists and this principal may see it (None either way, so the
    answer does not reveal whether an out-of-scope pair exists; the refusal is ledgered)."""
    try:
        found: LinkCandidate = refusals.find_or_refuse(
            session,
            p,
            "link_candidate",
            candidate_id,
            select(LinkCandidate).where(
                LinkCandidate.id == candidate_id, policy.link_candidates(p)
            ),
            select(LinkCandidate.id).where(LinkCandidate.id == candidate_id),
        )[0]
    except refusals.Refused:
        return None
    return found


def review(session: Session, p: Principal, candidate_id: int) -> Review | None:
    candidate = find(session, p, candidate_id)
    if candidate is None:
        return None
    decided = session.scalar(
        select(LinkDecision.decision)
        .where(
            LinkDecision.record_a_id == candidate.record_a_id,
            LinkDecision.record_b_id == candidate.record_b_id,
        )
        .order_by(LinkDecision.id.desc())
        .limit(1)
    )
    row = _rows(session, [candidate])[0]
    return Review(row, Evidence.from_json(candidate.evidence), decided)
