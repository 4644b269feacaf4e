"""API shapes of incidents."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.schemas import AttachmentIn, PointIn


class IncidentStatus(LabelledEnum):
    """Where an incident is; it follows its ticket in the command centre."""

    REPORTED = "reported", "已上报"
    REGISTERED = "registered", "已登记"
    MERGED = "merged", "已并单"
    DISPATCHED = "dispatched", "已派遣"
    HANDLED = "handled", "已处置待核查"
    CLOSED = "closed", "已办结"
    REOPENED = "reopened", "返工"


class IncidentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "street_occupation",
                    "description": "商贩占用人行道经营",
                    "grid_code": "320971100201001",
                    "location": {"type": "Point", "coordinates": [120.305, 33.305]},
                    "attachments": [
                        {"name": "photo.jpg", "media_type": "image/jpeg", "size": 204800, "sha256": "0" * 64}
                    ],
                }
            ]
        },
    )
    category: str = Field(min_length=1, max_length=60, description="a code of GET /api/dispatch/v1/categories")
    description: str = Field(min_length=1, max_length=2000)
    grid_code: str = Field(pattern=r"^\d{15}$")
    location: PointIn
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class StepOut(BaseModel):
    at: dt.datetime
    status: IncidentStatus
    note: str


class IncidentOut(BaseModel):
    id: str
    number: str
    category: str
    description: str
    location: dict
    grid_code: str
    township_code: str
    reporter_id: str
    reporter_name: str
    attachments: list[dict]
    status: IncidentStatus
    status_zh: str
    ticket_id: str | None
    ticket_number: str | None
    handling_unit: str | None
    outcome: str | None
    correlation_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    version: int


class IncidentDetail(IncidentOut):
    timeline: list[StepOut]
