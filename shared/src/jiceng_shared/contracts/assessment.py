"""Events published by svc-assessment."""

from __future__ import annotations

import datetime as dt

from jiceng_shared.events import EventPayload


class PeriodClosed(EventPayload):
    event_type = "assessment.period.closed"

    period_id: str
    period: str
    township_code: str
    subject_kind: str
    closed_at: dt.datetime
    results: list[dict[str, object]] = []
