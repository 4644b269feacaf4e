"""Pure rules of work diaries (002 art. 20), no I/O."""

from __future__ import annotations

import datetime as dt

from jiceng_shared.errors import FieldErrors
from jiceng_shared.workdays import WorkdayCalendar


def diary_days(first: dt.date, last: dt.date, cal: WorkdayCalendar, *, workdays_only: bool) -> list[dt.date]:
    """The days from ``first`` to ``last`` (inclusive) that owe a diary."""
    days = []
    day = first
    while day <= last:
        if not workdays_only or cal.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def check_day(day: dt.date, today: dt.date, cal: WorkdayCalendar, *, workdays_only: bool) -> FieldErrors:
    errors = FieldErrors()
    if day > today:
        errors.add("day", "day_in_future", "a diary records a day that has begun")
    elif workdays_only and not cal.is_workday(day):
        errors.add("day", "not_a_working_day", f"{day.isoformat()} is not a working day (PRC calendar)")
    return errors


def check_span(first: dt.date, last: dt.date, max_days: int) -> FieldErrors:
    errors = FieldErrors()
    if last < first:
        errors.add("to", "period_reversed", "the end is before the start")
    elif (last - first).days + 1 > max_days:
        errors.add("to", "period_too_long", f"at most {max_days} days at once")
    return errors
