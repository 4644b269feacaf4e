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
)

KIND_LABELS = {"township_office": "乡镇(街道)机构", "stationed_office": "派驻机构", "county_department": "县级部门"}

#: decimals kept in a rate (0.9372 = 93.72 %)
RATE_DECIMALS = 4


def ratio(part: int, whole: int, decimals: int = RATE_DECIMALS) -> float | None:
    if whole <= 0:
        return None
    return round(part / whole, decimals)


def unit_rates(c: Mapping[str, int]) -> dict[str, float | None]:
    assigned = c.get("assigned", 0)
    return {
        "closure_rate": ratio(c.get("closed", 0), assigned),
        "on_time_closure_rate": ratio(c.get("closed_on_time", 0), assigned),
        "rework_rate": ratio(c.get("reworked", 0), assigned),
        "escalation_rate": ratio(c.get("escalated", 0), assigned),
        # 吹哨报到: summoned units that reported within the limit
        "summons_attendance_rate": ratio(c.get("summons_answered_on_time", 0), c.get("summons_issued", 0)),
        "case_in_time_rate": ratio(c.get("cases_closed_in_time", 0), c.get("cases_closed", 0)),
        # 延期率: tickets whose limit was extended in the period
        "extension_rate": ratio(c.get("extended", 0), assigned),
        # hand-offs are their own indicators, not failures: shares of all tickets the unit received
        "return_rate": ratio(c.get("returned", 0), c.get("received", 0)),
        "return_in_window_rate": ratio(c.get("returned_in_window", 0), c.get("returned", 0)),
        "transfer_rate": ratio(c.get("transferred", 0), c.get("received", 0)),
    }


def case_duration_days(opened_at: dt.datetime, closed_at: dt.datetime, zone: ZoneInfo = COUNTY_ZONE) -> int:
    """Calendar days from registration to closure (the 90-day limit is in calendar days, art. 60/85)."""
    return (closed_at.astimezone(zone).date() - opened_at.astimezone(zone).date()).days


def case_in_time(duration_days: int, *, limit_days: int = 90) -> bool:
    return duration_days <= limit_days
