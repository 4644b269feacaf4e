"""Facts of a consumer's batch written together: one multi-row INSERT per table at commit, on the driver.

On loop 1 each incident brings four facts (a report, a ticket opened, its assignment, its
response), each its own INSERT through the session: a statement per event, most of this service's
database work and of its own CPU. A handler marked as deferring (:func:`deferring`) queues its
facts instead; the queue is written just before the transaction commits (or before a handler that
is not deferring runs, so that it sees them), one statement per table for all the events of the
batch, compiled once per table and row count and run as the driver's SQL.

Only facts nothing in the transaction reads back are deferred (the deferring handlers read no
fact table), and their tables are independent of each other: the rows of one table keep their
order, so an ``ON CONFLICT DO NOTHING`` keeps the first of two rows of the same key, as the
statements one after another did. A row that would meet a queued row of the same key in an
``ON CONFLICT DO UPDATE`` (which cannot touch a row twice in one statement) writes the queue first.
PostgreSQL only: on SQLite every fact is written at once, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jiceng_shared.outbox import _for_the_driver

#: build(the INSERT of the rows queued) → the statement (its ON CONFLICT clause)
Build = Callable[[Any], Any]

_QUEUE = "assessment.deferred.queue"
_ON = "assessment.deferred.on"
#: rows per statement at most (a bound on the SQL's size and the statements kept)
CHUNK = 64


@dataclass
class _Group:
    table: Any
    build: Build
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    keys: set[Hashable] = field(default_factory=set)


def active(session: AsyncSession) -> bool:
    """Whether facts written now are queued (a deferring handler runs, on PostgreSQL)."""
    return bool(session.info.get(_ON))


@contextlib.contextmanager
def deferring(session: AsyncSession) -> Iterator[None]:
    """Queue the facts written inside (PostgreSQL; elsewhere nothing changes)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.info[_ON] = True
    try:
        yield
    finally:
        session.info[_ON] = False


async def queue(
    session: AsyncSession, name: str, table: Any, build: Build, values: dict[str, Any], *, key: Hashable = None
) -> None:
    """Queue a row for the statement ``name`` (``build`` makes it for any number of rows).

    ``key``: the row's conflict key when the statement updates on conflict; a row whose key is
    queued already writes the queue first (one statement cannot update a row twice).
    """
    groups: dict[tuple[str, tuple[str, ...]], _Group] | None = session.info.get(_QUEUE)
    if groups is None:
        groups = session.info[_QUEUE] = {}
    columns = tuple(values)
    group = groups.get((name, columns))
    if key is not None and group is not None and key in group.keys:
        await write(session)
        group = None
        groups = session.info[_QUEUE] = {}
    if group is None:
        group = groups[(name, columns)] = _Group(table, build, columns)
    group.rows.append(values)
    if key is not None:
        group.keys.add(key)


async def write(session: AsyncSession) -> None:
    """Write what is queued (before a statement that must see it)."""
    groups = session.info.pop(_QUEUE, None)
    if groups:
        connection = await session.connection()
        for name, group in groups.items():
            for sql, args in _statements(session, name, group):
                await connection.exec_driver_sql(sql, args)


def _statements(session: Any, name: tuple[str, tuple[str, ...]], group: _Group) -> Iterator[tuple[str, Any]]:
    dialect = session.get_bind().dialect
    for start in range(0, len(group.rows), CHUNK):
        rows = group.rows[start : start + CHUNK]
        compiled = _for_the_driver(_statement(name, group, len(rows)), dialect)
        values = {f"{c}_{i}": v for i, row in enumerate(rows) for c, v in row.items()}
        yield compiled.sql, compiled.args(values)


#: (name, columns, rows) → the multi-row statement (PostgreSQL's), built once
_BUILT: dict[tuple[tuple[str, tuple[str, ...]], int], Any] = {}


def _statement(name: tuple[str, tuple[str, ...]], group: _Group, n: int) -> Any:
    key = (name, n)
    stmt = _BUILT.get(key)
    if stmt is None:
        table = group.table
        rows = [{c: bindparam(f"{c}_{i}", type_=table.c[c].type) for c in group.columns} for i in range(n)]
        stmt = _BUILT[key] = group.build(pg_insert(table).values(rows))
    return stmt


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """The queue is written in the transaction it belongs to: the sync session's commit runs in
    the asyncio greenlet, where the connection's sync API drives the driver."""
    groups = session.info.pop(_QUEUE, None)
    if groups:
        connection = session.connection()
        for name, group in groups.items():
            for sql, args in _statements(session, name, group):
                connection.exec_driver_sql(sql, args)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_QUEUE, None)
    session.info.pop(_ON, None)
