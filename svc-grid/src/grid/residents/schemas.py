"""API shapes of residents: masked in lists, the full record on its own (audited by the gateway)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class Housing(LabelledEnum):
    OWNED = "owned", "自有住房"
    RENTED = "rented", "租住"
    PUBLIC = "public", "公租房/廉租房"
    OTHER = "other", "其他"


class SocialSecurity(LabelledEnum):
    PENSION = "pension", "养老保险"
    MEDICAL = "medical", "医疗保险"
    UNEMPLOYMENT = "unemployment", "失业保险"
    MINIMUM_LIVING = "minimum_living", "最低生活保障"
    EXTREME_POVERTY = "extreme_poverty", "特困供养"


class Employment(LabelledEnum):
    EMPLOYED = "employed", "就业"
    SELF_EMPLOYED = "self_employed", "个体经营"
    FARMING = "farming", "务农"
    MIGRANT_WORK = "migrant_work", "外出务工"
    UNEMPLOYED = "unemployed", "失业"
    RETIRED = "retired", "退休"
    STUDENT = "student", "在校学生"
    OTHER = "other", "其他"


class IncomeBand(LabelledEnum):
    LOW = "low", "低收入"
    LOWER_MIDDLE = "lower_middle", "中低收入"
    MIDDLE = "middle", "中等收入"
    HIGH = "high", "较高收入"


class ResidentStatus(LabelledEnum):
    ACTIVE = "active", "在册"
    MOVED_AWAY = "moved_away", "已迁出"
    DECEASED = "deceased", "已死亡"


class _Art11(BaseModel):
    """The fields of 002 art. 11 beyond identity (all optional)."""

    ethnicity: str | None = Field(None, max_length=20)
    education: str | None = Field(None, max_length=20)
    building_id: str | None = Field(None, max_length=36)
    house_no: str | None = Field(None, max_length=20)
    housing: Housing | None = None
    social_security: list[SocialSecurity] = Field(default_factory=list, max_length=5)
    employment: Employment | None = None
    employer: str | None = Field(None, max_length=200)
    income_band: IncomeBand | None = None
    safety_notes: str | None = Field(None, max_length=2000)
    group_details: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per register, the fields it needs (e.g. a community-correction term)"
    )


class ResidentCreate(_Art11):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_code": "320971100201001",
                    "name": "王秀英",
                    "id_number": "32097119480312002X",
                    "phone": "13812345678",
                    "address": "步凤村三组12号",
                    "household_no": "320971100201-0012",
                    "household_head": True,
                    "special_groups": ["empty_nest_elderly"],
                }
            ]
        },
    )
    grid_code: str = Field(pattern=r"^\d{15}$")
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=18, max_length=18)
    phone: str | None = Field(None, max_length=20)
    address: str = Field(min_length=1, max_length=200)
    household_no: str = Field(min_length=1, max_length=30)
    household_head: bool = False
    special_groups: list[str] = Field(default_factory=list, max_length=14)
    lives_here_since: dt.date | None = Field(
        None, description="the day the person came to live in the grid, if before today (visits are owed from it)"
    )


class ResidentUpdate(BaseModel):
    """Only the fields sent change; every change is kept in the history (who, what, when)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, min_length=1, max_length=200)
    household_head: bool | None = None
    special_groups: list[str] | None = Field(None, max_length=14)
    ethnicity: str | None = Field(None, max_length=20)
    education: str | None = Field(None, max_length=20)
    building_id: str | None = Field(None, max_length=36)
    house_no: str | None = Field(None, max_length=20)
    housing: Housing | None = None
    social_security: list[SocialSecurity] | None = Field(None, max_length=5)
    employment: Employment | None = None
    employer: str | None = Field(None, max_length=200)
    income_band: IncomeBand | None = None
    safety_notes: str | None = Field(None, max_length=2000)
    group_details: dict[str, dict[str, Any]] | None = None


class Deregistration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ResidentStatus = Field(description="moved_away or deceased")
    on: dt.date
    version: int = Field(ge=1)


class ResidentOut(BaseModel):
    """A line of a list: name, identity and phone numbers masked, no address, no art. 11 details."""

    id: str
    grid_code: str
    township_code: str
    name_masked: str
    id_number_masked: str
    phone_masked: str | None
    household_no: str
    household_head: bool
    #: the registers the caller may see the person on (sensitive ones need their own permission)
    special_groups: list[str]
    special_groups_zh: list[str]
    status: ResidentStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ResidentDetail(ResidentOut):
    """The full personal record: every read of it is in the audit log."""

    name: str
    id_number: str
    phone: str | None
    address: str
    ethnicity: str | None
    education: str | None
    building_id: str | None
    house_no: str | None
    housing: Housing | None
    social_security: list[SocialSecurity]
    employment: Employment | None
    employer: str | None
    income_band: IncomeBand | None
    safety_notes: str | None
    group_details: dict[str, dict[str, Any]]
    deregistered_on: dt.date | None
    lives_here_since: dt.date | None
    registered_by: str
