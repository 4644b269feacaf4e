"""API shapes of the published list and of manual ratings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class ItemKind(LabelledEnum):
    SCORE = "score", "评分项"
    PLEDGE = "pledge", "责任书"
    VETO = "veto", "一票否决"


class RatedSubjectKind(LabelledEnum):
    """Who a list item rates."""

    CLERK = "clerk", "窗口人员"
    UNIT = "unit", "承办单位"


class RatingOutcome(LabelledEnum):
    """What a rating against a pledge or a veto item says."""

    FULFILLED = "fulfilled", "已履行"
    BREACHED = "breached", "未履行"
    TRIGGERED = "triggered", "触发否决"


Month = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="a month, e.g. 2026-11")


class ItemCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "unit.safety_pledge",
                    "kind": "pledge",
                    "subject_kind": "unit",
                    "label_zh": "安全生产责任书",
                    "basis": "省委省政府安全生产责任制规定",
                    "effective_from": "2026-01-01",
                }
            ]
        },
    )
    code: str = Field(pattern=r"^[a-z][a-z0-9_.]{1,59}$")
    kind: ItemKind
    subject_kind: RatedSubjectKind
    label_zh: str = Field(min_length=1, max_length=200)
    max_points: int | None = Field(default=None, ge=1, le=100)
    basis: str = Field(min_length=1, max_length=500, description="the document that publishes the item")
    effective_from: dt.date
    effective_to: dt.date | None = None
    township_codes: list[Annotated[str, Field(pattern=r"^\d{12}$")]] | None = Field(
        default=None,
        max_length=200,
        description="the townships the item applies to (required for a veto item); none: every township",
    )


class ItemOut(BaseModel):
    code: str
    kind: ItemKind
    kind_zh: str
    subject_kind: RatedSubjectKind
    subject_kind_zh: str
    label_zh: str
    max_points: int | None
    basis: str
    effective_from: dt.date
    effective_to: dt.date | None
    township_codes: list[str] | None
    created_at: dt.datetime
    created_by: str
    version: int = Field(description="the item's version number (1, 2, ...): a change is the next version")


class ItemRevise(BaseModel):
    """The next version of an item: its code, kind and subject stay; the rest is stated anew."""

    model_config = ConfigDict(extra="forbid")
    label_zh: str = Field(min_length=1, max_length=200)
    max_points: int | None = Field(default=None, ge=1, le=100)
    basis: str = Field(min_length=1, max_length=500, description="the document that publishes the change")
    effective_from: dt.date = Field(description="the day it takes effect: not in the past, not before the latest")
    effective_to: dt.date | None = Field(default=None, description="the last day it applies (a repeal)")
    township_codes: list[Annotated[str, Field(pattern=r"^\d{12}$")]] | None = Field(default=None, max_length=200)
    base_version: int | None = Field(
        default=None, ge=1, description="the version the change was made from: 409 when another came since"
    )


class ManualRatingCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-10",
                    "subject_kind": "clerk",
                    "subject_id": "clerk-1",
                    "item_code": "window.discipline",
                    "points": 28,
                    "note": "全月无迟到早退",
                }
            ]
        },
    )
    period: str = Month
    subject_kind: RatedSubjectKind
    subject_id: str = Field(min_length=1, max_length=80, description="a clerk id or a unit code")
    item_code: str = Field(min_length=1, max_length=60)
    points: float | None = Field(default=None, ge=0, le=100)
    outcome: RatingOutcome | None = None
    note: str = Field(default="", max_length=2000)


class ManualRatingOut(BaseModel):
    id: str
    period: str
    subject_kind: RatedSubjectKind
    subject_kind_zh: str
    subject_id: str
    area_code: str
    dept: str | None
    item_code: str
    item_version: int
    item_kind: ItemKind
    item_kind_zh: str
    points: float | None
    outcome: RatingOutcome | None
    outcome_zh: str | None
    note: str
    rated_by: str
    rated_by_name: str
    created_at: dt.datetime
