"""Keyset cursors for lists ordered by a key of text (unit code, clerk id, township code) or of
several columns (period and worker, township and worker).

The shared cursor (``jiceng_shared.pagination``) is for newest-first lists of created rows; the
lists here are rankings of subjects ordered by their code, so the cursor is the last key seen.
Lists read from one table take the next page in SQL (``keyset``); lists summed in Python from
several reads (per township, per centre) are cut after the key in memory (``page_after``): they
have one row per township or unit, so reading them whole costs what the first page does.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_

from jiceng_shared.errors import Problem

T = TypeVar("T")

#: the sort key of a row: strings, or integers for a column of numbers (an item's version)
Key = tuple[str | int, ...]


def encode_keys(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(["k", *key]).encode()).decode().rstrip("=")


def decode_keys(cursor: str, size: int | None = None) -> Key:
    """The key a cursor carries; ``size`` is the number of columns the list is ordered by."""
    try:
        tag, *key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tag != "k" or not key or (size is not None and len(key) != size):
            raise ValueError(cursor)
        if not all(isinstance(k, str | int) and not isinstance(k, bool) for k in key):
            raise ValueError(cursor)
        return tuple(key)
    except (ValueError, TypeError) as exc:
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc


def encode_key(key: str) -> str:
    return encode_keys((key,))


def decode_key(cursor: str) -> str:
    (key,) = decode_keys(cursor, 1)
    if not isinstance(key, str):
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued")
    return key


def keyset(stmt: Select[Any], columns: Sequence[Any], *, limit: int, cursor: str | None) -> Select[Any]:
    """Ascending by ``columns``, after the cursor's key; one row more than ``limit`` to know whether
    a next page exists (cut it with ``page_by_keys``)."""
    if cursor:
        key = decode_keys(cursor, len(columns))
        after = columns[0] > key[0] if len(columns) == 1 else tuple_(*columns) > tuple_(*key)
        stmt = stmt.where(after)
    return stmt.order_by(*columns).limit(limit + 1)


def page_by_keys(rows: list[T], limit: int, key: Callable[[T], Key]) -> tuple[list[T], str | None]:
    """``rows`` were fetched with ``limit + 1``: cut them and give the cursor of the next page."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_keys(key(rows[-1]))


def page_by_key(rows: list[T], limit: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    return page_by_keys(rows, limit, lambda row: (key(row),))


def page_after(
    rows: Sequence[T], limit: int, cursor: str | None, key: Callable[[T], Key]
) -> tuple[list[T], str | None]:
    """One page of ``rows`` (already in ``key`` order, summed in memory): those after the cursor's key."""
    after = decode_keys(cursor) if cursor else None
    rest = [r for r in rows if after is None or _after(key(r), after)]
    return page_by_keys(rest[: limit + 1], limit, key)


def _after(key: Key, cursor: Key) -> bool:
    try:
        return key > cursor
    except TypeError as exc:  # a cursor of another list (a number where a code was)
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc
