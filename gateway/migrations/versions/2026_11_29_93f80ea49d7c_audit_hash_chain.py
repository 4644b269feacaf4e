"""audit hash chain: sequence number, previous hash, hash and algorithm of each entry, the chain's
head and anchor; the append-only trigger lets an entry be sealed once, and retention delete the
start of the chain up to the anchor

Revision ID: 93f80ea49d7c
Revises: d585cece5af8
Create Date: 2026-11-29 23:07:58.022568
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "93f80ea49d7c"
down_revision: str | None = "d585cece5af8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
#: the columns of an entry before this revision: never changed, not even at sealing
ENTRY_COLUMNS = (
    "id", "at", "action", "outcome", "subject", "subject_id", "on_behalf_of", "client_id", "method",
    "resource", "permission", "status", "request_id", "trace_id", "address", "detail",
)  # fmt: skip
APPEND_ONLY = "audit_log is append-only: an entry is sealed into the chain once and never changed"
RETENTION_ONLY = "audit_log is append-only: only entries past retention, up to the chain anchor, are deleted"


def upgrade() -> None:
    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("anchor_seq", sa.BigInteger(), nullable=False),
        sa.Column("anchor_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.bulk_insert(chain, [{"id": 1, "last_seq": 0, "last_hash": GENESIS, "anchor_seq": 0, "anchor_hash": GENESIS}])
    _drop_old_triggers()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash_alg", sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'UPDATE' THEN "
            "  IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND "
            "     (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash' - 'hash_alg') = "
            "     (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash' - 'hash_alg') THEN RETURN NEW; END IF; "
            f"  RAISE EXCEPTION '{APPEND_ONLY}'; "
            "END IF; "
            "IF OLD.seq IS NOT NULL AND OLD.seq <= (SELECT anchor_seq FROM audit_chain WHERE id = 1) THEN "
            "  RETURN OLD; END IF; "
            f"RAISE EXCEPTION '{RETENTION_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_guard()"
        )
        # the head only moves forward, and stays
        op.execute(
            "CREATE FUNCTION audit_chain_forward() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' OR NEW.last_seq < OLD.last_seq OR NEW.anchor_seq < OLD.anchor_seq THEN "
            "  RAISE EXCEPTION 'audit_chain only moves forward'; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_forward BEFORE UPDATE OR DELETE ON audit_chain "
            "FOR EACH ROW EXECUTE FUNCTION audit_chain_forward()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in ENTRY_COLUMNS)
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "WHEN OLD.seq IS NULL OR OLD.seq > (SELECT anchor_seq FROM audit_chain WHERE id = 1) "
            f"BEGIN SELECT RAISE(ABORT, '{RETENTION_ONLY}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_forward BEFORE UPDATE ON audit_chain "
            "WHEN NEW.last_seq < OLD.last_seq OR NEW.anchor_seq < OLD.anchor_seq "
            "BEGIN SELECT RAISE(ABORT, 'audit_chain only moves forward'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain "
            "BEGIN SELECT RAISE(ABORT, 'audit_chain only moves forward'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_guard ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_guard()")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_forward ON audit_chain")
        op.execute("DROP FUNCTION IF EXISTS audit_chain_forward()")
    else:
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_chain_forward", "audit_chain_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.drop_column("hash_alg")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain")
    _old_triggers()


def _drop_old_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _old_triggers() -> None:
    """Revision 7fbf533a4b48's: no UPDATE, no DELETE at all."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
