"""API shapes of incidents."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["Point"]
    coordinates: tuple[Longitude, Latitude] = Field(description="[longitude, latitude], WGS-84")


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(pattern=r"^[a-z]+/[a-zA-Z0-9.+-]+$", max_length=100)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


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
    status: str
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
    status: str
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
