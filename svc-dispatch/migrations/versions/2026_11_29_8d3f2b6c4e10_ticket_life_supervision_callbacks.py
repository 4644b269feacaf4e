"""tickets: sign-for, void, parking, callbacks and the supervision of every limit; supervision orders

Revision ID: 8d3f2b6c4e10
Revises: 5a1c7e0b9d21
Create Date: 2026-11-29 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jiceng_shared.db

revision: str = "8d3f2b6c4e10"
down_revision: str | None = "5a1c7e0b9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = jiceng_shared.db.UTCDateTime(timezone=True)
TICKET_COLUMNS = [
    ("dispatch_warn_at", UTC, True, None),
    ("dispatch_level", sa.Integer(), False, "0"),
    ("dispatch_escalate_at", UTC, True, None),
    ("response_limit_minutes", sa.Integer(), True, None),
    ("response_due_at", UTC, True, None),
    ("response_warn_at", UTC, True, None),
    ("response_level", sa.Integer(), False, "0"),
    ("response_escalate_at", UTC, True, None),
    ("signed_at", UTC, True, None),
    ("void_reason", sa.String(length=30), True, None),
    ("park_reason", sa.Text(), True, None),
    ("parked_at", UTC, True, None),
    ("parked_from", sa.String(length=20), True, None),
    ("callback_count", sa.Integer(), False, "0"),
    ("callback_reopens", sa.Integer(), False, "0"),
    ("callback_result", sa.String(length=30), True, None),
    ("verified_at", UTC, True, None),
]


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, type_, nullable, default in TICKET_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=nullable, server_default=default))
        batch_op.create_index(batch_op.f("ix_tickets_dispatch_escalate_at"), ["dispatch_escalate_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_response_escalate_at"), ["response_escalate_at"], unique=False)
    # the server defaults only fill existing rows; the model sets every value
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, _type, _nullable, default in TICKET_COLUMNS:
            if default is not None:
                batch_op.alter_column(name, server_default=None)

    op.create_table(
        "ticket_callbacks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=30), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_callbacks_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_callbacks")),
        sa.UniqueConstraint("ticket_id", "attempt", name=op.f("uq_ticket_callbacks_ticket_id_attempt")),
    )
    with op.batch_alter_table("ticket_callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_callbacks_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=True),
        sa.Column("unit_dept", sa.String(length=20), nullable=True),
        sa.Column("unit_area_code", sa.String(length=12), nullable=True),
        sa.Column("unit_name", sa.String(length=200), nullable=True),
        sa.Column("limit", sa.String(length=20), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("addressee", sa.String(length=30), nullable=False),
        sa.Column("addressee_name", sa.String(length=200), nullable=False),
        sa.Column("demand", sa.Text(), nullable=False),
        sa.Column("answer_by", UTC, nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_supervision_orders_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_supervision_orders_number")),
        sa.UniqueConstraint("ticket_id", "limit", "due_at", "level", name=op.f("uq_supervision_orders_ticket_id_limit_due_at_level")),
    )
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.create_index("ix_supervision_orders_area", ["area_code", "issued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_orders_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("supervision_orders")
    op.drop_table("ticket_callbacks")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_response_escalate_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_dispatch_escalate_at"))
        for name, *_ in reversed(TICKET_COLUMNS):
            batch_op.drop_column(name)
