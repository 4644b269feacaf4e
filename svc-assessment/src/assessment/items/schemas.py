"""API shapes of the published list and of manual ratings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    kind: Literal["score", "pledge", "veto"]
    subject_kind: Literal["clerk", "unit"]
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
    kind: str
    kind_zh: str
    subject_kind: str
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
    subject_kind: Literal["clerk", "unit"]
    subject_id: str = Field(min_length=1, max_length=80, description="a clerk id or a unit code")
    item_code: str = Field(min_length=1, max_length=60)
    points: float | None = Field(default=None, ge=0, le=100)
    outcome: Literal["fulfilled", "breached", "triggered"] | None = None
    note: str = Field(default="", max_length=2000)


class ManualRatingOut(BaseModel):
    id: str
    period: str
    subject_kind: str
    subject_kind_zh: str
    subject_id: str
    area_code: str
    dept: str | None
    item_code: str
    item_version: int
    item_kind: str
    item_kind_zh: str
    points: float | None
    outcome: str | None
    outcome_zh: str | None
    note: str
    rated_by: str
    rated_by_name: str
    created_at: dt.datetime
