"""API shapes of the responsibility list."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.enums import LabelledEnum

#: the most items one version of the list may hold
MAX_ITEMS = 1000


class UnitKind(LabelledEnum):
    """The kinds of handling unit (the values of ``UnitRef.kind``)."""

    TOWNSHIP_OFFICE = "township_office", "镇街内设机构"
    STATIONED_OFFICE = "stationed_office", "派驻机构"
    COUNTY_DEPARTMENT = "county_department", "县级职能部门"


class UnitKindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: UnitKind
    dept: str = Field(min_length=1, max_length=20)


class EntryIn(BaseModel):
    """One item (事项) of a domain (领域); ``category`` is the event category it routes (if any)."""

    model_config = ConfigDict(extra="forbid")
    domain_code: str = Field(default="", max_length=20)
    domain_zh: str = Field(default="", max_length=100)
    item_code: str = Field(default="", max_length=40, description="unique in the list; default E001, E002 …")
    item_zh: str = Field(default="", max_length=300)
    category: str | None = Field(default=None, min_length=1, max_length=60)
    primary: UnitKindIn
    cooperating: list[UnitKindIn] = Field(default_factory=list, max_length=20)
    township_duties: str = Field(default="", max_length=2000, description="配合责任: what the township does")
    basis: str = Field(default="", max_length=2000, description="依据")


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
    entries: list[EntryIn] = Field(min_length=1, max_length=MAX_ITEMS)


class UnitKindOut(BaseModel):
    kind: UnitKind
    kind_zh: str
    dept: str
    #: the concrete unit in the township asked for (``township_code``), when it exists there
    unit: UnitRef | None = None


class EntryOut(BaseModel):
    domain_code: str
    domain_zh: str
    item_code: str
    item_zh: str
    category: str | None
    category_zh: str | None
    functional_department: bool
    primary: UnitKindOut
    cooperating: list[UnitKindOut]
    township_duties: str
    basis: str


class DomainOut(BaseModel):
    code: str
    name_zh: str
    items: int


class ListOut(BaseModel):
    version: int
    effective_from: dt.datetime
    note: str
    created_at: dt.datetime
    created_by: str
    township_code: str | None = None
    #: the domains (领域) in list order with their number of items
    domains: list[DomainOut]
    entries: list[EntryOut]


class VersionSummary(BaseModel):
    """One version of the list in its history."""

    version: int
    effective_from: dt.datetime
    note: str
    created_at: dt.datetime
    created_by: str
    items: int
    #: the version routing tickets now
    in_force: bool
