"""API shapes of appeals."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from assessment.appeals.rules import AppealStatus, SubjectKind
from assessment.periods.schemas import AreaLevel
from jiceng_shared.enums import LabelledEnum


class AppealOutcome(LabelledEnum):
    """A decision of an appeal: the status it leaves the appeal in."""

    UPHELD = AppealStatus.UPHELD.value, AppealStatus.UPHELD.label_zh
    REJECTED = AppealStatus.REJECTED.value, AppealStatus.REJECTED.label_zh


class AppealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_kind: SubjectKind
    subject_id: str = Field(max_length=80)
    period: str = Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")
    figure: str = Field(min_length=1, max_length=60, description="the count, rate, score or grade appealed")
    reasons: str = Field(min_length=1, max_length=4000)


class AppealDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    appeal_id: str = Field(max_length=36)
    outcome: AppealOutcome
    note: str = Field(min_length=1, max_length=4000)


class AppealOut(BaseModel):
    id: str
    subject_kind: SubjectKind
    subject_id: str
    area_code: str
    dept: str | None
    period: str
    figure: str
    reasons: str
    assessing_level: AreaLevel = Field(description="who decides: the township, or the county for a worker's year")
    filed_by: str
    filed_at: dt.datetime
    window_ends_at: dt.datetime
    status: AppealStatus
    status_zh: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
