"""record linkage

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = ("linkage_models", "linkage_runs", "link_candidates", "link_decisions")

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linkage_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("spec", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_models")),
        sa.UniqueConstraint("version", name=op.f("uq_linkage_models_version")),
    )
    op.create_table(
        "linkage_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("records_linked", sa.Integer(), nullable=False),
        sa.Column("persons_created", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column(
            "finished_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('full', 'incremental', 'relink')", name=op.f("ck_linkage_runs_kind")
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["linkage_models.id"],
            name=op.f("fk_linkage_runs_model_id_linkage_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_runs")),
    )
    op.create_table(
        "link_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_a_id", sa.Integer(), nullable=False),
        sa.Column("record_b_id", sa.Integer(), nullable=False),
        sa.Column("match_probability", sa.Double(), nullable=False),
        sa.Column("match_weight", sa.Double(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "record_a_id < record_b_id", name=op.f("ck_link_candidates_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_runs.id"], name=op.f("fk_link_candidates_run_id_linkage_runs")
        ),
        sa.ForeignKeyConstraint(
            ["record_a_id"],
            ["person_records.id"],
            name=op.f("fk_link_candidates_record_a_id_person_records"),
        ),
        sa.ForeignKeyConstraint(
            ["record_b_id"],
            ["person_records.id"],
            name=op.f("fk_link_candidates_record_b_id_person_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_candidates")),
        sa.UniqueConstraint(
            "run_id", "record_a_id", "record_b_id", name=op.f("uq_link_candidates_run_id")
        ),
    )
    with op.batch_alter_table("link_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_candidates_record_a_id"), ["record_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_link_candidates_record_b_id"), ["record_b_id"], unique=False
        )
    op.create_table(
        "link_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a_id", sa.Integer(), nullable=False),
        sa.Column("record_b_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "decided_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "decision IN ('confirm', 'reject')", name=op.f("ck_link_decisions_decision")
        ),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_link_decisions_reason_given")),
        sa.CheckConstraint(
            "record_a_id < record_b_id", name=op.f("ck_link_decisions_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["record_a_id"],
            ["person_records.id"],
            name=op.f("fk_link_decisions_record_a_id_person_records"),
        ),
        sa.ForeignKeyConstraint(
            ["record_b_id"],
            ["person_records.id"],
            name=op.f("fk_link_decisions_record_b_id_person_records"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["link_candidates.id"],
            name=op.f("fk_link_decisions_candidate_id_link_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_link_decisions_decided_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_decisions")),
    )
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_link_decisions_pair", ["record_a_id", "record_b_id"], unique=False
        )
    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    op.drop_table("link_decisions")
    op.drop_table("link_candidates")
    op.drop_table("linkage_runs")
    op.drop_table("linkage_models")
