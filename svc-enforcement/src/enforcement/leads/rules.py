"""Pure rules of leads (no I/O): which assignments become leads, the filing limit, where a transfer goes."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.errors import Problem

STATUS_LABELS = {"received": "已接收", "case_opened": "已立案", "transferred": "已移送", "case_closed": "已结案"}
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
