"""Scoring many cases: from a file (for evaluation) or every case in the store.

Re-scoring the store is idempotent: a case whose factors, points and weights are unchanged
keeps its score row; any other case gets a new row (old rows stay: scores are append-only)
and the run is one ledger entry.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, digest, record
from caselink.review import normalise
from caselink.review.casefile import ClosedCase, Item
from caselink.review.links import LinkIndex
from caselink.review.scoring import CaseFacts, Link, Score, score
from caselink.review.weights import Weights
from caselink.store.db import Database
from caselink.store.models import (
    Case,
    CaseEntity,
    CaseParticipant,
    PersonRecord,
    ReviewCase,
    ReviewCaseItem,
    ReviewScore,
)

SYSTEM = Actor.system("review-score")
_BATCH = 5000
_SCORES: Table = ReviewScore.__table__  # type: ignore[assignment]


def facts_of(case: ClosedCase) -> CaseFacts:
    return CaseFacts(
        reference=case.reference,
        offences=case.offences,
        victim_age=case.victim_age,
        victim_count=case.victim_count,
        closure_reason=case.closure_reason,
        suspects_interviewed=case.suspects_interviewed,
        missing_episodes=case.missing_episodes,
        closed_on=case.closed_on,
    )


def score_cases(
    cases: list[ClosedCase], weights: Weights, as_of: date, index: LinkIndex | None = None
) -> list[tuple[str, Score]]:
    """Score cases read from a file, linking them to each other (and to `index`)."""
    index = index or LinkIndex()
    for case in cases:
        index.add_review_case(case.reference, case.items)
    limit = weights.ignore_values_in_more_cases_than
    return [
        (
            case.reference,
            score(facts_of(case), index.shared(case.reference, case.items, limit), weights, as_of),
        )
        for case in cases
    ]


def store_index(session: Session) -> LinkIndex:
    """Phones, vehicles, addresses and suspects of the cases already in the store."""
    index = LinkIndex()
    for kind, value, reference in session.execute(
        select(CaseEntity.kind, CaseEntity.value, Case.reference)
        .join(Case, Case.id == CaseEntity.case_id)
        .where(CaseEntity.kind.in_(tuple(normalise.KEYS)))
    ):
        key = normalise.KEYS[kind](value)
        if key:
            index.add(kind, key, Link(reference, "case"))
    for reference, given, family, born in session.execute(
        select(
            Case.reference,
            PersonRecord.given_name,
            PersonRecord.family_name,
            PersonRecord.date_of_birth,
        )
        .join(CaseParticipant, CaseParticipant.case_id == Case.id)
        .join(PersonRecord, PersonRecord.id == CaseParticipant.person_record_id)
        .where(CaseParticipant.role == "suspect")
    ):
        name = f"{given or ''} {family or ''}".strip()
        if name:
            index.add("suspect", normalise.suspect(name, born), Link(reference, "case"))
    return index


@dataclass(frozen=True)
class ScoringRun:
    cases: int
    changed: int
    weights_version: str
    bands: dict[str, int]


def score_store(
    db: Database,
    weights: Weights,
    actor: Actor = SYSTEM,
    as_of: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScoringRun:
    as_of = as_of or date.today()
    with db.transaction() as session:
        rows = session.execute(
            select(
                ReviewCase.id,
                ReviewCase.reference,
                ReviewCase.offences,
                ReviewCase.victim_age,
                ReviewCase.victim_count,
                ReviewCase.closure_reason,
                ReviewCase.suspects_interviewed,
                ReviewCase.missing_episodes,
                ReviewCase.closed_on,
                ReviewCase.score_id,
            )
        ).all()
        items: dict[int, list[Item]] = {row.id: [] for row in rows}
        for case_id, kind, value, key in session.execute(
            select(
                ReviewCaseItem.review_case_id,
                ReviewCaseItem.kind,
                ReviewCaseItem.value,
                ReviewCaseItem.key,
            )
        ):
            items[case_id].append(Item(kind, value, key))
        index = store_index(session)
        for row in rows:
            index.add_review_case(row.reference, items[row.id])
        current = _current(session, [row.score_id for row in rows if row.score_id])
        limit = weights.ignore_values_in_more_cases_than
        bands = {"high": 0, "medium": 0, "low": 0}
        changed: list[tuple[int, Score]] = []
        for count, row in enumerate(rows, 1):
            facts = CaseFacts(
                reference=row.reference,
                offences=tuple(row.offences.split(";")),
                victim_age=row.victim_age,
                victim_count=row.victim_count,
                closure_reason=row.closure_reason,
                suspects_interviewed=row.suspects_interviewed,
                missing_episodes=row.missing_episodes,
                closed_on=row.closed_on,
            )
            result = score(facts, index.shared(row.reference, items[row.id], limit), weights, as_of)
            bands[result.band] += 1
            if current.get(row.score_id) != (weights.digest, result.factors_json()):
                changed.append((row.id, result))
            if progress and count % 1000 == 0:
                progress(count)
        _write(session, changed, weights, as_of)
        record(
            session,
            actor,
            Action.CHANGE,
            "review_scores",
            weights.version,
            reason=f"{len(rows)} review cases scored as of {as_of}, {len(changed)} changed",
            after=digest({"weights": weights.digest, "as_of": as_of.isoformat()}),
        )
    return ScoringRun(len(rows), len(changed), weights.version, bands)


def _current(session: Session, score_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = list(score_ids)
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), _BATCH):
        for id_, weights_digest, factors in session.execute(
            select(ReviewScore.id, ReviewScore.weights_digest, ReviewScore.factors).where(
                ReviewScore.id.in_(ids[start : start + _BATCH])
            )
        ):
            found[id_] = (weights_digest, factors)
    return found


def _write(
    session: Session, changed: list[tuple[int, Score]], weights: Weights, as_of: date
) -> None:
    now = datetime.now(UTC)
    for start in range(0, len(changed), _BATCH):
        batch = changed[start : start + _BATCH]
        by_case = {case_id: result for case_id, result in batch}
        session.execute(
            insert(_SCORES),
            [
                {
                    "review_case_id": case_id,
                    "score": result.total,
                    "band": result.band,
                    "weights_version": weights.version,
                    "weights_digest": weights.digest,
                    "factors": result.factors_json(),
                    "as_of": as_of,
                    "scored_at": now,
                }
                for case_id, result in batch
            ],
        )
        # Scores are append-only, so each case's newest row is the one just written.
        new_ids = session.execute(
            select(func.max(ReviewScore.id), ReviewScore.review_case_id)
            .where(ReviewScore.review_case_id.in_(list(by_case)))
            .group_by(ReviewScore.review_case_id)
        ).all()
        session.execute(
            update(ReviewCase),
            [
                {
                    "id": case_id,
                    "score_id": score_id,
                    "score": by_case[case_id].total,
                    "band": by_case[case_id].band,
                }
                for score_id, case_id in new_ids
            ],
        )
