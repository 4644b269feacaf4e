"""Pure rules of cases (no I/O): the 90-day decision limit (行政处罚法 art. 60) and who acts on a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from enforcement.cases.schemas import CaseStatus

STATUS_LABELS = CaseStatus.labels()
#: the record's actor for what the service itself finds (an overdue case)
SYSTEM_NAME = "svc-enforcement"


class Calendar(Protocol):
    def add_calendar_days(self, start: dt.datetime, n: int) -> dt.datetime: ...

    def local_date(self, instant: dt.datetime) -> dt.date: ...


def decision_deadline(registered_at: dt.datetime, calendar: Calendar, days: int = 90) -> dt.datetime:
    """Art. 60: decide within ``days`` (calendar) days of registration; end of that day, county time."""
    return calendar.add_calendar_days(registered_at, days)


def extended_deadline(deadline: dt.datetime, calendar: Calendar, days: int = 30) -> dt.datetime:
    """Rules-reference §7.4 (市场监督管理行政处罚程序规定 art. 64): once, ``days`` more with the head's approval."""
    return calendar.add_calendar_days(deadline, days)


def in_time(now: dt.datetime, deadline: dt.datetime) -> bool:
    """Decided in time through the last second of the deadline's day."""
    return now <= deadline


def days_left(deadline: dt.datetime, now: dt.datetime, calendar: Calendar) -> int:
    """Calendar days from today to the deadline's day, county time (negative when late)."""
    return (calendar.local_date(deadline) - calendar.local_date(now)).days


def is_case_officer(officers: Sequence[dict[str, Any]], username: str | None) -> bool:
    return username is not None and any(o["username"] == username for o in officers)
