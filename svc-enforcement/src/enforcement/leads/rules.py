"""Pure rules of leads (no I/O): which assignments become leads, the filing limit, where a transfer goes."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import Problem


class LeadStatus(LabelledEnum):
    """Where a lead is: received, then filed as a case (and closed), not filed, or transferred."""

    RECEIVED = "received", "已接收"
    CASE_OPENED = "case_opened", "已立案"
    NOT_FILED = "not_filed", "不予立案"
    TRANSFERRED = "transferred", "已移送"
    CASE_CLOSED = "case_closed", "已结案"


STATUS_LABELS = LeadStatus.labels()


class LeadSource(LabelledEnum):
    """Where a lead comes from (rules-reference §7.4: 监督检查、投诉举报、移送...)."""

    GRID = "grid", "网格上报（指挥中心派遣）"
    HOTLINE = "hotline", "12345热线（指挥中心派遣）"
    PATROL = "patrol", "执法巡查发现"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    DEPARTMENT_TRANSFER = "department_transfer", "县级部门移送"
    TOWNSHIP_TRANSFER = "township_transfer", "其他乡镇移送"
    INSPECTION = "inspection", "双随机抽查发现"
    #: the other sources of a dispatch ticket (dispatch's TicketSource), so a dispatched lead has its label
    DEPARTMENT = "department", "部门系统转办（指挥中心派遣）"
    CENTRE = "centre", "指挥中心登记（指挥中心派遣）"
    OPEN311 = "open311", "Open311接口（指挥中心派遣）"


class NotFiledGround(LabelledEnum):
    """Why a lead is not filed (行政处罚法 art. 33, 36; rules-reference §7.4)."""

    NO_VIOLATION = "no_violation", "违法事实不成立"
    MINOR_CORRECTED = "minor_corrected", "违法行为轻微并及时改正，没有造成危害后果"
    FIRST_MINOR = "first_minor", "初次违法且危害后果轻微并及时改正"
    NO_FAULT = "no_fault", "当事人有证据足以证明没有主观过错"
    TIME_BARRED = "time_barred", "超过行政处罚时效"
    OTHER = "other", "其他依法不予立案的情形"


#: sources recorded by an officer (the others arrive from dispatch)
RECORDED_SOURCES = frozenset(
    {
        LeadSource.PATROL,
        LeadSource.COMPLAINT,
        LeadSource.REPORT,
        LeadSource.DEPARTMENT_TRANSFER,
        LeadSource.TOWNSHIP_TRANSFER,
        LeadSource.INSPECTION,
    }
)
TransferGround = Literal["outside_delegated_powers", "suspected_crime", "major_or_cross_area"]
GROUND_LABELS = {
    "outside_delegated_powers": "不属于本乡镇赋权事项，移送主管部门",
    "suspected_crime": "涉嫌犯罪，移送公安机关",
    "major_or_cross_area": "重大或跨区域案件，移送县级执法部门",
}
#: the department of the township's comprehensive enforcement office (and of the county bureau)
ENFORCEMENT_DEPT = "cle"
#: where a suspected crime goes (行政处罚法 art. 27: 移送司法机关, first of all the police)
POLICE_DEPT = "psb"


class Calendar(Protocol):
    def deadline(self, start: dt.datetime, n: int) -> dt.datetime: ...


def is_enforcement_office(unit: UnitRef) -> bool:
    """Dispatch assigned the ticket to a township's comprehensive enforcement office."""
    return unit.dept == ENFORCEMENT_DEPT and unit.kind == "township_office"


def filing_deadline(received_at: dt.datetime, calendar: Calendar, workdays: int = 15) -> dt.datetime:
    """Decide whether to file a case within ``workdays`` working days of the lead (rules-reference §7.4)."""
    return calendar.deadline(received_at, workdays)


def extended_filing_deadline(deadline: dt.datetime, calendar: Calendar, workdays: int = 15) -> dt.datetime:
    """Rules-reference §7.4: once, ``workdays`` more working days with the head's approval."""
    return calendar.deadline(deadline, workdays)


def decided_late(now: dt.datetime, deadline: dt.datetime) -> bool:
    return now > deadline


def transfer_target(ground: TransferGround, *, delegated: bool, competent_dept: str | None, to_dept: str | None) -> str:
    """The county department a lead goes to, or the reason it may not be transferred.

    A delegated item is handled by the township itself (the point of 赋权); it still leaves when
    the matter is a suspected crime (art. 27) or a major / cross-area matter the county squad keeps (002).
    """
    if ground == "outside_delegated_powers":
        if delegated:
            raise Problem(
                422,
                "delegated_item_handle_locally",
                "Delegated to the township",
                "the item is on the township's delegated list: open a case instead of transferring it",
            )
        target = to_dept or competent_dept
        if target is None:
            raise Problem(
                422,
                "competent_department_unknown",
                "Competent department unknown",
                "no enforcement item covers the lead's category: name the competent department in to_dept",
            )
        return target
    if ground == "suspected_crime":
        return to_dept or POLICE_DEPT
    return to_dept or ENFORCEMENT_DEPT
