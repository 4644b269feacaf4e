"""The transactional outbox: events are written with the state change, then published.

:func:`emit` adds the event to the outbox table inside the caller's transaction. Right after the
commit the rows are handed to the :class:`OutboxRelay` of the same process (in memory: no read
back), which publishes them to JetStream with ``Nats-Msg-Id`` = event id at once and marks them
sent only after JetStream acked them. The marks are gathered for a moment (``mark_linger_seconds``)
and written in one UPDATE: one transaction for the events of many commits instead of one per
commit (the publish itself is not delayed). A poll is the safety net: it picks up rows left
unsent (a crash, an outage, a failed publish) once they are older than the poll interval; pending
marks are written before it looks. A row published twice (a crash between ack and mark) is
dropped by JetStream's duplicate window and, past it, by the consumers' inbox.

Recovery is bounded whatever the fresh traffic: the catch-up runs at least once per poll interval
(not only in a quiet pass), and while a backlog is known (at start: rows a crashed process left;
after a failed publish: an outage) the fresh path stands aside and the catch-up publishes every
unsent row oldest first, fresh ones included, until none is left. The relay also keeps the
books: sent outbox rows and inbox entries older than their retention are deleted on a schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import (
    ColumnDefault,
    ColumnElement,
    Insert,
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.bus import EventBus
from jiceng_shared.db import Database, driver, for_the_driver, pooled_driver, rowcount, utcnow
from jiceng_shared.events import CloudEvent, EventPayload, build_event, nats_subject
from jiceng_shared.observability import current_traceparent

log = logging.getLogger(__name__)

PUBLISHED = Counter("jiceng_outbox_published_total", "Events published from the outbox", ["service"])
PUBLISH_FAILURES = Counter("jiceng_outbox_publish_failures_total", "Failed outbox publishes", ["service"])
LAG = Histogram(
    "jiceng_outbox_lag_seconds",
    "Time from commit of an event to its JetStream ack",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PENDING = Gauge("jiceng_outbox_pending", "Unsent outbox rows at the last catch-up pass", ["service"])
BACKLOG = Gauge("jiceng_outbox_backlog", "1 while the relay catches up with a backlog, oldest first", ["service"])
PRUNED = Counter(
    "jiceng_outbox_pruned_total", "Outbox and inbox rows deleted past their retention", ["service", "table"]
)

#: sent rows are kept this long for inspection, then deleted (default of ``outbox_retention_days``)
SENT_RETENTION = dt.timedelta(days=7)


async def emit(
    session: AsyncSession,
    payload: EventPayload,
    *,
    subject: str,
    township: str,
    correlation_id: str | None = None,
    together_with: Sequence[NewRows] = (),
) -> CloudEvent:
    """Write ``payload`` as a CloudEvent into the outbox of the session's transaction.

    ``together_with``: new rows of other tables (parents first), written with the event. On
    PostgreSQL they and the event are one statement (INSERTs in a WITH clause, prebuilt per shape):
    a use case that creates its aggregate and announces it saves a round trip per table. SQLite has
    no INSERT in WITH: there each table gets its own INSERT first.
    """
    events = await emit_all(
        session,
        [payload],
        subject=subject,
        township=township,
        correlation_id=correlation_id,
        together_with=together_with,
    )
    return events[0]


async def emit_all(
    session: AsyncSession,
    payloads: Sequence[EventPayload],
    *,
    subject: str,
    township: str,
    correlation_id: str | None = None,
    together_with: Sequence[NewRows] = (),
) -> list[CloudEvent]:
    """Several events of one aggregate, published in the order given, written like :func:`emit`
    in one statement with ``together_with`` (a use case announcing two facts of one change, like
    a ticket created and assigned, saves the second event's round trip)."""
    info = session.info
    events: list[CloudEvent] = []
    rows: list[OutboxRow] = []
    for payload in payloads:
        event = build_event(
            payload,
            source=info["source"],
            subject=subject,
            township=township,
            correlation_id=correlation_id,
            traceparent=current_traceparent(),
        )
        events.append(event)
        rows.append(
            OutboxRow(
                id=event.id,
                type=payload.event_type,
                envelope=event.model_dump_json().encode(),
                headers={"traceparent": event.traceparent} if event.traceparent else {},
                created_at=utcnow(),
            )
        )
    values = [{**row._asdict(), "attempts": 0} for row in rows]
    outbox = info["infra"].outbox
    # the events before the last are rows of the outbox table like any other new rows
    tables = [*together_with, NewRows(outbox, values[:-1])] if len(values) > 1 else list(together_with)
    if session.get_bind().dialect.name == "postgresql":
        stmt, params = _one_statement(outbox, values[-1], tables) if tables else (_insert_of(outbox), values[-1])
        compiled = for_the_driver(stmt, session.get_bind().dialect)
        if compiled.names <= params.keys():
            # the session's pending objects first, as session.execute would (its autoflush):
            # rows written here may refer to them
            await session.flush()
            conn = await driver(session)
            assert conn is not None  # PostgreSQL's
            await conn.execute(compiled.sql, *compiled.args(params))
        else:  # rows that leave columns to their defaults: SQLAlchemy fills those in
            await session.execute(stmt, params)
    elif not tables:
        await session.execute(_insert_of(outbox), values[-1])
    else:
        for table, table_rows in tables:
            await session.execute(_insert_of(table), table_rows)
        await session.execute(_insert_of(outbox), values[-1])
    info.setdefault("outbox", []).extend(rows)
    return events


class NewRows(NamedTuple):
    """New rows of one table, each a dict of every column to write (the same keys in each)."""

    table: Table
    rows: list[dict[str, Any]]


def rows_of(instances: Sequence[Any]) -> NewRows:
    """New ORM objects of one class (every column set, none added to a session) as one table's
    :class:`NewRows`, in the order given. A key the database numbers (an autoincrement integer,
    like a timeline's sequence) is left to it."""
    table, columns = _columns_of(type(instances[0]))
    defaults = _defaults_of(table)
    return NewRows(
        table,
        [
            # an attribute left unset whose column has a default takes it, as a flush would
            _filled(table, {c: getattr(i, attr) for c, attr in columns if c not in defaults or attr in i.__dict__})
            for i in instances
        ],
    )


def new_rows_of(*instances: Any) -> list[NewRows]:
    """New ORM objects as :class:`NewRows`, one per object, in the order given (parents first): a
    use case builds its rows as model objects, for its answer and its rules, and writes them with
    its event without the unit of work."""
    return [rows_of([instance]) for instance in instances]


#: a mapped class's table, and which attribute fills which column (read once per class)
_MAPPED_COLUMNS: dict[type[Any], tuple[Table, tuple[tuple[str, str], ...]]] = {}


def _columns_of(model: type[Any]) -> tuple[Table, tuple[tuple[str, str], ...]]:
    found = _MAPPED_COLUMNS.get(model)
    if found is None:
        mapper = inspect(model)
        table = cast(Table, mapper.local_table)
        columns = tuple(
            (p.columns[0].key, p.key) for p in mapper.column_attrs if p.columns[0] is not table.autoincrement_column
        )
        found = _MAPPED_COLUMNS[model] = (table, columns)
    return found


#: per table, its columns' Python-side defaults (a value, or a function of no arguments)
_DEFAULTS: dict[Table, dict[str, ColumnDefault]] = {}


def _defaults_of(table: Table) -> dict[str, ColumnDefault]:
    found = _DEFAULTS.get(table)
    if found is None:
        found = _DEFAULTS[table] = {
            c.key: c.default
            for c in table.columns
            if isinstance(c.default, ColumnDefault) and (c.default.is_scalar or c.default.is_callable)
        }
    return found


def _filled(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the columns it leaves out set to their defaults, as SQLAlchemy's INSERT would:
    the combined statement names every column (prebuilt per shape, run as the driver's SQL)."""
    missing = [key for key in _defaults_of(table) if key not in row]
    if not missing:
        return row
    defaults = _DEFAULTS[table]
    # a callable default is wrapped by SQLAlchemy to take the execution context; ours ignore it
    return row | {k: defaults[k].arg if defaults[k].is_scalar else defaults[k].arg(None) for k in missing}


#: INSERTs built once (per table; per shape of rows for the combined statement): a statement
#: built with its values on every event is compiled again and its cache key computed again each time
_INSERTS: dict[Table, Insert] = {}
_COMBINED: dict[tuple[Any, ...], Insert] = {}


def _insert_of(table: Table) -> Insert:
    stmt = _INSERTS.get(table)
    if stmt is None:
        stmt = _INSERTS[table] = insert(table)
    return stmt


def _param(table_no: int, row_no: int, column: str) -> str:
    return f"t{table_no}_{row_no}_{column}"


def _one_statement(
    outbox: Table, event: dict[str, Any], together_with: Sequence[NewRows]
) -> tuple[Insert, dict[str, Any]]:
    """``WITH new_0_0 AS (INSERT ...), new_1_0 AS (INSERT ...) INSERT INTO outbox ...`` and its parameters.
    The foreign keys between them hold: PostgreSQL checks them at the end of the statement."""
    together_with = [NewRows(table, [_filled(table, row) for row in rows]) for table, rows in together_with]
    shape = (outbox, tuple((table, len(rows), tuple(rows[0])) for table, rows in together_with))
    stmt = _COMBINED.get(shape)
    if stmt is None:
        # one INSERT per row: SQLAlchemy does not cache the compiled form of a multi-row VALUES
        ctes = [
            insert(table)
            .values({c: bindparam(_param(t, r, c), type_=table.c[c].type) for c in columns})
            .cte(f"new_{t}_{r}")
            for t, (table, count, columns) in enumerate(shape[1])
            for r in range(count)
        ]
        event_values = {c: bindparam(f"event_{c}", type_=outbox.c[c].type) for c in event}
        # PostgreSQL runs the INSERTs of a WITH clause last one first: listed in reverse, the rows
        # land in the order given (a timeline's steps of one instant read back in that order)
        stmt = insert(outbox).values(event_values).add_cte(*reversed(ctes))
        if len(_COMBINED) > 1000:  # shapes are few (rows per table); bound anyway
            _COMBINED.clear()
        _COMBINED[shape] = stmt
    params = {f"event_{c}": v for c, v in event.items()}
    for t, (_table, rows) in enumerate(together_with):
        for r, row in enumerate(rows):
            params.update({_param(t, r, c): v for c, v in row.items()})
    return stmt, params


#: the sent marks of published rows, on PostgreSQL
_MARK_SENT_PG = "UPDATE outbox SET sent_at = $1 WHERE id = ANY($2::varchar[]) AND sent_at IS NULL"


#: per outbox table: how many rows are unsent, and how many of them were written before ``:before``
_COUNTS: dict[Table, Select[int, int]] = {}


def _count_unsent(outbox: Table) -> Select[int, int]:
    found = _COUNTS.get(outbox)
    if found is None:
        before = bindparam("before", type_=outbox.c.created_at.type)
        found = _COUNTS[outbox] = select(func.count(), func.count(case((outbox.c.created_at < before, 1)))).where(
            outbox.c.sent_at.is_(None)
        )
    return found


class OutboxRow(NamedTuple):
    id: str
    type: str
    envelope: bytes
    headers: dict[str, str]
    created_at: dt.datetime


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        service: str,
        poll_seconds: float = 1.0,
        batch_size: int = 256,
        sent_retention: dt.timedelta = SENT_RETENTION,
        inbox_retention: dt.timedelta | None = None,
        prune_interval_seconds: float = 600.0,
        clock: Callable[[], dt.datetime] = utcnow,
        mark_linger_seconds: float = 0.4,
    ) -> None:
        self.db = db
        self.bus = bus
        self.service = service
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.sent_retention = sent_retention
        self.inbox_retention = inbox_retention
        self.prune_interval_seconds = prune_interval_seconds
        #: the wall clock, not the service's: retention is bookkeeping of when rows were really
        #: written and sent, and the service clock travels (tests stand it months back or weeks
        #: ahead), so a prune on it deleted rows other tests were counting
        self.clock = clock
        self.table = db.infra.outbox
        self._wakeup = asyncio.Event()
        self._fresh: list[OutboxRow] = []
        #: rows JetStream acked whose sent mark is not written yet, and when the oldest was acked
        self._unmarked: list[OutboxRow] = []
        self._unmarked_since = math.inf
        #: marks wait this long for those of the next commits, so one UPDATE marks them all (kept
        #: under the poll interval: another replica's catch-up publishes again a row it sees unsent
        #: past the interval, which the duplicate window absorbs; 0.2 → 0.4 s halved loop 1's
        #: mark transactions, 1.5 → 0.75 an incident over grid, dispatch and enforcement)
        self.mark_linger_seconds = min(mark_linger_seconds, poll_seconds / 2)
        self._last_prune = -math.inf
        self._last_catch_up = -math.inf
        #: unsent rows are known to wait (a crash before this start, a failed publish): until the
        #: catch-up has published them all, oldest first, fresh rows wait for it too
        self.backlog = True
        db.on_commit(self.committed)

    def committed(self, rows: list[OutboxRow]) -> None:
        """Called right after a commit that wrote events: publish them now."""
        self._fresh.extend(rows)
        self._wakeup.set()

    async def run(self) -> None:
        await self._wait_for_bus()
        loop = asyncio.get_running_loop()
        try:
            while True:
                # wake for a commit, for the marks waiting (when their linger ends), or to poll
                timeout = min(
                    self.poll_seconds, max(0.0, self._unmarked_since + self.mark_linger_seconds - loop.time())
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=timeout)
                self._wakeup.clear()
                try:
                    await self.pass_once(loop.time())
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox relay pass failed")
                    self.backlog = True
                    await asyncio.sleep(self.poll_seconds)
        finally:
            # stopping: the marks still waiting are written (else their rows are published again
            # at the next start, which the duplicate window and the inboxes absorb, at a cost)
            with contextlib.suppress(Exception):
                await asyncio.shield(self.write_marks())

    async def pass_once(self, now: float) -> None:
        """One relay pass: fresh rows, then the catch-up when due (every poll interval, or at once
        while a backlog is being published), then the books."""
        fresh, self._fresh = self._fresh, []
        if fresh and not self.backlog:
            sent = await self.publish_fresh(fresh, now)
            if sent < len(fresh):
                self.backlog = True  # the failed ones, and all after them, go oldest first
        catch_up = self.backlog or now - self._last_catch_up >= self.poll_seconds
        if self._unmarked and (catch_up or now - self._unmarked_since >= self.mark_linger_seconds):
            await self.write_marks()
        if catch_up:
            self._last_catch_up = now
            if self.backlog:
                complete = await self.catch_up(older_than=None)
                self.backlog = not complete
                if complete:
                    log.info("outbox backlog published", extra={"service": self.service})
                pending, _due = await self.count_unsent(older_than=None)
            else:
                # most passes find nothing to catch up: one count outside a transaction says so and
                # fills the gauge, where the catch-up's locking read and the gauge's count were a
                # transaction each (six round trips a second in every idle process)
                older_than = dt.timedelta(seconds=self.poll_seconds)
                pending, due = await self.count_unsent(older_than)
                if due:
                    await self.catch_up(older_than=older_than)
                    pending, _due = await self.count_unsent(older_than)
            BACKLOG.labels(self.service).set(1 if self.backlog else 0)
            PENDING.labels(self.service).set(pending)
        if now - self._last_prune >= self.prune_interval_seconds:
            self._last_prune = now
            await self.prune()

    async def publish_fresh(self, rows: list[OutboxRow], now: float | None = None) -> int:
        """Publish rows just committed by this process; those that fail wait for the catch-up.
        The sent marks of those published wait in memory for :meth:`write_marks`."""
        js = self.bus.js
        if js is None or not self.bus.connected:
            return 0
        results = await asyncio.gather(*(self._publish(js, row) for row in rows), return_exceptions=True)
        sent = [row for row, result in zip(rows, results, strict=False) if not isinstance(result, BaseException)]
        if sent:
            acked = utcnow()
            for row in sent:
                LAG.labels(self.service).observe((acked - row.created_at).total_seconds())
            PUBLISHED.labels(self.service).inc(len(sent))
            if not self._unmarked:
                self._unmarked_since = asyncio.get_running_loop().time() if now is None else now
            self._unmarked.extend(sent)
        failed = len(rows) - len(sent)
        if failed:
            PUBLISH_FAILURES.labels(self.service).inc(failed)
            error = next(r for r in results if isinstance(r, BaseException))
            log.warning("outbox publish failed; the catch-up retries", extra={"failed": failed, "error": repr(error)})
        return len(sent)

    async def write_marks(self) -> None:
        """Mark the rows published since the last call as sent, in one UPDATE."""
        rows, self._unmarked, self._unmarked_since = self._unmarked, [], math.inf
        if not rows:
            return
        t = self.table
        try:
            if self.db.is_sqlite:
                async with self.db.transaction() as session:
                    await session.execute(
                        update(t)
                        .where(t.c.id.in_([r.id for r in rows]), t.c.sent_at.is_(None))
                        .values(sent_at=self.clock())
                    )
            else:
                # one statement, its own transaction: run on a pooled connection outside any (a
                # transaction around it was two more round trips, BEGIN and COMMIT); one prepared
                # statement for any count (an IN list was a statement per count)
                async with pooled_driver(self.db.engine) as conn:
                    await conn.execute(_MARK_SENT_PG, self.clock(), [r.id for r in rows])
        except BaseException:
            # not written (the database away): kept for the next try; the catch-up, which would
            # publish them again meanwhile, only follows a successful write of the marks
            self._unmarked = rows + self._unmarked
            self._unmarked_since = -math.inf
            raise

    async def drain(self, older_than: dt.timedelta | None = None) -> int:
        """Publish unsent rows (older than ``older_than``) until none are left; returns rows sent."""
        total = 0
        while True:
            sent, failed, seen = await self._publish_batch(older_than)
            total += sent
            if failed or seen < self.batch_size:
                break
        return total

    async def catch_up(self, older_than: dt.timedelta | None) -> bool:
        """Publish unsent rows oldest first until none are left; True when none failed."""
        while True:
            _sent, failed, seen = await self._publish_batch(older_than)
            if failed:
                return False
            if seen < self.batch_size:
                return True

    async def _wait_for_bus(self) -> None:
        """Wait until NATS answers, counting the unsent rows meanwhile: the outbox backlog gauge
        matters most while nothing can be published (a process that starts with NATS down)."""
        ready = asyncio.ensure_future(self.bus.wait_ready())
        try:
            while not ready.done():
                await asyncio.wait({ready}, timeout=self.poll_seconds)
                if not ready.done():
                    BACKLOG.labels(self.service).set(1)
                    try:
                        await self._update_pending_gauge()
                    except Exception as exc:  # the tables may not exist yet (migrations run later)
                        log.debug("outbox not counted yet", extra={"error": repr(exc)})
            await ready
        finally:
            ready.cancel()

    async def _update_pending_gauge(self) -> None:
        pending, _due = await self.count_unsent(older_than=None)
        PENDING.labels(self.service).set(pending)

    async def count_unsent(self, older_than: dt.timedelta | None) -> tuple[int, int]:
        """Unsent rows, and those of them older than ``older_than`` (all of them for None): one
        statement, on PostgreSQL outside a transaction."""
        before = utcnow() - (older_than or dt.timedelta(0))
        row = (await self.db.rows_alone(_count_unsent(self.table), {"before": before}))[0]
        return int(row[0]), int(row[1] or 0)

    async def _publish_batch(self, older_than: dt.timedelta | None) -> tuple[int, int, int]:
        js = self.bus.js
        if js is None or not self.bus.connected:
            return 0, 1, 0
        t = self.table
        unsent: ColumnElement[bool] = t.c.sent_at.is_(None)
        if older_than is not None:  # younger rows are the fast path's, unless it failed
            unsent = unsent & (t.c.created_at < utcnow() - older_than)
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(t.c.id, t.c.type, t.c.envelope, t.c.headers, t.c.created_at)
                    .where(unsent)
                    .order_by(t.c.created_at)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)  # replicas share the table on PostgreSQL
                )
            ).all()
            if not rows:
                return 0, 0, 0
            results = await asyncio.gather(*(self._publish(js, row) for row in rows), return_exceptions=True)
            now = utcnow()
            sent_ids = [
                row.id for row, result in zip(rows, results, strict=False) if not isinstance(result, BaseException)
            ]
            failures = [
                (row.id, result)
                for row, result in zip(rows, results, strict=False)
                if isinstance(result, BaseException)
            ]
            if sent_ids:
                await session.execute(update(t).where(t.c.id.in_(sent_ids)).values(sent_at=self.clock()))
            for row_id, error in failures:
                await session.execute(
                    update(t).where(t.c.id == row_id).values(attempts=t.c.attempts + 1, last_error=repr(error)[:2000])
                )
        for row in rows:
            if row.id in sent_ids:
                LAG.labels(self.service).observe((now - row.created_at).total_seconds())
        PUBLISHED.labels(self.service).inc(len(sent_ids))
        if failures:
            PUBLISH_FAILURES.labels(self.service).inc(len(failures))
            log.warning("outbox publish failed", extra={"failed": len(failures), "error": repr(failures[0][1])})
        return len(sent_ids), len(failures), len(rows)

    async def _publish(self, js: Any, row: Any) -> None:
        headers = {"Nats-Msg-Id": row.id, "Content-Type": "application/cloudevents+json", **(row.headers or {})}
        # a short timeout: a publish lost in an outage must not hold the relay long after NATS is
        # back (a late ack only means the row is published again, and dropped as a duplicate)
        await js.publish(nats_subject(self.bus.prefix, row.type), row.envelope, headers=headers, timeout=2)

    async def prune(self) -> tuple[int, int]:
        """Delete sent outbox rows and inbox entries past their retention; returns (outbox, inbox)."""
        now = self.clock()
        async with self.db.transaction() as session:
            outbox = await session.execute(delete(self.table).where(self.table.c.sent_at < now - self.sent_retention))
            inbox_deleted = 0
            if self.inbox_retention is not None:
                inbox = self.db.infra.inbox
                result = await session.execute(delete(inbox).where(inbox.c.processed_at < now - self.inbox_retention))
                inbox_deleted = rowcount(result) or 0
        PRUNED.labels(self.service, "outbox").inc(rowcount(outbox) or 0)
        PRUNED.labels(self.service, "inbox").inc(inbox_deleted)
        return rowcount(outbox) or 0, inbox_deleted
