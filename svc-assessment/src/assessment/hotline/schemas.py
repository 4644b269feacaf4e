"""API shapes of the hotline's three rates and of the recurring problems."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assessment.formulas import Formula
from jiceng_shared.enums import LabelledEnum


class HotlineLevel(LabelledEnum):
    """Whose three rates are ranked: the townships', or the departments' (handling units')."""

    TOWNSHIP = "township", "乡镇(街道)"
    DEPARTMENT = "department", "部门(承办单位)"


class HotlineCounts(BaseModel):
    signed: int = Field(description="签收: citizen tickets the subject signed for in the period")
    responded_in_time: int = Field(description="of those, signed for within the response limit")
    called_back: int = Field(description="回访: tickets called back in the period (the latest callback counts)")
    resolved: int = Field(description="of those, judged resolved")
    satisfied: int = Field(description="of those, satisfied or basically satisfied")


class HotlineRates(BaseModel):
    response_rate: float | None = Field(description="响应率 = responded_in_time / signed")
    resolution_rate: float | None = Field(description="解决率 = resolved / called_back")
    satisfaction_rate: float | None = Field(description="满意率 = satisfied / called_back")


class HotlineStanding(BaseModel):
    subject: str = Field(description="a township code, or a unit code for the department level")
    name: str | None
    counts: HotlineCounts
    rates: HotlineRates
    formulas: dict[str, Formula]
    score: float | None = Field(description="Σ weight × rate on 100 points; null when a rate is missing")
    rank: int | None = Field(description="competition rank among every subject of the level (1, 2, 2, 4)")
    ranked: int = Field(description="subjects of the level with a score")
    evidence: str = Field(description="the tickets behind the figures: signings for and callbacks, with their events")


class HotlineRanking(BaseModel):
    period: str
    level: HotlineLevel
    level_zh: str
    weights: dict[str, int]
    items: list[HotlineStanding]


class RecurringMonth(BaseModel):
    period: str
    tickets: int


class RecurringProblem(BaseModel):
    township_code: str
    area_code: str = Field(description="the grid or village")
    category: str
    streak: int = Field(description="months in a row up to the period")
    months: list[RecurringMonth]


class RecurringList(BaseModel):
    period: str
    min_months: int
    min_tickets: int
    items: list[RecurringProblem]
