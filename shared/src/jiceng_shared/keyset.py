"""Cursor pagination for lists in an order of their own (an area code, a due date, a day).

``jiceng_shared.pagination`` pages newest-first lists of created rows. A list ordered otherwise
(areas by code, tasks by due date, diaries by day newest first) pages here on its sort key: the
cursor carries the key of the last item, and the next page starts strictly after it, so pages
neither skip nor repeat rows whatever is written in between. Two ways in:

- a SQL list: ``after_key(stmt, [(Area.code, ASC)], limit=limit, cursor=cursor)`` orders the
  statement, keeps the rows after the cursor and fetches one more than ``limit``; the route cuts
  the rows with ``page_by_key(rows, limit, key)``;
- a list computed in memory (sorted by ``key``, every part ascending): ``page_in_memory``.

The key's last part must make it unique (the id, the code). The cursor is opaque to callers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, and_, or_

from jiceng_shared.errors import Problem

T = TypeVar("T")
KeyPart = str | int | dt.date | dt.datetime | None
Direction = Literal["asc", "desc"]
ASC: Direction = "asc"
DESC: Direction = "desc"


def _plain(part: KeyPart) -> object:
    """A key part as JSON: dates and times tagged, so the cursor gives them back as they were."""
    if isinstance(part, dt.datetime):
        return {"t": part.isoformat()}
    if isinstance(part, dt.date):
        return {"d": part.isoformat()}
    return part


def _typed(part: object) -> KeyPart:
    if isinstance(part, dict) and len(part) == 1:
        tag, text = next(iter(part.items()))
        if tag == "t" and isinstance(text, str):
            return dt.datetime.fromisoformat(text)
        if tag == "d" and isinstance(text, str):
            return dt.date.fromisoformat(text)
    if part is None or isinstance(part, str | int) and not isinstance(part, bool):
        return part
    raise ValueError(part)


def encode_key(key: Sequence[KeyPart]) -> str:
    raw = json.dumps(["ks", [_plain(p) for p in key]], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(cursor: str, size: int) -> list[KeyPart]:
    """The parts of a cursor this module issued for a key of ``size`` parts; 400 otherwise."""
    try:
        tag, parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tag != "ks" or not isinstance(parts, list) or len(parts) != size:
            raise ValueError(cursor)
        return [_typed(p) for p in parts]
    except (ValueError, TypeError) as exc:
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc


def after_key(
    stmt: Select[Any], order: Sequence[tuple[Any, Direction]], *, limit: int, cursor: str | None
) -> Select[Any]:
    """``stmt`` in ``order``, from after the cursor's key, one row more than ``limit``."""
    if cursor:
        parts = decode_key(cursor, len(order))
        if any(not _fits(col, part) for (col, _), part in zip(order, parts, strict=True)):
            raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued")
        alternatives = []
        for i, ((col, direction), value) in enumerate(zip(order, parts, strict=True)):
            equal_before = [c == v for (c, _), v in zip(order[:i], parts[:i], strict=True)]
            beyond = col > value if direction == ASC else col < value
            alternatives.append(and_(*equal_before, beyond))
        stmt = stmt.where(or_(*alternatives))
    columns = [col.asc() if direction == ASC else col.desc() for col, direction in order]
    return stmt.order_by(*columns).limit(limit + 1)


def _fits(column: Any, part: KeyPart) -> bool:
    """The part has the column's Python type (a forged cursor never reaches the database)."""
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):  # a type without one: the database judges
        return True
    if part is None or python_type is dt.date and isinstance(part, dt.datetime):
        return part is None
    return isinstance(part, python_type)


def page_by_key(rows: list[T], limit: int, key: Callable[[T], Sequence[KeyPart]]) -> tuple[list[T], str | None]:
    """``rows`` were fetched with ``limit + 1``: cut them and give the cursor of the next page."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_key(key(rows[-1]))


def page_in_memory(
    items: list[T], limit: int, cursor: str | None, key: Callable[[T], Sequence[KeyPart]]
) -> tuple[list[T], str | None]:
    """One page of ``items`` (sorted by ``key``, every part ascending, never None): those after the
    cursor's key."""
    if cursor and items:
        after = tuple(decode_key(cursor, len(key(items[0]))))
        try:
            items = [i for i in items if tuple(key(i)) > after]
        except TypeError as exc:  # a part of another type than the key's: not a cursor of this list
            raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc
    return page_by_key(items[: limit + 1], limit, key)
