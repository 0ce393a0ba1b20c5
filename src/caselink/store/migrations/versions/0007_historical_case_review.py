"""historical case review

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = ("review_scores", "review_outcomes", "review_approvals")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("force_area_id", sa.Integer(), nullable=False),
        sa.Column("offence_from", sa.Date(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("offences", sa.String(length=500), nullable=False),
        sa.Column("victim_age", sa.Integer(), nullable=True),
        sa.Column("victim_count", sa.Integer(), nullable=False),
        sa.Column("closure_outcome", sa.String(length=32), nullable=False),
        sa.Column("closure_reason", sa.String(length=32), nullable=False),
        sa.Column("closure_note", sa.Text(), nullable=True),
        sa.Column("suspects_interviewed", sa.String(length=8), nullable=True),
        sa.Column("missing_episodes", sa.Integer(), nullable=True),
        sa.Column("victim_ethnicity", sa.String(length=100), nullable=True),
        sa.Column("victim_nationality", sa.String(length=100), nullable=True),
        sa.Column("victim_religion", sa.String(length=100), nullable=True),
        sa.Column("suspect_ethnicities", sa.String(length=500), nullable=True),
        sa.Column("suspect_nationalities", sa.String(length=500), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="unreviewed", nullable=False),
        sa.Column("claimed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=8), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "status IN ('unreviewed', 'in_review', 'awaiting_approval', 'reviewed')",
            name=op.f("ck_review_cases_status"),
        ),
        sa.CheckConstraint(
            "closed_on >= reported_on", name=op.f("ck_review_cases_closed_after_reported")
        ),
        sa.CheckConstraint("victim_count >= 1", name=op.f("ck_review_cases_victim_count")),
        sa.ForeignKeyConstraint(
            ["force_area_id"], ["areas.id"], name=op.f("fk_review_cases_force_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_review_cases_import_id_imports")
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_user_id"],
            ["users.id"],
            name=op.f("fk_review_cases_claimed_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_review_cases_reference")),
    )
    op.create_index("ix_review_cases_queue", "review_cases", ["status", "score"])
    op.create_index(op.f("ix_review_cases_force_area_id"), "review_cases", ["force_area_id"])
    op.create_index(
        op.f("ix_review_cases_claimed_by_user_id"), "review_cases", ["claimed_by_user_id"]
    )

    op.create_table(
        "review_case_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "kind IN ('suspect', 'phone', 'vehicle', 'address')",
            name=op.f("ck_review_case_items_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["review_case_id"],
            ["review_cases.id"],
            name=op.f("fk_review_case_items_review_case_id_review_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_case_items")),
    )
    op.create_index(
        op.f("ix_review_case_items_review_case_id"), "review_case_items", ["review_case_id"]
    )
    op.create_index("ix_review_case_items_kind_key", "review_case_items", ["kind", "key"])

    op.create_table(
        "review_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_case_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("weights_version", sa.String(length=40), nullable=False),
        sa.Column("weights_digest", sa.String(length=64), nullable=False),
        sa.Column("factors", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_case_id"],
            ["review_cases.id"],
            name=op.f("fk_review_scores_review_case_id_review_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_scores")),
    )
    op.create_index(op.f("ix_review_scores_review_case_id"), "review_scores", ["review_case_id"])

    op.create_table(
        "review_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=True),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('no_action', 'refer_for_reinvestigation', 'referred_to_iopc', "
            "'victim_to_be_contacted')",
            name=op.f("ck_review_outcomes_outcome"),
        ),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_review_outcomes_reason_given")
        ),
        sa.ForeignKeyConstraint(
            ["review_case_id"],
            ["review_cases.id"],
            name=op.f("fk_review_outcomes_review_case_id_review_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_review_outcomes_decided_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["score_id"],
            ["review_scores.id"],
            name=op.f("fk_review_outcomes_score_id_review_scores"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_outcomes")),
    )
    op.create_index(
        op.f("ix_review_outcomes_review_case_id"), "review_outcomes", ["review_case_id"]
    )

    op.create_table(
        "review_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_review_approvals_reason_given")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["review_outcomes.id"],
            name=op.f("fk_review_approvals_outcome_id_review_outcomes"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_review_approvals_decided_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_approvals")),
    )
    op.create_index(op.f("ix_review_approvals_outcome_id"), "review_approvals", ["outcome_id"])

    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    op.drop_table("review_approvals")
    op.drop_table("review_outcomes")
    op.drop_table("review_scores")
    op.drop_index("ix_review_case_items_kind_key", table_name="review_case_items")
    op.drop_index(op.f("ix_review_case_items_review_case_id"), table_name="review_case_items")
    op.drop_table("review_case_items")
    op.drop_index(op.f("ix_review_cases_claimed_by_user_id"), table_name="review_cases")
    op.drop_index(op.f("ix_review_cases_force_area_id"), table_name="review_cases")
    op.drop_index("ix_review_cases_queue", table_name="review_cases")
    op.drop_table("review_cases")
