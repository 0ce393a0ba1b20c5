"""two-person rule for roles that read case data

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

An administrator's grant of a role that reads case data (or of the administrator role) is
a request until a different administrator decides it. Requests and decisions are
append-only: a decision is a row of its own, one per request.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = ("role_requests", "role_decisions")

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "role_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('invitation', 'change')", name=op.f("ck_role_requests_kind")),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_role_requests_reason_given")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_requests_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_role_requests_requested_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_requests")),
    )
    op.create_index(op.f("ix_role_requests_user_id"), "role_requests", ["user_id"])
    op.create_table(
        "role_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["role_requests.id"],
            name=op.f("fk_role_decisions_request_id_role_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_role_decisions_decided_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_decisions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_role_decisions_request_id")),
    )
    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    op.drop_table("role_decisions")
    op.drop_index(op.f("ix_role_requests_user_id"), table_name="role_requests")
    op.drop_table("role_requests")
