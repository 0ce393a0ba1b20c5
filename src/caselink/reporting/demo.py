"""A few reports from the demo teacher, so the demo inbox shows clocks at every stage: one
just in, one urgent, one overdue and escalated, one acknowledged. Synthetic demo only."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.accounts import find_user
from caselink.access.principal import principal_for
from caselink.reporting import actions, intake, submission
from caselink.reporting.clock import utcnow
from caselink.reporting.rules import DutyRules
from caselink.store.models import Agency, PostcodeDistrict, Report

STORIES = (
    (
        "Maya",
        "Lowe",
        13,
        0,
        "no",
        "She told me a man who works at a takeaway gives her free food and lifts.",
    ),
    (
        "Jade",
        "Fenton",
        14,
        0,
        "yes",
        "She said she is being taken to a house tonight by older men.",
    ),
    (
        "Chloe",
        "Marsh",
        12,
        3,
        "no",
        "She has been missing from home twice and came back with a new phone.",
    ),
    (
        "Ellie",
        "Rowe",
        15,
        1,
        "no",
        "A friend showed me messages from an adult asking her to meet him.",
    ),
)


def seed_demo_reports(session: Session, rules: DutyRules) -> int:
    teacher = find_user(session, "teacher")
    officer = find_user(session, "officer")
    social = find_user(session, "social-worker")
    if teacher is None or social is None or social.agency_id is None:
        return 0
    if session.scalar(select(Report.id).where(Report.reporter_user_id == teacher.id).limit(1)):
        return 0  # already seeded
    area_id = session.scalar(select(Agency.area_id).where(Agency.id == social.agency_id))
    district = session.scalar(
        select(PostcodeDistrict.district)
        .where(PostcodeDistrict.local_authority_id == area_id)
        .order_by(PostcodeDistrict.district)
        .limit(1)
    )
    if district is None:
        return 0
    reporter = principal_for(session, teacher)
    now = utcnow()
    for n, (given, family, age, days_ago, danger, story) in enumerate(STORIES):
        at = now - timedelta(days=days_ago, hours=n)
        data = {
            "reporter_role": "teacher",
            "reporter_setting": "Demo school",
            "trigger": "child_told",
            "learned_on": at.date().isoformat(),
            "what_happened": story,
            "immediate_danger": danger,
            "child": {
                "given_name": given,
                "family_name": family,
                "age": str(age),
                "postcode": f"{district} {n + 1}AB",
            },
            "suspects": [{"description": "Man in his thirties, drives a silver car"}],
        }
        filed = intake.file_report(
            session, reporter, submission.read(data, rules, at.date()), rules, now=at
        )
        if n == 3 and officer is not None:
            report = session.get(Report, filed.report_id)
            assert report is not None
            actions.acknowledge(session, principal_for(session, officer), report, now=at)
    return len(STORIES)
