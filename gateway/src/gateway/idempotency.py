"""Idempotent creation through the gateway: the ``Idempotency-Key`` header on POST requests.

Follows the IETF httpapi draft "The Idempotency-Key HTTP Header Field": a client that retries a
POST (after a timeout, a dropped connection) sends the same key, and

- the same key with the same request (method, path, query, body) within the retention (24 h)
  answers the first response again (``Idempotent-Replayed: true``) and creates nothing more;
- the same key with another request answers 422 ``idempotency_key_reused``;
- a retry while the first request is still in flight answers 409 ``idempotency_request_in_progress``
  with ``Retry-After``.

Keys belong to the caller (the authenticated subject; the address on public routes) and live in
the gateway's database, so every gateway replica sees them. A first request that outlives the
gateway's upstream timeout is answered 504, but the gateway keeps waiting for the service in the
background and records its response, so the client's retry gets the real answer, not a second
creation. A 5xx answer of the service is not kept (it created nothing; retrying is right), nor is
a refused connection. When the service dies while handling the request its outcome is unknown:
the key stays taken (409 to a retry) until the in-flight window (``upstream_completion_seconds``
+ 60 s) has passed, after which a retry is forwarded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from gateway.models import IdempotencyRecord
from jiceng_shared.db import Database, dialect_insert, rowcount, utcnow
from jiceng_shared.errors import Problem

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Stored:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def key_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The request's Idempotency-Key (a structured-field string: quotes are optional), or None."""
    for name, value in headers:
        if name == HEADER:
            text = value.decode("latin-1").strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1]
            if not text or len(text) > MAX_KEY_LENGTH or not text.isprintable() or not text.isascii():
                raise Problem(
                    400,
                    "invalid_idempotency_key",
                    "Invalid Idempotency-Key",
                    f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                )
            return text
    return None


class IdempotencyStore:
    def __init__(
        self,
        db: Database,
        *,
        retention: dt.timedelta = dt.timedelta(hours=24),
        in_flight_seconds: float = 300.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.retention = retention
        #: a record still without a response after this long belongs to a gateway that died mid-request
        self.in_flight = dt.timedelta(seconds=in_flight_seconds)
        self.clock = clock

    async def begin(self, owner: str, key: str, fp: str, method: str, path: str) -> Stored | None:
        """Claim the key for this request (None: go on and forward it), or the stored response to
        replay; raises 422 for another request under the same key, 409 while the first runs."""
        now = self.clock()
        table = IdempotencyRecord.__table__
        async with self.db.transaction() as session:
            claimed = await session.execute(
                dialect_insert(session, table)
                .values(owner=owner, key=key, fingerprint=fp, method=method, path=path[:500], created_at=now)
                .on_conflict_do_nothing()
            )
            if rowcount(claimed) == 1:
                return None
            row = (
                await session.execute(select(table).where(table.c.owner == owner, table.c.key == key).with_for_update())
            ).one_or_none()
            if row is None:  # deleted meanwhile (a failed first attempt): claim it now
                await session.execute(
                    table.insert().values(
                        owner=owner, key=key, fingerprint=fp, method=method, path=path[:500], created_at=now
                    )
                )
                return None
            expired = row.created_at <= now - self.retention
            abandoned = row.status is None and row.created_at <= now - self.in_flight
            if expired or abandoned:
                await session.execute(
                    update(table)
                    .where(table.c.owner == owner, table.c.key == key)
                    .values(
                        fingerprint=fp,
                        method=method,
                        path=path[:500],
                        created_at=now,
                        completed_at=None,
                        status=None,
                        headers=None,
                        body=None,
                    )
                )
                return None
        if row.fingerprint != fp:
            raise Problem(
                422,
                "idempotency_key_reused",
                "Idempotency-Key reused",
                "this Idempotency-Key was used for another request; use a new key for a new request",
            )
        if row.status is None:
            raise Problem(
                409,
                "idempotency_request_in_progress",
                "Request in progress",
                "the first request with this Idempotency-Key is still being processed; retry shortly",
                headers={"Retry-After": "1"},
            )
        return Stored(row.status, [tuple(h) for h in row.headers or []], row.body or b"")

    async def complete(self, owner: str, key: str, stored: Stored) -> None:
        table = IdempotencyRecord.__table__
        async with self.db.transaction() as session:
            await session.execute(
                update(table)
                .where(table.c.owner == owner, table.c.key == key)
                .values(
                    status=stored.status,
                    headers=[list(h) for h in stored.headers],
                    body=stored.body,
                    completed_at=self.clock(),
                )
            )

    async def release(self, owner: str, key: str) -> None:
        """Forget a claim whose request created nothing (5xx, unreachable service): retry may go on."""
        table = IdempotencyRecord.__table__
        async with self.db.transaction() as session:
            await session.execute(
                delete(table).where(table.c.owner == owner, table.c.key == key, table.c.status.is_(None))
            )

    async def prune(self) -> int:
        table = IdempotencyRecord.__table__
        async with self.db.transaction() as session:
            result = await session.execute(delete(table).where(table.c.created_at <= self.clock() - self.retention))
        return rowcount(result) or 0


def replay_headers(stored: Stored) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers] + [(b"idempotent-replayed", b"true")]


def describe(stored: Stored) -> dict[str, Any]:
    return {"status": stored.status, "bytes": len(stored.body)}
