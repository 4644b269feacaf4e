"""The PRC working-day calendar: every deadline of the platform is computed here.

Holidays and make-up working days (调休) come from the State Council's yearly schedule
(国务院办公厅关于××年部分节假日安排的通知), loaded as data, first found wins:

1. ``extra_holidays`` / ``extra_workdays`` (``JICENG_CALENDAR_EXTRA_HOLIDAYS`` ...): a quick override
   of single days;
2. ``<year>.toml`` in the county's own directory ``JICENG_CALENDAR_DIR``;
3. ``<year>.toml`` shipped in ``jiceng_shared/calendars/``;
4. the maintained ``chinesecalendar`` package, for the years it knows;
5. otherwise Monday–Friday, with a warning (logged once per year).

A year file holds the whole year's schedule: a day of that year is a working day when it is a
make-up working day, or a Monday–Friday that is not a holiday. Format (README "Deploying for your
county")::

    year = 2026
    source = "国务院办公厅关于2026年部分节假日安排的通知"
    [[holidays]]
    name = "春节"
    start = 2026-02-15
    end = 2026-02-23
    workdays = [2026-02-14, 2026-02-28]

:func:`report_coverage` says whether the coming 90 days (from the service clock) are covered by
an official schedule: ``/readyz`` shows it, a Prometheus gauge holds it, and a warning is logged
when they are not.

Periods counted in working days follow the legal reading (行政许可法 art. 82, 行政处罚法 art. 85):
the day of the triggering act is not counted; the period ends at the end of the N-th working day
after it, in the county's zone (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from prometheus_client import Gauge
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

log = logging.getLogger(__name__)

COUNTY_ZONE = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)
#: the schedules shipped with the platform
PACKAGE_CALENDAR_DIR = Path(__file__).parent / "calendars"
#: how far ahead an official schedule must be known before the platform warns (issue 8, part 6:
#: "the next 90 days"); JICENG_CALENDAR_COVERAGE_DAYS
COVERAGE_HORIZON_DAYS = 90

CALENDAR_COVERED_DAYS = Gauge(
    "jiceng_calendar_covered_days",
    "Days of the coming horizon (90 days from the service clock) covered by an official holiday schedule",
    ["service"],
)
CALENDAR_COVERED = Gauge(
    "jiceng_calendar_covered",
    "1 when every day of the coming 90 days is covered by an official holiday schedule, else 0",
    ["service"],
)


class CalendarFileError(ValueError):
    """A schedule file that may not be used: the message names the file and every problem."""


class _Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date
    #: the make-up working days (调休, usually a weekend day) that go with this holiday
    workdays: list[dt.date] = []

    @model_validator(mode="after")
    def _order(self) -> _Holiday:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class _YearFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    #: the notice the days are taken from (title and number), so anyone can check them
    source: str = Field(min_length=1)
    holidays: list[_Holiday] = []

    @model_validator(mode="after")
    def _in_year(self) -> _YearFile:
        wrong = [
            f"holidays[{i}] ({h.name}): {day} is not in {self.year}"
            for i, h in enumerate(self.holidays)
            for day in (h.start, h.end)
            if day.year != self.year
        ]
        wrong += [
            f"holidays[{i}] ({h.name}): make-up working day {day} is a holiday too"
            for i, h in enumerate(self.holidays)
            for day in h.workdays
            if h.start <= day <= h.end
        ]
        if wrong:
            raise ValueError("; ".join(wrong))
        return self


@dataclass(frozen=True)
class YearSchedule:
    """The official schedule of one year: its holidays and make-up working days."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str
    path: Path | None = None

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def read_year_file(path: Path) -> YearSchedule:
    """Read and validate one ``<year>.toml`` (raises :class:`CalendarFileError` naming the file)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        data = _YearFile.model_validate(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarFileError(f"{path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors())
        raise CalendarFileError(f"{path}: {problems}") from None
    if path.stem != str(data.year):
        raise CalendarFileError(f"{path}: the file of year {data.year} must be named {data.year}.toml")
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for h in data.holidays:
        day = h.start
        while day <= h.end:
            holidays.add(day)
            day += dt.timedelta(days=1)
        workdays.update(h.workdays)
    return YearSchedule(data.year, frozenset(holidays), frozenset(workdays), data.source, path)


@lru_cache(maxsize=16)
def load_schedules(*directories: Path | None) -> dict[int, YearSchedule]:
    """The year files of the directories; a later directory's year replaces an earlier one's."""
    schedules: dict[int, YearSchedule] = {}
    for directory in directories:
        if directory is None:
            continue
        if not directory.is_dir():
            raise CalendarFileError(f"{directory}: the calendar directory does not exist")
        for path in sorted(directory.glob("*.toml")):
            schedule = read_year_file(path)
            schedules[schedule.year] = schedule
    return schedules


@lru_cache(maxsize=256)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class Coverage:
    """Whether the coming ``horizon_days`` are covered by an official schedule."""

    today: dt.date
    horizon_days: int
    covered_days: int
    #: the first day without an official schedule, if any
    uncovered_from: dt.date | None
    #: which source covers each year of the horizon (file path, ``chinesecalendar`` or ``none``)
    sources: dict[int, str]

    @property
    def covered(self) -> bool:
        return self.uncovered_from is None

    def as_json(self) -> dict[str, Any]:
        return {
            "covered": self.covered,
            "horizon_days": self.horizon_days,
            "covered_days": self.covered_days,
            "from": self.today.isoformat(),
            "uncovered_from": self.uncovered_from.isoformat() if self.uncovered_from else None,
            "sources": {str(y): s for y, s in self.sources.items()},
        }


class WorkdayCalendar:
    def __init__(
        self,
        *,
        zone: ZoneInfo = COUNTY_ZONE,
        extra_holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
        calendar_dir: Path | None = None,
        schedules: dict[int, YearSchedule] | None = None,
        coverage_horizon_days: int = COVERAGE_HORIZON_DAYS,
    ) -> None:
        self.zone = zone
        self.coverage_horizon_days = coverage_horizon_days
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self.schedules = (
            schedules
            if schedules is not None
            else load_schedules(PACKAGE_CALENDAR_DIR, Path(calendar_dir) if calendar_dir else None)
        )
        self._warned: set[int] = set()
        self._reported: dt.date | None | bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> WorkdayCalendar:
        """The calendar of a process's settings (the common ``calendar_*`` settings)."""
        return cls(
            extra_holidays=settings.calendar_extra_holidays,
            extra_workdays=settings.calendar_extra_workdays,
            calendar_dir=settings.calendar_dir,
            coverage_horizon_days=settings.calendar_coverage_days,
        )

    def source(self, year: int) -> str | None:
        """Where the official schedule of ``year`` comes from (None: no schedule, weekdays only)."""
        if year in self.schedules:
            return str(self.schedules[year].path or "data")
        if _package_knows(year):
            return "chinesecalendar"
        return None

    def covers(self, day: dt.date) -> bool:
        """Whether the official schedule of ``day``'s year is known (not the weekday fallback)."""
        return self.source(day.year) is not None

    def coverage(self, today: dt.date, horizon_days: int | None = None) -> Coverage:
        """Whether the ``horizon_days`` days after ``today`` (default: the calendar's coverage
        horizon, 90) have an official schedule."""
        horizon_days = self.coverage_horizon_days if horizon_days is None else horizon_days
        first, last = today + dt.timedelta(days=1), today + dt.timedelta(days=horizon_days)
        sources = {y: self.source(y) or "none" for y in range(first.year, last.year + 1)}
        uncovered_from = next(
            (max(first, dt.date(year, 1, 1)) for year in sorted(sources) if sources[year] == "none"), None
        )
        covered_days = horizon_days if uncovered_from is None else (uncovered_from - first).days
        return Coverage(today, horizon_days, covered_days, uncovered_from, sources)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        schedule = self.schedules.get(day.year)
        if schedule is not None:
            return schedule.is_workday(day)
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


def report_coverage(calendar: WorkdayCalendar, now: dt.datetime, *, service: str) -> Coverage:
    """Whether the coming days (the calendar's horizon, 90) from ``now`` (the service clock) have an official
    schedule: sets the gauges and logs a warning when they do not (once per first uncovered day).
    It reports, it never fails: deadlines then count Monday–Friday for the uncovered days."""
    coverage = calendar.coverage(calendar.local_date(now))
    CALENDAR_COVERED_DAYS.labels(service).set(coverage.covered_days)
    CALENDAR_COVERED.labels(service).set(1 if coverage.covered else 0)
    if not coverage.covered and calendar._reported != coverage.uncovered_from:
        log.warning(
            "no official holiday schedule covers the coming %d days from %s: from %s working-day deadlines "
            "count Monday-Friday only; add the State Council's schedule as <year>.toml in JICENG_CALENDAR_DIR",
            coverage.horizon_days,
            coverage.today,
            coverage.uncovered_from,
            extra={"uncovered_from": str(coverage.uncovered_from), "calendar_service": service},
        )
    calendar._reported = coverage.uncovered_from
    return coverage


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
