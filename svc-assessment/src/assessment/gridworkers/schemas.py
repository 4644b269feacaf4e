"""API shapes of the grid workers' assessment."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from assessment.formulas import Formula
from assessment.gridworkers.rules import Bar, Grade, ReviewReason, ReviewStatus, SurveyResult
from assessment.periods.schemas import PeriodKind
from jiceng_shared.enums import LabelledEnum


class ReviewDecisionKind(LabelledEnum):
    """A decision of a dismissal review: the status it leaves the review in."""

    DISMISSED = ReviewStatus.DISMISSED.value, ReviewStatus.DISMISSED.label_zh
    RETAINED = ReviewStatus.RETAINED.value, ReviewStatus.RETAINED.label_zh


class WorkerOut(BaseModel):
    worker_id: str
    username: str | None
    name: str
    post: str
    grid_code: str
    township_code: str
    since: dt.date
    until: dt.date | None


class SatisfactionOut(BaseModel):
    survey_id: str | None
    drawn: int = Field(description="respondents drawn at random")
    answers: dict[str, int] = Field(description="answers by result")
    rate: float | None = Field(description="(satisfied + basically satisfied) / answers")


class WorkerScoreOut(BaseModel):
    worker: WorkerOut
    period: str
    period_kind: PeriodKind
    counts: dict[str, int] = Field(description="the evidence counted, with the denominators of the rates")
    rates: dict[str, float | None]
    formulas: dict[str, Formula]
    work_score: float | None = Field(description="100 × the mean of the work rates known")
    satisfaction: SatisfactionOut | None = Field(description="quarters and years; the month has no survey")
    satisfaction_weight: int
    score: float | None = Field(description="w × satisfaction + (100 − w) × work_score / 100")


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    worker_id: str = Field(max_length=64)
    period: str = Field(pattern=r"^\d{4}(-Q[1-4])?$", description="2026-Q1 (township) or 2026 (county)")
    sample_size: int | None = Field(None, ge=1, le=200)


class SurveyOut(BaseModel):
    id: str
    worker_id: str
    grid_code: str
    township_code: str
    period: str
    seed: str
    candidates: list[str] = Field(description="the grid's registered households when drawn (ids only)")
    sample_size: int
    drawn: list[str]
    answers: dict[str, str] = Field(description="household → result")
    created_at: dt.datetime
    created_by: str


class AnswerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    survey_id: str = Field(max_length=36)
    household_id: str = Field(max_length=64)
    result: SurveyResult


class AnswerOut(BaseModel):
    survey_id: str
    household_id: str
    result: SurveyResult
    result_zh: str
    recorded_at: dt.datetime


class DrawCheck(BaseModel):
    survey_id: str
    seed: str
    candidates: list[str]
    sample_size: int
    drawn: list[str]
    redrawn: list[str]
    reproduced: bool = Field(description="the stored draw is what the seed and candidates give")
    method: str


class AssessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    township_code: str = Field(pattern=r"^\d{12}$")


class ResultOut(BaseModel):
    worker_id: str
    period: str
    kind: PeriodKind = Field(description="quarter (the township's) or year (the county's)")
    township_code: str
    grid_code: str
    work_score: float
    satisfaction_rate: float
    score: float
    failing: bool
    grade_by_score: Grade | None
    bar: Bar | None
    bar_zh: str | None
    capped: bool
    grade: Grade | None
    grade_zh: str | None
    award_yuan: int
    parts: dict
    assessed_at: dt.datetime
    assessed_by: str


class ReviewOut(BaseModel):
    id: str
    worker_id: str
    township_code: str
    reason: ReviewReason
    reason_zh: str
    basis: dict
    status: ReviewStatus
    status_zh: str
    opened_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decision_note: str | None = None


class ReviewDecision(BaseModel):
    """The decision of a dismissal review (解聘审查), with its reasons, on the record."""

    model_config = ConfigDict(extra="forbid")
    decision: ReviewDecisionKind
    note: str = Field(min_length=1, max_length=2000, description="the reasons of the decision")


class AssessOut(BaseModel):
    period: str
    township_code: str
    results: list[ResultOut]
    reviews_opened: list[ReviewOut]


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    worker_id: str = Field(max_length=64)
    reference: str = Field(min_length=1, max_length=120, description="the complaint's ticket or file number")
    verified_on: dt.date
    note: str = Field(min_length=1, max_length=2000)


class ComplaintOut(BaseModel):
    id: str
    worker_id: str
    township_code: str
    reference: str
    verified_on: dt.date
    review_opened: ReviewOut | None
