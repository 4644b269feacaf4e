"""The CloudEvents 1.0 envelope of every event (structured mode, JSON) and its NATS naming.

``type`` is ``gov.jiceng.<service>.<aggregate>.<verb>``; the NATS subject is
``<prefix>.<service>.<aggregate>.<verb>`` with the configured prefix (``jiceng`` by default).
"""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

TYPE_NAMESPACE = "gov.jiceng."


class EventPayload(BaseModel):
    """Base of every payload contract. ``event_type`` is the short type, e.g. ``grid.incident.reported``."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str]
    #: bumped on a breaking change of the payload; sent as ``dataschema``
    version: ClassVar[int] = 1


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    subject: str
    time: dt.datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    township: str
    correlationid: str
    traceparent: str | None = None
    data: dict[str, Any]

    @property
    def short_type(self) -> str:
        return self.type.removeprefix(TYPE_NAMESPACE)

    def payload(self, model: builtins.type[EventPayload]) -> Any:  # `type` is a field here
        return model.model_validate(self.data)


def full_type(short_type: str) -> str:
    return TYPE_NAMESPACE + short_type


def nats_subject(prefix: str, short_type: str) -> str:
    return f"{prefix}.{short_type}"


def build_event(
    payload: EventPayload,
    *,
    source: str,
    subject: str,
    township: str,
    correlation_id: str | None = None,
    traceparent: str | None = None,
    time: dt.datetime | None = None,
) -> CloudEvent:
    event_id = str(uuid.uuid4())
    return CloudEvent(
        id=event_id,
        type=full_type(payload.event_type),
        source=source,
        subject=subject,
        time=time or dt.datetime.now(dt.UTC),
        dataschema=f"urn:jiceng:{payload.event_type}:v{payload.version}",
        township=township,
        correlationid=correlation_id or event_id,
        traceparent=traceparent,
        data=payload.model_dump(mode="json"),
    )
