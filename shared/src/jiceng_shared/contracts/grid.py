"""Events published by svc-grid."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from jiceng_shared.contracts.common import GeoPoint
from jiceng_shared.events import EventPayload


class AttachmentMeta(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str


class IncidentReported(EventPayload):
    event_type = "grid.incident.reported"

    incident_id: str
    number: str
    category: str
    description: str
    location: GeoPoint
    grid_code: str
    township_code: str
    reporter_id: str
    attachments: list[AttachmentMeta] = []
    reported_at: dt.datetime


class VisitRecorded(EventPayload):
    event_type = "grid.visit.recorded"

    visit_id: str
    grid_code: str
    township_code: str
    worker_id: str
    resident_id: str | None = None
    kind: str
    visited_at: dt.datetime


class VisitOverdue(EventPayload):
    event_type = "grid.visit.overdue"

    grid_code: str
    township_code: str
    worker_id: str | None = None
    resident_id: str
    group: str
    due_on: dt.date


class DiarySigned(EventPayload):
    event_type = "grid.diary.signed"

    diary_id: str
    grid_code: str
    township_code: str
    worker_id: str
    day: dt.date
    signed_by: str
