"""Subscriptions, deliveries (one per subscription and event) and the log of delivery attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base


class WebhookSubscription(Base):
    """A URL of a department system and the event types it receives (within its client's scope)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: the client (``clients.id``, the token's subject) that owns the subscription
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]]
    description: Mapped[str | None] = mapped_column(String(200))
    #: the signing secret (``whsec_`` + base64); shown once at creation and at each rotation
    secret: Mapped[str] = mapped_column(String(100))
    #: the secret before the last rotation, still signing (beside the new one) until the time given
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[dt.datetime | None]
    #: active | unsubscribed (SubscriptionStatus)
    status: Mapped[str] = mapped_column(String(20), index=True)
    unsubscribed_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class WebhookDelivery(Base):
    """One event to one subscription; its id is the ``webhook-id`` (the same on retries and replays)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(80))
    #: the JSON body sent (``{"type", "timestamp", "data"}``), signed as is
    body: Mapped[str] = mapped_column(Text)
    #: pending | delivered | failed | cancelled (DeliveryStatus)
    status: Mapped[str] = mapped_column(String(20))
    #: failed attempts in the current round (reset by a replay); picks the next back-off delay
    failures: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    #: when the worker may try next (None once delivered, failed or cancelled)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    last_status_code: Mapped[int | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class WebhookAttempt(Base):
    """Append-only log: each HTTP attempt of a delivery, its status and outcome."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[dt.datetime]
    status_code: Mapped[int | None]
    #: delivered | retry | failed | gone (AttemptOutcome)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int]
