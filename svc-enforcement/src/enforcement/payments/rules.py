"""Pure rules of payment (no I/O), numbers as parameters (defaults: the law).

行政处罚法 art. 67: pay within 15 days of receiving the decision; art. 66: deferral or instalments
on application and approval; art. 72 (and 行政强制法 art. 45): a late payment adds 3 % of the fine
per day, never more than the fine itself; art. 72 (3) and 行政强制法 art. 53: unpaid once the party's
periods of review and litigation have run out, the office applies to the court for enforcement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors


class Arrangement(LabelledEnum):
    NONE = "none", "一次缴清"
    DEFERRAL = "deferral", "延期缴纳"
    INSTALMENTS = "instalments", "分期缴纳"


class Calendar(Protocol):
    def add_calendar_days(self, start: dt.datetime, n: int) -> dt.datetime: ...

    def local_date(self, instant: dt.datetime) -> dt.date: ...


def payment_due(served_at: dt.datetime, calendar: Calendar, days: int = 15) -> dt.datetime:
    """Art. 67: the end of the ``days``-th day after the decision was served, county time."""
    return calendar.add_calendar_days(served_at, days)


def days_late(due: dt.datetime, paid_at: dt.datetime, calendar: Calendar) -> int:
    """Whole days after the due day (county time) on which the payment is made; 0 when in time."""
    return max(0, (calendar.local_date(paid_at) - calendar.local_date(due)).days)


def late_fee(amount_yuan: int, late_days: int, percent_per_day: int = 3) -> int:
    """Art. 72: ``percent_per_day`` % of the amount per day late (whole yuan, rounded down), capped at the amount."""
    return min(amount_yuan, amount_yuan * percent_per_day * late_days // 100)


@dataclass(frozen=True)
class Instalment:
    due_on: dt.date
    amount_yuan: int


def check_schedule(instalments: Sequence[Instalment], owed_yuan: int, today: dt.date) -> FieldErrors:
    """Deferral or instalments: the dates ahead and in order, the amounts covering exactly what is owed."""
    errors = FieldErrors()
    if sum(i.amount_yuan for i in instalments) != owed_yuan:
        errors.add("instalments", "instalments_do_not_add_up", f"the instalments must add up to {owed_yuan} yuan")
    for n, i in enumerate(instalments):
        if i.due_on < today:
            errors.add(f"instalments.{n}.due_on", "due_in_the_past", "an instalment falls due today or later")
        if n and i.due_on <= instalments[n - 1].due_on:
            errors.add(
                f"instalments.{n}.due_on", "instalments_out_of_order", "each instalment falls due after the last"
            )
    return errors


def may_apply_to_court(now: dt.datetime, overdue: bool, periods_end: dt.datetime) -> str | None:
    """Why the office may not apply to the court yet (a stable code), or None."""
    if not overdue:
        return "nothing_overdue"
    if now <= periods_end:
        return "periods_running"
    return None
