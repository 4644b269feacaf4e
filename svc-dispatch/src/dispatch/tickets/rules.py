"""Pure rules of tickets: states, deadlines, the return window, duplicates, supervision (no I/O).

Every number is a parameter; the defaults come from the design (rules-reference §3.4, §4.2) and
are overridden by the service's settings (``DISPATCH_...``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from jiceng_shared.workdays import WorkdayCalendar

LimitUnit = Literal["minutes", "hours", "working_days"]

STATUS_LABELS = {
    "registered": "已登记待派遣",
    "dispatched": "已派遣",
    "in_progress": "处置中",
    "handled": "已处置待核查",
    "closed": "已办结",
    "reopened": "返工",
    "returned": "已退回",
}
SOURCE_LABELS = {
    "grid": "网格上报",
    "hotline": "12345热线",
    "department": "部门系统",
    "centre": "指挥中心登记",
}
STEP_LABELS = {
    "received": "接收",
    "merged": "并单",
    "dispatched": "派遣",
    "unroutable": "待人工派遣",
    "lead_recorded": "线索已登记",
    "case_opened": "已立案",
    "transferred": "移送",
    "feedback": "处置反馈",
    "verification_passed": "核查通过",
    "verification_failed": "核查未通过",
    "closed": "办结",
    "reopened": "返工",
    "warning": "临期预警",
    "escalated": "督办",
    "returned": "退回",
    "reassigned": "改派",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_refused": "不同意延期",
}
LIMIT_UNIT_LABELS = {"minutes": "分钟", "hours": "小时", "working_days": "工作日"}

#: states in which the ticket still waits for someone (a duplicate report merges into these)
OPEN_STATUSES = ("registered", "dispatched", "in_progress", "handled", "reopened", "returned")
#: states in which the handling unit's clock runs (warning and 督办 apply)
SUPERVISED_STATUSES = ("dispatched", "in_progress", "reopened")
#: states from which the handling unit can give feedback
FEEDBACK_FROM = ("dispatched", "in_progress", "reopened")
#: states from which the centre can (re)assign: before the unit has started, or after a return
REASSIGN_FROM = ("registered", "dispatched", "returned", "reopened")


@dataclass(frozen=True)
class TicketRules:
    duplicate_radius_meters: float = 50.0
    duplicate_window_hours: float = 24.0
    return_window_workdays: int = 2
    warn_before_ratio: float = 0.8
    escalation_steps_workdays: tuple[int, ...] = (0, 5)
    default_handle_workdays: int = 5
    default_dispatch_minutes: int = 30


@dataclass(frozen=True)
class HandleLimit:
    value: int
    unit: LimitUnit


def handling_deadline(calendar: WorkdayCalendar, start: dt.datetime, limit: HandleLimit) -> dt.datetime:
    """Working days end at 23:59:59 local of the N-th working day after the start's day (the start's day
    not counted); minutes and hours run from the instant."""
    if limit.unit == "working_days":
        return calendar.deadline(start, limit.value).astimezone(dt.timezone.utc)
    minutes = limit.value if limit.unit == "minutes" else limit.value * 60
    return start + dt.timedelta(minutes=minutes)


def warning_at(start: dt.datetime, deadline: dt.datetime, *, ratio: float = 0.8) -> dt.datetime:
    """When the warning flag goes up: after ``ratio`` of the handling period."""
    return start + (deadline - start) * ratio


def return_deadline(calendar: WorkdayCalendar, assigned_at: dt.datetime, *, workdays: int = 2) -> dt.datetime:
    """The last instant a unit may return the ticket: end of the N-th working day after assignment."""
    return calendar.deadline(assigned_at, workdays).astimezone(dt.timezone.utc)


def may_return(calendar: WorkdayCalendar, assigned_at: dt.datetime, now: dt.datetime, *, workdays: int = 2) -> bool:
    return now <= return_deadline(calendar, assigned_at, workdays=workdays)


EARTH_RADIUS_METERS = 6_371_008.8


def distance_meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``[lng, lat]`` points (haversine; metres-accurate at this scale)."""
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(h)))


def is_duplicate(
    *,
    point: tuple[float, float],
    reported_at: dt.datetime,
    open_point: tuple[float, float] | None,
    open_reported_at: dt.datetime,
    radius_meters: float = 50.0,
    window_hours: float = 24.0,
) -> bool:
    """并单 (国办函〔2025〕66号): same matter = near in place and in time; 0 for either bound disables merging."""
    if radius_meters <= 0 or window_hours <= 0 or open_point is None:
        return False
    if abs(reported_at - open_reported_at) > dt.timedelta(hours=window_hours):
        return False
    return distance_meters(point, open_point) <= radius_meters


def escalation_thresholds(
    calendar: WorkdayCalendar, deadline: dt.datetime, *, steps_workdays: tuple[int, ...] = (0, 5)
) -> list[dt.datetime]:
    """The instant each escalation level is reached; a step of 0 is the deadline itself."""
    return [
        deadline if step == 0 else calendar.deadline(deadline, step).astimezone(dt.timezone.utc)
        for step in steps_workdays
    ]


def next_escalation_at(
    calendar: WorkdayCalendar, deadline: dt.datetime, level: int, *, steps_workdays: tuple[int, ...] = (0, 5)
) -> dt.datetime | None:
    """When the level after ``level`` is reached (None when ``level`` is the last)."""
    thresholds = escalation_thresholds(calendar, deadline, steps_workdays=steps_workdays)
    return thresholds[level] if level < len(thresholds) else None


def extension_refusal(requested: int, *, granted: int, max_value: int | None) -> str | None:
    """Why an extension cannot be asked for (a stable code), or None. Extensions add up to at most
    the category's maximum (hotline matters: 10 working days, rules-reference §4.2)."""
    if not max_value:
        return "extension_not_allowed"
    if granted + requested > max_value:
        return "extension_exceeds_limit"
    return None


def on_time(closed_at: dt.datetime, deadline: dt.datetime | None) -> bool:
    return deadline is None or closed_at <= deadline


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 1)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
