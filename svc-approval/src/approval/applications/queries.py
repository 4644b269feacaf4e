"""Response shaping of applications: the row as lists show it, the detail, the receipts and notices."""

from __future__ import annotations

from typing import TypeVar

from approval.applications import rules, service
from approval.applications.models import Application, ApplicationMaterial, Notice, Receipt
from approval.applications.schemas import (
    ApplicationDetail,
    ApplicationOut,
    ApplicationReceived,
    ExtensionOut,
    MaterialOut,
    NoticeItemOut,
    NoticeOut,
    PauseOut,
    PublicStatus,
    PublicStep,
    ReceiptOut,
    StepOut,
    ViolationOut,
)
from approval.catalogue.rules import KIND_LABELS
from jiceng_shared.masking import mask_id_number

#: the answer shaped: the summary, or a fuller answer built on it
Shaped = TypeVar("Shaped", bound=ApplicationOut)
Detailed = TypeVar("Detailed", bound=ApplicationDetail)


def application_out(app: Application, model: type[Shaped], **extra: object) -> Shaped:
    """The application as lists show it (ID number masked); ``model`` and ``extra`` make the fuller
    answers, which add the full ID number themselves."""
    data = {name: getattr(app, name) for name in ApplicationOut.model_fields if hasattr(app, name)}
    data["applicant_id_number_masked"] = mask_id_number(app.applicant_id_number)
    return model(
        **data,
        kind_zh=KIND_LABELS[app.kind],
        channel_zh=rules.CHANNEL_LABELS[app.channel],
        green_channel_zh=rules.GREEN_CHANNEL_LABELS.get(app.green_channel or ""),
        status_zh=rules.STATUS_LABELS[app.status],
        outcome_zh=rules.OUTCOME_LABELS.get(app.outcome or ""),
        paused=app.paused_since is not None,
        **extra,
    )


def material_out(m: ApplicationMaterial) -> MaterialOut:
    return MaterialOut(
        code=m.code,
        name=m.name,
        requirement=m.requirement,
        present=m.present,
        defect=m.defect,
        supplied_at=m.supplied_at,
    )


def notice_out(n: Notice) -> NoticeOut:
    return NoticeOut(
        id=n.id,
        number=n.number,
        sequence=n.sequence,
        issued_at=n.issued_at,
        in_time=n.in_time,
        issued_by_name=n.issued_by_name,
        items=[NoticeItemOut(**i, problem_zh=rules.PROBLEM_LABELS[i["problem"]]) for i in n.items],
    )


def receipt_out(r: Receipt) -> ReceiptOut:
    return ReceiptOut(
        kind=r.kind,
        kind_zh=rules.RECEIPT_LABELS[r.kind],
        number=r.number,
        issued_at=r.issued_at,
        issued_on=r.issued_on,
        content=r.content,
    )


def detail_out(d: service.Detail, model: type[Detailed], **extra: object) -> Detailed:
    app = d.app
    return application_out(
        app,
        model,
        applicant_id_number=app.applicant_id_number,
        applicant_phone=app.applicant_phone,
        decision_reasons=app.decision_reasons,
        appeal_route=app.appeal_route,
        non_acceptance_reason=app.non_acceptance_reason,
        delivery=app.delivery,
        materials=[material_out(m) for m in d.materials],
        notices=[notice_out(n) for n in d.notices],
        receipts=[receipt_out(r) for r in d.receipts],
        timeline=[
            StepOut(
                at=s.at,
                action=s.action,
                status=s.status,
                status_zh=rules.STATUS_LABELS[s.status],
                note=s.note,
                public=s.public,
                actor_name=s.actor_name,
            )
            for s in d.steps
        ],
        pauses=[
            PauseOut(
                id=p.id,
                reason=p.reason,
                reason_zh=rules.PAUSE_REASONS[p.reason],
                note=p.note,
                started_at=p.started_at,
                ended_at=p.ended_at,
                workdays=p.workdays,
            )
            for p in d.pauses
        ],
        extensions=[
            ExtensionOut(
                **{k: getattr(e, k) for k in ExtensionOut.model_fields if k != "status_zh"},
                status_zh=rules.EXTENSION_LABELS[e.status],
            )
            for e in d.extensions
        ],
        violations=[ViolationOut.model_validate(v, from_attributes=True) for v in d.violations],
        **extra,
    )


def received_out(r: service.Received) -> ApplicationReceived:
    return application_out(
        r.app,
        ApplicationReceived,
        applicant_id_number=r.app.applicant_id_number,
        materials=[material_out(m) for m in r.materials],
        notices=[notice_out(r.notice)] if r.notice else [],
        check_code=r.check_code,
    )


def public_status_out(d: service.Detail) -> PublicStatus:
    """What anyone holding the receipt number and check code sees: the public steps only."""
    app = d.app
    pending = d.notices[-1] if d.notices and app.status == "awaiting_materials" else None
    return PublicStatus(
        receipt_number=app.receipt_number,
        item_name=app.item_name,
        status=app.status,
        status_zh=rules.STATUS_LABELS[app.status],
        outcome=app.outcome,
        outcome_zh=rules.OUTCOME_LABELS.get(app.outcome or ""),
        received_at=app.received_at,
        accepted_on=app.accepted_on,
        deadline=app.deadline,
        completed_at=app.completed_at,
        handled_by_zh=app.competent_unit_name,
        missing_materials=notice_out(pending).items if pending else [],
        receipts=[receipt_out(r) for r in d.receipts],
        timeline=[
            PublicStep(at=s.at, status=s.status, status_zh=rules.STATUS_LABELS[s.status], note=s.note)
            for s in d.steps
            if s.public
        ],
    )
