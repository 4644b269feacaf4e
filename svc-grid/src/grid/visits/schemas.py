"""API shapes of visits and the due-visit list."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.schemas import AttachmentIn, PointIn


class VisitKind(LabelledEnum):
    PATROL = "patrol", "网格巡查"
    HOME_VISIT = "home_visit", "入户走访"


class DueSubject(LabelledEnum):
    """What an obligation is owed to: a person on a register, a household, or the grid (patrol)."""

    PERSON = "person", "重点人员"
    HOUSEHOLD = "household", "居民家庭"
    PATROL = "patrol", "网格巡查"


class VisitPeriod(LabelledEnum):
    """The period an obligation is counted in (rules.PERIODS)."""

    DAY = "day", "每日"
    WORKDAY = "workday", "每个工作日"
    WEEK = "week", "每周"
    MONTH = "month", "每月"
    HALF_YEAR = "half_year", "每半年"
    YEAR = "year", "每年"


class ObligationState(LabelledEnum):
    DONE = "done", "已完成"
    DUE = "due", "待走访"
    OVERDUE = "overdue", "已逾期"


class VisitCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_code": "320971100201001",
                    "kind": "home_visit",
                    "resident_id": "00000000-0000-4000-8000-000000000000",
                    "visited_at": "2026-11-30T09:30:00+08:00",
                    "location": {"type": "Point", "coordinates": [120.305, 33.305]},
                    "found": "老人腿脚不便，屋顶漏雨",
                    "done": "联系村委会安排维修",
                    "attachments": [],
                }
            ]
        },
    )
    grid_code: str = Field(pattern=r"^\d{15}$")
    kind: VisitKind
    resident_id: str | None = Field(None, max_length=36, description="the person visited (home visits)")
    household_no: str | None = Field(None, max_length=30, description="the household visited (home visits)")
    visited_at: AwareDatetime
    location: PointIn
    found: str = Field("", max_length=2000, description="what was found")
    done: str = Field("", max_length=2000, description="what was done")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class VisitOut(BaseModel):
    id: str
    grid_code: str
    township_code: str
    kind: VisitKind
    kind_zh: str
    resident_id: str | None
    household_no: str | None
    visited_at: dt.datetime
    location: dict
    outside_grid: bool
    found: str
    done: str
    attachments: list[dict]
    worker_id: str
    worker_name: str
    covering_for: str | None
    incident_id: str | None


class VisitIncident(BaseModel):
    """Turn what a visit found into an incident (one step: the visit's place, photos and text)."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=60)
    description: str | None = Field(None, max_length=2000)


class DueItem(BaseModel):
    subject: DueSubject
    resident_id: str | None = None
    name_masked: str | None = None
    household_no: str | None = None
    group: str
    group_zh: str
    period: VisitPeriod
    state: ObligationState
    due_on: dt.date
    last_visit: dt.date | None


class DueList(BaseModel):
    grid_code: str
    day: dt.date
    #: the caller covers this grid as its B post (its worker is absent)
    covering: bool = False
    due: int
    overdue: int
    done: int
    items: list[DueItem]


class ScanOut(BaseModel):
    #: overdue notices published by this pass (each missed obligation once)
    published: int
