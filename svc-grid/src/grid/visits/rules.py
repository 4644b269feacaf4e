"""Pure rules of the visit schedule (002 art. 19), no I/O.

Every obligation is "at least one visit per period", periods being calendar periods in the
county's zone: a day (or a PRC working day), an ISO week (Monday to Sunday), a month, a half-year
(January-June, July-December) or a year. An obligation is *done* when a visit lies in the current
period, *due* (by the end of the current period) when not, and *overdue* when the previous period,
which began after the person or grid was registered, ended without a visit.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from jiceng_shared.workdays import WorkdayCalendar

PERIODS = ("day", "workday", "week", "month", "half_year", "year")
#: the order of strictness: a person in a weekly and a monthly group is visited weekly
_STRICTNESS = {p: i for i, p in enumerate(PERIODS)}


@dataclass(frozen=True)
class VisitRules:
    """002 art. 19: every period and group, defaults from the seed (see config.py)."""

    patrol_period: str = "day"
    weekly_groups: frozenset[str] = frozenset({"solitary_elderly", "orphan"})
    weekly_period: str = "week"
    monthly_groups: frozenset[str] = frozenset(
        {
            "disabled",
            "single_mother_in_difficulty",
            "floating_population",
            "entitled_group",
            "community_corrections",
            "drug_rehabilitation",
            "released_prisoners",
        }
    )
    monthly_period: str = "month"
    household_period: str = "half_year"
    group_periods: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for p in (self.patrol_period, self.weekly_period, self.monthly_period, self.household_period):
            if p not in PERIODS:
                raise ValueError(f"unknown visit period {p!r}; one of {PERIODS}")
        periods = dict.fromkeys(self.monthly_groups, self.monthly_period)
        periods |= dict.fromkeys(self.weekly_groups, self.weekly_period)
        object.__setattr__(self, "group_periods", periods)

    def person_rule(self, groups: Iterable[str]) -> tuple[str, str] | None:
        """(group, period) of the strictest visiting group the person is in, or None (household rule only)."""
        best: tuple[str, str] | None = None
        for g in sorted(groups):
            period = self.group_periods.get(g)
            if period is not None and (best is None or _STRICTNESS[period] < _STRICTNESS[best[1]]):
                best = (g, period)
        return best


def period_bounds(period: str, day: dt.date, cal: WorkdayCalendar | None = None) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the period that holds ``day``."""
    if period == "day":
        return day, day
    if period == "workday":
        # a rest day belongs to the next working day's period: work done on it counts for that day
        assert cal is not None, "working-day periods need the calendar"
        end = day
        while not cal.is_workday(end):
            end += dt.timedelta(days=1)
        start = end - dt.timedelta(days=1)
        while not cal.is_workday(start):
            start -= dt.timedelta(days=1)
        return start + dt.timedelta(days=1), end
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        return day.replace(day=1), day.replace(day=_calendar.monthrange(day.year, day.month)[1])
    if period == "half_year":
        if day.month <= 6:
            return dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)
        return dt.date(day.year, 7, 1), dt.date(day.year, 12, 31)
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(f"unknown visit period {period!r}")


@dataclass(frozen=True)
class Obligation:
    #: done | due | overdue
    state: str
    #: the last day of the period the next visit is owed for (for overdue: the missed period's end)
    due_on: dt.date
    last_visit: dt.date | None


def obligation(
    period: str,
    today: dt.date,
    *,
    last_visit: dt.date | None,
    since: dt.date,
    cal: WorkdayCalendar | None = None,
) -> Obligation:
    """Where one "at least once per period" obligation stands on ``today``."""
    start, end = period_bounds(period, today, cal)
    if last_visit is not None and last_visit >= start:
        return Obligation("done", end, last_visit)
    prev_start, prev_end = period_bounds(period, start - dt.timedelta(days=1), cal)
    if since <= prev_start and (last_visit is None or last_visit < prev_start):
        return Obligation("overdue", prev_end, last_visit)
    return Obligation("due", end, last_visit)


def lookback_start(rules: VisitRules, today: dt.date, cal: WorkdayCalendar | None = None) -> dt.date:
    """The earliest day a visit can matter on ``today``: the start of the previous longest period."""
    longest = max(
        (rules.patrol_period, rules.weekly_period, rules.monthly_period, rules.household_period),
        key=_STRICTNESS.__getitem__,
    )
    start, _ = period_bounds(longest, today, cal)
    return period_bounds(longest, start - dt.timedelta(days=1), cal)[0]
