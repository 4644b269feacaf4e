"""API shapes of cooperating parts and joint actions."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from dispatch.tickets.enums import PartRole

UNIT_CODE = r"^\d{12}:[a-z0-9_]{1,20}$"


class UnitTaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_code: str = Field(pattern=UNIT_CODE, description="<area code>:<department>")
    task: str = Field(min_length=1, max_length=2000)


class JointActionIn(BaseModel):
    """1+1+N: one enforcement squad and N departments onto one ticket, each with its task."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "squad": {"unit_code": "320971100000:cle", "task": "现场执法，拆除违建"},
                    "departments": [
                        {"unit_code": "320971000000:nrp", "task": "出具用地性质认定"},
                        {"unit_code": "320971100000:psb", "task": "现场秩序维护"},
                    ],
                }
            ]
        },
    )
    squad: UnitTaskIn
    departments: list[UnitTaskIn] = Field(min_length=1, max_length=20)


class PartFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, max_length=4000, description="what the unit did for its part")


class PartOut(BaseModel):
    id: str
    unit_code: str
    unit_name: str
    role: PartRole
    role_zh: str
    task: str
    answer: str | None
    answered_at: dt.datetime | None
    answered_by: str | None


class JointActionOut(BaseModel):
    """The parts one joint action created: the squad's first, then the departments' in order."""

    items: list[PartOut]
