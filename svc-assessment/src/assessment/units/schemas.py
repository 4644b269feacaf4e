"""API shapes of handling-unit indicators."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assessment.items.schemas import ManualRatingOut


class UnitOut(BaseModel):
    code: str = Field(examples=["320971100000:cle"])
    name: str
    dept: str
    area_code: str
    kind: str
    kind_zh: str


class UnitCounts(BaseModel):
    assigned: int = Field(description="应结案: tickets assigned to the unit in the period")
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


class UnitRates(BaseModel):
    closure_rate: float | None = Field(description="结案率 = closed / assigned")
    on_time_closure_rate: float | None = Field(description="按期结案率 = closed_on_time / assigned")
    rework_rate: float | None = Field(description="返工率 = reworked / assigned")
    escalation_rate: float | None = Field(description="督办率 = escalated / assigned")
    summons_attendance_rate: float | None = Field(description="报到率 = summons_answered_on_time / summons_issued")
    case_in_time_rate: float | None = Field(description="cases_closed_in_time / cases_closed")


class UnitMonth(BaseModel):
    period: str
    status: str
    status_zh: str
    counts: UnitCounts
    rates: UnitRates
    late_adjustments: dict[str, int]


class UnitIndicators(BaseModel):
    unit: UnitOut
    period: str
    period_kind: str
    period_kind_zh: str
    status: str = Field(description="open | closed | partly_closed (some months of a quarter or year closed)")
    status_zh: str
    closed_months: list[str]
    counts: UnitCounts = Field(description="frozen counts for closed months, live counts for open ones")
    rates: UnitRates
    late_adjustments: dict[str, int] = Field(
        description="what events arriving after a month was closed changed (now minus frozen), by count; "
        "not included in counts or rates"
    )


class UnitIndicatorsDetail(UnitIndicators):
    months: list[UnitMonth]
    manual_ratings: list[ManualRatingOut]
