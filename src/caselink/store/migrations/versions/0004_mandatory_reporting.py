"""mandatory reporting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = ("report_persons", "report_routes", "report_actions", "escalations")

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

NEW_REPORT_COLUMNS: tuple[sa.Column[object], ...] = (
    sa.Column("kind", sa.String(length=20), server_default="report", nullable=False),
    sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("learned_on", sa.Date(), nullable=True),
    sa.Column("delay_kind", sa.String(length=20), nullable=True),
    sa.Column("reporter_role", sa.String(length=40), nullable=True),
    sa.Column("reporter_setting", sa.String(length=200), nullable=True),
    sa.Column("submission", sa.Text(), nullable=True),
    sa.Column("content_digest", sa.String(length=64), nullable=True),
    sa.Column("idempotency_key", sa.String(length=64), nullable=True),
)


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): `reports` is append-only and guarded by triggers.
    for column in NEW_REPORT_COLUMNS:
        op.add_column("reports", column)
    op.create_index("uq_reports_idempotency_key", "reports", ["idempotency_key"], unique=True)
    op.create_index("ix_reports_reporter_user_id", "reports", ["reporter_user_id"])

    op.create_table(
        "report_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("school", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("vehicle", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "role IN ('child', 'suspect', 'other')", name=op.f("ck_report_persons_role")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_persons_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_persons")),
    )
    op.create_index(op.f("ix_report_persons_report_id"), "report_persons", ["report_id"])

    op.create_table(
        "report_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(length=20), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "queue IN ('agency', 'national_triage')", name=op.f("ck_report_routes_queue")
        ),
        sa.CheckConstraint(
            "queue = 'national_triage' OR agency_id IS NOT NULL",
            name=op.f("ck_report_routes_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_report_routes_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_routes_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["routed_by_user_id"],
            ["users.id"],
            name=op.f("fk_report_routes_routed_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_routes")),
    )
    op.create_index(op.f("ix_report_routes_report_id"), "report_routes", ["report_id"])
    op.create_index(op.f("ix_report_routes_agency_id"), "report_routes", ["agency_id"])
    op.create_index(op.f("ix_report_routes_due_at"), "report_routes", ["due_at"])

    op.create_table(
        "report_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('acknowledge', 'request_information', 'provide_information', "
            "'link_case', 'open_case', 'close', 'request_closure', 'approve_closure', "
            "'refuse_closure', 'route')",
            name=op.f("ck_report_actions_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_report_actions_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_report_actions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_actions_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["report_routes.id"],
            name=op.f("fk_report_actions_route_id_report_routes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_actions")),
    )
    op.create_index(op.f("ix_report_actions_report_id"), "report_actions", ["report_id"])
    op.create_index(op.f("ix_report_actions_route_id"), "report_actions", ["route_id"])

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["route_id"], ["report_routes.id"], name=op.f("fk_escalations_route_id_report_routes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("route_id", "level", name="uq_escalations_route_level"),
    )

    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
        sa.UniqueConstraint("key", name=op.f("uq_outbound_mail_key")),
    )
    op.create_index(op.f("ix_outbound_mail_next_attempt_at"), "outbound_mail", ["next_attempt_at"])
    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    for table in (
        "outbound_mail",
        "escalations",
        "report_actions",
        "report_routes",
        "report_persons",
    ):
        op.drop_table(table)
    op.drop_index("ix_reports_reporter_user_id", table_name="reports")
    op.drop_index("uq_reports_idempotency_key", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        for column in reversed(NEW_REPORT_COLUMNS):
            batch.drop_column(column.name)
