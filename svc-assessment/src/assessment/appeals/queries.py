"""Shape appeals for the API."""

from __future__ import annotations

from assessment.appeals import rules
from assessment.appeals.models import Appeal
from assessment.appeals.schemas import AppealOut
from assessment.periods.schemas import AreaLevel


def appeal_out(a: Appeal) -> AppealOut:
    return AppealOut(
        id=a.id,
        subject_kind=rules.SubjectKind(a.subject_kind),
        subject_id=a.subject_id,
        area_code=a.area_code,
        dept=a.dept,
        period=a.period,
        figure=a.figure,
        reasons=a.reasons,
        assessing_level=AreaLevel(a.assessing_level),
        filed_by=a.filed_by,
        filed_at=a.filed_at,
        window_ends_at=a.window_ends_at,
        status=rules.AppealStatus(a.status),
        status_zh=rules.AppealStatus(a.status).label_zh,
        decided_by=a.decided_by,
        decided_at=a.decided_at,
        decision_note=a.decision_note,
    )
