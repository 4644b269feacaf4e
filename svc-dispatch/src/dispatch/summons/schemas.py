"""API shapes of summons."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class SummonsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_codes": ["320971000000:nrp", "320971100000:psb"],
                    "purpose": "违法建设现场联合处置",
                    "respond_within_minutes": 30,
                }
            ]
        },
    )
    unit_codes: list[str] = Field(min_length=1, max_length=20, description="<area code>:<department> of each unit")
    purpose: str = Field(min_length=1, max_length=2000)
    respond_within_minutes: int | None = Field(
        default=None, gt=0, le=7 * 24 * 60, description="the time to report (报到); default: the service's setting"
    )


class SummonsAnswerIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"arrived": True, "action": "已到场，负责拆除方案审核"}]}
    )
    arrived: bool
    action: str = Field(min_length=1, max_length=2000, description="what the unit did or will do")


class SummonsOut(BaseModel):
    id: str
    number: str
    ticket_id: str
    ticket_number: str
    #: the ticket's place and the summoned unit's department (the scope of the summons)
    area_code: str
    dept: str
    unit_code: str
    unit_name: str
    purpose: str
    respond_by: dt.datetime
    issued_at: dt.datetime
    issued_by: str
    answered_at: dt.datetime | None
    arrived: bool | None
    action: str | None
    on_time: bool | None
    #: past the limit without an answer (also before the job has escalated it)
    missed: bool
    missed_at: dt.datetime | None


class SummonsMade(BaseModel):
    """The summons made by one call, one per unit, in the order of ``unit_codes``."""

    items: list[SummonsOut]
