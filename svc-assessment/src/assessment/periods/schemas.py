"""API shapes of periods."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"township_code": "320971100000"}]})
    township_code: str | None = Field(
        default=None,
        pattern=r"^\d{12}$",
        description="close this township only; default: every area you assess (your township, or the county)",
    )


class ClosureOut(BaseModel):
    id: str
    period: str
    area_code: str
    area_level: str
    area_level_zh: str
    closed_at: dt.datetime
    closed_by: str
    closed_by_name: str
    frozen: dict[str, int] = Field(description="subjects frozen, by kind (unit, clerk, centre)")


class CloseResult(BaseModel):
    period: str
    closures: list[ClosureOut]
