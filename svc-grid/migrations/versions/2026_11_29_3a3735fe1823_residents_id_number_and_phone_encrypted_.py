"""residents' ID number and phone encrypted at rest (SM4 by default), the ID number found by its
keyed hash: existing rows are encrypted and hashed here, with the process's keys

Revision ID: 3a3735fe1823
Revises: 0e3952084ec1
Create Date: 2026-11-29 23:20:15.857848
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiceng_shared import personaldata

revision: str = "3a3735fe1823"
down_revision: str | None = "0e3952084ec1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

residents = sa.table(
    "residents",
    sa.column("id", sa.String()),
    sa.column("id_number", sa.String()),
    sa.column("id_number_hash", sa.String()),
    sa.column("phone", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column("id_number", existing_type=sa.String(length=18), type_=sa.String(length=255))
        batch_op.alter_column("phone", existing_type=sa.String(length=20), type_=sa.String(length=255))
        batch_op.drop_constraint(batch_op.f("uq_residents_township_code_id_number"), type_="unique")
    cipher = personaldata.cipher()
    bind = op.get_bind()
    for row in bind.execute(sa.select(residents.c.id, residents.c.id_number, residents.c.phone)).all():
        number = cipher.decrypt(row.id_number)
        bind.execute(
            residents.update()
            .where(residents.c.id == row.id)
            .values(
                id_number=cipher.encrypt(number),
                id_number_hash=cipher.lookup(number),
                phone=cipher.encrypt(cipher.decrypt(row.phone)) if row.phone is not None else None,
            )
        )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.alter_column("id_number_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_residents_township_code_id_number_hash"), ["township_code", "id_number_hash"]
        )


def downgrade() -> None:
    cipher = personaldata.cipher()
    bind = op.get_bind()
    for row in bind.execute(sa.select(residents.c.id, residents.c.id_number, residents.c.phone)).all():
        bind.execute(
            residents.update()
            .where(residents.c.id == row.id)
            .values(
                id_number=cipher.decrypt(row.id_number),
                phone=cipher.decrypt(row.phone) if row.phone is not None else None,
            )
        )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_residents_township_code_id_number_hash"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_residents_township_code_id_number"), ["township_code", "id_number"])
        batch_op.alter_column("phone", existing_type=sa.String(length=255), type_=sa.String(length=20))
        batch_op.alter_column("id_number", existing_type=sa.String(length=255), type_=sa.String(length=18))
        batch_op.drop_column("id_number_hash")
