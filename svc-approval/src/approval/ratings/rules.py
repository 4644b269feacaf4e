"""Pure rules of 好差评 (国办发〔2019〕51号; rules-reference.md §6)."""

from __future__ import annotations

import datetime as dt

from approval.ratings.schemas import RatingChannel, RectificationOutcome, RectificationStatus
from jiceng_shared.workdays import WorkdayCalendar

#: five levels, ★5 to ★1
LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
#: the two bad levels (差评): 不满意 and 非常不满意
BAD_LEVELS = frozenset({1, 2})
CHANNEL_LABELS = RatingChannel.labels()
OUTCOME_LABELS = RectificationOutcome.labels()
STATUS_LABELS = RectificationStatus.labels()


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


def rectification_due(calendar: WorkdayCalendar, rated_at: dt.datetime, *, workdays: int = 5) -> dt.datetime:
    """A bad rating is rectified within 5 working days (local rule; configurable, 15 in some places)."""
    return calendar.deadline(rated_at, workdays).astimezone(dt.UTC)


def invitation_due(completed_at: dt.datetime, at: dt.datetime, *, after_days: int = 3) -> bool:
    """A finished service not rated after 3 days is invited to rate (local rule, Bozhou)."""
    return at >= completed_at + dt.timedelta(days=after_days)


def invite_before(at: dt.datetime, *, after_days: int = 3) -> dt.datetime:
    """Services completed at or before this instant are due an invitation at ``at``."""
    return at - dt.timedelta(days=after_days)
