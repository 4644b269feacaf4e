"""API shapes of the catalogue and of the public service guides (办事指南)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum

Code = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
TownshipCode = Field(pattern=r"^\d{12}$")


class ItemKind(LabelledEnum):
    """How an item is handled: at once (即办件) or within a promised limit (承诺件)."""

    INSTANT = "instant", "即办件"
    COMMITTED = "committed", "承诺件"


class MaterialRequirement(LabelledEnum):
    REQUIRED = "required", "必要材料"
    OPTIONAL = "optional", "视情形提交"
    SHARED = "shared", "数据共享获取，无需提交"


class MaterialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    requirement: MaterialRequirement = Field(
        description="required; optional (only in some situations); shared (obtained by data sharing, never asked)"
    )
    shared_source: str | None = Field(None, max_length=200, description="the system it is shared from")
    description: str | None = Field(None, max_length=1000)


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    department: str = Field(min_length=1, max_length=20, description="the county department holding the power")
    delegated_townships: list[str] = Field(
        default_factory=list, max_length=50, description="townships the power is delegated to (赋权)"
    )
    township_window: bool = Field(True, description="accepted at township service centres")
    kind: ItemKind
    limit_workdays: int | None = Field(None, ge=1, le=365, description="promised limit (committed items)")
    joint: bool = Field(False, description="joint or centralised handling (ceiling 45 working days)")
    cross_township: bool = False
    proxy: bool = False
    online: bool = False
    conditions: str = Field("", max_length=4000)
    legal_basis: str = Field("", max_length=4000)
    fee: str = Field("不收费", max_length=200)
    in_service: bool = Field(True, description="false withdraws the item from this version's effective date")
    effective_from: dt.date | None = Field(None, description="default: today (Asia/Shanghai)")
    change_note: str | None = Field(None, max_length=1000)
    materials: list[MaterialIn] = Field(min_length=1, max_length=50)


class ItemCreate(ItemBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "elderly_card",
                    "name": "老年人优待证办理",
                    "department": "soc",
                    "delegated_townships": ["320971100000", "320971001000"],
                    "kind": "instant",
                    "proxy": True,
                    "materials": [
                        {"code": "id_card", "name": "居民身份证", "requirement": "required"},
                        {
                            "code": "household_register",
                            "name": "户口簿",
                            "requirement": "shared",
                            "shared_source": "公安人口信息库",
                        },
                    ],
                }
            ]
        },
    )
    code: str = Code


class MaterialOut(BaseModel):
    code: str
    name: str
    requirement: MaterialRequirement
    requirement_zh: str
    shared_source: str | None
    description: str | None


class ItemOut(BaseModel):
    id: str
    code: str
    version: int
    name: str
    department: str
    department_zh: str
    delegated_townships: list[str]
    township_window: bool
    kind: ItemKind
    kind_zh: str
    limit_workdays: int | None
    joint: bool
    cross_township: bool
    proxy: bool
    online: bool
    conditions: str
    legal_basis: str
    fee: str
    in_service: bool
    effective_from: dt.date
    effective_to: dt.date | None
    change_note: str | None
    created_by_name: str
    created_at: dt.datetime
    materials: list[MaterialOut]


class GuideMaterial(BaseModel):
    code: str
    name: str
    requirement: MaterialRequirement
    requirement_zh: str
    #: false for materials the centre obtains by data sharing
    applicant_provides: bool
    description: str | None


class GuideSummary(BaseModel):
    code: str
    name: str
    kind: ItemKind
    kind_zh: str
    time_limit_zh: str
    cross_township: bool
    proxy: bool
    online: bool


class GuideOut(GuideSummary):
    version: int
    department_zh: str
    handled_by_zh: str
    statutory_limit_zh: str
    conditions: str
    legal_basis: str
    fee: str
    materials: list[GuideMaterial]
    appeal_route: str
    effective_from: dt.date
