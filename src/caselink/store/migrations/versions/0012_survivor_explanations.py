"""survivor explanations: what a victim is told about a decision, written for them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

A decision's reasons are written by staff for staff and name whoever they need to; a victim
was shown them with other people's details replaced by pattern, which missed every format it
did not know. Now the decision maker writes a separate explanation for the victim, checked
against everything known about the case's other participants before it is stored, and the
portal shows that text and nothing else. One row per decision or per review decision;
append-only, like the decisions themselves.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

TABLE = "survivor_explanations"


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{TABLE}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("review_step_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by_user_id", sa.Integer(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(decision_id IS NULL) <> (review_step_id IS NULL)",
            name=op.f(f"ck_{TABLE}_one_subject"),
        ),
        _fk("case_id", "cases"),
        _fk("decision_id", "decisions"),
        _fk("review_step_id", "review_request_steps"),
        _fk("written_by_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("decision_id", name=op.f(f"uq_{TABLE}_decision_id")),
        sa.UniqueConstraint("review_step_id", name=op.f(f"uq_{TABLE}_review_step_id")),
    )
    op.create_index(op.f(f"ix_{TABLE}_case_id"), TABLE, ["case_id"])
    guard((TABLE,))


def downgrade() -> None:
    unguard((TABLE,))
    op.drop_index(op.f(f"ix_{TABLE}_case_id"), table_name=TABLE)
    op.drop_table(TABLE)
