"""person search keys

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08

Normalised search keys per person record (names, nickname groups, sounds, date of birth,
postcode parts, phone, vehicle, NHS number), so a search on a million records reads one index
instead of scanning the records (see caselink.people.keys); and the child's NHS number on a
report, checked on entry. Keys of the records already
stored are written by `caselink people index` (and by the next linkage run).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_search_keys",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_records.id"],
            name=op.f("fk_person_search_keys_person_record_id_person_records"),
        ),
        sa.PrimaryKeyConstraint(
            "kind", "value", "person_record_id", name=op.f("pk_person_search_keys")
        ),
    )
    op.create_index(
        op.f("ix_person_search_keys_person_record_id"),
        "person_search_keys",
        ["person_record_id"],
    )
    # The child's NHS number on a report (checked on entry): the consistent identifier.
    op.add_column("report_persons", sa.Column("nhs_number", sa.String(length=20), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy would lose the table's
    # append-only triggers.
    op.execute("ALTER TABLE report_persons DROP COLUMN nhs_number")
    op.drop_index(op.f("ix_person_search_keys_person_record_id"), table_name="person_search_keys")
    op.drop_table("person_search_keys")
