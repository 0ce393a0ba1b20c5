"""The review queue: reviewers take cases in priority order and record outcomes with reasons.

A case moves unreviewed -> in_review (claimed by one reviewer) -> reviewed, or, when a
high-priority case would be closed with "no action", -> awaiting_approval until a second
reviewer approves it (-> reviewed) or refuses (-> back to the first reviewer). Every step is a
conditional UPDATE on the expected state, so two reviewers can never claim, decide or approve
the same case at once; every step is ledgered in the same transaction.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import Action, digest, record, record_rows
from caselink.store.models import Area, ReviewApproval, ReviewCase, ReviewOutcome

OUTCOMES = {
    "no_action": "No action",
    "refer_for_reinvestigation": "Refer for reinvestigation",
    "referred_to_iopc": "Referred to IOPC or professional standards",
    "victim_to_be_contacted": "Victim to be contacted",
}
REFERRED = ("refer_for_reinvestigation", "referred_to_iopc")
MIN_REASON = 10
_CLAIM_TRIES = 25


class ReviewRefused(Exception):
    """The step is not allowed now; the message says why, for the reviewer."""


def reason_problem(reason: str) -> str | None:
    if len(reason.strip()) < MIN_REASON:
        return f"Give the reason for this decision, in at least {MIN_REASON} characters"
    return None


def _now() -> datetime:
    return datetime.now(UTC)


def queue_order() -> tuple[ColumnElement[object], ...]:
    return (ReviewCase.score.desc(), ReviewCase.closed_on, ReviewCase.reference)  # type: ignore[return-value]


def claimed_by(session: Session, p: Principal) -> str | None:
    return session.scalar(
        select(ReviewCase.reference)
        .where(ReviewCase.claimed_by_user_id == p.user_id, ReviewCase.status == "in_review")
        .order_by(ReviewCase.claimed_at)
        .limit(1)
    )


def claim_next(session: Session, p: Principal) -> str | None:
    """The reviewer's case in hand, or else the highest-priority unclaimed case, claimed."""
    if not policy.may_review(p):
        raise PermissionError("only case reviewers take cases")
    held = claimed_by(session, p)
    if held is not None:
        return held
    for _ in range(_CLAIM_TRIES):
        candidates = session.execute(
            select(ReviewCase.id, ReviewCase.reference)
            .where(
                ReviewCase.status == "unreviewed",
                ReviewCase.score.is_not(None),
                policy.review_cases(p),
            )
            .order_by(*queue_order())
            .limit(5)
        ).all()
        if not candidates:
            return None
        for case_id, reference in candidates:
            # Only one transaction can move a row out of 'unreviewed': a concurrent claim of
            # the same case waits for this one, then finds nothing to update.
            taken = session.execute(
                update(ReviewCase)
                .where(ReviewCase.id == case_id, ReviewCase.status == "unreviewed")
                .values(status="in_review", claimed_by_user_id=p.user_id, claimed_at=_now())
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                record(session, p.actor, Action.CHANGE, "review_case", case_id, reason="claimed")
                return str(reference)
    return None


def _case(session: Session, p: Principal, reference: str) -> ReviewCase:
    case = session.scalar(
        select(ReviewCase).where(ReviewCase.reference == reference, policy.review_cases(p))
    )
    if case is None:
        raise LookupError(reference)
    return case


def _move(
    session: Session, case: ReviewCase, expected: str, holder: int | None = None, **values: object
) -> None:
    """Change the case's state only if it is still as this request saw it."""
    held = ReviewCase.claimed_by_user_id == holder if holder is not None else true()
    moved = session.execute(
        update(ReviewCase)
        .where(ReviewCase.id == case.id, ReviewCase.status == expected, held)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ReviewRefused("Someone else has just changed this case: reload it")
    session.refresh(case)


def release(session: Session, p: Principal, reference: str, reason: str) -> None:
    """Return a claimed case to the queue, with a reason."""
    case = _case(session, p, reference)
    if not policy.may_review(p) or case.claimed_by_user_id != p.user_id:
        raise ReviewRefused("Only the reviewer who took this case can return it")
    if problem := reason_problem(reason):
        raise ValueError(problem)
    _move(
        session,
        case,
        "in_review",
        p.user_id,
        status="unreviewed",
        claimed_by_user_id=None,
        claimed_at=None,
    )
    record(
        session,
        p.actor,
        Action.CHANGE,
        "review_case",
        case.id,
        reason="returned to the queue",
        after=digest(reason.strip()),
    )


def record_outcome(
    session: Session, p: Principal, reference: str, outcome: str, reason: str
) -> ReviewOutcome:
    case = _case(session, p, reference)
    if not policy.may_review(p) or case.claimed_by_user_id != p.user_id:
        raise ReviewRefused("Only the reviewer who took this case can record its outcome")
    if case.status != "in_review":
        raise ReviewRefused("This case is not waiting for an outcome")
    if outcome not in OUTCOMES:
        raise ValueError("Choose an outcome")
    if problem := reason_problem(reason):
        raise ValueError(problem)
    needs_approval = outcome == "no_action" and case.band == "high"
    # The state moves first: if another request got there before us, nothing is written.
    if needs_approval:
        _move(session, case, "in_review", p.user_id, status="awaiting_approval")
    else:
        _move(session, case, "in_review", p.user_id, status="reviewed", outcome=outcome)
    decided = ReviewOutcome(
        review_case_id=case.id,
        outcome=outcome,
        reason=reason.strip(),
        decided_by_user_id=p.user_id,
        decided_at=_now(),
        score_id=case.score_id,
        needs_approval=needs_approval,
    )
    session.add(decided)
    session.flush()
    record(
        session,
        p.actor,
        Action.DECIDE,
        "review_case",
        case.id,
        reason=outcome + (" (awaiting a second reviewer)" if needs_approval else ""),
        after=digest({"outcome": outcome, "reason": decided.reason, "id": decided.id}),
    )
    on = f"{outcome} (review case {case.reference})"
    # The outcome's row, audited (the entry above is the act, on the case).
    record_rows(session, p.actor, Action.CREATE, "review_outcome", [decided.id], reason=on)
    return decided


def pending_outcome(session: Session, case_id: int) -> ReviewOutcome | None:
    return session.scalar(
        select(ReviewOutcome)
        .where(ReviewOutcome.review_case_id == case_id)
        .order_by(ReviewOutcome.id.desc())
        .limit(1)
    )


def decide_approval(
    session: Session, p: Principal, reference: str, approve: bool, reason: str
) -> ReviewApproval:
    """A second reviewer approves or refuses a high-priority 'no action'."""
    case = _case(session, p, reference)
    if not policy.may_review(p):
        raise ReviewRefused("Only case reviewers approve outcomes")
    outcome = pending_outcome(session, case.id)
    if case.status != "awaiting_approval" or outcome is None:
        raise ReviewRefused("This case is not waiting for approval")
    if outcome.decided_by_user_id == p.user_id:
        raise ReviewRefused("A second reviewer must approve: you recorded this outcome")
    if problem := reason_problem(reason):
        raise ValueError(problem)
    if approve:
        _move(session, case, "awaiting_approval", status="reviewed", outcome=outcome.outcome)
    else:  # back to the reviewer who took it, to decide again
        _move(session, case, "awaiting_approval", status="in_review")
    approval = ReviewApproval(
        outcome_id=outcome.id,
        approved=approve,
        reason=reason.strip(),
        decided_by_user_id=p.user_id,
        decided_at=_now(),
    )
    session.add(approval)
    session.flush()
    # On the approval's own row, not the outcome's: the outcome's entry holds its content.
    verdict = "approved" if approve else "refused"
    on = f"review outcome {outcome.id} {verdict} (review case {case.reference})"
    record_rows(session, p.actor, Action.DECIDE, "review_approval", [approval.id], reason=on)
    return approval


@dataclass(frozen=True)
class QueueRow:
    rank: int
    reference: str
    force: str
    score: int | None
    band: str | None
    status: str
    closed_on: str


def top(session: Session, p: Principal, limit: int = 20) -> list[QueueRow]:
    """The next cases in the queue, highest priority first."""
    rows = session.execute(
        select(ReviewCase, Area.name)
        .join(Area, Area.id == ReviewCase.force_area_id)
        .where(
            ReviewCase.status == "unreviewed",
            ReviewCase.score.is_not(None),
            policy.review_cases(p),
        )
        .order_by(*queue_order())
        .limit(limit)
    ).all()
    return [
        QueueRow(n, c.reference, force, c.score, c.band, c.status, c.closed_on.isoformat())
        for n, (c, force) in enumerate(rows, 1)
    ]


def awaiting_approval(session: Session, p: Principal) -> list[str]:
    """Cases waiting for a second reviewer that `p` may approve (not their own)."""
    if not policy.may_review(p):
        return []
    return list(
        session.scalars(
            select(ReviewCase.reference)
            .where(
                ReviewCase.status == "awaiting_approval",
                ReviewCase.claimed_by_user_id != p.user_id,
                policy.review_cases(p),
            )
            .order_by(*queue_order())
            .limit(100)
        )
    )
