"""Which work begins a database transaction: for tests that hold a loop to one statement outside
any (a lone statement in BEGIN … COMMIT is two round trips more)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import MetaData, event

from jiceng_shared.db import Database


@contextlib.asynccontextmanager
async def begins_counted(url: str, *, source: str) -> AsyncIterator[tuple[Database, list[object]]]:
    """A database handle of its own on ``url``, and the transactions begun on its engine as they
    come (SQLAlchemy's ``begin`` events): the process's own loops run on another engine and do not
    count. What runs on the driver's connection outside a transaction begins none."""
    db = Database(url, metadata=MetaData(), source=source)
    begun: list[object] = []
    event.listen(db.engine.sync_engine, "begin", begun.append)
    try:
        yield db, begun
    finally:
        await db.dispose()
