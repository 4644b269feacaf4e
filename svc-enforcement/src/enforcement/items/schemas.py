"""API shapes of the enforcement-item list."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from enforcement.items.rules import PowerKind

TownshipCode = Field(pattern=r"^\d{12}$")


class DelegationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    township_code: str = TownshipCode
    valid_from: dt.date
    valid_until: dt.date | None = None


class ItemFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_zh: str = Field(min_length=1, max_length=300)
    categories: list[str] = Field(
        min_length=1,
        max_length=20,
        description="codes of the category dictionary (GET /api/dispatch/v1/categories), not retired",
    )
    competent_dept: str = Field(min_length=1, max_length=20, description="the competent county department")
    legal_basis: str = Field(min_length=1, max_length=4000)
    kind: PowerKind = PowerKind.PENALTY
    delegable: bool
    restricts_personal_freedom: bool = False
    national_security: bool = False
    effective_from: dt.date | None = Field(None, description="default: today (county time); never in the past")
    effective_until: dt.date | None = None
    delegations: list[DelegationIn] = Field(default_factory=list, max_length=100)


class ItemCreate(ItemFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "ZF-CG-001",
                    "name_zh": "对擅自占用城市道路、公共场所从事经营活动的行政处罚",
                    "categories": ["street_occupation"],
                    "competent_dept": "cle",
                    "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
                    "kind": "penalty",
                    "delegable": True,
                    "delegations": [{"township_code": "320971100000", "valid_from": "2030-01-01"}],
                }
            ]
        },
    )
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$")


class ItemRevise(ItemFields):
    """A new revision of an existing item; ``base_revision`` guards against a concurrent edit."""

    base_revision: int | None = Field(None, ge=1, description="the revision you edited; 409 if another came since")


class DelegationOut(BaseModel):
    township_code: str
    township_name: str | None
    valid_from: dt.date
    valid_until: dt.date | None


class ItemOut(BaseModel):
    id: str = Field(description="the id of this revision")
    code: str
    revision: int
    name_zh: str
    categories: list[str]
    categories_zh: list[str]
    competent_dept: str
    competent_dept_zh: str | None
    legal_basis: str
    kind: PowerKind
    kind_zh: str
    delegable: bool
    restricts_personal_freedom: bool
    national_security: bool
    effective_from: dt.date
    effective_until: dt.date | None
    delegations: list[DelegationOut]
    #: the townships the item is delegated to on the date asked
    delegated_townships: list[str]
    #: whether the item is delegated to the township asked (null when none was asked)
    delegated: bool | None = None
    on: dt.date = Field(description="the date the answer is for")
    created_at: dt.datetime
    created_by_name: str
