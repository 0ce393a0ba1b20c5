"""The review queue: priority order, one reviewer per case, reasons, second-reviewer approval,
and a ledger entry for every step."""

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from caselink.access.principal import Principal, principal_for
from caselink.review import queue
from caselink.review import weights as review_weights
from caselink.review.importing import import_file
from caselink.review.priorities import score_store
from caselink.store.db import Database
from caselink.store.models import LedgerEntry, ReviewCase, ReviewOutcome, User
from tests.support.review import add_forces, add_people, write_cases

AS_OF = date(2026, 11, 1)


@pytest.fixture
def world(db: Database, tmp_path: Path) -> dict[str, int]:
    add_forces(db)
    users = add_people(db)
    import_file(db, write_cases(tmp_path / "closed.csv"))
    score_store(db, review_weights.load(), as_of=AS_OF)
    return users


def _as(db: Database, users: dict[str, int], username: str) -> Principal:
    with db.transaction() as session:
        user = session.get(User, users[username])
        assert user is not None
        return principal_for(session, user)


def _status(db: Database, reference: str) -> tuple[str, str | None]:
    with db.transaction() as session:
        case = session.scalars(select(ReviewCase).where(ReviewCase.reference == reference)).one()
        return case.status, case.outcome


def test_reviewers_take_cases_in_priority_order_one_each(
    db: Database, world: dict[str, int]
) -> None:
    first, second = _as(db, world, "reviewer"), _as(db, world, "reviewer-2")
    with db.transaction() as session:
        assert [r.reference for r in queue.top(session, first)] == ["REV/1", "REV/3", "REV/2"]
        assert queue.claim_next(session, first) == "REV/1"
        # Taking again gives back the case in hand, not another one.
        assert queue.claim_next(session, first) == "REV/1"
        assert queue.claim_next(session, second) == "REV/3"
    with db.transaction() as session:
        assert [r.reference for r in queue.top(session, first)] == ["REV/2"]


def test_two_reviewers_at_once_never_get_the_same_case(db: Database, world: dict[str, int]) -> None:
    reviewers = [_as(db, world, "reviewer"), _as(db, world, "reviewer-2")]
    taken: list[str | None] = []
    barrier = threading.Barrier(2)

    def take(p: Principal) -> None:
        barrier.wait()
        for _ in range(20):
            try:
                with db.transaction() as session:
                    taken.append(queue.claim_next(session, p))
                return
            except OperationalError:  # SQLite: the other writer held the lock; try again
                continue

    threads = [threading.Thread(target=take, args=(p,)) for p in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r for r in taken if r) == ["REV/1", "REV/3"]
    with db.transaction() as session:
        holders = session.execute(
            select(ReviewCase.reference, ReviewCase.claimed_by_user_id).where(
                ReviewCase.status == "in_review"
            )
        ).all()
    assert len({user for _, user in holders}) == 2


def test_an_outcome_needs_a_reason_and_the_reviewer_who_took_the_case(
    db: Database, world: dict[str, int]
) -> None:
    first, second = _as(db, world, "reviewer"), _as(db, world, "reviewer-2")
    with db.transaction() as session:
        queue.claim_next(session, first)
    with db.transaction() as session, pytest.raises(ValueError, match="reason"):
        queue.record_outcome(session, first, "REV/1", "refer_for_reinvestigation", "  ")
    with db.transaction() as session, pytest.raises(queue.ReviewRefused):
        queue.record_outcome(session, second, "REV/1", "no_action", "Not my case but trying anyway")
    with db.transaction() as session:
        queue.record_outcome(
            session,
            first,
            "REV/1",
            "refer_for_reinvestigation",
            "Suspect never interviewed; same phone in REV/3.",
        )
    assert _status(db, "REV/1") == ("reviewed", "refer_for_reinvestigation")
    with db.transaction() as session, pytest.raises(queue.ReviewRefused):
        queue.record_outcome(session, first, "REV/1", "no_action", "Changing my mind later")


def test_closing_a_high_priority_case_with_no_action_needs_a_second_reviewer(
    db: Database, world: dict[str, int]
) -> None:
    first, second = _as(db, world, "reviewer"), _as(db, world, "reviewer-2")
    with db.transaction() as session:
        assert queue.claim_next(session, first) == "REV/1"
        queue.record_outcome(
            session, first, "REV/1", "no_action", "Victim does not wish to engage."
        )
    assert _status(db, "REV/1") == ("awaiting_approval", None)
    with db.transaction() as session:
        assert queue.awaiting_approval(session, first) == []
        assert queue.awaiting_approval(session, second) == ["REV/1"]
    with db.transaction() as session, pytest.raises(queue.ReviewRefused, match="second reviewer"):
        queue.decide_approval(session, first, "REV/1", True, "Approving my own decision")
    # Refused: back to the first reviewer to decide again.
    with db.transaction() as session:
        queue.decide_approval(session, second, "REV/1", False, "Victim was 11: contact via ISVA.")
    assert _status(db, "REV/1") == ("in_review", None)
    with db.transaction() as session:
        assert queue.claim_next(session, first) == "REV/1"
        queue.record_outcome(session, first, "REV/1", "no_action", "ISVA confirms: no contact.")
    with db.transaction() as session:
        queue.decide_approval(session, second, "REV/1", True, "Checked with the ISVA's record.")
    assert _status(db, "REV/1") == ("reviewed", "no_action")
    with db.transaction() as session:
        decisions = session.execute(
            select(LedgerEntry.action, LedgerEntry.object_type, LedgerEntry.reason).where(
                LedgerEntry.action.in_(("decide", "change"))
            )
        ).all()
        outcomes = session.scalars(select(ReviewOutcome.needs_approval)).all()
    assert ("change", "review_case", "claimed") in decisions
    # Each approval or refusal is on its own row's entry, naming the outcome it decided.
    assert [d.reason for d in decisions if d.object_type == "review_approval"] == [
        "review outcome 1 refused (review case REV/1)",
        "review outcome 2 approved (review case REV/1)",
    ]
    assert outcomes == [True, True]


def test_a_low_priority_no_action_closes_at_once_and_a_case_can_be_returned(
    db: Database, world: dict[str, int]
) -> None:
    first, second = _as(db, world, "reviewer"), _as(db, world, "reviewer-2")
    with db.transaction() as session:
        assert queue.claim_next(session, first) == "REV/1"
        queue.release(session, first, "REV/1", "Conflict of interest: I knew the officer.")
        assert queue.claim_next(session, second) == "REV/1"
        assert queue.claim_next(session, first) == "REV/3"
        queue.record_outcome(session, first, "REV/3", "victim_to_be_contacted", "Ask the victim.")
        assert queue.claim_next(session, first) == "REV/2"
        queue.record_outcome(session, first, "REV/2", "no_action", "Properly investigated.")
    assert _status(db, "REV/2") == ("reviewed", "no_action")
    with db.transaction() as session, pytest.raises(queue.ReviewRefused):
        queue.release(session, first, "REV/1", "Not mine to return any more.")


def test_only_case_reviewers_take_cases(db: Database, world: dict[str, int]) -> None:
    for username in ("inspector", "officer-n", "analyst-n"):
        with db.transaction() as session, pytest.raises(PermissionError):
            queue.claim_next(session, _as(db, world, username))
