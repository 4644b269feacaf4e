"""API shapes of categories and their limits."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from dispatch.tickets.rules import LimitUnit

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,59}$"


class LimitOut(BaseModel):
    value: int
    unit: LimitUnit
    unit_zh: str


class LimitsOut(BaseModel):
    urgent: bool
    #: register and dispatch within this many minutes (urgent 10, normal 30 by default)
    dispatch_minutes: int
    handle: LimitOut
    #: the longest extension, in the handling limit's unit (None: no extension)
    extension_max: LimitOut | None


class CategoryOut(BaseModel):
    code: str
    label_zh: str
    major: str
    functional_department: bool = Field(
        description="a functional department's matter (国办函〔2025〕66号): never routed to a township organ"
    )
    limits: LimitsOut
    version: int
    updated_at: dt.datetime
    updated_by: str
    #: retired categories take no new tickets or incidents
    retired: bool = False
    retired_at: dt.datetime | None = None


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int = Field(gt=0, le=10_000)
    unit: LimitUnit


class CategoryUpdate(BaseModel):
    """Change a category's limits; tickets already open keep the limits they were opened with."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"version": 1, "handle_limit": {"value": 3, "unit": "working_days"}}]},
    )
    version: int = Field(description="the version read; a stale one answers 409 concurrent_update")
    label_zh: str | None = Field(default=None, min_length=1, max_length=100)
    major: str | None = Field(default=None, pattern=CODE_PATTERN)
    urgent: bool | None = None
    dispatch_limit_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    handle_limit: LimitIn | None = None
    extension_max_value: int | None = Field(default=None, gt=0, le=10_000)
    functional_department: bool | None = None


class CategoryCreate(BaseModel):
    """A new category of the dictionary; published to every service keeping a copy (svc-grid)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "illegal_dumping",
                    "label_zh": "乱倒建筑垃圾",
                    "major": "streetscape",
                    "handle_limit": {"value": 2, "unit": "working_days"},
                }
            ]
        },
    )
    code: str = Field(pattern=CODE_PATTERN, description="lower snake_case, never reused")
    label_zh: str = Field(min_length=1, max_length=100)
    major: str = Field(pattern=CODE_PATTERN, description="the major class (大类) code")
    urgent: bool = False
    dispatch_limit_minutes: int | None = Field(
        default=None, gt=0, le=24 * 60, description="default: the urgent / normal dispatch limit of the settings"
    )
    handle_limit: LimitIn
    extension_max_value: int | None = Field(default=None, gt=0, le=10_000)
    functional_department: bool = False


class CategoryRetire(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(description="the version read; a stale one answers 409 concurrent_update")
