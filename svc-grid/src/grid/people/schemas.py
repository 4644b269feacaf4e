"""API shapes of households, buildings, enterprises, base-data history and the special registers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class HouseholdStatus(LabelledEnum):
    ACTIVE = "active", "在册"
    MOVED_AWAY = "moved_away", "整户迁出"
    DISSOLVED = "dissolved", "已注销"


class BuildingUse(LabelledEnum):
    RESIDENTIAL = "residential", "住宅"
    COMMERCIAL = "commercial", "商业"
    MIXED = "mixed", "商住混合"
    PUBLIC = "public", "公共建筑"
    OTHER = "other", "其他"


class EnterpriseStatus(LabelledEnum):
    ACTIVE = "active", "在营"
    CLOSED = "closed", "已关闭"


class BaseDataEntity(LabelledEnum):
    RESIDENT = "resident", "人口"
    HOUSEHOLD = "household", "户"
    BUILDING = "building", "房屋"
    ENTERPRISE = "enterprise", "企业"


class ChangeAction(LabelledEnum):
    CREATED = "created", "新增"
    UPDATED = "updated", "修改"
    DEREGISTERED = "deregistered", "注销"


class HouseholdCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_code: str = Field(pattern=r"^\d{15}$")
    household_no: str = Field(min_length=1, max_length=30)
    address: str = Field(min_length=1, max_length=200)
    building_id: str | None = Field(None, max_length=36)


class HouseholdDeregister(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: HouseholdStatus = Field(description="moved_away or dissolved")
    version: int = Field(ge=1)


class HouseholdOut(BaseModel):
    id: str
    grid_code: str
    township_code: str
    household_no: str
    address_masked: str
    building_id: str | None
    status: HouseholdStatus
    members: int = 0
    created_at: dt.datetime
    version: int


class BuildingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_code: str = Field(pattern=r"^\d{15}$")
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=200)
    use: BuildingUse
    floors: int | None = Field(None, ge=1, le=200)
    houses: int | None = Field(None, ge=0, le=10000)
    safety_notes: str | None = Field(None, max_length=2000)


class BuildingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    name: str | None = Field(None, min_length=1, max_length=100)
    use: BuildingUse | None = None
    floors: int | None = Field(None, ge=1, le=200)
    houses: int | None = Field(None, ge=0, le=10000)
    safety_notes: str | None = Field(None, max_length=2000)


class BuildingOut(BaseModel):
    id: str
    grid_code: str
    township_code: str
    name: str
    address: str
    use: BuildingUse
    floors: int | None
    houses: int | None
    safety_notes: str | None
    version: int


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_code": "320971100201001",
                    "name": "步凤农机合作社",
                    "credit_code": "91350100M000100Y43",
                    "legal_representative": "赵建华",
                    "phone": "13900002222",
                    "address": "步凤村工业路8号",
                    "industry": "农业机械",
                    "employees": 12,
                }
            ]
        },
    )
    grid_code: str = Field(pattern=r"^\d{15}$")
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码 (GB 32100-2015)")
    legal_representative: str = Field(min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    address: str = Field(min_length=1, max_length=200)
    building_id: str | None = Field(None, max_length=36)
    industry: str | None = Field(None, max_length=100)
    employees: int | None = None
    safety_notes: str | None = Field(None, max_length=2000)


class EnterpriseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_representative: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, min_length=1, max_length=200)
    building_id: str | None = Field(None, max_length=36)
    industry: str | None = Field(None, max_length=100)
    employees: int | None = None
    safety_notes: str | None = Field(None, max_length=2000)
    status: EnterpriseStatus | None = None


class EnterpriseOut(BaseModel):
    id: str
    grid_code: str
    township_code: str
    name: str
    credit_code: str
    legal_representative_masked: str
    phone_masked: str | None
    industry: str | None
    employees: int | None
    status: EnterpriseStatus
    version: int


class EnterpriseDetail(EnterpriseOut):
    legal_representative: str
    phone: str | None
    address: str
    building_id: str | None
    safety_notes: str | None


class BaseDataChangeOut(BaseModel):
    id: str
    entity: BaseDataEntity
    entity_id: str
    action: ChangeAction
    changes: dict[str, Any]
    changed_by: str
    changed_by_name: str
    changed_at: dt.datetime


class RegisterEntry(BaseModel):
    """A person on a special register: masked like every list, with the register's own fields."""

    resident_id: str
    grid_code: str
    name_masked: str
    id_number_masked: str
    phone_masked: str | None
    household_no: str
    details: dict[str, Any]


class RegisterOut(BaseModel):
    group: str
    group_zh: str
    sensitive: bool
    fields: dict[str, str]
    items: list[RegisterEntry]
    next_cursor: str | None = None


class GridSize(BaseModel):
    """A grid's size from its base data and the split flag of 001 (300/1,000; dense areas 500/1,500)."""

    grid_code: str
    households: int
    people: int
    dense: bool
    needs_split: bool
    split_reasons: list[str]
