"""The event payloads an application emits, built from its row (contracts: jiceng_shared.contracts.approval)."""

from __future__ import annotations

import datetime as dt

from approval.applications.models import Application, Notice
from jiceng_shared.contracts.approval import (
    ApplicationAccepted,
    ApplicationCompleted,
    ApplicationOverdue,
    NoticeIssued,
)


def accepted(app: Application) -> ApplicationAccepted:
    assert app.accepted_at is not None
    return ApplicationAccepted(
        application_id=app.id,
        receipt_number=app.receipt_number,
        item_code=app.item_code,
        township_code=app.township_code,
        competent_township_code=app.competent_township_code,
        clerk_id=app.clerk_id,
        instant=app.kind == "instant",
        accepted_at=app.accepted_at,
        deadline=app.deadline,
        proxy=app.channel == "proxy",
        clerk_username=app.clerk_username,
        clerk_name=app.clerk_name,
        area_code=app.area_code,
        item_name=app.item_name,
        item_version=app.item_version,
        limit_workdays=app.limit_workdays,
        competent_unit_code=app.competent_unit_code,
        competent_dept=app.competent_dept,
        received_at=app.received_at,
        deemed_accepted=app.deemed_accepted,
        channel=app.channel,
        proxy_agent_id=app.proxy_agent_id,
        proxy_agent_username=app.proxy_agent_username,
        priority=app.priority,
        green_channel=app.green_channel,
        cross_township=app.cross_township,
    )


def completed(app: Application) -> ApplicationCompleted:
    assert app.completed_at is not None and app.outcome is not None
    return ApplicationCompleted(
        application_id=app.id,
        receipt_number=app.receipt_number,
        item_code=app.item_code,
        township_code=app.township_code,
        clerk_id=app.clerk_id,
        outcome=app.outcome,
        completed_at=app.completed_at,
        deadline=app.deadline,
        on_time=bool(app.on_time),
        clerk_username=app.clerk_username,
        area_code=app.area_code,
        competent_township_code=app.competent_township_code,
        competent_dept=app.competent_dept,
        instant=app.kind == "instant",
        accepted_at=app.accepted_at,
        decided_at=app.decided_at,
        issue_deadline=app.issue_deadline,
        overrun_seconds=app.overrun_seconds or 0,
        handed_out_by_id=app.handed_out_by_id,
        handed_out_by_username=app.handed_out_by_username,
        proxy=app.channel == "proxy",
        proxy_agent_id=app.proxy_agent_id,
        proxy_agent_username=app.proxy_agent_username,
        cross_township=app.cross_township,
    )


def overdue(app: Application, *, phase: str, deadline: dt.datetime, detected_at: dt.datetime) -> ApplicationOverdue:
    return ApplicationOverdue(
        application_id=app.id,
        receipt_number=app.receipt_number,
        item_code=app.item_code,
        township_code=app.township_code,
        clerk_id=app.clerk_id,
        deadline=deadline,
        detected_at=detected_at,
        clerk_username=app.clerk_username,
        area_code=app.area_code,
        phase=phase,
        instant=app.kind == "instant",
        competent_township_code=app.competent_township_code,
        competent_dept=app.competent_dept,
    )


def notice_issued(app: Application, notice: Notice) -> NoticeIssued:
    return NoticeIssued(
        application_id=app.id,
        notice_id=notice.id,
        township_code=app.township_code,
        clerk_id=notice.issued_by_id,
        missing_count=len(notice.items),
        issued_at=notice.issued_at,
        in_time=notice.in_time,
        clerk_username=notice.issued_by_username,
        area_code=app.area_code,
        notice_number=notice.number,
        receipt_number=app.receipt_number,
        item_code=app.item_code,
        sequence=notice.sequence,
        defective_count=sum(1 for i in notice.items if i["problem"] == "defective"),
        material_codes=[i["code"] for i in notice.items],
    )
