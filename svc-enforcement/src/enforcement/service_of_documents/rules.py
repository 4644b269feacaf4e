"""Pure rules of the service of a decision (no I/O), numbers as parameters (defaults: the law).

行政处罚法 art. 61: the decision is handed over on the spot after it is announced; a party not
present is served within 7 days under the Civil Procedure Law (民事诉讼法 art. 87-95: in person,
left at the residence, by post, electronically with the party's consent, by public announcement
when no other way reaches the party). Art. 52: a summary decision is handed over on the spot.
The service date starts the party's periods: payment (art. 67), administrative review (行政复议法
art. 20: 60 days) and litigation (行政诉讼法 art. 46: 6 months).
"""

from __future__ import annotations

import calendar as months
import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors


class ServiceMethod(LabelledEnum):
    ON_THE_SPOT = "on_the_spot", "当场交付"
    IN_PERSON = "in_person", "直接送达"
    LEFT_AT_RESIDENCE = "left_at_residence", "留置送达"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"
    PUBLIC_ANNOUNCEMENT = "public_announcement", "公告送达"


class Calendar(Protocol):
    def add_calendar_days(self, start: dt.datetime, n: int) -> dt.datetime: ...

    def local_date(self, instant: dt.datetime) -> dt.date: ...


def service_due(decided_at: dt.datetime, calendar: Calendar, days: int = 7) -> dt.datetime:
    """Art. 61: served within ``days`` days of the decision (end of that day, county time)."""
    return calendar.add_calendar_days(decided_at, days)


def served_late(served_at: dt.datetime, due: dt.datetime) -> bool:
    return served_at > due


def check_service(
    *,
    method: ServiceMethod,
    served_at: dt.datetime,
    decided_at: dt.datetime,
    now: dt.datetime,
    consent: bool,
    announcement_reason: str | None,
) -> FieldErrors:
    errors = FieldErrors()
    if served_at < decided_at:
        errors.add("served_at", "served_before_decision", "a decision is served after it is made")
    if served_at > now:
        errors.add("served_at", "served_in_future", "record a service that has taken place")
    if method == ServiceMethod.ELECTRONIC and not consent:
        errors.add("consent", "electronic_consent_required", "electronic service needs the party's consent (art. 61)")
    if method == ServiceMethod.PUBLIC_ANNOUNCEMENT and not announcement_reason:
        errors.add(
            "announcement_reason",
            "announcement_reason_required",
            "service by public announcement only when no other method reaches the party: say why",
        )
    return errors


def add_months(instant: dt.datetime, n: int, calendar: Calendar) -> dt.datetime:
    """The end of the same day ``n`` months later (the month's last day when shorter), county time."""
    day = calendar.local_date(instant)
    year, month = divmod(day.month - 1 + n, 12)
    year, month = day.year + year, month + 1
    target = dt.date(year, month, min(day.day, months.monthrange(year, month)[1]))
    return calendar.add_calendar_days(instant, (target - day).days)


def review_until(served_at: dt.datetime, calendar: Calendar, days: int = 60) -> dt.datetime:
    """行政复议法 art. 20: administrative review within ``days`` days of knowing the decision."""
    return calendar.add_calendar_days(served_at, days)


def litigation_until(served_at: dt.datetime, calendar: Calendar, months_: int = 6) -> dt.datetime:
    """行政诉讼法 art. 46: litigation within ``months_`` months of knowing the decision."""
    return add_months(served_at, months_, calendar)


@dataclass(frozen=True)
class ExecutionRules:
    """The numbers of service and payment, from the settings (defaults: the law)."""

    service_days: int = 7
    payment_days: int = 15
    late_fee_percent_per_day: int = 3
    review_days: int = 60
    litigation_months: int = 6

    @classmethod
    def from_settings(cls, s: Any) -> ExecutionRules:
        return cls(
            service_days=s.service_days,
            payment_days=s.payment_days,
            late_fee_percent_per_day=s.late_fee_percent_per_day,
            review_days=s.administrative_review_days,
            litigation_months=s.litigation_months,
        )
