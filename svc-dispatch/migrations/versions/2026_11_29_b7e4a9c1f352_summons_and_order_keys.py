"""summons (吹哨报到); supervision orders keyed by one column (ticket, limit, instant, level, unit)

Revision ID: b7e4a9c1f352
Revises: 8d3f2b6c4e10
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jiceng_shared.db

revision: str = "b7e4a9c1f352"
down_revision: str | None = "8d3f2b6c4e10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = jiceng_shared.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_supervision_orders_ticket_id_limit_due_at_level", type_="unique")
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE supervision_orders SET key = ticket_id || ':' || \"limit\" || ':' || id || ':' || level"
        " || ':' || COALESCE(unit_code, '-')"
    )
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_supervision_orders_key"), ["key"])

    op.create_table(
        "summons",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("unit_dept", sa.String(length=20), nullable=False),
        sa.Column("unit_kind", sa.String(length=30), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_area_code", sa.String(length=12), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("respond_by", UTC, nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("arrived", sa.Boolean(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("missed_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_summons_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summons")),
        sa.UniqueConstraint("number", name=op.f("uq_summons_number")),
    )
    with op.batch_alter_table("summons", schema=None) as batch_op:
        batch_op.create_index("ix_summons_due", ["respond_by", "answered_at", "missed_at"], unique=False)
        batch_op.create_index("ix_summons_scope", ["area_code", "unit_dept"], unique=False)
        batch_op.create_index(batch_op.f("ix_summons_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("summons")
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_supervision_orders_key"), type_="unique")
        batch_op.drop_column("key")
        batch_op.create_unique_constraint(
            "uq_supervision_orders_ticket_id_limit_due_at_level", ["ticket_id", "limit", "due_at", "level"]
        )
