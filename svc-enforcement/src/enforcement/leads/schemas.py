"""API shapes of leads and transfers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from enforcement.leads.rules import TransferGround


class TransferIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "占用农用地违法建设不属于本镇赋权事项，移送自然资源和规划局"}]},
    )
    reason: str = Field(min_length=2, max_length=2000)
    ground: TransferGround = "outside_delegated_powers"
    to_dept: str | None = Field(None, max_length=20, description="default: the item's competent department")


class TransferOut(BaseModel):
    id: str
    ground: str | None = None
    to_unit_code: str
    to_unit_name: str
    to_dept: str
    reason: str
    transferred_by_name: str
    transferred_at: dt.datetime


class LeadOut(BaseModel):
    id: str
    number: str
    ticket_id: str
    ticket_number: str
    township_code: str
    area_code: str
    category: str
    category_zh: str
    description: str
    location: dict | None
    source: str
    source_ref: str | None
    item_id: str | None
    item_code: str | None
    item_revision: int | None
    item_name_zh: str | None
    competent_dept: str | None
    delegated: bool
    status: str
    status_zh: str
    handling_unit_code: str
    handling_unit_name: str
    handling_dept: str
    received_at: dt.datetime
    filing_deadline: dt.datetime
    #: working days left to decide on filing (negative when late); null once decided
    filing_workdays_left: int | None
    case_id: str | None
    correlation_id: str
    transfer: TransferOut | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
