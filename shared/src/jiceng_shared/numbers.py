"""Human business numbers (receipt, ticket, case numbers): unique, readable, gap-tolerant.

One counter row per series (e.g. per township and year), incremented with a single upsert, so a
number is never handed out twice. On PostgreSQL the upsert runs in its own autocommit statement,
not in the caller's transaction: every acceptance of a township goes through the same row, and
holding its lock until the business transaction commits would make them queue one behind the
other. The price is a gap when that transaction rolls back, which numbering allows (like a
sequence). SQLite has one writer anyway, so there the caller's transaction is used.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.db import dialect_insert, pooled_driver

#: the upsert per counter table and dialect, built once with the series as a parameter: building
#: it (its ON CONFLICT clause, then its cache key) on every number drawn cost more CPU than running it
_UPSERTS: dict[tuple[Table, str], Any] = {}


def _upsert(session: AsyncSession, counters: Table) -> Any:
    key = (counters, session.get_bind().dialect.name)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        stmt = dialect_insert(session, counters).values(key=bindparam("series"), value=1)
        stmt = stmt.on_conflict_do_update(index_elements=[counters.c.key], set_={"value": counters.c.value + 1})
        stmt = _UPSERTS[key] = stmt.returning(counters.c.value)
    return stmt


#: the upsert as PostgreSQL's driver runs it, in the counter pool's autocommit
_PG_UPSERT = (
    "INSERT INTO counters (key, value) VALUES ($1::varchar, 1)"
    " ON CONFLICT (key) DO UPDATE SET value = counters.value + 1 RETURNING value"
)


async def next_in_series(session: AsyncSession, series: str) -> int:
    engine = session.info.get("counter_engine")
    if engine is None:  # SQLite: in the caller's transaction
        stmt = _upsert(session, session.info["infra"].counters)
        return int((await session.execute(stmt, {"series": series})).scalar_one())
    # on the driver: through SQLAlchemy's execution the statement cost several times its run (a
    # number is drawn on every incident, ticket and lead of loop 1)
    async with pooled_driver(engine) as raw:
        return int(await raw.fetchval(_PG_UPSERT, series))


async def business_number(session: AsyncSession, kind: str, township_code: str, year: int, width: int = 6) -> str:
    """E.g. ``SJ-320971100-2026-000042``: kind, township (9 digits), year, sequence."""
    seq = await next_in_series(session, f"{kind}:{township_code}:{year}")
    return f"{kind}-{township_code[:9]}-{year}-{seq:0{width}d}"
