"""The PRC working-day calendar: every deadline of the platform is computed here.

Holidays and make-up working days (调休) come from the maintained ``chinesecalendar`` package.
For a year the package does not cover yet (the State Council publishes each year's schedule
in the preceding autumn), the calendar falls back to Monday–Friday and logs a warning once;
operators can add the published days meanwhile with ``extra_holidays`` / ``extra_workdays``
(e.g. ``JICENG_CALENDAR_EXTRA_HOLIDAYS``).

Periods counted in working days follow the legal reading (行政许可法 art. 82, 行政处罚法 art. 85):
the day of the triggering act is not counted; the period ends at the end of the N-th working day
after it, in the county's zone (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

COUNTY_ZONE = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)


class WorkdayCalendar:
    def __init__(
        self,
        *,
        zone: ZoneInfo = COUNTY_ZONE,
        extra_holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
    ) -> None:
        self.zone = zone
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self._warned: set[int] = set()

    def covers(self, day: dt.date) -> bool:
        """Whether the official schedule of ``day``'s year is known (not the weekday fallback)."""
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        return _official_workday(day, self._warned)

    def local_date(self, instant: dt.datetime) -> dt.date:
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        return instant.astimezone(self.zone).date()

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The N-th working day after ``start`` (``start`` itself not counted); n=0 gives ``start``."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        remaining = n
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def deadline(self, start: dt.datetime, n: int) -> dt.datetime:
        """End (23:59:59 local) of the N-th working day after the instant ``start``."""
        day = self.add_workdays(self.local_date(start), n)
        return dt.datetime.combine(day, END_OF_DAY, tzinfo=self.zone)

    def workdays_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day (negative if reversed)."""
        a, b = self.local_date(start), self.local_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = 0
        day = a
        while day < b:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return sign * count

    def add_calendar_days(self, start: dt.datetime, n: int) -> dt.datetime:
        """End of the N-th calendar day after ``start`` (for the law's longer periods: 15, 90 days)."""
        day = self.local_date(start) + dt.timedelta(days=n)
        return dt.datetime.combine(day, END_OF_DAY, tzinfo=self.zone)


@lru_cache(maxsize=4096)
def _cached_official(day: dt.date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _official_workday(day: dt.date, warned: set[int]) -> bool:
    official = _cached_official(day)
    if official is not None:
        return official
    if day.year not in warned:
        warned.add(day.year)
        log.warning(
            "no official holiday schedule for this year; counting Monday-Friday as working days",
            extra={"year": day.year},
        )
    return day.weekday() < 5
