"""applicants' ID number and phone encrypted at rest (SM4 by default): existing rows are encrypted
here, with the process's keys

Revision ID: 8e93b86d3a3f
Revises: 3e9945d707de
Create Date: 2026-11-29 23:24:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiceng_shared import personaldata

revision: str = "8e93b86d3a3f"
down_revision: str | None = "3e9945d707de"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

applications = sa.table(
    "applications",
    sa.column("id", sa.String()),
    sa.column("applicant_id_number", sa.String()),
    sa.column("applicant_phone", sa.String()),
)


def _rewrite(change) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(applications.c.id, applications.c.applicant_id_number, applications.c.applicant_phone)
    ).all()
    for row in rows:
        bind.execute(
            applications.update()
            .where(applications.c.id == row.id)
            .values(
                applicant_id_number=change(row.applicant_id_number),
                applicant_phone=change(row.applicant_phone) if row.applicant_phone is not None else None,
            )
        )


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column("applicant_id_number", existing_type=sa.String(length=40), type_=sa.String(length=255))
        batch_op.alter_column("applicant_phone", existing_type=sa.String(length=30), type_=sa.String(length=255))
    cipher = personaldata.cipher()
    _rewrite(lambda value: cipher.encrypt(cipher.decrypt(value)))


def downgrade() -> None:
    _rewrite(personaldata.cipher().decrypt)
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column("applicant_phone", existing_type=sa.String(length=255), type_=sa.String(length=30))
        batch_op.alter_column("applicant_id_number", existing_type=sa.String(length=255), type_=sa.String(length=40))
