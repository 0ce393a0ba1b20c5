"""multi-agency child protection teams, their caseloads and s.16LA sharing decisions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08

Children Act 2004 s.16LA (inserted by the Children's Wellbeing and Schools Act 2026): a
team per local-authority area whose member agencies see the joined-up record of the
children in its caseload, and the holder's recorded decision that sharing one record would
be more detrimental to the child than not sharing it. Decisions are append-only: the newest
decision on a record is the one in force.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = ("sharing_decisions",)

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "child_protection_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("local_authority_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["local_authority_id"],
            ["areas.id"],
            name=op.f("fk_child_protection_teams_local_authority_id_areas"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_protection_teams")),
        sa.UniqueConstraint("code", name=op.f("uq_child_protection_teams_code")),
        sa.UniqueConstraint(
            "local_authority_id", name=op.f("uq_child_protection_teams_local_authority_id")
        ),
    )
    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["child_protection_teams.id"],
            name=op.f("fk_team_members_team_id_child_protection_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_team_members_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
    )
    op.create_index("ix_team_members_agency_id", "team_members", ["agency_id"])
    op.create_table(
        "caseload_additions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by_user_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_caseload_additions_reason_given")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["child_protection_teams.id"],
            name=op.f("fk_caseload_additions_team_id_child_protection_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_caseload_additions_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_user_id"],
            ["users.id"],
            name=op.f("fk_caseload_additions_added_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload_additions")),
    )
    op.create_index("ix_caseload_additions_team_id", "caseload_additions", ["team_id"])
    op.create_table(
        "sharing_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('not_shared', 'shared')", name=op.f("ck_sharing_decisions_decision")
        ),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_sharing_decisions_reason_given")
        ),
        sa.CheckConstraint(
            "decision = 'shared' OR review_on IS NOT NULL",
            name=op.f("ck_sharing_decisions_review_date"),
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_records.id"],
            name=op.f("fk_sharing_decisions_person_record_id_person_records"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_sharing_decisions_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_sharing_decisions_decided_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_decisions")),
    )
    op.create_index(
        "ix_sharing_decisions_person_record_id", "sharing_decisions", ["person_record_id"]
    )
    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    op.drop_table("sharing_decisions")
    op.drop_table("caseload_additions")
    op.drop_table("team_members")
    op.drop_table("child_protection_teams")
