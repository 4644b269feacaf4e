"""Events published by svc-assessment."""

from __future__ import annotations

import datetime as dt

from jiceng_shared.events import EventPayload


class PeriodClosed(EventPayload):
    """A month's results frozen for one area; one event per kind of subject.

    ``township_code`` is the township closed, or the county code when a county assessor closed
    what no township had closed first (``area_level`` says which). ``subject_kind`` is ``unit``
    (handling units: ticket, summons and case indicators), ``clerk`` (window staff) or
    ``centre`` (a township's service centre); ``results`` holds one entry per subject with its
    counts and rates as frozen. Events for the month that arrive later are not in ``results``:
    the API shows them as ``late_adjustments``.
    """

    event_type = "assessment.period.closed"

    period_id: str
    period: str
    township_code: str
    subject_kind: str
    closed_at: dt.datetime
    results: list[dict[str, object]] = []
    area_level: str | None = None
    closed_by: str | None = None
