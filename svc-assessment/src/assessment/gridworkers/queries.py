"""Shape the grid workers' scores, surveys, results, reviews and awards for the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from assessment.gridworkers import rules, service
from assessment.gridworkers.models import Complaint, DismissalReview, GridWorker, PeriodResult, Survey, SurveyAnswer
from assessment.gridworkers.schemas import (
    AnswerOut,
    AssessOut,
    ComplaintOut,
    DrawCheck,
    ResultOut,
    ReviewOut,
    SatisfactionOut,
    SurveyOut,
    WorkerOut,
    WorkerScoreOut,
)
from assessment.gridworkers.service import WorkerScore
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


def score_out(s: WorkerScore, satisfaction_weight: int) -> WorkerScoreOut:
    """A worker's score for a period; the village's month has no survey, so no satisfaction."""
    period = s.period
    return WorkerScoreOut(
        worker=worker_out(s.worker),
        period=period.text,
        period_kind=PeriodKind(period.kind),
        counts=s.counts,
        rates=s.rates,
        formulas=s.formulas,
        work_score=s.work_score,
        satisfaction=None
        if period.kind == "month"
        else SatisfactionOut(
            survey_id=s.satisfaction.survey_id,
            drawn=s.satisfaction.drawn,
            answers=s.satisfaction.answers,
            rate=s.satisfaction.rate,
        ),
        satisfaction_weight=satisfaction_weight,
        score=s.score,
    )


async def survey_out(session: AsyncSession, survey: Survey) -> SurveyOut:
    """A survey with the answers recorded so far."""
    answers = await service.answers_of(session, survey.id)
    return SurveyOut(
        id=survey.id,
        worker_id=survey.worker_id,
        grid_code=survey.grid_code,
        township_code=survey.township_code,
        period=survey.period,
        seed=survey.seed,
        candidates=survey.candidates,
        sample_size=survey.sample_size,
        drawn=survey.drawn,
        answers={a.household_id: a.result for a in answers},
        created_at=survey.created_at,
        created_by=survey.created_by,
    )


def draw_check_out(survey: Survey) -> DrawCheck:
    """The survey redrawn from its seed and candidates, next to the stored draw."""
    redrawn = rules.draw(survey.seed, survey.candidates, survey.sample_size)
    return DrawCheck(
        survey_id=survey.id,
        seed=survey.seed,
        candidates=survey.candidates,
        sample_size=survey.sample_size,
        drawn=survey.drawn,
        redrawn=redrawn,
        reproduced=redrawn == survey.drawn,
        method="candidates ordered by SHA-256 of 'seed:household_id' (hex), the first sample_size drawn",
    )


def answer_out(answer: SurveyAnswer) -> AnswerOut:
    result = rules.SurveyResult(answer.result)
    return AnswerOut(
        survey_id=answer.survey_id,
        household_id=answer.household_id,
        result=result,
        result_zh=result.label_zh,
        recorded_at=answer.recorded_at,
    )


def assess_out(
    period: str, township_code: str, results: Sequence[PeriodResult], reviews: Sequence[DismissalReview]
) -> AssessOut:
    return AssessOut(
        period=period,
        township_code=township_code,
        results=[result_out(r) for r in results],
        reviews_opened=[review_out(r) for r in reviews],
    )


def complaint_out(complaint: Complaint, review: DismissalReview | None) -> ComplaintOut:
    return ComplaintOut(
        id=complaint.id,
        worker_id=complaint.worker_id,
        township_code=complaint.township_code,
        reference=complaint.reference,
        verified_on=complaint.verified_on,
        review_opened=review_out(review) if review else None,
    )


AWARD_HEADERS = ("序号", "乡镇(街道)代码", "网格编码", "姓名", "账号", "考核年度", "年度等次", "奖励金额(元)", "依据")


def award_rows(rows: Sequence[tuple[PeriodResult, GridWorker]]) -> list[tuple[object, ...]]:
    """The awards for finance, one row each under ``AWARD_HEADERS``."""
    return [
        (
            i,
            r.township_code,
            r.grid_code,
            w.name,
            w.username or "",
            r.period,
            rules.Grade(r.grade).label_zh if r.grade else "",
            r.award_yuan,
            "《网格员管理办法》第三十三条：年度考核优秀，一次性奖励",
        )
        for i, (r, w) in enumerate(rows, start=1)
    ]
