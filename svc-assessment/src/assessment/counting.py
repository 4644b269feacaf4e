"""Counting the facts recorded from events, one way for every sub-domain: a fact is inserted once
(a redelivered event finds its row and changes nothing), and a rate's numerator is the number of
rows of a group that meet a condition (0, not NULL, for a group with none)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy.ext.asyncio import AsyncSession

from assessment import deferred, prebuilt


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """In a grouped SELECT: how many rows of the group meet ``condition``."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def insert_once(session: AsyncSession, model: Any, **values: object) -> None:
    """Insert a fact unless its key is there already (the event was delivered before)."""
    table = model.__table__
    name = f"insert_once:{table.name}"
    if deferred.active(session):  # with the other facts of the batch, at commit
        await deferred.queue(session, name, table, _do_nothing, values)
        return
    stmt = prebuilt.statement(session, name, _do_nothing_on(table))
    await session.execute(stmt, values)


def _do_nothing(insert: Any) -> Any:
    """``build`` for deferred.queue: its INSERT with nothing done on a conflict."""
    return insert.on_conflict_do_nothing()


def _do_nothing_on(table: Any) -> Any:
    return lambda insert: insert(table).on_conflict_do_nothing()
