"""API shapes of random inspections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from enforcement.inspections.rules import Outcome, PlanStatus


class TargetIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "township_code": "320971100000",
                    "area_code": "320971100201001",
                    "name": "步凤镇某某餐饮店",
                    "credit_code": "92320971MA1XXXXXX1",
                }
            ]
        },
    )
    township_code: str = Field(pattern=r"^\d{12}$")
    area_code: str = Field(pattern=r"^\d{12}(\d{3})?$")
    name: str = Field(min_length=2, max_length=200)
    credit_code: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    address: str | None = Field(None, max_length=300)


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    township_code: str
    area_code: str
    name: str
    credit_code: str
    address: str | None
    active: bool


class ConflictIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"inspector": "enforcement_officer.bufeng", "reason": "近亲属经营"}]},
    )
    inspector: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=2, max_length=2000)


class PlanIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"township_code": "320971100000", "name": "2026年第四季度餐饮门店双随机抽查"}]},
    )
    township_code: str = Field(pattern=r"^\d{12}$")
    name: str = Field(min_length=2, max_length=200)
    #: default: the configured minimum (3 %)
    ratio_percent: int | None = Field(None, ge=1, le=100)
    #: default: the configured minimum (2)
    inspectors_per_target: int | None = Field(None, ge=1, le=10)


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_id: str
    outcome: Outcome
    finding: str = Field(min_length=2, max_length=4000)
    #: a violation becomes a lead of this category (event classification)
    category: str | None = Field(None, max_length=60)


class ResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    results: list[ResultIn] = Field(min_length=1, max_length=500)


class AssignmentOut(BaseModel):
    target_id: str
    target_name: str | None = None
    inspectors: list[str]


class PlanOut(BaseModel):
    id: str
    number: str
    township_code: str
    name: str
    ratio_percent: int
    inspectors_per_target: int
    seed: str
    target_candidates: list[str]
    inspector_candidates: list[str]
    conflicts: dict[str, list[str]]
    assignments: list[AssignmentOut]
    status: PlanStatus
    drawn_by_name: str
    drawn_at: dt.datetime
    results: list[dict[str, Any]] | None
    published_at: dt.datetime | None


class VerificationOut(BaseModel):
    plan_id: str
    reproduced: bool
    stored: list[AssignmentOut]
    recomputed: list[AssignmentOut]
    algorithm: str


class PublicResult(BaseModel):
    target_name: str
    outcome: Outcome
    outcome_zh: str
    finding: str


class PublicInspection(BaseModel):
    id: str
    number: str
    township_code: str
    name: str
    ratio_percent: int
    seed: str
    drawn_at: dt.datetime
    published_at: dt.datetime
    results: list[PublicResult]
