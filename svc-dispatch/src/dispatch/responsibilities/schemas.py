"""API shapes of the responsibility list."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from dispatch.responsibilities.rules import UnitKind
from jiceng_shared.contracts.common import UnitRef


class UnitKindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: UnitKind
    dept: str = Field(min_length=1, max_length=20)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=60)
    primary: UnitKindIn
    cooperating: list[UnitKindIn] = Field(default_factory=list, max_length=20)


class ListPublish(BaseModel):
    """A new version of the whole list; the version in force before stays for what it routed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "effective_from": "2027-01-01T00:00:00+08:00",
                    "note": "2027年属地管理责任清单",
                    "entries": [
                        {
                            "category": "street_occupation",
                            "primary": {"kind": "township_office", "dept": "cle"},
                            "cooperating": [{"kind": "stationed_office", "dept": "samr"}],
                        }
                    ],
                }
            ]
        },
    )
    effective_from: AwareDatetime | None = Field(default=None, description="default: now; never in the past")
    note: str = Field(default="", max_length=1000)
    entries: list[EntryIn] = Field(min_length=1, max_length=500)


class UnitKindOut(BaseModel):
    kind: UnitKind
    kind_zh: str
    dept: str
    #: the concrete unit in the township asked for (``township_code``), when it exists there
    unit: UnitRef | None = None


class EntryOut(BaseModel):
    category: str
    category_zh: str | None
    functional_department: bool
    primary: UnitKindOut
    cooperating: list[UnitKindOut]


class ListOut(BaseModel):
    version: int
    effective_from: dt.datetime
    note: str
    created_at: dt.datetime
    created_by: str
    township_code: str | None = None
    entries: list[EntryOut]
