"""API shapes of handling-unit indicators."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assessment.formulas import Formula
from assessment.items.schemas import ManualRatingOut
from assessment.periods.schemas import PeriodKind, PeriodStatus
from assessment.stationed.rules import SquadKind
from jiceng_shared.enums import LabelledEnum


class UnitKind(LabelledEnum):
    """A handling unit's kind; the stationed results also list enforcement squads as units."""

    TOWNSHIP_OFFICE = "township_office", "乡镇(街道)机构"
    STATIONED_OFFICE = "stationed_office", "派驻机构"
    COUNTY_DEPARTMENT = "county_department", "县级部门"
    SQUAD_STATIONED = "squad_stationed", SquadKind.STATIONED.label_zh
    SQUAD_TOWNSHIP = "squad_township", SquadKind.TOWNSHIP.label_zh


class UnitOut(BaseModel):
    code: str = Field(examples=["320971100000:cle"])
    name: str
    dept: str
    area_code: str
    kind: UnitKind
    kind_zh: str


class UnitCounts(BaseModel):
    received: int = Field(
        0, description="派单: tickets given to the unit in the period (month of the first assignment)"
    )
    handed_off: int = Field(
        0,
        description="of those, handed off correctly and not closed by the unit: transferred (移送), moved by the "
        "centre (改派) or returned within the window (退单)",
    )
    assigned: int = Field(description="应结案 = received − handed_off")
    closed: int = Field(description="结案: closures in the period not undone by a later reopen")
    closed_on_time: int = Field(description="按期结案")
    reworked: int = Field(description="返工: reopens in the period")
    escalated: int = Field(description="督办: escalations in the period")
    summons_issued: int = Field(description="吹哨: summons of the unit issued in the period")
    summons_answered: int = Field(description="报到: of those, answered")
    summons_answered_on_time: int = Field(description="of those, answered within the limit")
    summons_missed: int = Field(description="of those, past the limit and still unanswered")
    cases_closed: int = Field(description="enforcement cases closed in the period")
    cases_closed_in_time: int = Field(description="of those, closed within the case time limit")
    returned: int = Field(0, description="退单: tickets the unit returned in the period")
    returned_in_window: int = Field(0, description="of those, returned within the return window")
    transferred: int = Field(0, description="移送: tickets transferred to another unit in the period")
    reassigned_away: int = Field(0, description="改派: tickets the centre moved to another unit in the period")
    extended: int = Field(0, description="延期: tickets whose limit was extended in the period")
    cases_overdue: int = Field(0, description="enforcement cases found past their decision limit in the period")


class UnitRates(BaseModel):
    closure_rate: float | None = Field(description="结案率 = closed / assigned")
    on_time_closure_rate: float | None = Field(description="按期结案率 = closed_on_time / assigned")
    rework_rate: float | None = Field(description="返工率 = reworked / assigned")
    escalation_rate: float | None = Field(description="督办率 = escalated / assigned")
    summons_attendance_rate: float | None = Field(description="报到率 = summons_answered_on_time / summons_issued")
    case_in_time_rate: float | None = Field(description="cases_closed_in_time / cases_closed")
    extension_rate: float | None = Field(None, description="延期率 = extended / assigned")
    return_rate: float | None = Field(None, description="退单率 = returned / received")
    return_in_window_rate: float | None = Field(None, description="returned_in_window / returned")
    transfer_rate: float | None = Field(None, description="移送率 = transferred / received")


class UnitMonth(BaseModel):
    period: str
    status: PeriodStatus
    status_zh: str
    counts: UnitCounts
    rates: UnitRates
    formulas: dict[str, Formula]
    late_adjustments: dict[str, int]


class UnitIndicators(BaseModel):
    unit: UnitOut
    period: str
    period_kind: PeriodKind
    period_kind_zh: str
    status: PeriodStatus = Field(description="partly_closed: some months of a quarter or year are closed")
    status_zh: str
    closed_months: list[str]
    counts: UnitCounts = Field(description="frozen counts for closed months, live counts for open ones")
    rates: UnitRates
    formulas: dict[str, Formula] = Field(
        description="each rate with its formula (rules-reference §3.5) and the counts behind it"
    )
    late_adjustments: dict[str, int] = Field(
        description="what events arriving after a month was closed changed (now minus frozen), by count; "
        "not included in counts or rates"
    )


class UnitIndicatorsDetail(UnitIndicators):
    months: list[UnitMonth]
    manual_ratings: list[ManualRatingOut]


class AreaIndicators(BaseModel):
    area_code: str = Field(description="a township, or the county for its departments")
    dept: str | None = Field(description="the department summed, for a caller who sees one department only")
    name: str | None
    period: str
    units: int = Field(description="units of the area in your scope, whose counts are summed")
    counts: UnitCounts
    rates: UnitRates
    formulas: dict[str, Formula]
