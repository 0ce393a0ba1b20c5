"""an index for finding a reporter's repeated report

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

Filing looks for the same content from the same reporter within minutes (a reloaded form)
on every report. With an index on the reporter alone, that read every report the reporter
ever made; (reporter, content digest) finds the repeat directly, and serves lookups by
reporter alone as well, so it replaces that index rather than adding a second one to keep
up on every insert.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_reports_reporter_user_id_content_digest",
        "reports",
        ["reporter_user_id", "content_digest"],
    )
    op.drop_index("ix_reports_reporter_user_id", table_name="reports")


def downgrade() -> None:
    op.create_index("ix_reports_reporter_user_id", "reports", ["reporter_user_id"])
    op.drop_index("ix_reports_reporter_user_id_content_digest", table_name="reports")
