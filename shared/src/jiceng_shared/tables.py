"""The infrastructure tables every service database holds beside its own.

- ``outbox``: events written in the business transaction, published by the relay;
- ``inbox``: ids of events a consumer has applied, written in the handler's transaction;
- ``dead_letters``: events that failed every delivery, kept for inspection and replay;
- ``counters``: sequences behind human business numbers (receipt, ticket, case numbers).

Each service calls :func:`add_infrastructure_tables` on its own ``MetaData`` so Alembic sees them
in the service's migration history; :func:`create_infrastructure_tables` is what a first
migration calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Index, Integer, LargeBinary, MetaData, String, Table, Text

from jiceng_shared.columns import NAMING_CONVENTION, JSONDocument, UTCDateTime


@dataclass(frozen=True)
class InfrastructureTables:
    outbox: Table
    inbox: Table
    dead_letters: Table
    counters: Table


def add_infrastructure_tables(metadata: MetaData) -> InfrastructureTables:
    if "outbox" in metadata.tables:
        t = metadata.tables
        return InfrastructureTables(t["outbox"], t["inbox"], t["dead_letters"], t["counters"])
    outbox = Table(
        "outbox",
        metadata,
        Column("id", String(36), primary_key=True, comment="the event id, sent as Nats-Msg-Id"),
        Column("type", String(120), nullable=False),
        Column("envelope", LargeBinary, nullable=False, comment="the CloudEvent as JSON bytes"),
        Column("headers", JSONDocument(), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_unsent", "sent_at", "created_at"),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(120), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", UTCDateTime, nullable=False),
    )
    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("consumer", String(120), nullable=False),
        Column("event_id", String(64), nullable=True),
        Column("event_type", String(120), nullable=True),
        Column("subject", String(200), nullable=False),
        Column("data", LargeBinary, nullable=False),
        Column("error", Text, nullable=False),
        Column("deliveries", Integer, nullable=False),
        Column("failed_at", UTCDateTime, nullable=False),
        Column("replayed_at", UTCDateTime, nullable=True),
        Index("ix_dead_letters_failed_at", "failed_at"),
    )
    counters = Table(
        "counters",
        metadata,
        Column("key", String(120), primary_key=True),
        Column("value", Integer, nullable=False),
    )
    return InfrastructureTables(outbox, inbox, dead_letters, counters)


def create_infrastructure_tables(op: Any) -> None:
    """Create the infrastructure tables inside an Alembic migration (``op`` is ``alembic.op``)."""
    tables = add_infrastructure_tables(MetaData(naming_convention=NAMING_CONVENTION))
    bind = op.get_bind()
    for table in (tables.outbox, tables.inbox, tables.dead_letters, tables.counters):
        table.create(bind)


def drop_infrastructure_tables(op: Any) -> None:
    for name in ("counters", "dead_letters", "inbox", "outbox"):
        op.drop_table(name)
