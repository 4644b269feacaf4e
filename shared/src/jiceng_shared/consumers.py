"""Durable JetStream pull consumers with an inbox, bounded redelivery and a dead-letter subject.

Each :class:`Subscription` is one durable consumer (``<service>-<name>``) filtered on one subject
(NATS 2.9 takes one filter per consumer). Replicas of a service share it, so each event is handled
once per service. A handler runs in a transaction that also records the event id in the inbox:
an event delivered twice is applied once. A failing handler is retried with back-off; after the
configured number of deliveries the event goes to ``<prefix>.dlq.<service>.<name>`` and the
``dead_letters`` table, from where an operator can replay it.

Messages are pulled in batches (:mod:`jiceng_shared.pull`: up to ``batch_size``, handed over as
soon as one is there, so a lone event is not held back, unless the subscription gathers). Events a subscription does not handle, or an :class:`OnlyIf` finds
irrelevant, are acked at once without a transaction. The others of one pull are applied in order
in one transaction, each with its own inbox row: one commit instead of one per event. If any of
them fails, that transaction is rolled back and each event of the batch is handled again on its
own (its own transaction, retry and dead letter), so a bad event never takes others with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from prometheus_client import Counter, Gauge
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared.aio import cancel_and_wait
from jiceng_shared.bus import EventBus
from jiceng_shared.db import Database, dialect_insert, driver, new_id, utcnow
from jiceng_shared.errors import database_unavailable
from jiceng_shared.events import CloudEvent
from jiceng_shared.observability import extract_context, handling_span
from jiceng_shared.pull import Puller

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]

HANDLED = Counter("jiceng_events_handled_total", "Events handled by consumers", ["service", "consumer", "outcome"])
DEAD_LETTERED = Counter(
    "jiceng_events_dead_lettered_total", "Events sent to the dead-letter subject", ["service", "consumer"]
)
# the JetStream backlog of each durable consumer, as the server counts it (consumer info)
BACKLOG = Gauge(
    "jiceng_consumer_pending", "Events in the stream not yet delivered to this consumer", ["service", "consumer"]
)
UNACKED = Gauge(
    "jiceng_consumer_ack_pending",
    "Events delivered to this consumer and not yet acknowledged (being handled, or awaiting redelivery)",
    ["service", "consumer"],
)
#: how often each process reads its consumers' backlog from the server
BACKLOG_SECONDS = 10.0


@dataclass(frozen=True)
class OnlyIf:
    """A handler for some events of its type: the others are acked at once, without a transaction.

    ``relevant`` sees the CloudEvent (its ``data`` as a dict), so it must be cheap and pure.
    """

    relevant: Callable[[CloudEvent], bool]
    handler: Handler

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        await self.handler(session, event)


class ConsumerConfigMismatch(RuntimeError):
    """The server keeps a durable consumer whose configuration the code cannot bring up to date."""


#: the consumer settings the code decides; a difference on the server is corrected on start
_CHECKED_FIELDS = ("filter_subject", "ack_policy", "deliver_policy", "ack_wait", "max_deliver", "max_ack_pending")
#: fields a server does not change reliably in place: the consumer is recreated (delivering the
#: stream again from the start; the inbox, kept longer than the stream, drops what was applied)
_RECREATED_FIELDS = {"filter_subject", "ack_policy", "deliver_policy"}


def consumer_drift(current: ConsumerConfig, wanted: ConsumerConfig) -> dict[str, tuple[Any, Any]]:
    """Fields whose value on the server (``current``) differs from the code's (``wanted``)."""
    drift = {}
    for name in _CHECKED_FIELDS:
        have, want = getattr(current, name), getattr(wanted, name)
        if name == "ack_wait" and have is not None and want is not None and abs(float(have) - float(want)) < 1e-3:
            continue
        if have != want:
            drift[name] = (have, want)
    return drift


@dataclass
class Subscription:
    """One durable consumer: ``filter`` is a short event type, wildcards allowed (``enforcement.case.*``)."""

    name: str
    filter: str
    handlers: dict[str, Handler] = field(default_factory=dict)
    #: how long a batch waits after its first event for more (see :mod:`jiceng_shared.pull`): 0 for
    #: consumers on a path someone waits on, GATHER_SECONDS for scores, webhooks and read models
    gather_seconds: float = 0.0
    #: run in the transaction of every batch (or lone event) after its handlers, before the commit:
    #: work the handlers leave to do once for the whole batch (svc-assessment's facts, queued by
    #: its handlers, written in one round trip per table)
    before_commit: Callable[[AsyncSession], Awaitable[None]] | None = None


#: the gather window of consumers nobody waits on: a trickle of events becomes one transaction per
#: window (loop 1 at 10 incidents/s: assessment's 4 transactions an incident became 0.8, grid's
#: view of its tickets 2 → 0.44, the webhooks' 1 → 0.44; all consumers' together 10 → 4.7)
GATHER_SECONDS = 0.2


#: the inbox rows of a batch on PostgreSQL: one statement for any number of events (a repeated id
#: inserts once: the second row meets the first's conflict)
_INBOX_INSERT_PG = (
    "INSERT INTO inbox (consumer, event_id, processed_at)"
    " SELECT $1::varchar, event_id, $3::timestamptz FROM unnest($2::varchar[]) AS event_id"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)


class ConsumerGroup:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        subscriptions: list[Subscription],
        *,
        service: str,
        max_deliver: int = 5,
        backoff_seconds: list[float] | None = None,
        concurrency: int = 16,
        ack_wait_seconds: float = 30.0,
        batch_size: int = 64,
    ) -> None:
        self.db = db
        self.bus = bus
        self.subscriptions = subscriptions
        self.service = service
        self.max_deliver = max_deliver
        self.backoff = backoff_seconds or [1.0]
        self.concurrency = 1 if db.is_sqlite else concurrency
        self.ack_wait = ack_wait_seconds
        self.batch_size = max(1, batch_size)
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self.by_name = {s.name: s for s in subscriptions}
        self._inbox_insert: Any = None

    async def record_in_inbox(self, session: AsyncSession, consumer: str, event_ids: list[str]) -> set[str]:
        """Insert the inbox rows of these events in the session's transaction; the ids it inserted
        (the others were applied before). On PostgreSQL one statement whatever the count, run on the
        driver (prepared once per connection: a VALUES list per batch size was a statement each)."""
        now = utcnow()
        conn = await driver(session)
        if conn is None:
            result = await session.execute(
                self.inbox_insert(session),
                [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in event_ids],
            )
            return set(result.scalars().all())
        rows = await conn.fetch(_INBOX_INSERT_PG, consumer, event_ids, now)
        return {row[0] for row in rows}

    def inbox_insert(self, session: AsyncSession) -> Any:
        """``INSERT INTO inbox … ON CONFLICT DO NOTHING RETURNING event_id`` (SQLite's path), built
        once: its cache key computed per batch was about a tenth of a consumer's CPU on loop 1."""
        if self._inbox_insert is None:
            inbox = self.db.infra.inbox
            self._inbox_insert = dialect_insert(session, inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
        return self._inbox_insert

    def durable(self, sub: Subscription) -> str:
        return f"{self.service}-{sub.name}"

    async def start(self) -> None:
        for sub in self.subscriptions:
            self._tasks.append(asyncio.create_task(self._run(sub), name=f"consumer:{sub.name}"))
        if self.subscriptions:
            self._tasks.append(asyncio.create_task(self._watch_backlog(), name="consumer:backlog"))

    async def report_backlog(self) -> None:
        """Set the backlog gauges of every consumer of this group from the server's consumer info."""
        js = await self.bus.wait_ready()
        for sub in self.subscriptions:
            try:
                info = await js.consumer_info(self.bus.stream, self.durable(sub))
            except NotFoundError:
                continue  # not created yet: its loop creates it
            BACKLOG.labels(self.service, sub.name).set(info.num_pending or 0)
            UNACKED.labels(self.service, sub.name).set(info.num_ack_pending or 0)

    async def _watch_backlog(self) -> None:
        while True:
            try:
                await self.report_backlog()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS away: the gauges keep their last value until it is back
                log.debug("consumer backlog not read", extra={"error": repr(exc)})
            await asyncio.sleep(BACKLOG_SECONDS)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        await cancel_and_wait(list(self._tasks))
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=grace_seconds)

    def consumer_config(self, sub: Subscription) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable(sub),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=f"{self.bus.prefix}.{sub.filter}",
            ack_wait=self.ack_wait,
            max_deliver=-1,  # the bound is ours (dead-letter after max_deliver), so nothing is dropped silently
            max_ack_pending=max(1000, self.concurrency * 4),
        )

    async def ensure_consumer(self, sub: Subscription) -> None:
        """Create the durable consumer, or bring one the server holds up to the code's configuration.

        A consumer that exists keeps its old configuration on the server unless it is updated: a
        widened filter would silently deliver nothing new. It is updated in place; where the server
        cannot change a field in place it is recreated (it then delivers the stream from the start:
        the inbox, which outlives the stream's retention, drops what was applied already).
        """
        js = await self.bus.wait_ready()
        config = self.consumer_config(sub)
        assert config.durable_name is not None  # consumer_config names it
        try:
            info = await js.consumer_info(self.bus.stream, config.durable_name)
        except NotFoundError:
            await js.add_consumer(self.bus.stream, config)
            return
        drift = consumer_drift(info.config, config)
        if not drift:
            return
        if drift.keys() & _RECREATED_FIELDS:
            # NATS 2.9 shows an edited filter but keeps matching the old one: recreate instead
            log.warning(
                "durable consumer configuration differs from the code; recreating it (the inbox drops replays)",
                extra={"consumer": config.durable_name, "drift": drift},
            )
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(self.bus.stream, config.durable_name)
            await js.add_consumer(self.bus.stream, config)
        else:
            log.warning(
                "durable consumer configuration differs from the code; updating it",
                extra={"consumer": config.durable_name, "drift": drift},
            )
            await js.add_consumer(self.bus.stream, config)  # create-or-update on the server
        info = await js.consumer_info(self.bus.stream, config.durable_name)
        left = consumer_drift(info.config, config)
        if left:
            raise ConsumerConfigMismatch(
                f"durable consumer {config.durable_name} on stream {self.bus.stream} still differs from the code "
                f"after an update: {left}; delete it (nats consumer rm) and restart"
            )

    async def _run(self, sub: Subscription) -> None:
        semaphore = asyncio.Semaphore(self.concurrency)
        while True:
            try:
                await self.ensure_consumer(sub)
                await self.bus.wait_ready()
                assert self.bus.nc is not None  # ready means connected once
                puller = Puller(
                    self.bus.nc,
                    stream=self.bus.stream,
                    durable=self.durable(sub),
                    batch_size=self.batch_size,
                    gather_seconds=sub.gather_seconds,
                )
                async with puller:
                    while True:
                        # what is there (up to batch_size) as soon as a message is: low latency
                        # alone, one transaction per batch under load; batches run up to
                        # `concurrency` at once
                        for work in await self._sort(sub, await puller.next_batch()):
                            await semaphore.acquire()
                            task = asyncio.create_task(work)
                            self._inflight.add(task)
                            task.add_done_callback(self._inflight.discard)
                            task.add_done_callback(lambda _: semaphore.release())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer loop failed, restarting", extra={"consumer": sub.name})
                await asyncio.sleep(1)

    async def _sort(self, sub: Subscription, msgs: list[Any]) -> list[Coroutine[Any, Any, None]]:
        """Ack what concerns this subscription not; the rest as one batch (or one event alone)."""
        relevant: list[tuple[Any, CloudEvent, Handler]] = []
        alone: list[Any] = []  # not a valid CloudEvent: handled alone (dead letter)
        for msg in msgs:
            try:
                event = CloudEvent.model_validate_json(msg.data)
            except ValidationError:
                alone.append(msg)
                continue
            handler = sub.handlers.get(event.short_type)
            if handler is None or (isinstance(handler, OnlyIf) and not handler.relevant(event)):
                HANDLED.labels(self.service, sub.name, "ignored").inc()
                await msg.ack()
                continue
            relevant.append((msg, event, handler))
        work: list[Coroutine[Any, Any, None]] = [self._handle(sub, msg) for msg in alone]
        if len(relevant) == 1:
            work.append(self._handle(sub, relevant[0][0]))
        elif relevant:
            work.append(self._handle_batch(sub, relevant))
        return work

    async def _handle_batch(self, sub: Subscription, batch: list[tuple[Any, CloudEvent, Handler]]) -> None:
        """Apply the events in order in one transaction; on any failure, each again on its own."""
        try:
            applied = await self.apply_batch(sub, [(event, handler) for _msg, event, handler in batch])
        except Exception as exc:
            log.info(
                "batch failed, handling its events one by one",
                extra={"consumer": sub.name, "events": len(batch), "error": repr(exc)},
            )
            for msg, _event, _handler in batch:
                await self._handle(sub, msg)
            return
        for (msg, _event, _handler), done in zip(batch, applied, strict=True):
            HANDLED.labels(self.service, sub.name, "applied" if done else "duplicate").inc()
            await msg.ack()

    async def apply_batch(self, sub: Subscription, batch: list[tuple[CloudEvent, Handler]]) -> list[bool]:
        """Run each handler once per event id, all in one transaction; per event, False when it
        was applied before (by an earlier delivery, or earlier in this same batch)."""
        consumer = self.durable(sub)
        applied: list[bool] = []
        async with self.db.transaction() as session:
            new = await self.record_in_inbox(session, consumer, [e.id for e, _h in batch])
            for event, handler in batch:
                fresh = event.id in new
                new.discard(event.id)  # the same event twice in one pull runs once
                applied.append(fresh)
                if not fresh:
                    continue
                ctx = extract_context({"traceparent": event.traceparent} if event.traceparent else {})
                with handling_span(f"consume {event.short_type}", ctx, trace.SpanKind.CONSUMER):
                    await handler(session, event)
            if sub.before_commit is not None:
                await sub.before_commit(session)
        return applied

    async def _handle(self, sub: Subscription, msg: Any) -> None:
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        try:
            event = CloudEvent.model_validate_json(msg.data)
        except ValidationError as exc:
            await self._dead_letter(sub, msg, None, f"not a valid CloudEvent: {exc}", deliveries)
            await msg.ack()
            return
        handler = sub.handlers.get(event.short_type)
        if handler is None or (isinstance(handler, OnlyIf) and not handler.relevant(event)):
            HANDLED.labels(self.service, sub.name, "ignored").inc()
            await msg.ack()
            return
        ctx = extract_context(msg.headers or ({"traceparent": event.traceparent} if event.traceparent else {}))
        with handling_span(f"consume {event.short_type}", ctx, trace.SpanKind.CONSUMER):
            try:
                applied = await self.apply(sub, event, handler)
            except Exception as exc:
                if database_unavailable(exc):
                    # the database's trouble, not the event's: retried until it is back, never
                    # dead-lettered for it (an outage longer than the back-off would lose events)
                    delay = self.backoff[-1] if deliveries > len(self.backoff) else self.backoff[deliveries - 1]
                    log.warning(
                        "database unavailable, event will be retried",
                        extra={"consumer": sub.name, "event_id": event.id, "delivery": deliveries},
                    )
                    HANDLED.labels(self.service, sub.name, "retry").inc()
                    await msg.nak(delay=min(delay, 5.0))
                    return
                if deliveries >= self.max_deliver:
                    log.exception("event dead-lettered", extra={"consumer": sub.name, "event_id": event.id})
                    await self._dead_letter(sub, msg, event, repr(exc), deliveries)
                    await msg.ack()
                else:
                    delay = self.backoff[min(deliveries - 1, len(self.backoff) - 1)]
                    log.warning(
                        "event handler failed, will retry",
                        extra={"consumer": sub.name, "event_id": event.id, "delivery": deliveries, "error": repr(exc)},
                    )
                    HANDLED.labels(self.service, sub.name, "retry").inc()
                    await msg.nak(delay=delay)
                return
        HANDLED.labels(self.service, sub.name, "applied" if applied else "duplicate").inc()
        await msg.ack()

    async def apply(self, sub: Subscription, event: CloudEvent, handler: Handler) -> bool:
        """Run ``handler`` once per event id for this consumer; False when it was applied before."""
        async with self.db.transaction() as session:
            if not await self.record_in_inbox(session, self.durable(sub), [event.id]):
                return False
            await handler(session, event)
            if sub.before_commit is not None:
                await sub.before_commit(session)
        return True

    async def _dead_letter(
        self, sub: Subscription, msg: Any, event: CloudEvent | None, error: str, deliveries: int
    ) -> None:
        DEAD_LETTERED.labels(self.service, sub.name).inc()
        table = self.db.infra.dead_letters
        async with self.db.transaction() as session:
            await session.execute(
                table.insert().values(
                    id=new_id(),
                    consumer=sub.name,
                    event_id=event.id if event else None,
                    event_type=event.short_type if event else None,
                    subject=msg.subject,
                    data=msg.data,
                    error=error[:4000],
                    deliveries=deliveries,
                    failed_at=utcnow(),
                )
            )
        js = self.bus.js
        if js is not None:
            try:
                headers = {"Jiceng-Error": error[:500].replace("\n", " "), "Jiceng-Original-Subject": msg.subject}
                await js.publish(f"{self.bus.prefix}.dlq.{self.service}.{sub.name}", msg.data, headers=headers)
            except Exception:
                log.exception("could not publish to the dead-letter subject")

    async def replay(self, dead_letter_id: str) -> bool:
        """Apply a dead-lettered event again (after a fix); True when it was applied now."""
        table = self.db.infra.dead_letters
        async with self.db.session() as session:
            row = (await session.execute(select(table).where(table.c.id == dead_letter_id))).one_or_none()
        if row is None:
            raise KeyError(dead_letter_id)
        sub = self.by_name[row.consumer]
        event = CloudEvent.model_validate_json(row.data)
        handler = sub.handlers.get(event.short_type)
        if handler is None:
            raise LookupError(f"no handler for {event.short_type}")
        applied = await self.apply(sub, event, handler)
        async with self.db.transaction() as session:
            await session.execute(update(table).where(table.c.id == dead_letter_id).values(replayed_at=utcnow()))
        return applied
