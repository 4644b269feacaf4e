"""API shapes of the stationed units' two-part result."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from assessment.stationed.rules import Part
from assessment.units.schemas import UnitOut
from jiceng_shared.enums import LabelledEnum


class DualSubjectKind(LabelledEnum):
    """What is assessed in two parts: a stationed office, or an enforcement squad."""

    UNIT = "unit", "派驻机构"
    SQUAD = "squad", "执法中队"


class PartCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_code: str | None = Field(
        default=None, max_length=80, examples=["320971100000:psb"], description="a stationed office (or squad_id)"
    )
    squad_id: str | None = Field(default=None, max_length=36, description="an enforcement squad (or unit_code)")
    period: str = Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")
    part: Part
    score: float = Field(ge=0, le=100)
    note: str = Field(min_length=1, max_length=2000)


class PartOut(BaseModel):
    part: Part
    part_zh: str
    score: float
    weight: int
    note: str
    rated_by: str
    rated_at: dt.datetime


class DualResult(BaseModel):
    subject_kind: DualSubjectKind
    unit: UnitOut = Field(description="the office, or the squad (code: its id; kind: squad_stationed | squad_township)")
    period: str
    township_weight: int = Field(description="the township's share in %, at least 60 (001, 002)")
    township: PartOut | None
    county: PartOut | None
    result: float | None = Field(description="township_weight × township + (100 − township_weight) × county, / 100")
    formula: str
