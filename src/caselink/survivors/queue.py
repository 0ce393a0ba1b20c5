"""The right-to-review queue as officers see it: requests on their force's cases with their
clocks, and whether this officer may act on each (senior to and independent of the case)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import record_read
from caselink.reporting.clock import aware
from caselink.store.models import Case, Decision, ReviewRequest, User
from caselink.survivors import explanations, review
from caselink.survivors.workdays import due_on


@dataclass(frozen=True)
class QueuedRequest:
    reference: str
    case_reference: str
    requested_at: datetime
    acknowledge_by: datetime
    decide_by: datetime
    acknowledged: bool
    outcome: str | None
    refusal: str | None  # why this officer may not act; None if they may

    def status(self, now: datetime) -> str:
        if self.outcome:
            return f"Decided: {self.outcome}"
        if self.acknowledged:
            return "Decision overdue" if now >= self.decide_by else "Acknowledged"
        return "Acknowledgement overdue" if now >= self.acknowledge_by else "New"

    def overdue(self, now: datetime) -> bool:
        return self.status(now).endswith("overdue")

    @property
    def acknowledge_due(self) -> str:
        """The day, as the survivor was told it (one function for both sides)."""
        return due_on(self.acknowledge_by)

    @property
    def decide_due(self) -> str:
        return due_on(self.decide_by)


@dataclass(frozen=True)
class RequestFile:
    request: QueuedRequest
    victims_reason: str
    decision_outcome: str
    decision_reason: str
    decided_on: date
    decided_by: str | None
    acknowledged_by: str | None
    decided_review_by: str | None
    review_reasons: str | None
    review_explanation: str | None = None  # what the victim was told


def _queued(session: Session, p: Principal, request: ReviewRequest, case_ref: str) -> QueuedRequest:
    done = review.steps(session, request.id)
    decided = done.get("decide")
    return QueuedRequest(
        reference=request.reference,
        case_reference=case_ref,
        requested_at=aware(request.requested_at),
        acknowledge_by=aware(request.acknowledge_by),
        decide_by=aware(request.decide_by),
        acknowledged="acknowledge" in done,
        outcome=decided.outcome if decided else None,
        refusal=review.refusal(session, p, request),
    )


def queue(session: Session, p: Principal, limit: int = 200) -> list[QueuedRequest]:
    """Open requests first, soonest deadline first."""
    rows = session.execute(
        select(ReviewRequest, Case.reference)
        .join(Case, Case.id == ReviewRequest.case_id)
        .where(policy.review_requests(p))
        .order_by(ReviewRequest.acknowledge_by)
        .limit(limit)
    ).all()
    found = [_queued(session, p, r, ref) for r, ref in rows]
    return sorted(found, key=lambda q: (q.outcome is not None, q.acknowledged, q.decide_by))


def find(session: Session, p: Principal, reference: str) -> ReviewRequest | None:
    return session.scalar(
        select(ReviewRequest).where(ReviewRequest.reference == reference, policy.review_requests(p))
    )


def _name(session: Session, user_id: int | None) -> str | None:
    return session.scalar(select(User.display_name).where(User.id == user_id)) if user_id else None


def read_request(session: Session, p: Principal, request: ReviewRequest) -> RequestFile:
    """One request in full, for an officer or oversight; the read is ledgered."""
    record_read(session, p.actor, "review_request", request.reference)
    case_ref = session.scalar(select(Case.reference).where(Case.id == request.case_id)) or ""
    decision = session.get(Decision, request.decision_id)
    assert decision is not None
    done = review.steps(session, request.id)
    ack, dec = done.get("acknowledge"), done.get("decide")
    return RequestFile(
        request=_queued(session, p, request, case_ref),
        victims_reason=request.reason,
        decision_outcome=decision.outcome,
        decision_reason=decision.reason,
        decided_on=aware(decision.decided_at).date(),
        decided_by=_name(session, decision.decided_by_user_id),
        acknowledged_by=_name(session, ack.actor_user_id) if ack else None,
        decided_review_by=_name(session, dec.actor_user_id) if dec else None,
        review_reasons=dec.reason if dec else None,
        review_explanation=(
            explanations.for_review_steps(session, [dec.id]).get(dec.id) if dec else None
        ),
    )
