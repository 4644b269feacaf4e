"""API shapes of cases."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from enforcement.decisions.schemas import DecisionOut, DeliberationOut, LegalReviewOut, RightsNoticeOut
from enforcement.hearings.schemas import HearingOut, StatementOut
from enforcement.payments.schemas import PaymentPlanOut
from enforcement.service_of_documents.schemas import ServiceOut
from jiceng_shared.enums import LabelledEnum


class CaseStatus(LabelledEnum):
    """A case's stage."""

    INVESTIGATING = "investigating", "调查取证"
    DECIDED = "decided", "已作出决定"
    CLOSED = "closed", "已结案"


class CaseOpen(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"lead_id": "…", "officers": ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]}]
        },
    )
    lead_id: str = Field(min_length=1, max_length=36)
    officers: list[str] = Field(min_length=1, max_length=20, description="usernames; you must be one of them")


class CaseClose(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"outcome": "当事人已改正，给予警告，结案"}]}
    )
    outcome: str = Field(min_length=1, max_length=2000)


class CaseExtensionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "案情复杂，需委托鉴定，经负责人批准延长30日"}]}
    )
    reason: str = Field(min_length=2, max_length=2000)


class OfficerRef(BaseModel):
    username: str
    name: str
    certificate_number: str
    valid_until: dt.date


class CaseOut(BaseModel):
    id: str
    number: str
    lead_id: str
    ticket_id: str | None
    township_code: str
    area_code: str
    handling_dept: str
    item_id: str
    item_code: str
    item_revision: int
    item_name_zh: str
    item_legal_basis: str
    officers: list[OfficerRef]
    status: CaseStatus
    status_zh: str
    registered_at: dt.datetime
    decision_deadline: dt.datetime
    #: calendar days left to decide (negative when late); null once decided
    decision_days_left: int | None
    decision_overdue: bool
    extended_days: int
    extension_reason: str | None
    extended_by_name: str | None
    extended_at: dt.datetime | None
    review_submitted_at: dt.datetime | None
    review_due: dt.datetime | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str | None
    record_entries: int
    record_head: str | None
    correlation_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CaseDetail(CaseOut):
    decision: DecisionOut | None = None
    rights_notices: list[RightsNoticeOut] = []
    legal_reviews: list[LegalReviewOut] = []
    deliberations: list[DeliberationOut] = []
    hearings: list[HearingOut] = []
    statements: list[StatementOut] = []
    service: ServiceOut | None = None
    payment: PaymentPlanOut | None = None
