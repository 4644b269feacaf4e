"""Pure rules of tickets: states, deadlines, the return window, duplicates, supervision (no I/O).

Every number is a parameter; the defaults come from the design (rules-reference §3.4, §4.2) and
are overridden by the service's settings (``DISPATCH_...``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from dispatch.tickets.enums import Addressee, CallbackResult, StepKind, SupervisedLimit, TicketSource, TicketStatus
from jiceng_shared.contracts.dispatch import RETURN_WINDOW_WORKDAYS
from jiceng_shared.workdays import WorkdayCalendar

LimitUnit = Literal["minutes", "hours", "working_days"]

STATUS_LABELS = TicketStatus.labels()
SOURCE_LABELS = TicketSource.labels()
STEP_LABELS = StepKind.labels()
LIMIT_UNIT_LABELS = {"minutes": "分钟", "hours": "小时", "working_days": "工作日"}

S = TicketStatus
#: states in which the ticket still waits for someone (a duplicate report merges into these)
OPEN_STATUSES = (
    S.REGISTERED,
    S.DISPATCHED,
    S.ACCEPTED,
    S.IN_PROGRESS,
    S.HANDLED,
    S.CALLBACK_PENDING,
    S.AWAITING_DECISION,
    S.PARKED,
    S.REOPENED,
    S.RETURNED,
)
#: states in which the handling unit's clock runs (warning and 督办 apply); parked: paused
SUPERVISED_STATUSES = (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)
#: states from which the handling unit can give feedback (from dispatched it signs for on the way)
FEEDBACK_FROM = (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)
#: states from which the centre can (re)assign: before the unit has started, or after a return
REASSIGN_FROM = (S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED)
#: a unit returns (退单) what it has not started on
RETURN_FROM = (S.DISPATCHED, S.ACCEPTED)
#: a dispatcher voids (作废) a report no unit has signed for yet
VOID_FROM = (S.REGISTERED, S.DISPATCHED, S.RETURNED)
#: a unit asks to park (挂账) a matter it has signed for and cannot solve in time
PARK_FROM = (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)
#: states where the centre's dispatch clock runs (nobody holds the ticket)
UNDISPATCHED_STATUSES = (S.REGISTERED, S.RETURNED)
#: sources of a citizen's matter: the ticket gets a satisfaction callback (回访) before it closes
CITIZEN_SOURCES = (TicketSource.HOTLINE, TicketSource.OPEN311)


@dataclass(frozen=True)
class TicketRules:
    duplicate_radius_meters: float = 50.0
    duplicate_window_hours: float = 24.0
    return_window_workdays: int = RETURN_WINDOW_WORKDAYS
    warn_before_ratio: float = 0.8
    escalation_steps_workdays: tuple[int, ...] = (0, 5)
    default_handle_workdays: int = 5
    default_dispatch_minutes: int = 30
    urgent_response_minutes: int = 30
    normal_response_minutes: int = 240
    limit_escalation_steps_minutes: tuple[int, ...] = (0, 60)
    supervision_answer_workdays: int = 1
    callback_reopen_max: int = 1
    summons_respond_minutes: int = 30
    spike_ratio: float = 3.0
    spike_min_count: int = 5
    spike_weeks: int = 4


@dataclass(frozen=True)
class HandleLimit:
    value: int
    unit: LimitUnit


def handling_deadline(calendar: WorkdayCalendar, start: dt.datetime, limit: HandleLimit) -> dt.datetime:
    """Working days end at 23:59:59 local of the N-th working day after the start's day (the start's day
    not counted); minutes and hours run from the instant."""
    if limit.unit == "working_days":
        return calendar.deadline(start, limit.value).astimezone(dt.UTC)
    minutes = limit.value if limit.unit == "minutes" else limit.value * 60
    return start + dt.timedelta(minutes=minutes)


def warning_at(start: dt.datetime, deadline: dt.datetime, *, ratio: float = 0.8) -> dt.datetime:
    """When the warning flag goes up: after ``ratio`` of the handling period."""
    return start + (deadline - start) * ratio


def return_deadline(calendar: WorkdayCalendar, assigned_at: dt.datetime, *, workdays: int = 2) -> dt.datetime:
    """The last instant a unit may return the ticket: end of the N-th working day after assignment."""
    return calendar.deadline(assigned_at, workdays).astimezone(dt.UTC)


def may_return(calendar: WorkdayCalendar, assigned_at: dt.datetime, now: dt.datetime, *, workdays: int = 2) -> bool:
    return now <= return_deadline(calendar, assigned_at, workdays=workdays)


EARTH_RADIUS_METERS = 6_371_008.8


def distance_meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``[lng, lat]`` points (haversine; metres-accurate at this scale)."""
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(h)))


def near_box(point: tuple[float, float], radius_meters: float) -> tuple[float, float, float, float] | None:
    """(min lng, min lat, max lng, max lat) of a box holding every point within ``radius_meters`` of
    ``point``, with a margin: the database passes over the tickets outside it, and the exact distance
    decides among the few inside. None where a box would wrap a pole or the antimeridian."""
    lng, lat = point
    dlat = math.degrees(radius_meters / EARTH_RADIUS_METERS) * 1.1
    top = abs(lat) + dlat
    if top >= 89.0:
        return None
    dlng = dlat / math.cos(math.radians(top))
    if abs(lng) + dlng >= 180.0:
        return None
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat


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
    return [deadline if step == 0 else calendar.deadline(deadline, step).astimezone(dt.UTC) for step in steps_workdays]


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


# --- sign-for (签收), supervision orders (督办单), callbacks (回访), parking (挂账) ----------------


def response_limit_minutes(category_minutes: int | None, *, urgent: bool, rules: TicketRules) -> int:
    """The category's own response limit, else the service default for urgent or normal matters."""
    if category_minutes:
        return category_minutes
    return rules.urgent_response_minutes if urgent else rules.normal_response_minutes


def within_limit(at: dt.datetime, due: dt.datetime | None) -> bool:
    """A limit is kept up to and including its last instant."""
    return due is None or at <= due


def minute_thresholds(due: dt.datetime, *, steps_minutes: tuple[int, ...] = (0, 60)) -> list[dt.datetime]:
    """Dispatch and response limits: level n is reached ``steps_minutes[n-1]`` minutes after the limit."""
    return [due + dt.timedelta(minutes=step) for step in steps_minutes]


def next_minute_escalation_at(
    due: dt.datetime, level: int, *, steps_minutes: tuple[int, ...] = (0, 60)
) -> dt.datetime | None:
    thresholds = minute_thresholds(due, steps_minutes=steps_minutes)
    return thresholds[level] if level < len(thresholds) else None


def addressee(limit: SupervisedLimit, level: int) -> Addressee:
    """Level 1 goes to whoever holds the ticket (the centre for the dispatch limit, else the handling
    unit's head), level 2 to the township leader, level 3 and beyond to the county."""
    if level <= 1:
        return Addressee.CENTRE_HEAD if limit == SupervisedLimit.DISPATCH else Addressee.UNIT_HEAD
    if level == 2:
        return Addressee.TOWNSHIP_LEADER
    return Addressee.COUNTY


def supervision_answer_by(calendar: WorkdayCalendar, issued_at: dt.datetime, *, workdays: int = 1) -> dt.datetime:
    """A supervision order is answered by the end of the N-th working day after its issue."""
    return calendar.deadline(issued_at, workdays).astimezone(dt.UTC)


def needs_callback(source: str, has_caller: bool) -> bool:
    """A citizen's matter (hotline, or any intake with a caller) is called back before it closes."""
    return source in CITIZEN_SOURCES or has_caller


CallbackOutcome = Literal["close", "reopen", "leader_decision"]


def callback_outcome(result: CallbackResult, *, reopened_before: int, reopen_max: int = 1) -> CallbackOutcome:
    """Satisfied or basically satisfied closes; dissatisfied reopens the ticket ``reopen_max`` times,
    after that the township leader decides (Guzhen 12319: 不满意 → 回退重办, rules-reference §3.4)."""
    if result != CallbackResult.DISSATISFIED:
        return "close"
    return "reopen" if reopened_before < reopen_max else "leader_decision"


def shifted(at: dt.datetime | None, paused: dt.timedelta) -> dt.datetime | None:
    """A clock instant after a pause: the time parked does not count."""
    return None if at is None else at + paused


# --- early warning (研判预警) ------------------------------------------------------------------


def spike_baseline(same_weekday_counts: list[int]) -> float:
    """The trailing mean of the same weekday's counts (e.g. the four weeks before)."""
    return sum(same_weekday_counts) / len(same_weekday_counts) if same_weekday_counts else 0.0


def spike_threshold(baseline: float, *, ratio: float = 3.0, min_count: int = 5) -> float:
    """A day's reports spike when they reach ``ratio`` × the baseline, and at least ``min_count``."""
    return max(float(min_count), ratio * baseline)


def is_spike(count: int, baseline: float, *, ratio: float = 3.0, min_count: int = 5) -> bool:
    return count >= spike_threshold(baseline, ratio=ratio, min_count=min_count)
