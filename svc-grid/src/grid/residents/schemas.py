"""API shapes of residents: masked in lists, the full record on its own (audited by the gateway)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ResidentCreate(BaseModel):
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
    special_groups: list[str] = Field(default_factory=list, max_length=10)


class ResidentOut(BaseModel):
    """A line of a list: identity and phone numbers masked, no address."""

    id: str
    grid_code: str
    township_code: str
    name: str
    id_number_masked: str
    phone_masked: str | None
    household_no: str
    household_head: bool
    special_groups: list[str]
    special_groups_zh: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ResidentDetail(ResidentOut):
    """The full personal record: every read of it is in the audit log."""

    id_number: str
    phone: str | None
    address: str
    registered_by: str
