"""ticket parts: cooperating units and joint action (1+1+N)

Revision ID: c3d5e7f9a1b2
Revises: b7e4a9c1f352
Create Date: 2026-11-29 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jiceng_shared.db

revision: str = "c3d5e7f9a1b2"
down_revision: str | None = "b7e4a9c1f352"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = jiceng_shared.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ticket_parts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("unit_dept", sa.String(length=20), nullable=False),
        sa.Column("unit_kind", sa.String(length=30), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_area_code", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_parts_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_parts")),
        sa.UniqueConstraint("ticket_id", "unit_code", "role", name=op.f("uq_ticket_parts_ticket_id_unit_code_role")),
    )
    with op.batch_alter_table("ticket_parts", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_parts_scope", ["area_code", "unit_dept"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_parts_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("ticket_parts")
