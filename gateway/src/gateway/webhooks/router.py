"""HTTP routes of /api/webhooks/v1: a department system's subscriptions, deliveries and replays.

The gateway's access guard has matched each call against gateway.toml (``webhooks.subscribe``,
role dept_system); a client sees only its own subscriptions (another's: 404).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.webhooks import rules, service
from gateway.webhooks.rules import DeliveryStatus, EventType
from gateway.webhooks.schemas import (
    DeliveryOut,
    EventTypeOut,
    SecretOut,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
)
from jiceng_shared.db import utcnow
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import require

router = APIRouter(prefix="/api/webhooks/v1", tags=["webhooks"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Subscriber = Annotated[Principal, Depends(require(rules.SUBSCRIBE))]


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.transaction() as session:
        yield session


async def _subscription_write(request: Request) -> AsyncIterator[AsyncSession]:
    """A transaction making or ending a subscription: the webhook worker's copy of the active ones
    is read again (here at once, on the other replicas when they hear of it) once it commits."""
    worker = getattr(request.app.state, "webhooks", None)
    async with request.app.state.db.transaction() as session:
        yield session
        if worker is not None:  # a read from here to the commit sees the old state: not kept
            worker.subscriptions.changed()
    if worker is not None:
        await worker.subscriptions_changed()


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session() as session:
        yield session


#: a transaction committed when the route returns (rolled back if it raises)
Tx = Annotated[AsyncSession, Depends(_write_session, scope="function")]
SubscriptionTx = Annotated[AsyncSession, Depends(_subscription_write, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]


def _wake(request: Request) -> None:
    worker = getattr(request.app.state, "webhooks", None)
    if worker is not None:
        worker.wake()


@router.get(
    "/event-types",
    response_model=Page[EventTypeOut],
    summary="The event types a department system may subscribe to (one page: the few there are)",
)
async def list_event_types(_: Subscriber) -> Page[EventTypeOut]:
    return Page(items=[EventTypeOut(type=t, label_zh=t.label_zh) for t in EventType])


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionCreated,
    summary="Subscribe a URL to event types (within your department and townships); the secret is shown once",
)
async def create_subscription(
    body: SubscriptionIn, request: Request, response: Response, session: SubscriptionTx, principal: Subscriber
) -> SubscriptionCreated:
    production = request.app.state.settings.env == "production"
    sub = await service.subscribe(session, principal, body, utcnow(), production=production)
    response.headers["Location"] = f"{router.prefix}/subscriptions/{sub.id}"
    return SubscriptionCreated(**service.subscription_out(sub).model_dump(), secret=sub.secret)


@router.get("/subscriptions", response_model=Page[SubscriptionOut], summary="Your subscriptions, newest first")
async def list_subscriptions(
    session: ReadSession, principal: Subscriber, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[SubscriptionOut]:
    rows = await service.list_subscriptions(session, principal, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit)
    return Page[SubscriptionOut](items=[service.subscription_out(s) for s in items], next_cursor=next_cursor)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut, summary="One of your subscriptions")
async def get_subscription(subscription_id: str, session: ReadSession, principal: Subscriber) -> SubscriptionOut:
    return service.subscription_out(await service.own_subscription(session, principal, subscription_id))


@router.delete(
    "/subscriptions/{subscription_id}", status_code=204, summary="Unsubscribe (pending deliveries are cancelled)"
)
async def delete_subscription(subscription_id: str, session: SubscriptionTx, principal: Subscriber) -> Response:
    sub = await service.own_subscription(session, principal, subscription_id)
    if sub.status == rules.SubscriptionStatus.ACTIVE:
        await service.unsubscribe(session, sub, "unsubscribed by the client", utcnow())
    return Response(status_code=204)


@router.post(
    "/subscriptions/{subscription_id}/secret",
    response_model=SecretOut,
    summary="Rotate the signing secret; the old one keeps signing beside it for a grace period",
)
async def rotate_secret(subscription_id: str, request: Request, session: Tx, principal: Subscriber) -> SecretOut:
    sub = await service.own_subscription(session, principal, subscription_id)
    grace = request.app.state.settings.webhook_secret_grace_seconds
    secret, until = await service.rotate_secret(session, sub, utcnow(), grace)
    return SecretOut(secret=secret, previous_secret_valid_until=until)


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The deliveries of a subscription, newest first, each with its attempts (status, outcome)",
)
async def list_deliveries(
    subscription_id: str,
    session: ReadSession,
    principal: Subscriber,
    status: DeliveryStatus | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DeliveryOut]:
    sub = await service.own_subscription(session, principal, subscription_id)
    rows, attempts = await service.list_deliveries(session, sub, status=status, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit)
    return Page[DeliveryOut](items=[service.delivery_out(d, attempts[d.id]) for d in items], next_cursor=next_cursor)


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryOut,
    summary="Send a delivery again (same webhook-id, a new round of retries)",
)
async def replay_delivery(delivery_id: str, request: Request, session: Tx, principal: Subscriber) -> DeliveryOut:
    delivery = await service.replay(session, principal, delivery_id, utcnow())
    await session.flush()
    out = service.delivery_out(delivery, [])
    _wake(request)
    return out
