"""Use cases of webhooks: subscribe, rotate, unsubscribe, replay, and match an event to deliveries."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import Client, RoleBinding
from gateway.webhooks import rules
from gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from gateway.webhooks.rules import DeliveryStatus, SubscriptionStatus
from gateway.webhooks.schemas import AttemptOut, DeliveryOut, SubscriptionIn, SubscriptionOut
from jiceng_shared.aio import cancel_and_wait
from jiceng_shared.db import Database, dialect_insert, new_id, rowcount
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.events import CloudEvent
from jiceng_shared.identity import Binding, Principal
from jiceng_shared.pagination import paginate
from jiceng_shared.policy import load_policy

log = logging.getLogger(__name__)


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(body: SubscriptionIn, *, production: bool) -> None:
    errors = FieldErrors()
    if production and body.url.scheme != "https":
        errors.add("url", "https_required", "a webhook URL must use https in production")
    if len(str(body.url)) > 2000:
        errors.add("url", "url_too_long", "at most 2000 characters")
    errors.raise_if_any()


async def subscribe(
    session: AsyncSession, principal: Principal, body: SubscriptionIn, now: dt.datetime, *, production: bool
) -> WebhookSubscription:
    check_url(body, production=production)
    sub = WebhookSubscription(
        id=new_id(),
        subject_id=principal.subject,
        client_id=principal.client_id or principal.name,
        url=str(body.url),
        event_types=sorted({t.value for t in body.event_types}),
        description=body.description,
        secret=new_secret(),
        status=SubscriptionStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )
    session.add(sub)
    await session.flush()
    return sub


async def own_subscription(session: AsyncSession, principal: Principal, subscription_id: str) -> WebhookSubscription:
    """A subscription of the caller's client; another client's is not found (404), like any scope."""
    sub = await session.get(WebhookSubscription, subscription_id)
    if sub is None or sub.subject_id != principal.subject:
        raise not_found("webhook subscription", subscription_id)
    return sub


async def list_subscriptions(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(WebhookSubscription.subject_id == principal.subject)
    stmt = paginate(stmt, WebhookSubscription.created_at, WebhookSubscription.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def rotate_secret(
    session: AsyncSession, sub: WebhookSubscription, now: dt.datetime, grace_seconds: float
) -> tuple[str, dt.datetime]:
    if sub.status != SubscriptionStatus.ACTIVE:
        raise Problem(409, "subscription_unsubscribed", "Subscription ended", "the subscription is no longer active")
    until = now + dt.timedelta(seconds=grace_seconds)
    sub.previous_secret, sub.previous_secret_until = sub.secret, until
    sub.secret = new_secret()
    sub.updated_at = now
    return sub.secret, until


async def unsubscribe(session: AsyncSession, sub: WebhookSubscription, reason: str, now: dt.datetime) -> None:
    """End a subscription; its deliveries still waiting are cancelled."""
    sub.status = SubscriptionStatus.UNSUBSCRIBED
    sub.unsubscribed_reason = reason[:200]
    sub.updated_at = now
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED, next_attempt_at=None, updated_at=now)
    )


async def list_deliveries(
    session: AsyncSession, sub: WebhookSubscription, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], dict[str, list[WebhookAttempt]]]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    stmt = paginate(stmt, WebhookDelivery.created_at, WebhookDelivery.id, limit=limit, cursor=cursor)
    rows = list((await session.scalars(stmt)).all())
    attempts: dict[str, list[WebhookAttempt]] = {r.id: [] for r in rows}
    if rows:
        log = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.at, WebhookAttempt.id)
        )
        for a in log:
            attempts[a.delivery_id].append(a)
    return rows, attempts


async def replay(session: AsyncSession, principal: Principal, delivery_id: str, now: dt.datetime) -> WebhookDelivery:
    """Send a delivery again (same webhook-id, a fresh round of retries)."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise not_found("webhook delivery", delivery_id)
    sub = await own_subscription(session, principal, delivery.subscription_id)
    if sub.status != SubscriptionStatus.ACTIVE:
        raise Problem(409, "subscription_unsubscribed", "Subscription ended", "the subscription is no longer active")
    if delivery.status == DeliveryStatus.PENDING:
        raise Problem(409, "delivery_pending", "Delivery under way", "the delivery is still being attempted")
    delivery.status = DeliveryStatus.PENDING
    delivery.failures = 0
    delivery.next_attempt_at = now
    delivery.updated_at = now
    return delivery


def subscription_out(sub: WebhookSubscription) -> SubscriptionOut:
    return SubscriptionOut.model_validate(sub, from_attributes=True)


def delivery_out(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=DeliveryStatus(delivery.status),  # type: ignore[call-arg]  # a lookup by value, not a new member
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
        attempt_log=[AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
    )


# --- matching: an event of the stream becomes deliveries --------------------------------------


async def current_bindings(session: AsyncSession, subject_ids: set[str]) -> dict[str, list[Binding]]:
    """The bindings granting the subscribe permission now, of clients still enabled: a revoked
    binding or a disabled client stops the deliveries at once."""
    roles = load_policy().roles_with(rules.SUBSCRIBE)
    rows = await session.execute(
        select(RoleBinding.subject_id, RoleBinding.role, RoleBinding.area, RoleBinding.dept)
        .join(Client, Client.id == RoleBinding.subject_id)
        .where(RoleBinding.subject_id.in_(subject_ids), RoleBinding.role.in_(roles), Client.disabled.is_(False))
    )
    found: dict[str, list[Binding]] = {s: [] for s in subject_ids}
    for subject_id, role, area, dept in rows:
        found[subject_id].append(Binding(role, area, dept))
    return found


def body_of(event: CloudEvent) -> str:
    """The JSON a receiver gets: the Standard Webhooks payload shape (type, timestamp, data)."""
    payload: dict[str, Any] = {
        "type": event.short_type,
        "timestamp": event.time.isoformat(),
        "event_id": event.id,
        "data": event.data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


#: the three columns matching needs, as plain rows: ORM objects cost more than the query
_SUBSCRIPTIONS = WebhookSubscription.__table__.c
_ACTIVE_SUBSCRIPTIONS = select(_SUBSCRIPTIONS.id, _SUBSCRIPTIONS.subject_id, _SUBSCRIPTIONS.event_types).where(
    _SUBSCRIPTIONS.status == SubscriptionStatus.ACTIVE.value
)


class ActiveSubscription(NamedTuple):
    id: str
    subject_id: str
    event_types: frozenset[str]


class ActiveSubscriptions:
    """The active subscriptions, kept in memory for matching: it runs for every dispatch event
    (three an incident on loop 1), nearly always to find none, and read them on every event.

    The copy is used at most ``refresh_seconds`` after its read began, and not at all after
    :meth:`changed`, which this process calls when it commits a change to a subscription (and on
    another replica's broadcast of one). So a subscription made or ended on another replica counts
    here within ``refresh_seconds`` at worst. A read that overlaps a change is not kept as current:
    each change moves a generation the copy must match. While events come, a copy past half its
    life is read again in the background (one SELECT, outside any transaction), so a steady stream
    of events never finds it expired; an expired one is read by the handler, in its transaction.
    """

    def __init__(
        self, refresh_seconds: float, db: Database | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.refresh_seconds = refresh_seconds
        #: where the background reads go (None: only the handler reads)
        self.db = db
        self.clock = clock
        self._subs: tuple[ActiveSubscription, ...] = ()
        self._types: frozenset[str] = frozenset()
        self._read_at = -math.inf
        self._generation = 0
        self._read_generation = -1
        self._reading: asyncio.Task[None] | None = None

    def changed(self) -> None:
        """A subscription changed (committed): the next match reads them again."""
        self._generation += 1

    def fresh(self) -> bool:
        return self._read_generation == self._generation and self.clock() - self._read_at < self.refresh_seconds

    def may_match(self, event: CloudEvent) -> bool:
        """Whether ``event`` may make a delivery (the consumer's relevance: the others are acked
        without a transaction). False only for a type nobody may subscribe to, or one no active
        subscription of a current copy takes; with the copy expired, True (the handler reads)."""
        short = event.short_type
        if short not in rules.EventType._value2member_map_:
            return False
        if not self.fresh():
            return True
        if self.clock() - self._read_at > self.refresh_seconds / 2:
            self._read_soon()
        return short in self._types

    def _read_soon(self) -> None:
        if self.db is not None and self._reading is None:
            self._reading = asyncio.create_task(self._read_in_background(self.db), name="webhook-subscriptions")

    async def _read_in_background(self, db: Database) -> None:
        try:
            async with db.session() as session:
                await self.read(session)
        except Exception:  # the copy expires, and the handler reads it in its transaction
            log.warning("webhook subscriptions not read", exc_info=True)
        finally:
            self._reading = None

    async def close(self) -> None:
        if self._reading is not None:
            await cancel_and_wait([self._reading])

    async def read(self, session: AsyncSession) -> None:
        generation, started = self._generation, self.clock()
        rows = (await session.execute(_ACTIVE_SUBSCRIPTIONS)).all()
        self._subs = tuple(ActiveSubscription(i, subject, frozenset(types)) for i, subject, types in rows)
        self._types = frozenset().union(*(s.event_types for s in self._subs))
        self._read_at, self._read_generation = started, generation

    async def of_type(self, session: AsyncSession, short: str) -> list[ActiveSubscription]:
        if not self.fresh():
            await self.read(session)
        return [s for s in self._subs if short in s.event_types]


async def match(session: AsyncSession, event: CloudEvent, now: dt.datetime, active: ActiveSubscriptions) -> int:
    """Queue a delivery of ``event`` for every active subscription to its type within scope."""
    short = event.short_type
    if short not in rules.EventType._value2member_map_:
        return 0
    subs = await active.of_type(session, short)
    if not subs:
        return 0
    bindings = await current_bindings(session, {s.subject_id for s in subs})
    body = body_of(event)
    queued = 0
    for sub in subs:
        if not rules.in_scope(bindings[sub.subject_id], short, event.data):
            continue
        stmt = (
            dialect_insert(session, WebhookDelivery.__table__)
            .values(
                id=new_id(),
                subscription_id=sub.id,
                event_id=event.id,
                event_type=short,
                body=body,
                status=DeliveryStatus.PENDING.value,
                failures=0,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )
        queued += rowcount(await session.execute(stmt)) or 0
    return queued
