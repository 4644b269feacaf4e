"""callers' names and phones encrypted at rest (SM4 by default), the phone found by its keyed hash:
existing rows are encrypted and hashed here, with the process's keys

Revision ID: 537b6cd3e6e8
Revises: f649ba2fe810
Create Date: 2026-11-29 23:26:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiceng_shared import personaldata

revision: str = "537b6cd3e6e8"
down_revision: str | None = "f649ba2fe810"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

tickets = sa.table(
    "tickets",
    sa.column("id", sa.String()),
    sa.column("caller_name", sa.String()),
    sa.column("caller_phone", sa.String()),
    sa.column("caller_phone_hash", sa.String()),
)


def _callers(bind) -> list:
    return bind.execute(
        sa.select(tickets.c.id, tickets.c.caller_name, tickets.c.caller_phone).where(
            sa.or_(tickets.c.caller_name.is_not(None), tickets.c.caller_phone.is_not(None))
        )
    ).all()


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_phone_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column("caller_name", existing_type=sa.String(length=50), type_=sa.String(length=255))
        batch_op.alter_column("caller_phone", existing_type=sa.String(length=20), type_=sa.String(length=255))
        batch_op.create_index(batch_op.f("ix_tickets_caller_phone_hash"), ["caller_phone_hash"], unique=False)
    cipher = personaldata.cipher()
    bind = op.get_bind()
    for row in _callers(bind):
        name = cipher.decrypt(row.caller_name) if row.caller_name is not None else None
        phone = cipher.decrypt(row.caller_phone) if row.caller_phone is not None else None
        bind.execute(
            tickets.update()
            .where(tickets.c.id == row.id)
            .values(
                caller_name=cipher.encrypt(name) if name is not None else None,
                caller_phone=cipher.encrypt(phone) if phone is not None else None,
                caller_phone_hash=cipher.lookup(phone) if phone is not None else None,
            )
        )


def downgrade() -> None:
    cipher = personaldata.cipher()
    bind = op.get_bind()
    for row in _callers(bind):
        bind.execute(
            tickets.update()
            .where(tickets.c.id == row.id)
            .values(
                caller_name=cipher.decrypt(row.caller_name) if row.caller_name is not None else None,
                caller_phone=cipher.decrypt(row.caller_phone) if row.caller_phone is not None else None,
            )
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_caller_phone_hash"))
        batch_op.alter_column("caller_phone", existing_type=sa.String(length=255), type_=sa.String(length=20))
        batch_op.alter_column("caller_name", existing_type=sa.String(length=255), type_=sa.String(length=50))
        batch_op.drop_column("caller_phone_hash")
