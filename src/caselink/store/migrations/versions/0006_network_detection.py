"""network detection

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caselink.store.append_only import guard, unguard

APPEND_ONLY = ("network_alerts", "network_alert_openings")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("network_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alert_count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_runs")),
    )
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("victim_count", sa.Integer(), nullable=False),
        sa.Column("suspect_count", sa.Integer(), nullable=False),
        sa.Column("force_codes", sa.String(length=400), nullable=False),
        sa.Column("local_authority_codes", sa.String(length=1000), nullable=False),
        sa.Column("first_on", sa.Date(), nullable=True),
        sa.Column("last_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('component', 'leiden', 'match')", name=op.f("ck_networks_method")
        ),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["network_runs.id"],
            name=op.f("fk_networks_first_run_id_network_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["network_runs.id"], name=op.f("fk_networks_last_run_id_network_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
        sa.UniqueConstraint("signature", name=op.f("uq_networks_signature")),
    )
    op.create_index(op.f("ix_networks_last_run_id"), "networks", ["last_run_id"])
    op.create_table(
        "network_forces",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("force_area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_area_id"], ["areas.id"], name=op.f("fk_network_forces_force_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_forces_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("network_id", "force_area_id", name=op.f("pk_network_forces")),
    )
    op.create_table(
        "network_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("force_code", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("degree", sa.Integer(), nullable=False),
        sa.Column("betweenness", sa.Double(), nullable=False),
        sa.Column("context", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_network_nodes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_nodes_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_nodes")),
    )
    op.create_index(op.f("ix_network_nodes_network_id"), "network_nodes", ["network_id"])
    op.create_table(
        "network_edges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=600), nullable=False),
        sa.Column("target_key", sa.String(length=600), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=True),
        sa.Column("source_table", sa.String(length=32), nullable=False),
        sa.Column("source_row_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_network_edges_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_edges_network_id_networks")
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_records.id"],
            name=op.f("fk_network_edges_person_record_id_person_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_edges")),
    )
    op.create_index(op.f("ix_network_edges_network_id"), "network_edges", ["network_id"])
    op.create_table(
        "network_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('cross_boundary', 'new_report')", name=op.f("ck_network_alerts_kind")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], name=op.f("fk_network_alerts_network_id_networks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_alerts")),
        sa.UniqueConstraint("signature", name=op.f("uq_network_alerts_signature")),
    )
    op.create_index(op.f("ix_network_alerts_network_id"), "network_alerts", ["network_id"])
    op.create_table(
        "network_alert_openings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("grants_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["network_alerts.id"],
            name=op.f("fk_network_alert_openings_alert_id_network_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_network_alert_openings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_alert_openings")),
    )
    op.create_index(
        op.f("ix_network_alert_openings_alert_id"), "network_alert_openings", ["alert_id"]
    )
    guard(APPEND_ONLY)


def downgrade() -> None:
    unguard(APPEND_ONLY)
    for table in (
        "network_alert_openings",
        "network_alerts",
        "network_edges",
        "network_nodes",
        "network_forces",
        "networks",
        "network_runs",
    ):
        op.drop_table(table)
