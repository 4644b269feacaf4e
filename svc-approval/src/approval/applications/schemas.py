"""API shapes of applications."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from approval.catalogue.schemas import ItemKind
from jiceng_shared.enums import LabelledEnum

AreaCode = Field(pattern=r"^\d{12}(\d{3})?$")


class ApplicationStatus(LabelledEnum):
    """Where an application is (also the status each step of its timeline leaves it in)."""

    RECEIVED = "received", "已收件待审查"
    AWAITING_MATERIALS = "awaiting_materials", "待补正材料"
    ACCEPTED = "accepted", "已受理"
    DECIDED = "decided", "已决定待出件"
    COMPLETED = "completed", "已办结"
    NOT_ACCEPTED = "not_accepted", "不予受理"


class ApplicationOutcome(LabelledEnum):
    APPROVED = "approved", "准予"
    REJECTED = "rejected", "不予准予"


class ApplicationChannel(LabelledEnum):
    WINDOW = "window", "窗口受理"
    PROXY = "proxy", "代办"


class GreenChannel(LabelledEnum):
    """Who is handled first (绿色通道)."""

    ELDERLY = "elderly", "老年人"
    DISABLED = "disabled", "残疾人"
    VETERAN = "veteran", "退役军人"
    INVESTMENT_ENTERPRISE = "investment_enterprise", "招商引资企业"


class ExtensionStatus(LabelledEnum):
    REQUESTED = "requested", "待批准"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


class ReceiptKind(LabelledEnum):
    ACCEPTANCE = "acceptance", "受理通知书"
    NON_ACCEPTANCE = "non_acceptance", "不予受理决定书"
    NOTICE = "notice", "一次性告知书"
    DECISION = "decision", "决定书"


class ApplicantKind(LabelledEnum):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人或者其他组织"


class ViolationKind(LabelledEnum):
    """How a clerk broke the one-time-notice rule (一次性告知), the refused attempt kept."""

    MATERIAL_WAS_PRESENT = "material_was_present", "首次审查时已齐全合格的材料又要求补正"
    NOT_IN_FIRST_NOTICE = "not_in_first_notice", "要求补正一次性告知书未列明的材料"


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ApplicantKind = ApplicantKind.PERSON
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(pattern=r"^[0-9A-Z]{15,18}$", description="resident ID or unified social credit code")
    phone: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$")
    area_code: str | None = Field(
        None,
        pattern=r"^\d{12}(\d{3})?$",
        description="where the applicant lives or is registered (default: this township)",
    )


class MaterialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=60)
    defect: str | None = Field(None, min_length=1, max_length=500, description="why it is not in lawful form, if so")


class ApplicationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_code: str = Field(min_length=1, max_length=60)
    applicant: ApplicantIn
    materials: list[MaterialIn] = Field(default_factory=list, max_length=50, description="the materials handed in")
    door_to_door: bool = Field(False, description="上门办")
    extended_hours: bool = Field(False, description="延时办")
    holiday: bool = Field(False, description="假日办")
    green_channel: GreenChannel | None = Field(None, description="priority handling (绿色通道)")
    note: str | None = Field(None, max_length=2000, description="internal note")


class WindowApplicationCreate(ApplicationBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "item_code": "homestead_building",
                    "applicant": {"name": "张三", "id_number": "320911195001011234", "phone": "13800000000"},
                    "materials": [{"code": "application_form"}, {"code": "id_card"}],
                    "green_channel": "elderly",
                }
            ]
        },
    )
    township_code: str | None = Field(
        None, pattern=r"^\d{12}$", description="the window's township, if you serve several"
    )
    check_later: bool = Field(
        False,
        description="take the materials for checking; accept or issue the one-time notice within the notice window",
    )


class ProxyApplicationCreate(ApplicationBody):
    pass


class NonAcceptanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)
    competent_authority: str = Field(
        min_length=1, max_length=200, description="the authority the applicant should turn to"
    )


class NoticeItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=60)
    note: str | None = Field(None, max_length=500, description="what is wrong or what to bring")


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[NoticeItemIn] = Field(
        default_factory=list,
        max_length=50,
        description="defective or missing materials; every missing required material is added anyway",
    )


class SupplementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    materials: list[MaterialIn] = Field(min_length=1, max_length=50)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: ApplicationOutcome
    reasons: str | None = Field(None, max_length=4000, description="required for a refusal (law art. 38)")


class HandoutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery: Literal["window", "mail", "door_to_door"] = "window"
    note: str | None = Field(None, max_length=2000)
    outcome: ApplicationOutcome | None = Field(
        None, description="instant items only: the window decides and hands out at once (default approved)"
    )
    reasons: str | None = Field(None, max_length=4000, description="required when an instant item is refused")


class PauseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Literal["hearing", "testing", "appraisal", "expert_review"]
    note: str | None = Field(None, max_length=2000)


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    note: str | None = Field(None, max_length=2000)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    public: bool = Field(False, description="shown to the applicant in the public status lookup")


# --- out -------------------------------------------------------------------------------------


class MaterialOut(BaseModel):
    code: str
    name: str
    requirement: str
    present: bool
    defect: str | None
    supplied_at: dt.datetime | None


class NoticeItemOut(BaseModel):
    code: str
    name: str
    problem: str
    problem_zh: str
    note: str | None


class NoticeOut(BaseModel):
    id: str
    number: str
    sequence: int
    items: list[NoticeItemOut]
    issued_at: dt.datetime
    in_time: bool
    issued_by_name: str


class ReceiptOut(BaseModel):
    kind: ReceiptKind
    kind_zh: str
    number: str
    issued_at: dt.datetime
    issued_on: dt.date
    content: dict


class StepOut(BaseModel):
    at: dt.datetime
    action: str
    status: ApplicationStatus
    status_zh: str
    note: str
    public: bool
    actor_name: str | None


class PauseOut(BaseModel):
    id: str
    reason: str
    reason_zh: str
    note: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    workdays: int | None


class ExtensionOut(BaseModel):
    id: str
    days: int
    reason: str
    status: ExtensionStatus
    status_zh: str
    requested_by_name: str
    requested_at: dt.datetime
    decided_by_name: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    version: int


class ViolationOut(BaseModel):
    id: str
    application_id: str
    kind: ViolationKind
    clerk_id: str
    clerk_username: str | None
    clerk_name: str
    material_codes: list[str]
    detail: str
    at: dt.datetime


class ApplicationOut(BaseModel):
    id: str
    receipt_number: str
    item_code: str
    item_version: int
    item_name: str
    kind: ItemKind
    kind_zh: str
    limit_workdays: int | None
    channel: ApplicationChannel
    channel_zh: str
    applicant_kind: ApplicantKind
    applicant_name: str
    #: lists carry the ID number masked (320911********1234); the full number is in the detail only,
    #: whose every reading the gateway audits
    applicant_id_number_masked: str
    applicant_area_code: str
    proxy_agent_name: str | None
    door_to_door: bool
    extended_hours: bool
    holiday: bool
    green_channel: GreenChannel | None
    green_channel_zh: str | None
    priority: bool
    area_code: str
    township_code: str
    competent_unit_code: str
    competent_unit_name: str
    competent_township_code: str
    cross_township: bool
    status: ApplicationStatus
    status_zh: str
    outcome: ApplicationOutcome | None
    outcome_zh: str | None
    received_at: dt.datetime
    received_by_name: str
    notice_due: dt.datetime | None
    accepted_at: dt.datetime | None
    accepted_on: dt.date | None
    deemed_accepted: bool
    clerk_id: str | None
    clerk_username: str | None
    clerk_name: str | None
    deadline: dt.datetime | None
    extension_days: int
    paused_days: int
    paused: bool
    decided_at: dt.datetime | None
    issue_deadline: dt.datetime | None
    completed_at: dt.datetime | None
    on_time: bool | None
    overrun_seconds: int | None
    overdue: bool
    rated: bool
    rating_invited_at: dt.datetime | None
    competent_authority: str | None
    correlation_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ApplicationDetail(ApplicationOut):
    applicant_id_number: str
    applicant_phone: str | None
    decision_reasons: str | None
    appeal_route: str | None
    non_acceptance_reason: str | None
    delivery: str | None
    materials: list[MaterialOut]
    notices: list[NoticeOut]
    receipts: list[ReceiptOut]
    timeline: list[StepOut]
    pauses: list[PauseOut]
    extensions: list[ExtensionOut]
    violations: list[ViolationOut]


class ApplicationReceived(ApplicationOut):
    applicant_id_number: str
    materials: list[MaterialOut]
    notices: list[NoticeOut]
    #: printed on the receipt; with the receipt number it opens the public status lookup (shown once)
    check_code: str


class ApplicationCompletedOut(ApplicationDetail):
    #: handed to the applicant with the result; rates the service once (shown once)
    rating_code: str


# --- public ----------------------------------------------------------------------------------


class PublicStatusLookup(BaseModel):
    """The receipt number and the check code printed on the receipt, in the body: never in a URL,
    where secrets end up in access logs, browser history and Referer headers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"receipt_number": "SL-320971100-2026-000001", "check_code": "Q7M2K9XA"}]},
    )
    receipt_number: str = Field(min_length=1, max_length=40)
    check_code: str = Field(min_length=4, max_length=16, description="printed on the receipt")


class PublicStep(BaseModel):
    at: dt.datetime
    status: ApplicationStatus
    status_zh: str
    note: str


class PublicStatus(BaseModel):
    receipt_number: str
    item_name: str
    status: ApplicationStatus
    status_zh: str
    outcome: ApplicationOutcome | None
    outcome_zh: str | None
    received_at: dt.datetime
    accepted_on: dt.date | None
    deadline: dt.datetime | None
    completed_at: dt.datetime | None
    handled_by_zh: str
    missing_materials: list[NoticeItemOut]
    receipts: list[ReceiptOut]
    timeline: list[PublicStep]
