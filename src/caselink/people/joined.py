"""The joined-up person record: every record linked to one person, from every agency the
reader may see, side by side, with what differs between them, how sure each link is, the
person's known names, and every case and report they are in with their role in that case.

What the reader sees is the policy's (`policy.records`, which includes the team caseload);
records withheld under s.16LA are shown only as "a record exists at AGENCY". Every record
shown is ledgered as a read of that record; a look at a person the reader may not see is
ledgered as refused and answered as not found."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.ledger import record_read
from caselink.people import sharing
from caselink.store.models import (
    Agency,
    Case,
    CaseParticipant,
    LinkCandidate,
    LinkDecision,
    Person,
    PersonRecord,
    Report,
)


@dataclass(frozen=True)
class RecordCard:
    id: int
    agency_id: int
    agency: str
    agency_kind: str
    source: str
    recorded_at: datetime
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None
    address: str | None
    nhs_number: str | None
    phone: str | None
    email: str | None

    @property
    def name(self) -> str:
        return " ".join(n for n in (self.given_name, self.family_name) if n) or "(no name)"


@dataclass(frozen=True)
class Difference:
    """A field on which the records disagree: each value with the agencies that hold it."""

    field: str
    label: str
    values: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class Link:
    """How sure caselink is that two of the records are the same person."""

    record_a: int
    record_b: int
    how: str  # "confirmed" | "scored" | "automatic"
    probability: float | None
    candidate_id: int | None


@dataclass(frozen=True)
class Involvement:
    """The person in one case, with their role in that case only."""

    case_reference: str
    role: str
    record_id: int
    agency: str
    opened_on: date
    status: str
    report_reference: str | None


@dataclass
class JoinedPerson:
    person_id: int
    person_key: str
    records: list[RecordCard]
    withheld: list[sharing.Withholding]
    differences: list[Difference]
    known_names: list[str]
    links: list[Link]
    involvements: list[Involvement] = field(default_factory=list)
    in_caseload: bool = False

    @property
    def agencies(self) -> list[str]:
        return sorted({r.agency for r in self.records} | {w.agency for w in self.withheld})


def nhs_shown(number: str | None) -> str | None:
    """The NHS number as people write it, 3-3-4."""
    digits = "".join(c for c in number or "" if c.isdigit())
    if len(digits) != 10:
        return number
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


DIFFERING = (
    ("name", "Names"),
    ("date_of_birth", "Dates of birth"),
    ("address", "Addresses"),
    ("phone", "Phones"),
    ("nhs_number", "NHS numbers"),
)


def _value(card: RecordCard, name: str) -> str | None:
    if name == "name":
        return card.name if card.given_name or card.family_name else None
    if name == "date_of_birth":
        return f"{card.date_of_birth:%-d %B %Y}" if card.date_of_birth else None
    if name == "address":
        parts = [card.address, card.postcode]
        return ", ".join(p for p in parts if p) or None
    value = getattr(card, name)
    return str(value) if value else None


def differences(cards: list[RecordCard]) -> list[Difference]:
    """Fields with more than one value across the records (addresses in the order they were
    first recorded, so moves read as a history)."""
    found = []
    ordered = sorted(cards, key=lambda c: (c.recorded_at, c.id))
    for name, label in DIFFERING:
        held: dict[str, list[str]] = defaultdict(list)
        for card in ordered:
            value = _value(card, name)
            if value and card.agency not in held[value]:
                held[value].append(card.agency)
        if len(held) > 1:
            found.append(Difference(name, label, list(held.items())))
    return found


def _cards(session: Session, p: Principal, person_id: int) -> list[RecordCard]:
    rows = session.execute(
        select(PersonRecord, Agency.name, Agency.kind)
        .join(Agency, Agency.id == PersonRecord.agency_id)
        .where(PersonRecord.person_id == person_id, policy.records(p))
        .order_by(Agency.kind, PersonRecord.created_at, PersonRecord.id)
    ).all()
    return [
        RecordCard(
            r.id,
            r.agency_id,
            agency,
            kind,
            r.source,
            r.created_at,
            r.given_name,
            r.family_name,
            r.date_of_birth,
            r.sex,
            r.postcode,
            r.address,
            nhs_shown(r.nhs_number),
            r.phone,
            r.email,
        )
        for r, agency, kind in rows
    ]


def _withheld(
    session: Session, p: Principal, person_id: int, shown: set[int]
) -> list[sharing.Withholding]:
    """Withheld records of a person in the reader's caseload: their existence only."""
    ids = session.scalars(
        select(PersonRecord.id).where(
            PersonRecord.person_id == person_id,
            policy.in_caseload(p),
            PersonRecord.id.in_(policy.withheld()),
        )
    ).all()
    return sharing.withholdings(session, [i for i in ids if i not in shown])


def _links(session: Session, ids: list[int]) -> list[Link]:
    if len(ids) < 2:
        return []
    pair = (LinkCandidate.record_a_id.in_(ids), LinkCandidate.record_b_id.in_(ids))
    scored: dict[tuple[int, int], Link] = {}
    for c in session.scalars(select(LinkCandidate).where(*pair).order_by(LinkCandidate.id)):
        key = (c.record_a_id, c.record_b_id)
        scored[key] = Link(*key, "scored", c.match_probability, c.id)
    for d in session.scalars(
        select(LinkDecision)
        .where(LinkDecision.record_a_id.in_(ids), LinkDecision.record_b_id.in_(ids))
        .order_by(LinkDecision.id)
    ):
        key = (d.record_a_id, d.record_b_id)
        earlier = scored.get(key)
        if d.decision == "confirm":
            scored[key] = Link(
                *key,
                "confirmed",
                earlier.probability if earlier else None,
                earlier.candidate_id if earlier else d.candidate_id,
            )
    links = sorted(scored.values(), key=lambda link: (link.record_a, link.record_b))
    linked = {i for link in links for i in (link.record_a, link.record_b)}
    # Records linked above the automatic threshold have no stored pair: say so, once each.
    first = min(ids)
    links += [
        Link(first, i, "automatic", None, None)
        for i in sorted(ids)
        if i not in linked and i != first
    ]
    return links


def _involvements(session: Session, p: Principal, cards: list[RecordCard]) -> list[Involvement]:
    by_id = {c.id: c for c in cards}
    rows = session.execute(
        select(Case, CaseParticipant.role, CaseParticipant.person_record_id, Report.reference)
        .join(CaseParticipant, CaseParticipant.case_id == Case.id)
        .outerjoin(
            Report,
            (Report.id == Case.origin_report_id)
            & Report.id.in_(select(Report.id).where(policy.reports(p))),
        )
        .where(CaseParticipant.person_record_id.in_(list(by_id)), policy.cases(p))
        .order_by(Case.opened_on, Case.reference)
    ).all()
    return [
        Involvement(
            case.reference, role, rid, by_id[rid].agency, case.opened_on, case.status, report
        )
        for case, role, rid, report in rows
    ]


def person_exists(session: Session, person_id: int) -> bool:
    return session.get(Person, person_id) is not None


def read_person(session: Session, p: Principal, person_id: int) -> JoinedPerson | None:
    """The joined-up record, or None (not found, or nothing the reader may see: ledgered)."""
    person = session.get(Person, person_id)
    if person is None:
        return None
    cards = _cards(session, p, person_id)
    withheld = _withheld(session, p, person_id, {c.id for c in cards})
    if not cards and not withheld:
        refusals.refuse(session, p, "person", person_id)
        return None
    record_read(session, p.actor, "person", person_id, reason=f"{len(cards)} records shown")
    for card in cards:
        record_read(session, p.actor, "person_record", card.id, reason=f"person {person_id}")
    caseload = session.scalar(
        select(PersonRecord.id).where(PersonRecord.person_id == person_id, policy.in_caseload(p))
    )
    # The name most agencies use first (the page's heading), then the rest.
    named = [c.name for c in cards if c.given_name or c.family_name]
    names = sorted(set(named), key=lambda n: (-named.count(n), n))
    return JoinedPerson(
        person_id=person.id,
        person_key=person.person_key,
        records=cards,
        withheld=withheld,
        differences=differences(cards),
        known_names=names,
        links=_links(session, [c.id for c in cards]),
        involvements=_involvements(session, p, cards),
        in_caseload=caseload is not None,
    )


def person_of_record(session: Session, record_id: int) -> int | None:
    return session.scalar(select(PersonRecord.person_id).where(PersonRecord.id == record_id))
