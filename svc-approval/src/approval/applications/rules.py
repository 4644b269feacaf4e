"""Pure rules of the window (no I/O): time limits, the one-time notice, competence and remit.

Every number is a named parameter with the design's default (domain.md "svc-approval",
rules-reference.md §5); the service passes the configured values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from approval.applications.schemas import (
    ApplicationChannel,
    ApplicationOutcome,
    ApplicationStatus,
    ExtensionStatus,
    GreenChannel,
    ReceiptKind,
)
from approval.catalogue.rules import StatutoryLimits
from jiceng_shared import county, units
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.workdays import WorkdayCalendar

STATUS_LABELS = ApplicationStatus.labels()
OUTCOME_LABELS = ApplicationOutcome.labels()
CHANNEL_LABELS = ApplicationChannel.labels()
GREEN_CHANNEL_LABELS = GreenChannel.labels()
PAUSE_REASONS = {"hearing": "听证", "testing": "检验检测", "appraisal": "鉴定", "expert_review": "专家评审"}
EXTENSION_LABELS = ExtensionStatus.labels()
RECEIPT_LABELS = ReceiptKind.labels()
DELIVERY_LABELS = {"window": "窗口领取", "mail": "邮寄送达", "door_to_door": "上门送达"}
PROBLEM_LABELS = {"missing": "缺少", "defective": "不符合法定形式"}


@dataclass(frozen=True)
class WindowRules:
    instant_limit_minutes: int = 15
    notice_window_workdays: int = 5
    limits: StatutoryLimits = field(default_factory=StatutoryLimits)


# --- time limits -----------------------------------------------------------------------------


def _utc(instant: dt.datetime) -> dt.datetime:
    """The API speaks UTC; the calendar answers in the county's zone."""
    return instant.astimezone(dt.UTC)


def instant_deadline(accepted_at: dt.datetime, *, limit_minutes: int = 15) -> dt.datetime:
    """Instant items (即办件) are finished within 15 minutes of acceptance (002 §5)."""
    return accepted_at + dt.timedelta(minutes=limit_minutes)


def overrun_seconds(deadline: dt.datetime | None, finished_at: dt.datetime) -> int:
    if deadline is None or finished_at <= deadline:
        return 0
    return int((finished_at - deadline).total_seconds())


def notice_due(
    calendar: WorkdayCalendar, materials_received_at: dt.datetime, *, window_workdays: int = 5
) -> dt.datetime:
    """The one-time notice comes on the spot or within 5 working days of receipt (law art. 32)."""
    return _utc(calendar.deadline(materials_received_at, window_workdays))


def acceptance_time(
    calendar: WorkdayCalendar, materials_received_at: dt.datetime, at: dt.datetime, *, window_workdays: int = 5
) -> tuple[dt.datetime, bool]:
    """When the application counts as accepted, and whether only by law.

    Within the notice window it is accepted now; once the window passed without a notice it
    counts as accepted on the day the materials were received (law art. 32).
    """
    if at <= notice_due(calendar, materials_received_at, window_workdays=window_workdays):
        return at, False
    return materials_received_at, True


def committed_deadline(
    calendar: WorkdayCalendar,
    accepted_at: dt.datetime,
    *,
    limit_workdays: int,
    extension_workdays: int = 0,
    paused_workdays: int = 0,
) -> dt.datetime:
    """End of the promised working days after acceptance, moved by approved extensions and paused days."""
    return _utc(calendar.deadline(accepted_at, limit_workdays + extension_workdays + paused_workdays))


def issue_deadline(calendar: WorkdayCalendar, decided_at: dt.datetime, *, issue_workdays: int = 10) -> dt.datetime:
    """The licence is issued and served within 10 working days of the decision (law art. 44)."""
    return _utc(calendar.deadline(decided_at, issue_workdays))


def extension_refusal(requested: int, already: int, *, joint: bool, limits: StatutoryLimits) -> str | None:
    """Why an extension cannot be granted (None when it can): at most 10 (joint: 15) working days in all."""
    ceiling = limits.extension_ceiling(joint)
    if already + requested > ceiling:
        return f"{already} + {requested} working days > the statutory extension of {ceiling} (行政许可法 art. 42)"
    return None


# --- materials and the one-time notice -------------------------------------------------------


@dataclass(frozen=True)
class MaterialState:
    code: str
    requirement: str
    present: bool
    defect: str | None = None
    present_at_first_check: bool = False
    first_flagged_in: int | None = None
    supplied_at: dt.datetime | None = None


def gaps(materials: Iterable[MaterialState]) -> tuple[list[str], list[str]]:
    """(missing required materials, defective ones). Shared materials are never asked for."""
    missing, defective = [], []
    for m in materials:
        if m.requirement == "required" and not m.present:
            missing.append(m.code)
        elif m.present and m.defect:
            defective.append(m.code)
    return missing, defective


def follow_up_refusal(m: MaterialState) -> str | None:
    """Why a later notice may not ask for ``m`` (None when it may).

    A follow-up may name only what an earlier notice already named or what arrived after it:
    asking for something present and unflagged at the first check is the violation of 一次性告知.
    """
    if m.first_flagged_in is not None or m.supplied_at is not None:
        return None
    if m.present_at_first_check:
        return "material_was_present"
    return "not_in_first_notice"


# --- competence and remit --------------------------------------------------------------------


def township_name(code: str, org: county.Organisation | None = None) -> str:
    return (org or county.current()).township_name(code)


def competent_unit(*, department: str, delegated_townships: list[str], applicant_township: str) -> UnitRef:
    """Who decides: the applicant's township's 行政审批局 if the power is delegated there (赋权), else the department."""
    if applicant_township in delegated_townships:
        return units.township_office(applicant_township, "apv")
    return units.county_department(department)


def remit_refusal(
    *, township_window: bool, cross_township: bool, department: str, accepting_township: str, applicant_township: str
) -> str | None:
    """The competent authority to name in a non-acceptance decision, or None when this window may accept."""
    if not township_window:
        return f"{county.current().department_name(department)}（县级政务服务大厅）"
    if applicant_township != accepting_township and not cross_township:
        return f"{township_name(applicant_township)}为民服务中心"
    return None
