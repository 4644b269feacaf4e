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


class GridWorkersAssessed(EventPayload):
    """A township's grid workers assessed for a quarter (``kind`` quarter, by the township) or a
    year (``kind`` year, by the county, with the grades and the 优秀 award in yuan).

    ``results`` holds one entry per worker: ``worker_id``, ``score``, ``work_score``,
    ``satisfaction_rate``, ``failing`` (不称职 / 不合格), ``grade`` (year: excellent | pass |
    basic_pass | fail) and ``award_yuan``.
    """

    event_type = "assessment.grid_workers.assessed"

    township_code: str
    period: str
    kind: str
    results: list[dict[str, object]] = []
    assessed_at: dt.datetime


class DismissalReviewOpened(EventPayload):
    """A grid worker's dismissal review (解聘审查, 002 art. 34) was opened: ``reason`` is
    failing_quarters, failing_years or verified_complaints; ``basis`` names what triggered it."""

    event_type = "assessment.dismissal_review.opened"

    review_id: str
    worker_id: str
    township_code: str
    reason: str
    basis: dict[str, object] = {}
    opened_at: dt.datetime


class DismissalReviewDecided(EventPayload):
    """A grid worker's dismissal review was decided by the assessing level, with its reasons:
    ``decision`` is dismissed (予以解聘) or retained (不予解聘); ``reason`` repeats why it was opened."""

    event_type = "assessment.dismissal_review.decided"

    review_id: str
    worker_id: str
    township_code: str
    reason: str
    decision: str
    note: str
    decided_by: str
    decided_at: dt.datetime
