"""API shapes of webhook subscriptions and deliveries."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from gateway.webhooks.rules import AttemptOutcome, DeliveryStatus, EventType, SubscriptionStatus


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hotline.example.gov.cn/jiceng/webhooks",
                    "event_types": ["dispatch.ticket.assigned", "dispatch.ticket.closed"],
                    "description": "12345 平台工单状态回传",
                }
            ]
        },
    )
    url: HttpUrl = Field(description="where the events are POSTed (https in production)")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))
    description: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[EventType]
    description: str | None
    status: SubscriptionStatus
    unsubscribed_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="the signing secret (whsec_…): shown only now, keep it")


class SecretOut(BaseModel):
    secret: str = Field(description="the new signing secret (whsec_…): shown only now")
    previous_secret_valid_until: dt.datetime = Field(
        description="until then deliveries carry a signature with the old secret too"
    )


class AttemptOut(BaseModel):
    at: dt.datetime
    status_code: int | None
    outcome: AttemptOutcome
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: str = Field(description="the webhook-id header of the delivery")
    subscription_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    attempt_log: list[AttemptOut]


class EventTypeOut(BaseModel):
    type: EventType
    label_zh: str
