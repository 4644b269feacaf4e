"""API shapes of the facts behind the figures."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from jiceng_shared.enums import LabelledEnum


class FactKind(LabelledEnum):
    """What a fact behind a figure is (a ticket's assignment, a clerk's notice, a worker's visit...)."""

    ASSIGNMENT = "assignment", "派单"
    CLOSURE = "closure", "结案"
    REWORK = "rework", "返工"
    ESCALATION = "escalation", "督办"
    EXTENSION = "extension", "延期"
    RETURN = "return", "退单"
    TRANSFER = "transfer", "移送"
    REASSIGNMENT = "reassignment", "改派"
    SUMMONS = "summons", "吹哨报到"
    CASE_CLOSED = "case_closed", "案件办结"
    CASE_OVERDUE = "case_overdue", "案件超期"
    ACCEPTED = "accepted", "受理"
    COMPLETED = "completed", "办结"
    OVERDUE = "overdue", "超期"
    NOTICE = "notice", "一次性告知"
    RATING = "rating", "好差评"
    RECTIFICATION = "rectification", "差评整改"
    VISIT = "visit", "走访"
    VISIT_OVERDUE = "visit_overdue", "走访超期"
    DIARY = "diary", "民情日志"
    REPORT = "report", "上报"
    REPORT_VOIDED = "report_voided", "上报作废"
    TASK = "task", "准入任务"
    VERIFICATION = "verification", "核查"
    SIGNED_FOR = "signed_for", "签收"
    CALLBACK = "callback", "回访"


class EvidenceSubject(LabelledEnum):
    """Whose figures the facts explain."""

    UNIT = "unit", "承办单位"
    CLERK = "clerk", "窗口人员"
    GRID_WORKER = "grid_worker", "网格员"
    HOTLINE_TOWNSHIP = "hotline_township", "接诉即办(乡镇街道)"
    HOTLINE_DEPARTMENT = "hotline_department", "接诉即办(部门)"


class FactOut(BaseModel):
    kind: FactKind
    kind_zh: str
    ref: str = Field(description="what the fact is about: the ticket, application, rating, visit, case... id")
    at: dt.datetime | None
    period: str = Field(description="the month it counts in (Asia/Shanghai)")
    on_time: bool | None
    feeds: list[str] = Field(description="the counts this fact feeds")
    detail: dict[str, object]
    correlation_id: str | None = Field(description="the journey of the events it came from")


class Evidence(BaseModel):
    subject_kind: EvidenceSubject
    subject_id: str
    period: str
    items: list[FactOut]
