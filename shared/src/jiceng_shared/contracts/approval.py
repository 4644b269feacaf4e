"""Events published by svc-approval.

``clerk_id`` is the subject of the clerk the event is about (the accepting window clerk, or the
issuer of a notice); ``clerk_username`` is the same person's login name, stable across
installations. Raters are never named: rating events carry the rated clerk, not the rater.
Fields after the first block of each model were added later; they all have defaults.
"""

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
    # --- added ---
    clerk_username: str | None = None
    clerk_name: str | None = None
    #: scope key: the accepting township, or the village/grid of a proxy application
    area_code: str | None = None
    item_name: str | None = None
    item_version: int | None = None
    #: working days promised by the catalogue version (None for instant items)
    limit_workdays: int | None = None
    #: the unit that decides: ``<area code>:<department>`` (a township's 行政审批局 or a county department)
    competent_unit_code: str | None = None
    competent_dept: str | None = None
    received_at: dt.datetime | None = None
    #: True when no one-time notice came within the notice window (行政许可法 art. 32)
    deemed_accepted: bool = False
    channel: str = "window"
    proxy_agent_id: str | None = None
    proxy_agent_username: str | None = None
    priority: bool = False
    green_channel: str | None = None
    cross_township: bool = False


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
    # --- added ---
    clerk_username: str | None = None
    area_code: str | None = None
    competent_township_code: str | None = None
    competent_dept: str | None = None
    instant: bool | None = None
    accepted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    #: statutory limit for handing out the result after the decision (committed items)
    issue_deadline: dt.datetime | None = None
    #: seconds past the limit (0 when on time)
    overrun_seconds: int = 0
    handed_out_by_id: str | None = None
    handed_out_by_username: str | None = None
    proxy: bool = False
    proxy_agent_id: str | None = None
    proxy_agent_username: str | None = None
    cross_township: bool = False


class ApplicationOverdue(EventPayload):
    event_type = "approval.application.overdue"

    application_id: str
    receipt_number: str
    item_code: str
    township_code: str
    clerk_id: str | None = None
    deadline: dt.datetime
    detected_at: dt.datetime
    # --- added ---
    clerk_username: str | None = None
    area_code: str | None = None
    #: instant (15-minute limit), decision (promised working days), issue (result not handed out in time)
    phase: str = "decision"
    instant: bool | None = None
    competent_township_code: str | None = None
    competent_dept: str | None = None


class NoticeIssued(EventPayload):
    event_type = "approval.notice.issued"

    application_id: str
    notice_id: str
    township_code: str
    clerk_id: str | None = None
    missing_count: int
    issued_at: dt.datetime
    in_time: bool
    # --- added ---
    clerk_username: str | None = None
    area_code: str | None = None
    notice_number: str | None = None
    receipt_number: str | None = None
    item_code: str | None = None
    #: 1 for the one-time notice; higher for a follow-up on materials supplied after it
    sequence: int = 1
    defective_count: int = 0
    material_codes: list[str] = []


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
    # --- added ---
    clerk_username: str | None = None
    area_code: str | None = None
    item_code: str | None = None
    proxy_agent_id: str | None = None
    proxy_agent_username: str | None = None


class RatingRectified(EventPayload):
    event_type = "approval.rating.rectified"

    rectification_id: str
    rating_id: str
    township_code: str
    clerk_id: str | None = None
    outcome: str
    on_time: bool
    closed_at: dt.datetime
    # --- added ---
    clerk_username: str | None = None
    area_code: str | None = None
    application_id: str | None = None
    level: int | None = None
    due_at: dt.datetime | None = None
    assignee_id: str | None = None
    assignee_username: str | None = None
    callback_required: bool = False
    callback_done: bool = False


class InquiryAnswered(EventPayload):
    """A first-inquiry owner answered; for a 12345 ticket ``ticket_id`` names it (dispatch may use it as feedback)."""

    event_type = "approval.inquiry.answered"

    inquiry_id: str
    number: str
    township_code: str
    owner_id: str | None = None
    owner_username: str | None = None
    channel: str
    ticket_id: str | None = None
    ticket_number: str | None = None
    answered_at: dt.datetime
    handovers: int = 0
