"""Shape the grid workers' results for the API."""

from __future__ import annotations

from assessment.gridworkers import rules
from assessment.gridworkers.models import DismissalReview, GridWorker, PeriodResult
from assessment.gridworkers.schemas import ResultOut, ReviewOut, WorkerOut
from assessment.periods.schemas import PeriodKind


def worker_out(w: GridWorker) -> WorkerOut:
    return WorkerOut(
        worker_id=w.worker_id,
        username=w.username,
        name=w.name,
        post=w.post,
        grid_code=w.grid_code,
        township_code=w.township_code,
        since=w.since,
        until=w.until,
    )


def result_out(r: PeriodResult) -> ResultOut:
    return ResultOut(
        worker_id=r.worker_id,
        period=r.period,
        kind=PeriodKind(r.kind),
        township_code=r.township_code,
        grid_code=r.grid_code,
        work_score=r.work_score,
        satisfaction_rate=r.satisfaction_rate,
        score=r.score,
        failing=r.failing,
        grade_by_score=rules.Grade(r.grade_by_score) if r.grade_by_score else None,
        bar=rules.Bar(r.bar) if r.bar else None,
        bar_zh=rules.Bar(r.bar).label_zh if r.bar else None,
        capped=r.capped,
        grade=rules.Grade(r.grade) if r.grade else None,
        grade_zh=rules.Grade(r.grade).label_zh if r.grade else None,
        award_yuan=r.award_yuan,
        parts=r.parts,
        assessed_at=r.assessed_at,
        assessed_by=r.assessed_by,
    )


def review_out(r: DismissalReview) -> ReviewOut:
    return ReviewOut(
        id=r.id,
        worker_id=r.worker_id,
        township_code=r.township_code,
        reason=rules.ReviewReason(r.reason),
        reason_zh=rules.ReviewReason(r.reason).label_zh,
        basis=r.basis,
        status=rules.ReviewStatus(r.status),
        status_zh=rules.ReviewStatus(r.status).label_zh,
        opened_at=r.opened_at,
        decided_at=r.decided_at,
        decided_by=r.decided_by,
        decision_note=r.decision_note,
    )
