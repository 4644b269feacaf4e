"""API shapes of work diaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class DiaryStatus(LabelledEnum):
    DRAFT = "draft", "待签字"
    SIGNED = "signed", "已签字确认"


class DiaryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"grid_code": "320971100201001", "day": "2026-11-30", "content": "上午巡查网格，走访独居老人2户"}
            ]
        },
    )
    grid_code: str = Field(pattern=r"^\d{15}$")
    day: dt.date
    content: str = Field("", max_length=5000, description="what the worker adds to the prefilled record")


class DiaryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(max_length=5000)
    version: int = Field(ge=1)


class DiaryOut(BaseModel):
    id: str
    worker_id: str
    worker_name: str
    grid_code: str
    township_code: str
    day: dt.date
    summary: dict[str, Any]
    content: str
    status: DiaryStatus
    status_zh: str
    signed_by: str | None
    signed_by_name: str | None
    signed_at: dt.datetime | None
    version: int


class MissingDiary(BaseModel):
    grid_code: str
    worker_id: str
    worker_name: str
    day: dt.date
