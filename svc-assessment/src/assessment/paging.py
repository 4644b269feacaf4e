"""Keyset cursors for lists ordered by a text key (unit code, clerk id, township code).

The shared cursor (``jiceng_shared.pagination``) is for newest-first lists of created rows; the
lists here are rankings of subjects ordered by their code, so the cursor is the last code seen.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TypeVar

from jiceng_shared.errors import Problem

T = TypeVar("T")


def encode_key(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(["k", key]).encode()).decode().rstrip("=")


def decode_key(cursor: str) -> str:
    try:
        tag, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tag != "k" or not isinstance(key, str):
            raise ValueError(cursor)
        return key
    except (ValueError, TypeError) as exc:
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc


def page_by_key(rows: list[T], limit: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    """``rows`` were fetched with ``limit + 1``: cut them and give the cursor of the next page."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_key(key(rows[-1]))
