"""List endpoints: optional equality filters, and cursor pagination (``limit`` and ``cursor`` in,
``items`` and ``next_cursor`` out, stable order).

The cursor is the sort key of the last item (created time and id), opaque to callers; no OFFSET,
so deep pages cost what the first one does.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, and_, or_

from jiceng_shared.errors import Problem

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def where_equal(stmt: Select[Any], pairs: Iterable[tuple[Any, Any]]) -> Select[Any]:
    """One equality filter per ``(column, value)`` given; a ``None`` value means "not filtered"."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def encode_cursor(created_at: dt.datetime, ident: str) -> str:
    raw = json.dumps([created_at.isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, ident = json.loads(raw)
        return dt.datetime.fromisoformat(created), str(ident)
    except (ValueError, TypeError) as exc:
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc


def paginate(stmt: Select[Any], created_col: Any, id_col: Any, *, limit: int, cursor: str | None) -> Select[Any]:
    """Newest first; fetch one row more than ``limit`` to know whether a next page exists."""
    if cursor:
        created, ident = decode_cursor(cursor)
        stmt = stmt.where(or_(created_col < created, and_(created_col == created, id_col < ident)))
    return stmt.order_by(created_col.desc(), id_col.desc()).limit(limit + 1)


def page_of(
    rows: list[Any], limit: int, *, created: str = "created_at", ident: str = "id"
) -> tuple[list[Any], str | None]:
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(getattr(last, created), getattr(last, ident))
