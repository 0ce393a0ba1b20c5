"""survivor portal: victims' code updates and right-to-review requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = (
    "victim_updates",
    "victim_update_deliveries",
    "review_requests",
    "review_request_steps",
    "review_request_escalations",
)

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _when(name: str, nullable: bool = False) -> "sa.Column[datetime]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "victim_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("enhanced", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("due_at"),
        sa.CheckConstraint(
            "event_id IS NOT NULL OR decision_id IS NOT NULL",
            name=op.f("ck_victim_updates_has_source"),
        ),
        _fk("victim_updates", "case_id", "cases"),
        _fk("victim_updates", "person_record_id", "person_records"),
        _fk("victim_updates", "event_id", "events"),
        _fk("victim_updates", "decision_id", "decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_updates")),
        sa.UniqueConstraint("event_id", "person_record_id", name="uq_victim_updates_event"),
        sa.UniqueConstraint("decision_id", "person_record_id", name="uq_victim_updates_decision"),
    )
    op.create_index(op.f("ix_victim_updates_case_id"), "victim_updates", ["case_id"])
    op.create_index(
        op.f("ix_victim_updates_person_record_id"), "victim_updates", ["person_record_id"]
    )
    op.create_index(op.f("ix_victim_updates_due_at"), "victim_updates", ["due_at"])

    op.create_table(
        "victim_update_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        _when("at"),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "how IN ('mail', 'portal', 'officer')", name=op.f("ck_victim_update_deliveries_how")
        ),
        _fk("victim_update_deliveries", "update_id", "victim_updates"),
        _fk("victim_update_deliveries", "by_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_update_deliveries")),
        sa.UniqueConstraint("update_id", "how", name="uq_victim_update_deliveries_how"),
    )
    op.create_index(
        op.f("ix_victim_update_deliveries_update_id"), "victim_update_deliveries", ["update_id"]
    )

    op.create_table(
        "review_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _when("requested_at"),
        _when("acknowledge_by"),
        _when("decide_by"),
        _fk("review_requests", "case_id", "cases"),
        _fk("review_requests", "decision_id", "decisions"),
        _fk("review_requests", "person_record_id", "person_records"),
        _fk("review_requests", "requested_by_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_review_requests_reference")),
        sa.UniqueConstraint("decision_id", "person_record_id", name="uq_review_requests_decision"),
    )
    op.create_index(op.f("ix_review_requests_case_id"), "review_requests", ["case_id"])
    op.create_index(
        op.f("ix_review_requests_requested_by_user_id"),
        "review_requests",
        ["requested_by_user_id"],
    )

    op.create_table(
        "review_request_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=False),
        _when("at"),
        sa.CheckConstraint(
            "kind IN ('acknowledge', 'decide')", name=op.f("ck_review_request_steps_kind")
        ),
        sa.CheckConstraint(
            "(kind = 'acknowledge' AND outcome IS NULL) OR "
            "(kind = 'decide' AND outcome IN ('upheld', 'overturned') AND reason IS NOT NULL)",
            name=op.f("ck_review_request_steps_outcome"),
        ),
        _fk("review_request_steps", "request_id", "review_requests"),
        _fk("review_request_steps", "actor_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_request_steps")),
        sa.UniqueConstraint("request_id", "kind", name="uq_review_request_steps_kind"),
    )
    op.create_index(
        op.f("ix_review_request_steps_request_id"), "review_request_steps", ["request_id"]
    )

    op.create_table(
        "review_request_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        _when("escalated_at"),
        sa.CheckConstraint(
            "clock IN ('acknowledge', 'decide')", name=op.f("ck_review_request_escalations_clock")
        ),
        _fk("review_request_escalations", "request_id", "review_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_request_escalations")),
        sa.UniqueConstraint("request_id", "clock", "level", name="uq_review_request_escalations"),
    )
    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    op.drop_table("review_request_escalations")
    op.drop_index(op.f("ix_review_request_steps_request_id"), table_name="review_request_steps")
    op.drop_table("review_request_steps")
    op.drop_index(op.f("ix_review_requests_requested_by_user_id"), table_name="review_requests")
    op.drop_index(op.f("ix_review_requests_case_id"), table_name="review_requests")
    op.drop_table("review_requests")
    op.drop_index(
        op.f("ix_victim_update_deliveries_update_id"), table_name="victim_update_deliveries"
    )
    op.drop_table("victim_update_deliveries")
    op.drop_index(op.f("ix_victim_updates_due_at"), table_name="victim_updates")
    op.drop_index(op.f("ix_victim_updates_person_record_id"), table_name="victim_updates")
    op.drop_index(op.f("ix_victim_updates_case_id"), table_name="victim_updates")
    op.drop_table("victim_updates")
