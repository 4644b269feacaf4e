"""Events published by svc-approval."""

from __future__ import annotations

import datetime as dt

from jiceng_shared.events import EventPayload


class ApplicationAccepted(EventPayload):
    event_type = "approval.application.accepted"

    application_id: str
    receipt_number: str
    item_code: str
    township_code: str
    competent_township_code: str
    clerk_id: str | None = None
    instant: bool
    accepted_at: dt.datetime
    deadline: dt.datetime | None = None
    proxy: bool = False


class ApplicationCompleted(EventPayload):
    event_type = "approval.application.completed"

    application_id: str
    receipt_number: str
    item_code: str
    township_code: str
    clerk_id: str | None = None
    outcome: str
    completed_at: dt.datetime
    deadline: dt.datetime | None = None
    on_time: bool


class ApplicationOverdue(EventPayload):
    event_type = "approval.application.overdue"

    application_id: str
    receipt_number: str
    item_code: str
    township_code: str
    clerk_id: str | None = None
    deadline: dt.datetime
    detected_at: dt.datetime


class NoticeIssued(EventPayload):
    event_type = "approval.notice.issued"

    application_id: str
    notice_id: str
    township_code: str
    clerk_id: str | None = None
    missing_count: int
    issued_at: dt.datetime
    in_time: bool


class RatingSubmitted(EventPayload):
    event_type = "approval.rating.submitted"

    rating_id: str
    application_id: str
    township_code: str
    clerk_id: str | None = None
    level: int
    bad: bool
    channel: str
    rated_at: dt.datetime


class RatingRectified(EventPayload):
    event_type = "approval.rating.rectified"

    rectification_id: str
    rating_id: str
    township_code: str
    clerk_id: str | None = None
    outcome: str
    on_time: bool
    closed_at: dt.datetime
