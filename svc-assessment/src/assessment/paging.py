"""Assessment's lists are rankings of subjects ordered by their code (unit code, clerk id, township
code) or by several columns (period and worker, township and worker), always ascending. These are
the shared keyset cursors (``jiceng_shared.keyset``) in that one shape: lists read from one table
take the next page in SQL (``keyset``), lists summed in Python from several reads (per township,
per centre) are cut after the key in memory (``page_after``): they have one row per township or
unit, so reading them whole costs what the first page does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select

from jiceng_shared import keyset as shared
from jiceng_shared.errors import Problem

T = TypeVar("T")

#: the sort key of a row: strings, or integers for a column of numbers (an item's version)
Key = tuple[str | int, ...]


def keyset(stmt: Select[Any], columns: Sequence[Any], *, limit: int, cursor: str | None) -> Select[Any]:
    """Ascending by ``columns``, after the cursor's key; one row more than ``limit`` to know whether
    a next page exists (cut it with ``page_by_keys``)."""
    return shared.after_key(stmt, [(column, shared.ASC) for column in columns], limit=limit, cursor=cursor)


def page_by_keys(rows: list[T], limit: int, key: Callable[[T], Key]) -> tuple[list[T], str | None]:
    """``rows`` were fetched with ``limit + 1``: cut them and give the cursor of the next page."""
    return shared.page_by_key(rows, limit, key)


def page_by_key(rows: list[T], limit: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    return shared.page_by_key(rows, limit, lambda row: (key(row),))


def page_after(
    rows: Sequence[T], limit: int, cursor: str | None, key: Callable[[T], Key]
) -> tuple[list[T], str | None]:
    """One page of ``rows`` (already in ``key`` order, summed in memory): those after the cursor's key."""
    return shared.page_in_memory(list(rows), limit, cursor, key)


def decode_key(cursor: str) -> str:
    """The code a one-column cursor carries (a list that filters on it in its own SQL)."""
    (key,) = shared.decode_key(cursor, 1)
    if not isinstance(key, str):
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued")
    return key
