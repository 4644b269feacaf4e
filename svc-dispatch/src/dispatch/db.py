"""The declarative base of svc-dispatch's own tables (plus the shared outbox/inbox tables)."""

import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.db import make_base
from jiceng_shared.tables import add_infrastructure_tables

Base = make_base()
add_infrastructure_tables(Base.metadata)


#: built once (a text() statement built per call parses its SQL and is keyed again each time)
_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:k AS bigint))")


async def serialize_on(session: AsyncSession, key: str) -> None:
    """Hold a transaction-scoped lock on ``key`` (PostgreSQL advisory lock), so two transactions that
    must see each other's rows (duplicate detection, version numbers) run one after the other.
    SQLite needs nothing: its writers are serialized already (BEGIN IMMEDIATE)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(_LOCK, {"k": zlib.crc32(key.encode())})
