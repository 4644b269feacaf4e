"""Pure rules of handling-unit indicators (rules-reference §3.5, §9).

Every rate shares the denominator of the city bulletins, 应结案 (tickets assigned to the unit
in the period, less those it handed off correctly: a ticket counts for the unit that finally
handles it), so they read side by side: 结案率 = 结案 / 应结案, 按期结案率 = 按期结案 / 应结案,
返工率 = 返工 / 应结案, 督办率 = 督办 / 应结案, 延期率 = 延期 / 应结案. Returns (退单) and
transfers (移送) are shares of all tickets received. Counts are event counts of the period (a closure
counts in the month it happened), so a month that closes older tickets may show a rate above 1.
A rate with nothing to divide by is ``None``, not 0. Fines never appear here (行政处罚法 art. 74).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from assessment import formulas
from assessment.formulas import RateDef
from jiceng_shared.workdays import COUNTY_ZONE

COUNT_FIELDS = (
    "received",
    "handed_off",
    "assigned",
    "closed",
    "closed_on_time",
    "reworked",
    "escalated",
    "summons_issued",
    "summons_answered",
    "summons_answered_on_time",
    "summons_missed",
    "cases_closed",
    "cases_closed_in_time",
    "returned",
    "returned_in_window",
    "transferred",
    "reassigned_away",
    "extended",
    "cases_overdue",
)

#: every rate of a unit, declared once: its value and the formula shown next to it
RATE_DEFS = {
    "closure_rate": RateDef("结案率", "closed", "结案数", "assigned", "应结案数"),
    "on_time_closure_rate": RateDef("按期结案率", "closed_on_time", "按期结案数", "assigned", "应结案数"),
    "rework_rate": RateDef("返工率", "reworked", "返工数", "assigned", "应结案数"),
    "escalation_rate": RateDef("督办率", "escalated", "督办数", "assigned", "应结案数"),
    # 吹哨报到: summoned units that reported within the limit
    "summons_attendance_rate": RateDef("报到率", "summons_answered_on_time", "按时报到数", "summons_issued", "吹哨数"),
    "case_in_time_rate": RateDef(
        "案件按期办结率", "cases_closed_in_time", "按期办结案件数", "cases_closed", "办结案件数"
    ),
    # 延期率: tickets whose limit was extended in the period
    "extension_rate": RateDef("延期率", "extended", "延期数", "assigned", "应结案数"),
    # hand-offs are their own indicators, not failures: shares of all tickets the unit received
    "return_rate": RateDef("退单率", "returned", "退单数", "received", "派单数"),
    "return_in_window_rate": RateDef("按时退单率", "returned_in_window", "时限内退单数", "returned", "退单数"),
    "transfer_rate": RateDef("移送率", "transferred", "移送数", "received", "派单数"),
}


def unit_rates(c: Mapping[str, int]) -> dict[str, float | None]:
    return formulas.rates(RATE_DEFS, c)


def unit_formulas(c: Mapping[str, int]) -> dict[str, formulas.Formula]:
    return formulas.explain(RATE_DEFS, c)


def case_duration_days(opened_at: dt.datetime, closed_at: dt.datetime, zone: ZoneInfo = COUNTY_ZONE) -> int:
    """Calendar days from registration to closure (the 90-day limit is in calendar days, art. 60/85)."""
    return (closed_at.astimezone(zone).date() - opened_at.astimezone(zone).date()).days


def case_in_time(duration_days: int, *, limit_days: int = 90) -> bool:
    return duration_days <= limit_days
