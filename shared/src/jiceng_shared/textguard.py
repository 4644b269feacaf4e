"""Characters no field may hold: NUL and lone UTF-16 surrogates, refused before any work is done.

PostgreSQL refuses a NUL in text (and a lone surrogate cannot be encoded as UTF-8), so such a
value would fail deep inside a transaction: a 500, after a business number was drawn. This ASGI
middleware looks at the query parameters, the path, and JSON or form bodies first, and answers
422 ``invalid_characters`` naming every bad field at once (the same shape as a validation error).

JSON can only carry these characters as ``\\u0000`` or ``\\ud800``-``\\udfff`` escapes (raw control
characters and encoded surrogates are not valid JSON or UTF-8), so a body without such an escape is
passed on without being parsed: the guard costs one byte scan per request.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiceng_shared.errors import problem_response

#: characters refused in any text a caller sends
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
#: a JSON escape that may decode to one of them
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_MESSAGE = "must not contain NUL characters or lone surrogates"


def bad_fields_in_json(value: Any, path: str = "") -> list[str]:
    """Dotted paths (``items.0.name``) of the strings (keys included) holding a bad character."""
    found: list[str] = []
    if isinstance(value, str):
        if BAD_CHARACTERS.search(value):
            found.append(path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if BAD_CHARACTERS.search(key):
                found.append(child)
            else:
                found += bad_fields_in_json(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += bad_fields_in_json(item, f"{path}.{index}" if path else str(index))
    return found


def bad_fields_in_query(raw: bytes) -> list[str]:
    """Names of query (or form) parameters whose name or value holds a bad character or bad UTF-8."""
    found: list[str] = []
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
        # decode the percent-escapes as bytes first, then as UTF-8, strictly
        name_b, value_b = name.encode("latin-1"), value.encode("latin-1")
        try:
            name_s, value_s = name_b.decode("utf-8"), value_b.decode("utf-8")
        except UnicodeDecodeError:
            found.append(name_b.decode("utf-8", "replace"))
            continue
        if BAD_CHARACTERS.search(name_s) or BAD_CHARACTERS.search(value_s):
            found.append(BAD_CHARACTERS.sub("\ufffd", name_s))
    return list(dict.fromkeys(found))


def _content_type(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


class BadCharactersGuard:
    """Refuses a request whose path, query or JSON/form body holds NUL or a lone surrogate (422)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors: list[dict[str, str]] = []
        if "\x00" in scope["path"]:
            errors.append(_error("path", "path"))
        errors += [_error(name, "query") for name in bad_fields_in_query(scope.get("query_string", b""))]
        content_type = _content_type(scope)
        is_json = content_type == "application/json" or content_type.endswith("+json")
        is_form = content_type == "application/x-www-form-urlencoded"
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE") and (is_json or is_form):
            body, receive = await _buffer(receive)
            if is_form:
                errors += [_error(name, "body") for name in bad_fields_in_query(body)]
            elif _SUSPECT_ESCAPE.search(body):
                try:
                    document = json.loads(body)
                except ValueError:
                    document = None  # malformed: the app's own parser answers 400
                errors += [_error(name, "body") for name in bad_fields_in_json(document)]
        if errors:
            names = ", ".join(e["field"] for e in errors)
            response = problem_response(
                422, "invalid_characters", "Invalid request", f"invalid characters in: {names}", errors=errors
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _error(field: str, where: str) -> dict[str, str]:
    field = BAD_CHARACTERS.sub("\ufffd", field)  # a bad character in a key is not echoed back
    return {"field": field, "in": where, "code": "invalid_characters", "message": _MESSAGE}


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body and hand back a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
