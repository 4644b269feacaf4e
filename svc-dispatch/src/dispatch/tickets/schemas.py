"""API shapes of tickets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dispatch.callbacks.schemas import CallbackOut
from dispatch.joint.schemas import PartOut
from dispatch.responsibilities.schemas import UnitKind
from dispatch.summons.schemas import SummonsOut
from dispatch.supervision.schemas import SupervisionOrderOut
from dispatch.tickets.enums import CallbackResult, StepKind, TicketSource, TicketStatus, VoidReason
from dispatch.tickets.rules import LimitUnit
from jiceng_shared.schemas import PointIn

Status = TicketStatus
Source = TicketSource


class CallerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{2,19}$")


class TicketIntake(BaseModel):
    """A matter posted by a department system (the 12345 hotline platform...) or the centre itself."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "consumer_complaint",
                    "description": "市民反映某超市销售过期食品",
                    "township_code": "320971001000",
                    "location": {"type": "Point", "coordinates": [120.205, 33.385]},
                    "caller": {"name": "王小明", "phone": "13800001234"},
                    "external_ref": "12345-2026-000123",
                }
            ]
        },
    )
    category: str = Field(min_length=1, max_length=60, description="a code of GET /api/dispatch/v1/categories")
    description: str = Field(min_length=1, max_length=4000)
    township_code: str = Field(pattern=r"^\d{12}$", description="the township the matter lies in")
    location: PointIn | None = None
    caller: CallerIn | None = None
    external_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the calling system's own reference (e.g. the hotline work order); posting it again returns the same ticket",
    )


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, max_length=4000, description="what the unit did (处置结果)")


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000, description="why the matter is outside the unit's remit")


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"unit_code": "320971100000:hud"}]})
    unit_code: str = Field(pattern=r"^\d{12}:[a-z0-9_]{1,20}$", description="<area code>:<department>")
    reason: str | None = Field(default=None, max_length=1000)


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"passed": True, "note": "现场已清理"}]})
    passed: bool
    note: str | None = Field(default=None, max_length=1000, description="required when the verification fails")


class ExtensionRequestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"value": 3, "reason": "需协调产权单位"}]}
    )
    value: int = Field(gt=0, le=1000, description="more time, in the unit of the ticket's handling limit")
    reason: str = Field(min_length=1, max_length=1000)


class ExtensionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approved: bool
    note: str | None = Field(default=None, max_length=1000)


class VoidIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "duplicate", "note": "同一来电"}]}
    )
    reason: VoidReason
    note: str | None = Field(default=None, max_length=1000)


class ParkIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "需市级资金，年内无法解决"}]})
    reason: str = Field(min_length=1, max_length=2000, description="written reasons why it cannot be solved in time")


class ParkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approved: bool
    note: str | None = Field(default=None, max_length=1000)


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=1000)


class ExtensionOut(BaseModel):
    max_value: int | None
    granted_value: int
    #: a request waiting for the centre's decision
    requested_value: int | None
    reason: str | None


class UnitOut(BaseModel):
    code: str
    name: str
    dept: str
    kind: UnitKind
    area_code: str


class LimitOut(BaseModel):
    value: int
    unit: LimitUnit


class CallerOut(BaseModel):
    name: str | None
    phone: str | None


class CallerMaskedOut(BaseModel):
    """The caller as lists show them (王**, 138****1234): the full contact is in the detail only."""

    name_masked: str | None
    phone_masked: str | None


class StepOut(BaseModel):
    at: dt.datetime
    kind: StepKind
    kind_zh: str
    note: str
    actor: str


class ReportOut(BaseModel):
    source: Source
    source_ref: str | None
    number: str | None
    reporter_id: str | None
    description: str
    location: dict[str, Any] | None
    reported_at: dt.datetime
    merged: bool


class TicketOut(BaseModel):
    id: str
    number: str
    status: Status
    status_zh: str
    category: str
    category_zh: str | None
    description: str
    source: Source
    source_zh: str
    source_ref: str | None
    intake_dept: str | None
    township_code: str
    area_code: str
    location: dict[str, Any] | None
    unit: UnitOut | None
    cooperating_units: list[UnitOut]
    #: every unit besides the handling unit that sees the ticket (cooperating, joint action, summoned)
    involved_units: list[str]
    responsibility_version: int | None
    urgent: bool
    handle_limit: LimitOut
    assigned_at: dt.datetime | None
    deadline: dt.datetime | None
    #: seconds until the deadline while the unit's clock runs (negative once past), else None
    time_left_seconds: int | None
    overdue: bool
    warning: bool
    escalation_level: int
    dispatch_due_at: dt.datetime | None
    #: 督办 level reached on the dispatch limit and on the response limit
    dispatch_level: int
    response_due_at: dt.datetime | None
    response_level: int
    signed_at: dt.datetime | None
    void_reason: VoidReason | None
    #: a request to park (挂账) waiting for the township leader, and since when the ticket is parked
    park_requested_reason: str | None
    parked_at: dt.datetime | None
    callback_count: int
    callback_result: CallbackResult | None
    verified_at: dt.datetime | None
    extension: ExtensionOut
    rework_count: int
    #: what the unit did (处置结果), free text
    outcome: str | None
    handled_at: dt.datetime | None
    closed_at: dt.datetime | None
    on_time: bool | None
    caller_masked: CallerMaskedOut | None
    reporter_id: str | None
    correlation_id: str
    reported_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class TicketDetail(TicketOut):
    #: in full for the centre and the system that took the call, masked for everyone else
    caller: CallerOut | None
    timeline: list[StepOut]
    reports: list[ReportOut]
    supervision_orders: list[SupervisionOrderOut]
    callbacks: list[CallbackOut]
    #: departments summoned to the ticket (吹哨) and their answers (报到) or misses
    summons: list[SummonsOut]
    #: the parts of the cooperating units and of a joint action (1+1+N), with their answers
    parts: list[PartOut]
