"""One review case as a reviewer sees it: the closed case, the factors of its priority, the
other cases it shares a suspect, phone, vehicle or address with, and the review so far.
Each opening is ledgered."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import record_read
from caselink.review.queue import OUTCOMES, pending_outcome
from caselink.review.scoring import Factor, factors_from_json
from caselink.store.models import (
    Area,
    ReviewApproval,
    ReviewCase,
    ReviewCaseItem,
    ReviewOutcome,
    ReviewScore,
    User,
)


@dataclass(frozen=True)
class Decision:
    what: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ReviewView:
    case: ReviewCase
    force: str
    items: dict[str, list[str]]
    factors: list[Factor]
    weights_version: str | None
    scored_as_of: date | None
    claimed_by: str | None
    history: list[Decision]
    may_decide: bool
    may_approve: bool
    may_release: bool
    pending: str | None  # the outcome awaiting approval


def _name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else None


def read_case(session: Session, p: Principal, reference: str) -> ReviewView | None:
    found = session.execute(
        select(ReviewCase, Area.name)
        .join(Area, Area.id == ReviewCase.force_area_id)
        .where(ReviewCase.reference == reference, policy.review_cases(p))
    ).first()
    if found is None:
        return None
    case, force = found
    record_read(session, p.actor, "review_case", case.id)
    items: dict[str, list[str]] = {}
    for kind, value in session.execute(
        select(ReviewCaseItem.kind, ReviewCaseItem.value)
        .where(ReviewCaseItem.review_case_id == case.id)
        .order_by(ReviewCaseItem.id)
    ):
        items.setdefault(kind, []).append(value)
    current = session.get(ReviewScore, case.score_id) if case.score_id else None
    history: list[Decision] = []
    for outcome in session.scalars(
        select(ReviewOutcome)
        .where(ReviewOutcome.review_case_id == case.id)
        .order_by(ReviewOutcome.id)
    ):
        label = OUTCOMES[outcome.outcome] + (
            " (needs a second reviewer)" if outcome.needs_approval else ""
        )
        history.append(
            Decision(
                label,
                outcome.reason,
                _name(session, outcome.decided_by_user_id) or "",
                outcome.decided_at,
            )
        )
        for approval in session.scalars(
            select(ReviewApproval)
            .where(ReviewApproval.outcome_id == outcome.id)
            .order_by(ReviewApproval.id)
        ):
            history.append(
                Decision(
                    "Approved" if approval.approved else "Refused: decide again",
                    approval.reason,
                    _name(session, approval.decided_by_user_id) or "",
                    approval.decided_at,
                )
            )
    mine = case.claimed_by_user_id == p.user_id
    reviewer = policy.may_review(p)
    pending = pending_outcome(session, case.id) if case.status == "awaiting_approval" else None
    return ReviewView(
        case=case,
        force=force,
        items=items,
        factors=factors_from_json(current.factors) if current else [],
        weights_version=current.weights_version if current else None,
        scored_as_of=current.as_of if current else None,
        claimed_by=_name(session, case.claimed_by_user_id),
        history=history,
        may_decide=reviewer and mine and case.status == "in_review",
        may_approve=reviewer and pending is not None and pending.decided_by_user_id != p.user_id,
        may_release=reviewer and mine and case.status == "in_review",
        pending=OUTCOMES[pending.outcome] if pending else None,
    )
