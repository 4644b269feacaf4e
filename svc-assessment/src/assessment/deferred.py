"""Facts of a consumer's batch written together: one round trip per table at commit, on the driver.

On loop 1 each incident brings four facts (a report, a ticket opened, its assignment, its
response), each its own INSERT through the session: a statement per event, most of this service's
database work and of its own CPU. A handler marked as deferring (:func:`deferring`) queues its
facts instead; :func:`write` writes the queue after the batch's last handler, as the
subscriptions' ``before_commit`` (or before a handler that is not deferring runs, so that it sees
them): each table's one-row INSERT, compiled once, run by the driver for every row of the batch in
one round trip. The queue lives in the session of the batch's transaction: a batch rolled back
takes its queue with it.

Only facts nothing in the transaction reads back are deferred (the deferring handlers read no
fact table), and their tables are independent of each other: the rows of one table keep their
order and run one after another, so their ``ON CONFLICT`` clauses act as the statements one
after another did.
PostgreSQL only: on SQLite every fact is written at once, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.db import for_the_driver

#: build(the INSERT of the rows queued) → the statement (its ON CONFLICT clause)
Build = Callable[[Any], Any]

_QUEUE = "assessment.deferred.queue"
_ON = "assessment.deferred.on"


@dataclass
class _Group:
    table: Any
    build: Build
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)


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


async def queue(session: AsyncSession, name: str, table: Any, build: Build, values: dict[str, Any]) -> None:
    """Queue a row for the statement ``name`` (``build`` makes it from the plain INSERT)."""
    groups: dict[tuple[str, tuple[str, ...]], _Group] | None = session.info.get(_QUEUE)
    if groups is None:
        groups = session.info[_QUEUE] = {}
    columns = tuple(values)
    group = groups.get((name, columns))
    if group is None:
        group = groups[(name, columns)] = _Group(table, build, columns)
    group.rows.append(values)


async def write(session: AsyncSession) -> None:
    """Write what is queued: at the end of the batch's transaction, and before a statement that must
    see it."""
    groups = session.info.pop(_QUEUE, None)
    if groups:
        connection = await session.connection()
        for name, group in groups.items():
            await connection.exec_driver_sql(*_for_all_rows(session, name, group))


def _for_all_rows(session: AsyncSession, name: tuple[str, tuple[str, ...]], group: _Group) -> tuple[str, list[Any]]:
    """The group's one-row INSERT, compiled once, with every row's arguments: the driver runs it
    for all of them in one round trip (asyncpg's executemany pipelines them). A multi-row VALUES
    was a statement to compile for each row count, ~8 ms each, a fifth of the process's CPU."""
    compiled = for_the_driver(_statement(name, group), session.get_bind().dialect)
    return compiled.sql, [compiled.args({f"{c}_0": v for c, v in row.items()}) for row in group.rows]


#: (name, columns) → the one-row statement (PostgreSQL's), built once
_BUILT: dict[tuple[str, tuple[str, ...]], Any] = {}


def _statement(name: tuple[str, tuple[str, ...]], group: _Group) -> Any:
    stmt = _BUILT.get(name)
    if stmt is None:
        table = group.table
        row = {c: bindparam(f"{c}_0", type_=table.c[c].type) for c in group.columns}
        stmt = _BUILT[name] = group.build(pg_insert(table).values([row]))
    return stmt
