"""API shapes of window indicators (clerks and service centres)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assessment.formulas import Formula
from assessment.items.schemas import ManualRatingOut
from assessment.periods.schemas import PeriodKind, PeriodStatus


class ClerkOut(BaseModel):
    clerk_id: str
    clerk_username: str | None
    township_code: str


class WindowCounts(BaseModel):
    accepted: int = Field(description="applications accepted in the period")
    completed: int = Field(description="applications completed in the period")
    completed_on_time: int
    overdue: int = Field(description="applications reported overdue in the period")
    notices_issued: int = Field(description="一次性告知 notices issued")
    notices_in_time: int = Field(description="of those, issued on the spot or within the limit")
    rectified: int = Field(description="bad ratings of the period that have been rectified")
    rectified_on_time: int = Field(description="of those, rectified within the limit")


class RatingSummary(BaseModel):
    ratings: int
    ratings_by_level: dict[str, int] = Field(description="level (1..5) → ratings")
    level_labels: dict[str, str] = Field(description="level → 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意")
    bad_ratings: int = Field(description="差评: levels 1 and 2")
    rating_average: float | None


class WindowRates(BaseModel):
    on_time_rate: float | None = Field(description="completed_on_time / completed")
    notice_in_time_rate: float | None = Field(description="notices_in_time / notices_issued")
    rectification_rate: float | None = Field(description="rectified / bad_ratings")
    on_time_rectification_rate: float | None = Field(description="rectified_on_time / bad_ratings")


class WindowFigures(BaseModel):
    counts: WindowCounts
    ratings: RatingSummary
    rates: WindowRates
    formulas: dict[str, Formula] = Field(description="each rate with its formula and the counts behind it")
    notice_violations: int = Field(description="一次性告知 violations: notices_issued − notices_in_time")
    public_rating_points: float | None = Field(
        description="public-rating share of the staff score: weight × (rating_average − 1) / 4; null without ratings"
    )
    late_adjustments: dict[str, int] = Field(
        description="what events arriving after a month was closed changed (now minus frozen), by count"
    )


class WindowMonth(WindowFigures):
    period: str
    status: PeriodStatus
    status_zh: str


class WindowIndicators(WindowFigures):
    period: str
    period_kind: PeriodKind
    period_kind_zh: str
    status: PeriodStatus
    status_zh: str
    closed_months: list[str]


class ClerkIndicators(WindowIndicators):
    clerk: ClerkOut
    score_total: float | None = Field(description="the staff score so far (see the clerk's detail)")


class CentreIndicators(WindowIndicators):
    township_code: str


class ScoreItem(BaseModel):
    item_code: str
    label_zh: str
    max_points: int | None
    points: float | None = Field(description="the assessor's points; over several months, their average")


class StaffScore(BaseModel):
    items: list[ScoreItem] = Field(description="the published list's score items for window staff")
    public_rating_points: float | None
    public_rating_weight: int
    total: float | None
    complete: bool = Field(description="every part is known")
    vetoed: bool = Field(description="a veto item of the list was triggered (一票否决)")
    veto_items: list[str]
    pledges: dict[str, str] = Field(description="pledge item → fulfilled | breached")


class ClerkDetail(ClerkIndicators):
    months: list[WindowMonth]
    score: StaffScore
    manual_ratings: list[ManualRatingOut]
