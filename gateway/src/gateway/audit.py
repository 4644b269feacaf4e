"""The audit log: who did what, on whose behalf, when, from which request and client.

Two ways in, chosen by what the entry guards:

- :meth:`AuditLog.write_now` commits before the caller goes on. The gateway uses it where the
  answer must not leave unless its entry is safe: a write through the gateway is recorded before
  it is forwarded, and a full personal record before its body is sent. If the database cannot take
  the entry, the request is refused (503 ``audit_unavailable``) instead of going unrecorded.
  Concurrent callers' entries are group-committed (:mod:`gateway.groupcommit`): one INSERT for all
  that arrived while the previous one was in flight, each caller released after its commit.
- :meth:`AuditLog.write_later` queues the entry for a batch insert a moment later (denials,
  logins, the outcome of a write). Nothing waits on the database; a crash may lose the last
  fraction of a second of these, and a full queue drops the oldest (counted in a metric).

Entries are never updated or deleted: no route does it, and a database trigger refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from typing import Any

from opentelemetry import trace
from prometheus_client import Counter
from sqlalchemy import insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.groupcommit import GroupCommit
from gateway.models import AuditEntry
from jiceng_shared import personaldata
from jiceng_shared.db import Database, DriverStatement, for_the_driver, new_id, pooled_driver, utcnow
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.observability import request_id_var

log = logging.getLogger(__name__)

AUDIT_DROPPED = Counter("jiceng_gateway_audit_dropped_total", "Queued audit entries lost (queue full or write failed)")
COLUMNS = frozenset(c.name for c in AuditEntry.__table__.columns)
#: the longest text each column takes (None: unbounded), looked up once, not per entry and field
_LENGTHS: dict[str, int | None] = {
    c.name: getattr(c.type, "length", None) or None for c in AuditEntry.__table__.columns
}
#: Core, not the ORM's bulk insert: the entries are plain rows, and the ORM's unit of work around
#: them cost more CPU than the INSERT itself. On PostgreSQL the same INSERT, compiled once
#: (:func:`jiceng_shared.db.for_the_driver`, as the outbox's), goes to asyncpg directly: a write
#: through the gateway waits on this one (measured: ~330 -> ~110 µs of CPU for one entry)
INSERT = insert(AuditEntry.__table__)


_UNNEST_INSERTS: dict[str, str] = {}


def _unnest_insert(stmt: DriverStatement, dialect: Dialect) -> str:
    """``INSERT ... SELECT * FROM unnest($1::type[], ...)``: many entries in one statement, one
    array per column, in the order of ``stmt`` 's parameters (PostgreSQL)."""
    found = _UNNEST_INSERTS.get(dialect.name)
    if found is None:
        table = AuditEntry.__table__
        names = [name for name, _convert, _own in stmt.params]
        # the types without their lengths: an explicit cast to VARCHAR(n) would cut a longer
        # value silently, where the INSERT of one entry refuses it
        types = [re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect)) for name in names]
        arrays = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(types, 1))
        columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
        found = _UNNEST_INSERTS[dialect.name] = (
            f"INSERT INTO {AuditEntry.__tablename__} ({columns}) SELECT * FROM unnest({arrays})"
        )
    return found


def audit_unavailable() -> Problem:
    return Problem(
        503,
        "audit_unavailable",
        "Audit log unavailable",
        "the action cannot be recorded in the audit log right now, so it was not carried out; retry shortly",
    )


def who(principal: Principal | None) -> dict[str, Any]:
    """The identity columns of an entry."""
    if principal is None or principal.is_anonymous:
        return {}
    return {
        "subject": principal.username or principal.client_id or principal.name,
        "subject_id": principal.subject,
        "client_id": principal.client_id,
        "on_behalf_of": principal.on_behalf_of,
    }


def data_subjects(header: str | None) -> str | None:
    """The audit column of the persons a service named in its internal response header
    (:data:`jiceng_shared.personaldata.SUBJECT_HEADER`): their identifiers' keyed hashes, never
    the identifiers."""
    if not header:
        return None
    hashes = sorted({personaldata.subject_hash(kind, value) for kind, value in personaldata.decode_subjects(header)})
    return " ".join(hashes) or None


def _trace_id() -> str | None:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


class AuditLog:
    def __init__(self, db: Database, *, queue_size: int = 10_000, flush_seconds: float = 0.2) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self._queue: deque[dict[str, Any]] = deque(maxlen=queue_size)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._durable = GroupCommit(self._insert)
        self._autocommit: tuple[Database, AsyncEngine] | None = None

    def entry(self, *, action: str, outcome: str, **fields: Any) -> dict[str, Any]:
        row = dict.fromkeys(COLUMNS) | {
            "id": new_id(),
            "at": utcnow(),
            "action": action,
            "outcome": outcome,
            "request_id": request_id_var.get(),
            "trace_id": _trace_id(),
        }
        for key, value in fields.items():
            if key not in COLUMNS:
                raise TypeError(f"no audit column {key}")
            if isinstance(value, str):
                value = value[: _LENGTHS[key]]
            row[key] = value
        return row

    async def write_now(self, *, action: str, outcome: str, **fields: Any) -> None:
        """Commit the entry before returning; 503 ``audit_unavailable`` if it cannot be."""
        try:
            await self._durable.submit(self.entry(action=action, outcome=outcome, **fields))
        except Exception:
            log.exception("audit write failed")
            raise audit_unavailable() from None

    def write_later(self, *, action: str, outcome: str, **fields: Any) -> None:
        if len(self._queue) == self._queue.maxlen:
            AUDIT_DROPPED.inc()
        self._queue.append(self.entry(action=action, outcome=outcome, **fields))
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        """Insert everything queued so far (in batches)."""
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(500, len(self._queue)))]
            try:
                await self._insert(batch)
            except Exception:
                log.exception("audit batch failed; retrying", extra={"entries": len(batch)})
                room = (self._queue.maxlen or 0) - len(self._queue)
                self._queue.extendleft(reversed(batch[:room]))
                AUDIT_DROPPED.inc(max(0, len(batch) - room))
                return

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        """One atomic INSERT of ``rows``. On PostgreSQL in autocommit: a single statement is its
        own transaction, committed (synchronously) before it returns, without the BEGIN and COMMIT
        round trips; many rows go as one statement too. SQLite keeps its BEGIN
        IMMEDIATE, which is what orders its writers."""
        if self.db.is_sqlite:
            async with self.db.engine.begin() as conn:
                await conn.execute(INSERT, rows)
            return
        db = self.db  # read once: tests put another database in its place
        if self._autocommit is None or self._autocommit[0] is not db:
            self._autocommit = (db, db.engine.execution_options(isolation_level="AUTOCOMMIT"))
        async with pooled_driver(self._autocommit[1]) as driver:
            stmt = for_the_driver(INSERT, db.engine.dialect)
            if len(rows) == 1:
                await driver.execute(stmt.sql, *stmt.args(rows[0]))
            else:
                # one statement whatever the batch (an executemany is one INSERT per entry, each
                # a statement PostgreSQL runs: the outcome of every write through the gateway is one)
                await driver.execute(
                    _unnest_insert(stmt, db.engine.dialect), *zip(*(stmt.args(row) for row in rows), strict=False)
                )

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.flush_seconds)  # gather a batch
            self._wake.clear()
            await self.flush()
            if self._queue:  # the database failed: try again after a pause
                await asyncio.sleep(1.0)
                self._wake.set()
