"""The gateway's webhook worker: a durable JetStream consumer turns the platform's events into
delivery rows (in the same transaction as the consumer's inbox), and a loop sends the due rows
signed per the Standard Webhooks spec (library ``standardwebhooks``), retrying with back-off.

Deliveries are rows: a restarted gateway resumes where it stopped; replicas share the consumer
and claim each due row with a conditional update before sending it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from gateway.config import GatewaySettings
from gateway.webhooks import rules, service
from gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from gateway.webhooks.rules import AttemptOutcome, DeliveryStatus, SubscriptionStatus
from jiceng_shared.bus import EventBus
from jiceng_shared.consumers import GATHER_SECONDS, ConsumerGroup, Handler, OnlyIf, Subscription
from jiceng_shared.db import Database, new_id, rowcount, utcnow
from jiceng_shared.events import CloudEvent

log = logging.getLogger(__name__)

#: the durable consumer is ``gateway-webhooks`` on ``<prefix>.dispatch.>``
CONSUMER = "webhooks"
#: how many due deliveries one pass of the loop sends (concurrently)
BATCH = 20


def signature(sub: WebhookSubscription, msg_id: str, at: dt.datetime, body: str) -> str:
    """``v1,<base64>`` with the current secret, and with the previous one during its grace."""
    sigs = [Webhook(sub.secret).sign(msg_id, at, body)]
    if sub.previous_secret and sub.previous_secret_until and sub.previous_secret_until > at:
        sigs.append(Webhook(sub.previous_secret).sign(msg_id, at, body))
    return " ".join(sigs)


#: the deliveries due at ``:now``, the longest waiting first
_DUE = (
    select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
    .where(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= bindparam("now", type_=WebhookDelivery.__table__.c.next_attempt_at.type),
    )
    .order_by(WebhookDelivery.next_attempt_at)
    .limit(BATCH)
)


class WebhookWorker:
    def __init__(
        self, db: Database, bus: EventBus, settings: GatewaySettings, now: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.db = db
        self.settings = settings
        #: the signatures' timestamps are the wall clock: receivers check them against theirs
        self.now = now
        #: the active subscriptions in memory; an event no active subscription takes is acked
        #: without a transaction (loop 1's events: nearly all of them)
        self.subscriptions = service.ActiveSubscriptions(settings.webhook_subscriptions_refresh_seconds, db)
        relevant = OnlyIf(self.subscriptions.may_match, self._on_event)
        handlers: dict[str, Handler] = {t.value: relevant for t in rules.EventType}
        self.consumers = ConsumerGroup(
            db,
            bus,
            # webhooks are delivered after the fact anyway: a window's events in one transaction
            [Subscription(CONSUMER, "dispatch.>", handlers, gather_seconds=GATHER_SECONDS)],
            service="gateway",
            max_deliver=settings.consumer_max_deliver,
            backoff_seconds=settings.consumer_backoff_seconds,
            concurrency=settings.consumer_concurrency,
        )
        #: tells the other replicas that a subscription was made or ended (set by the app)
        self.broadcast: Callable[[], Awaitable[None]] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._stopping = False

    async def _on_event(self, session: AsyncSession, event: CloudEvent) -> None:
        if await service.match(session, event, self.now(), self.subscriptions):
            self._wake.set()

    async def subscriptions_changed(self) -> None:
        """A change to a subscription was committed: matched at once here, and on the other replicas."""
        self.subscriptions.changed()
        if self.broadcast is not None:
            await self.broadcast()

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_seconds))
        await self.consumers.start()
        self._task = asyncio.create_task(self._loop(), name="webhook-deliveries")

    async def close(self, grace_seconds: float = 5.0) -> None:
        """Stop taking events; let the attempts under way finish and be recorded (within the
        grace), so a stopped gateway leaves no delivery claimed for nothing."""
        await self.consumers.stop()
        await self.subscriptions.close()
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=grace_seconds)
            except TimeoutError:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook delivery pass failed")
                sent = 0
            if sent < BATCH and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.webhook_poll_seconds)

    async def run_once(self) -> int:
        """Claim and send the due deliveries (at most BATCH); the number sent."""
        now = self.now()
        # one statement outside a transaction: most passes find nothing due
        due = await self.db.rows_alone(_DUE, {"now": now})
        claimed = [d for d in [await self._claim(i, at, now) for i, at in due if at is not None] if d is not None]
        await asyncio.gather(*(self._send(d) for d in claimed))
        return len(claimed)

    async def _claim(self, delivery_id: str, due_at: dt.datetime, now: dt.datetime) -> str | None:
        """Move the row's next attempt past the request's timeout: another replica skips it, and
        if this process dies mid-send the row becomes due again."""
        lease = now + dt.timedelta(seconds=self.settings.webhook_timeout_seconds + 30)
        async with self.db.transaction() as session:
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at == due_at,
                )
                .values(next_attempt_at=lease)
            )
        return delivery_id if rowcount(result) == 1 else None

    async def _send(self, delivery_id: str) -> None:
        async with self.db.session() as session:
            delivery = await session.get(WebhookDelivery, delivery_id)
            sub = await session.get(WebhookSubscription, delivery.subscription_id) if delivery else None
        if delivery is None or sub is None:
            return
        error: str | None
        if sub.status != SubscriptionStatus.ACTIVE:
            outcome, status_code, error, elapsed = AttemptOutcome.FAILED, None, "unsubscribed", 0
        else:
            outcome, status_code, error, elapsed = await self._post(sub, delivery)
        await self._record(delivery_id, sub.id, outcome, status_code, error, elapsed)

    async def _post(
        self, sub: WebhookSubscription, delivery: WebhookDelivery
    ) -> tuple[AttemptOutcome, int | None, str | None, int]:
        assert self._http is not None
        at = self.now()
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature(sub, delivery.id, at, delivery.body),
            "user-agent": "jiceng-webhooks/1",
        }
        started = time.monotonic()
        try:
            async with self._http.post(sub.url, data=delivery.body.encode(), headers=headers) as response:
                await response.read()
                code: int | None = response.status
                error = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            code, error = None, (repr(exc) or type(exc).__name__)[:500]
        elapsed = int((time.monotonic() - started) * 1000)
        if code is not None and 200 <= code < 300:
            return AttemptOutcome.DELIVERED, code, None, elapsed
        if code == 410:
            return AttemptOutcome.GONE, code, None, elapsed
        return AttemptOutcome.RETRY, code, error or f"HTTP {code}", elapsed

    async def _record(
        self,
        delivery_id: str,
        subscription_id: str,
        outcome: AttemptOutcome,
        status_code: int | None,
        error: str | None,
        elapsed: int,
    ) -> None:
        now = self.now()
        async with self.db.transaction() as session:
            delivery = await session.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            delivery.attempts += 1
            delivery.last_status_code = status_code
            delivery.updated_at = now
            if outcome == AttemptOutcome.DELIVERED:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
            elif outcome == AttemptOutcome.GONE:
                # the receiver says the endpoint is gone for good (Standard Webhooks): unsubscribe
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
                sub = await session.get(WebhookSubscription, subscription_id)
                assert sub is not None
                await service.unsubscribe(session, sub, "the receiver answered 410 Gone", now)
                # a read from here to the commit sees it still active: not kept as current
                self.subscriptions.changed()
            elif outcome == AttemptOutcome.FAILED:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.CANCELLED, None
            else:
                delivery.failures += 1
                retry_at = rules.next_attempt(delivery.failures, now, self.settings.webhook_retry_seconds)
                if retry_at is None:
                    outcome = AttemptOutcome.FAILED
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
                else:
                    delivery.next_attempt_at = retry_at
            session.add(
                WebhookAttempt(
                    id=new_id(),
                    delivery_id=delivery_id,
                    at=now,
                    status_code=status_code,
                    outcome=outcome,
                    error=error,
                    duration_ms=elapsed,
                )
            )
        if outcome == AttemptOutcome.GONE:
            await self.subscriptions_changed()
        log.info(
            "webhook attempt",
            extra={"delivery_id": delivery_id, "outcome": str(outcome), "status_code": status_code},
        )
