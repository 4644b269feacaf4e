"""early warnings (研判预警)

Revision ID: d4e6f8a0b2c3
Revises: c3d5e7f9a1b2
Create Date: 2026-11-29 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jiceng_shared.db

revision: str = "d4e6f8a0b2c3"
down_revision: str | None = "c3d5e7f9a1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_warnings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("raised_at", jiceng_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_warnings")),
        sa.UniqueConstraint("category", "area_code", "day", name=op.f("uq_early_warnings_category_area_code_day")),
    )
    with op.batch_alter_table("early_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_early_warnings_area", ["area_code", "raised_at"], unique=False)
    # the early-warning pass counts a day's reports of every township and category
    with op.batch_alter_table("ticket_reports", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_reports_reported_at", ["reported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_reports_reported_at")
    op.drop_table("early_warnings")
