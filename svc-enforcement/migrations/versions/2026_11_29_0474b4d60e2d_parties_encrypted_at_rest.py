"""parties' names in rights notices and decisions encrypted at rest (SM4 by default): existing rows
are encrypted here, with the process's keys

Revision ID: 0474b4d60e2d
Revises: c95f0f4c46bd
Create Date: 2026-11-29 23:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiceng_shared import personaldata

revision: str = "0474b4d60e2d"
down_revision: str | None = "c95f0f4c46bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("rights_notices", "decisions")


def _rewrite(name: str, change) -> None:
    table = sa.table(name, sa.column("id", sa.String()), sa.column("party_name", sa.String()))
    bind = op.get_bind()
    for row in bind.execute(sa.select(table.c.id, table.c.party_name)).all():
        bind.execute(table.update().where(table.c.id == row.id).values(party_name=change(row.party_name)))


def upgrade() -> None:
    cipher = personaldata.cipher()
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column("party_name", existing_type=sa.String(length=200), type_=sa.String(length=1000))
        _rewrite(name, lambda value: cipher.encrypt(cipher.decrypt(value)))


def downgrade() -> None:
    cipher = personaldata.cipher()
    for name in TABLES:
        _rewrite(name, cipher.decrypt)
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column("party_name", existing_type=sa.String(length=1000), type_=sa.String(length=200))
