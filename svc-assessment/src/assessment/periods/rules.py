"""Pure rules of periods: the month an instant counts in, what a quarter or year covers, when a
month may be closed, and how a closed month's frozen counts meet events that arrive late.

Counts are kept per month in the county's zone (Asia/Shanghai): an event at 23:30 on 30
November local time counts in November even though it is 15:30 UTC. Quarters and years are
views summed from their months; only months are closed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from jiceng_shared.workdays import COUNTY_ZONE

PeriodKind = Literal["month", "quarter", "year"]
Status = Literal["open", "closed", "partly_closed"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

Counts = dict[str, int]


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    text: str
    kind: PeriodKind
    months: tuple[str, ...]


def parse_period(text: str) -> Period:
    """``2026-11`` (month), ``2026-Q4`` (quarter) or ``2026`` (year)."""
    if m := _MONTH.match(text):
        return Period(text, "month", (text,))
    if m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        return Period(
            text, "quarter", tuple(f"{year:04d}-{month:02d}" for month in range(3 * quarter - 2, 3 * quarter + 1))
        )
    if m := _YEAR.match(text):
        year = int(m.group(1))
        return Period(text, "year", tuple(f"{year:04d}-{month:02d}" for month in range(1, 13)))
    raise InvalidPeriod(f"{text!r} is not a period: use 2026-11 (month), 2026-Q4 (quarter) or 2026 (year)")


def month_of(instant: dt.datetime, zone: ZoneInfo = COUNTY_ZONE) -> str:
    """The month (``YYYY-MM``) an instant counts in, on the county's clock."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local = instant.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def months_up_to(month: str, n: int) -> tuple[str, ...]:
    """The ``n`` months ending with ``month``, oldest first."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - n + 1, index + 1))


def month_bounds(month: str, zone: ZoneInfo = COUNTY_ZONE) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next one, on the county's clock."""
    year, mon = (int(part) for part in month.split("-"))
    start = dt.datetime(year, mon, 1, tzinfo=zone)
    end = dt.datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone)
    return start, end


def has_ended(month: str, now: dt.datetime, zone: ZoneInfo = COUNTY_ZONE) -> bool:
    """A month may be closed only once it is over: results of a running month are not final."""
    return now >= month_bounds(month, zone)[1]


def zero(fields: Iterable[str]) -> Counts:
    return dict.fromkeys(fields, 0)


def add(a: Mapping[str, int], b: Mapping[str, int]) -> Counts:
    return {k: a.get(k, 0) + b.get(k, 0) for k in {*a, *b}}


@dataclass
class Effective:
    """What a period shows for one subject: frozen counts of closed months, live counts of open
    ones, and what arrived for closed months after they were closed (``late_adjustments``)."""

    counts: Counts
    late_adjustments: Counts
    status: Status
    closed_months: list[str] = field(default_factory=list)


def combine(
    months: Iterable[str],
    fields: tuple[str, ...],
    live: Mapping[str, Mapping[str, int]],
    frozen: Mapping[str, Mapping[str, int]],
    closed: set[str],
) -> Effective:
    """Sum a subject's months; a closed month counts its frozen result, and the difference
    between what is known now and what was frozen is reported apart, never lost."""
    counts, late = zero(fields), zero(fields)
    closed_months = []
    months = list(months)
    for month in months:
        now = live.get(month, {})
        if month in closed:
            closed_months.append(month)
            then = frozen.get(month, {})
            for f in fields:
                counts[f] += then.get(f, 0)
                late[f] += now.get(f, 0) - then.get(f, 0)
        else:
            for f in fields:
                counts[f] += now.get(f, 0)
    if not closed_months:
        status: Status = "open"
    elif len(closed_months) == len(months):
        status = "closed"
    else:
        status = "partly_closed"
    return Effective(counts, {k: v for k, v in late.items() if v}, status, closed_months)
