"""Pure rules of appeals: the window, and who decides.

A subject may appeal a figure of a period once the period is over, within ``appeal_window_days``
calendar days of the later of the period's end and the publication of its result (the month's
closure, the quarter's or year's assessment): the last day counts until 23:59:59 (Asia/Shanghai).
The assessing level decides: the county for a grid worker's year (002 art. 31), the township
for a quarter or a month and for units and clerks.
"""

from __future__ import annotations

import datetime as dt

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.workdays import COUNTY_ZONE


class AppealStatus(LabelledEnum):
    FILED = "filed", "已提出"
    UPHELD = "upheld", "申诉成立"
    REJECTED = "rejected", "申诉不成立"


class SubjectKind(LabelledEnum):
    UNIT = "unit", "承办单位"
    CLERK = "clerk", "窗口人员"
    GRID_WORKER = "grid_worker", "网格员"


def window_end(start: dt.datetime, days: int) -> dt.datetime:
    """End of the ``days``-th calendar day after ``start`` (local)."""
    day = start.astimezone(COUNTY_ZONE).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=COUNTY_ZONE)


def assessing_level(subject_kind: str, period_kind: str) -> str:
    return "county" if subject_kind == SubjectKind.GRID_WORKER and period_kind == "year" else "township"


def decider_conflicted(decider: set[str], filed_by: str, subject_people: set[str]) -> bool:
    """Whether the would-be decider is the one who filed the appeal or the person appealing (a
    clerk, a grid worker): nobody decides their own appeal (51号; 三员 of the assessment). ``decider``
    holds the decider's subject id and login name."""
    return filed_by in decider or bool(decider & subject_people)
