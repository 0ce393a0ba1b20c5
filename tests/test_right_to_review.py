"""Clocks of the Victims' Code and the Right to Review: working days (weekends and bank
holidays), the 3-month window, acknowledgement and decision deadlines, escalation exactly
once per step, updates owed and given, and the configuration's clear errors."""

import copy
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from caselink.access.principal import principal_for
from caselink.ledger import Actor
from caselink.store.db import Database
from caselink.store.models import (
    Alert,
    Case,
    LedgerEntry,
    OutboundMail,
    ReviewRequest,
    ReviewRequestEscalation,
    SurvivorLink,
    User,
)
from caselink.survivors import escalation, review, updates, victims_code
from caselink.survivors.victims_code import VictimsCodeError, parse
from caselink.survivors.workdays import add_months, add_working_days, end_of
from tests.support.survivors import build_portal

CODE = victims_code.load()
HOLIDAYS = CODE.bank_holidays
# Monday 30 March 2026: Good Friday (3 April) and Easter Monday (6 April) fall in the window.
ASKED = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    assert add_working_days(date(2026, 3, 6), 1, HOLIDAYS) == date(2026, 3, 9)  # Fri -> Mon
    assert add_working_days(date(2026, 12, 24), 1, HOLIDAYS) == date(2026, 12, 29)
    assert add_working_days(date(2026, 3, 30), 10, HOLIDAYS) == date(2026, 4, 15)
    assert add_working_days(date(2026, 3, 7), 0, HOLIDAYS) == date(2026, 3, 9)  # Sat -> Mon
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 5, 15), 3) == date(2026, 8, 15)


def _raw() -> dict[str, Any]:
    return dict(json.loads(victims_code.DEFAULT.read_text()))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["right_to_review"].pop("request_within_months"), "request_within_months"),
        (lambda d: d["updates"]["arrest"].update(says="{name} was arrested"), "only use {date}"),
        (lambda d: d["updates"]["bail"].update(working_days=-1), "updates.bail.working_days"),
        (lambda d: d["bank_holidays"].append("25/12/2026"), "bank_holidays[32]"),
        (lambda d: d.update(updates={}), "at least one event"),
        (
            lambda d: d["right_to_review"].update(escalate_after_due_working_days=[0, "x"]),
            "escalate_after_due_working_days[1]",
        ),
    ],
)
def test_a_bad_configuration_names_the_setting(change: Any, message: str) -> None:
    data = copy.deepcopy(_raw())
    change(data)
    with pytest.raises(VictimsCodeError, match=message.replace("[", r"\[").replace("{", r"\{")):
        parse(data)


def test_an_unreadable_file_names_the_line(tmp_path: Any) -> None:
    bad = tmp_path / "code.json"
    bad.write_text('{\n  "version": 1,\n  oops\n}')
    with pytest.raises(VictimsCodeError, match="line 3"):
        victims_code.load(str(bad))


def _request(db: Database, decided: datetime, asked: datetime) -> ReviewRequest:
    built = build_portal(db, decided)
    with db.transaction() as s:
        user = s.get(User, built.world.users["survivor"])
        assert user is not None
        link = s.scalar(select(SurvivorLink).where(SurvivorLink.user_id == user.id))
        assert link is not None
        made = review.request_review(s, principal_for(s, user), CODE, link, "Please.", asked)
        s.expunge(made)
    return made


def test_the_window_closes_three_months_after_the_decision(db: Database) -> None:
    decided = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    built = build_portal(db, decided)
    with db.transaction() as s:
        user = s.get(User, built.world.users["survivor"])
        assert user is not None
        p = principal_for(s, user)
        link = s.scalar(select(SurvivorLink).where(SurvivorLink.user_id == user.id))
        assert link is not None
        late = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
        with pytest.raises(review.ReviewProblem, match="ended on 30 April 2026"):
            review.request_review(s, p, CODE, link, "Please.", late)
        with pytest.raises(review.ReviewProblem, match="Enter why"):
            review.request_review(s, p, CODE, link, " \x00 ", decided)
        with pytest.raises(review.ReviewProblem, match="5,000 characters or fewer"):
            review.request_review(s, p, CODE, link, "x" * 5001, decided)
        last_day = datetime(2026, 4, 30, 22, 0, tzinfo=UTC)
        assert review.request_review(s, p, CODE, link, "Please.", last_day).reference
        with pytest.raises(review.ReviewProblem, match="already asked"):
            review.request_review(s, p, CODE, link, "Again.", last_day)


def _escalations(db: Database) -> list[tuple[str, int]]:
    with db.transaction() as s:
        return sorted(
            s.execute(select(ReviewRequestEscalation.clock, ReviewRequestEscalation.level)).all()
        )


def test_an_overdue_request_escalates_once_per_step(db: Database) -> None:
    made = _request(db, ASKED - timedelta(days=1), ASKED)
    # 10 working days over Easter; 6 weeks.
    assert made.acknowledge_by.replace(tzinfo=UTC) == end_of(date(2026, 4, 15))
    assert made.decide_by.replace(tzinfo=UTC) == end_of(date(2026, 5, 11))
    assert escalation.escalate(db, CODE, datetime(2026, 4, 15, 23, 0, tzinfo=UTC)) == 0
    due = datetime(2026, 4, 16, 0, 0, 1, tzinfo=UTC)
    assert escalation.escalate(db, CODE, due) == 1
    assert escalation.escalate(db, CODE, due) == 0  # run again: nothing doubled
    assert _escalations(db) == [("acknowledge", 1)]
    # Five working days later it reaches oversight, once.
    assert escalation.escalate(db, CODE, datetime(2026, 4, 22, 12, tzinfo=UTC)) == 0
    later = datetime(2026, 4, 24, 0, 0, 1, tzinfo=UTC)
    assert escalation.escalate(db, CODE, later) == 1
    assert escalation.escalate(db, CODE, later) == 0
    with db.transaction() as s:
        inspector = s.scalar(select(User.id).where(User.username == "inspector-n"))
        oversight = s.scalar(select(User.id).where(User.username == "inspector"))
        told = set(s.scalars(select(Alert.recipient_user_id).where(Alert.kind == "review_request")))
        assert {inspector, oversight} <= told
        # The officer in charge is not the one told: they are not independent.
        assert s.scalar(select(User.id).where(User.username == "officer-n")) not in told
        mails = s.scalar(
            select(func.count()).where(OutboundMail.key.like(f"review-request:{made.id}:ack%"))
        )
        assert mails == 2
        escalated = s.scalar(
            select(func.count()).where(
                LedgerEntry.action == "escalate", LedgerEntry.object_id == made.reference
            )
        )
        assert escalated == 2
        user = s.get(User, inspector)
        assert user is not None
        review.acknowledge(s, principal_for(s, user), s.get(ReviewRequest, made.id), later)  # type: ignore[arg-type]
    # Acknowledged: that clock stops; the decision's clock (11 May) still runs.
    assert escalation.escalate(db, CODE, datetime(2026, 5, 11, 12, tzinfo=UTC)) == 0
    assert escalation.escalate(db, CODE, datetime(2026, 5, 12, 0, 0, 1, tzinfo=UTC)) == 1
    assert _escalations(db) == [("acknowledge", 1), ("acknowledge", 2), ("decide", 1)]


def test_updates_are_owed_on_a_clock_and_given_by_mail_portal_or_officer(db: Database) -> None:
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    built = build_portal(db, friday)
    world = built.world
    by = Actor("officer-n", world.users["officer-n"], "POL-N")
    with db.transaction() as s:
        _, owed = updates.record_event(
            s, CODE, by, world.cases["NORTH/1"], "arrest", date(2026, 3, 5), friday
        )
        assert len(owed) == 2  # both victims of the case; the witness is owed nothing
        assert {u.due_at.replace(tzinfo=UTC) for u in owed} == {end_of(date(2026, 3, 9))}
        assert all("Carl" not in u.text and "Reed" not in u.text for u in owed)
        # Unknown events entitle nobody to anything.
        assert (
            updates.record_event(
                s, CODE, by, world.cases["NORTH/1"], "disclosure", date(2026, 3, 5), friday
            )[1]
            == []
        )
    monday_night = datetime(2026, 3, 10, 0, 0, 1, tzinfo=UTC)
    with db.transaction() as s:
        rows = updates.owed(s, Case.id == world.cases["NORTH/1"])
        arrests = [r for r in rows if r.kind == "arrest"]
        assert all(r.overdue(monday_night) for r in arrests)
        # The mail to each linked survivor went out: those updates are given.
        s.execute(
            OutboundMail.__table__.update()  # type: ignore[attr-defined]
            .where(OutboundMail.key.like("victim-update:%"))
            .values(sent_at=friday)
        )
    assert updates.note_sent_mail(db, monday_night) >= 2
    assert updates.note_sent_mail(db, monday_night) == 0
    with db.transaction() as s:
        rows = updates.owed(s, Case.id == world.cases["NORTH/1"])
        assert not any(r.overdue(monday_night) for r in rows)
        assert all("mail" in r.given_how for r in rows)
