"""API shapes of periods."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class PeriodKind(LabelledEnum):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class PeriodStatus(LabelledEnum):
    """Whether the months of a period are closed (frozen)."""

    OPEN = "open", "未关账"
    CLOSED = "closed", "已关账"
    PARTLY_CLOSED = "partly_closed", "部分关账"


class AreaLevel(LabelledEnum):
    """The level of an area that closes a month, or that assesses (decides an appeal)."""

    TOWNSHIP = "township", "乡镇(街道)"
    COUNTY = "county", "县(区)"


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
    area_level: AreaLevel
    area_level_zh: str
    closed_at: dt.datetime
    closed_by: str
    closed_by_name: str
    frozen: dict[str, int] = Field(description="subjects frozen, by kind (unit, clerk, centre)")


class CloseResult(BaseModel):
    period: str
    closures: list[ClosureOut]
