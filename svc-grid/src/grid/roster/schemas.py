"""API shapes of the roster: posts, A/B pairs, absences."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class RosterPost(LabelledEnum):
    CHIEF = "chief", "网格长"
    FULL_TIME = "full_time", "专职网格员"
    AUXILIARY = "auxiliary", "网格辅助员"


class RosterEntryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_code": "320971100201001",
                    "worker_id": "demo-grid_worker.bufeng",
                    "username": "grid_worker.bufeng",
                    "name": "张网格",
                    "post": "full_time",
                    "committee_member": False,
                    "since": "2026-11-01",
                }
            ]
        },
    )
    grid_code: str = Field(pattern=r"^\d{15}$")
    worker_id: str = Field(min_length=1, max_length=64, description="the person's identity (IAM subject)")
    username: str | None = Field(None, max_length=64)
    name: str = Field(min_length=1, max_length=50)
    post: RosterPost
    committee_member: bool = Field(False, description="member of the village/community two committees (两委)")
    since: dt.date


class RosterLeave(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: dt.date


class RosterEntryOut(BaseModel):
    id: str
    grid_code: str
    community_code: str
    township_code: str
    worker_id: str
    username: str | None
    name: str
    post: RosterPost
    post_zh: str
    committee_member: bool
    since: dt.date
    until: dt.date | None
    version: int


class BackupSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_code: str = Field(pattern=r"^\d{15}$")
    backup_grid_code: str = Field(pattern=r"^\d{15}$")


class BackupOut(BaseModel):
    grid_code: str
    backup_grid_code: str


class BackupPairOut(BaseModel):
    """The two A/B posts a pairing sets: each grid with the grid that backs it."""

    items: list[BackupOut]


class AbsenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_code: str = Field(pattern=r"^\d{15}$")
    first_day: dt.date
    last_day: dt.date
    reason: str = Field(min_length=1, max_length=500)


class AbsenceOut(BaseModel):
    id: str
    grid_code: str
    worker_id: str
    first_day: dt.date
    last_day: dt.date
    reason: str
    #: the grid whose full-time worker covers (B post), if one is set
    covered_by_grid: str | None
