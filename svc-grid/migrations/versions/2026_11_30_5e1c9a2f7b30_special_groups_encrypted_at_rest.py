"""special-group membership encrypted at rest: residents' special_groups and group_details and the
history's changes become encrypted JSON (SM4 by default), resident_groups keeps the keyed hash of
each register (HMAC-SM3) instead of its code; existing rows are converted here, with the process's
keys

Revision ID: 5e1c9a2f7b30
Revises: 3a3735fe1823
Create Date: 2026-11-30 02:10:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiceng_shared import personaldata

revision: str = "5e1c9a2f7b30"
down_revision: str | None = "3a3735fe1823"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the namespace of grid.residents.models.GROUP_HASH (a migration does not import the models)
GROUP_HASH = "special_group"
#: the codes of grid.residents.rules.SPECIAL_GROUPS when this was written (a downgrade maps hashes back)
CODES = (
    "families_in_difficulty",
    "single_parent_family",
    "empty_nest_elderly",
    "left_behind_children",
    "idle_youth",
    "floating_population",
    "disabled",
    "community_corrections",
    "drug_rehabilitation",
    "released_prisoners",
    "solitary_elderly",
    "orphan",
    "single_mother_in_difficulty",
    "entitled_group",
)

ENCRYPTED = (("residents", ("special_groups", "group_details")), ("base_data_changes", ("changes",)))


def _to_text(table: str, columns: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.alter_column(
                column, existing_type=sa.JSON(), type_=sa.Text(), postgresql_using=f"{column}::text"
            )


def _to_json(table: str, columns: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.alter_column(
                column, existing_type=sa.Text(), type_=sa.JSON(), postgresql_using=f"{column}::jsonb"
            )


def _rewrite(table: str, columns: tuple[str, ...], convert) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.String()), *[sa.column(c, sa.Text()) for c in columns])
    for row in bind.execute(sa.select(t.c.id, *[t.c[c] for c in columns])).all():
        values = {c: convert(getattr(row, c)) for c in columns}
        bind.execute(t.update().where(t.c.id == row.id).values(values))


def upgrade() -> None:
    cipher = personaldata.cipher()

    def seal(text: str | None) -> str | None:
        if text is None:
            return None
        plain = cipher.decrypt(text)
        return cipher.encrypt(json.dumps(json.loads(plain), ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    for table, columns in ENCRYPTED:
        _to_text(table, columns)
        _rewrite(table, columns, seal)
    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT resident_id, "group", grid_code FROM resident_groups')).all()
    op.drop_table("resident_groups")
    groups = op.create_table(
        "resident_groups",
        sa.Column("resident_id", sa.String(length=36), nullable=False),
        sa.Column("group_hash", sa.String(length=64), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_resident_groups_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("resident_id", "group_hash", name=op.f("pk_resident_groups")),
    )
    op.create_index("ix_resident_groups_group_hash_grid", "resident_groups", ["group_hash", "grid_code"])
    if rows:
        op.bulk_insert(
            groups,
            [
                {"resident_id": r[0], "group_hash": cipher.lookup(f"{GROUP_HASH}:{r[1]}"), "grid_code": r[2]}
                for r in rows
            ],
        )


def downgrade() -> None:
    cipher = personaldata.cipher()
    codes = {h: code for code in CODES for h in cipher.lookups(f"{GROUP_HASH}:{code}")}
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT resident_id, group_hash, grid_code FROM resident_groups")).all()
    op.drop_table("resident_groups")
    groups = op.create_table(
        "resident_groups",
        sa.Column("resident_id", sa.String(length=36), nullable=False),
        sa.Column("group", sa.String(length=40), nullable=False),
        sa.Column("grid_code", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_resident_groups_resident_id_residents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("resident_id", "group", name=op.f("pk_resident_groups")),
    )
    op.create_index("ix_resident_groups_group_grid", "resident_groups", ["group", "grid_code"])
    plain = [{"resident_id": r[0], "group": codes[r[1]], "grid_code": r[2]} for r in rows if r[1] in codes]
    if plain:
        op.bulk_insert(groups, plain)
    for table, columns in ENCRYPTED:
        _rewrite(table, columns, lambda text: cipher.decrypt(text) if text is not None else None)
        _to_json(table, columns)
