"""API shapes of leads and transfers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from enforcement.leads.rules import LeadSource, LeadStatus, NotFiledGround, TransferGround
from jiceng_shared.contracts.common import GeoPoint


class TransferIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "占用农用地违法建设不属于本镇赋权事项，移送自然资源和规划局"}]},
    )
    reason: str = Field(min_length=2, max_length=2000)
    ground: TransferGround = "outside_delegated_powers"
    to_dept: str | None = Field(None, max_length=20, description="default: the item's competent department")


class LeadIn(BaseModel):
    """A lead the office finds or receives itself: patrol, complaint, report, a transfer in."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "patrol",
                    "township_code": "320971100000",
                    "area_code": "320971100201001",
                    "category": "street_occupation",
                    "description": "巡查发现某餐饮店占用人行道违法搭建经营棚",
                }
            ]
        },
    )
    source: LeadSource
    township_code: str = Field(pattern=r"^\d{12}$")
    area_code: str = Field(pattern=r"^\d{12}(\d{3})?$", description="grid, village or township code")
    category: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=2, max_length=10000)
    location: GeoPoint | None = None
    #: the complaint's number, the transferring office's letter...
    source_ref: str | None = Field(None, max_length=64)


class NotFiledIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"ground": "minor_corrected", "reason": "当事人已当场自行清理，未造成危害后果"}]
        },
    )
    ground: NotFiledGround
    reason: str = Field(min_length=2, max_length=4000)


class LeadExtensionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "需现场检测，经负责人批准延长立案期限"}]}
    )
    reason: str = Field(min_length=2, max_length=2000)


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
    ticket_id: str | None
    ticket_number: str | None
    township_code: str
    area_code: str
    category: str
    category_zh: str
    description: str
    location: dict | None
    #: a manual lead's LeadSource, or the source of the ticket a dispatched lead came with: a LeadSource
    #: value for every ticket source dispatch has today, kept a string because dispatch's event contract
    #: leaves the source open (a source added there must not make a lead unreadable here)
    source: str
    source_zh: str
    source_ref: str | None
    item_id: str | None
    item_code: str | None
    item_revision: int | None
    item_name_zh: str | None
    competent_dept: str | None
    delegated: bool
    status: LeadStatus
    status_zh: str
    handling_unit_code: str
    handling_unit_name: str
    handling_dept: str
    received_at: dt.datetime
    filing_deadline: dt.datetime
    #: working days left to decide on filing (negative when late); null once decided
    filing_workdays_left: int | None
    filing_extended_workdays: int
    filing_extension_reason: str | None
    filing_extended_by_name: str | None
    filing_decided_at: dt.datetime | None
    filing_decided_late: bool
    not_filed_ground: str | None
    not_filed_reason: str | None
    recorded_by_name: str | None
    case_id: str | None
    correlation_id: str
    transfer: TransferOut | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
