"""HTTP routes of the grid workers' assessment: scores, surveys, quarter and year, complaints,
dismissal reviews, the finance export of awards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from assessment import export
from assessment.gridworkers import rules, service
from assessment.gridworkers.queries import (
    AWARD_HEADERS,
    answer_out,
    assess_out,
    award_rows,
    complaint_out,
    draw_check_out,
    result_out,
    review_out,
    score_out,
    survey_out,
)
from assessment.gridworkers.schemas import (
    AnswerCreate,
    AnswerOut,
    AssessOut,
    AssessRequest,
    ComplaintCreate,
    ComplaintOut,
    DrawCheck,
    ResultOut,
    ReviewDecision,
    ReviewOut,
    SurveyCreate,
    SurveyOut,
    WorkerScoreOut,
)
from assessment.paging import page_by_key, page_by_keys
from assessment.periods.params import PeriodParam
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/grid-workers", tags=["grid workers"])

Reader = Annotated[Principal, Depends(require(service.READ))]
Assessor = Annotated[Principal, Depends(require(service.ASSESS))]
Grader = Annotated[Principal, Depends(require(service.GRADE))]


@router.get("", response_model=Page[WorkerScoreOut], summary="Grid workers in your scope with their score for a period")
async def list_scores(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    worker_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[WorkerScoreOut]:
    found = await service.workers_in_scope(
        session,
        principal,
        service.READ,
        township_code=township_code,
        worker_id=worker_id,
        active_between=service.period_days(period),
        limit=limit,
        cursor=cursor,
    )
    workers, next_cursor = page_by_key(found, limit, lambda w: w.worker_id)
    weight = ctx.settings.grid_satisfaction_weight
    scored = await service.scores(
        session,
        workers,
        period,
        today=ctx.calendar.local_date(ctx.now()),
        satisfaction_weight=weight,
        diaries_per_month=ctx.settings.grid_diaries_per_month,
    )
    items = [score_out(s, weight) for s in scored]
    return Page[WorkerScoreOut](items=items, next_cursor=next_cursor)


@router.post(
    "/surveys",
    status_code=201,
    response_model=SurveyOut,
    summary="Draw a worker's respondents at random",
    openapi_extra=problems({409: ["survey_exists"], 422: ["invalid_period", "no_households"]}),
)
async def draw_survey(body: SurveyCreate, ctx: Ctx, session: Tx, principal: Assessor) -> SurveyOut:
    survey = await service.draw_survey(
        session,
        principal,
        worker_id=body.worker_id,
        period=body.period,
        sample_size=body.sample_size or ctx.settings.grid_survey_sample_size,
        now=ctx.now(),
    )
    return await survey_out(session, survey)


@router.get("/surveys", response_model=Page[SurveyOut], summary="Surveys of a worker or a period")
async def list_surveys(
    session: ReadSession,
    principal: Reader,
    worker_id: Annotated[str | None, Query(max_length=64)] = None,
    period: Annotated[str | None, Query(pattern=r"^\d{4}(-Q[1-4])?$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[SurveyOut]:
    found = await service.list_surveys(
        session, principal, worker_id=worker_id, period=period, limit=limit, cursor=cursor
    )
    surveys, next_cursor = page_by_keys(found, limit, lambda s: (s.period, s.worker_id))
    return Page[SurveyOut](items=[await survey_out(session, s) for s in surveys], next_cursor=next_cursor)


@router.get(
    "/surveys/draw-check",
    response_model=DrawCheck,
    summary="Redraw a survey from its seed and candidates",
    openapi_extra=problems({404: ["not_found"]}),  # no such survey in your scope
)
async def draw_check(
    session: ReadSession, principal: Reader, survey_id: Annotated[str, Query(max_length=36)]
) -> DrawCheck:
    survey = await service.get_survey(session, principal, survey_id)
    return draw_check_out(survey)


@router.post(
    "/surveys/answers",
    status_code=201,
    response_model=AnswerOut,
    summary="Record a respondent's answer",
    openapi_extra=problems({409: ["already_answered", "period_assessed"], 422: ["not_drawn"]}),
)
async def record_answer(body: AnswerCreate, ctx: Ctx, session: Tx, principal: Assessor) -> AnswerOut:
    answer = await service.record_answer(
        session,
        principal,
        survey_id=body.survey_id,
        household_id=body.household_id,
        result=body.result.value,
        now=ctx.now(),
    )
    return answer_out(answer)


@router.post(
    "/quarters/{quarter}/assess",
    status_code=201,
    response_model=AssessOut,
    summary="The township's quarterly assessment of its grid workers",
    openapi_extra=problems(
        {
            409: ["period_not_ended", "already_assessed", "satisfaction_missing"],
            422: ["not_a_township", "no_grid_workers"],
        }
    ),
)
async def assess_quarter(
    quarter: Annotated[str, Path(pattern=r"^\d{4}-Q[1-4]$")],
    body: AssessRequest,
    ctx: Ctx,
    session: Tx,
    principal: Assessor,
) -> AssessOut:
    results, reviews = await service.assess_quarter(
        session, principal, quarter, body.township_code, settings=ctx.settings, now=ctx.now()
    )
    return assess_out(quarter, body.township_code, results, reviews)


@router.post(
    "/years/{year}/grade",
    status_code=201,
    response_model=AssessOut,
    summary="The county's annual grades of a township's grid workers (cap and bars applied)",
    openapi_extra=problems(
        {
            409: ["period_not_ended", "already_assessed", "satisfaction_missing"],
            422: ["not_a_township", "no_grid_workers"],
        }
    ),
)
async def grade_year(
    year: Annotated[str, Path(pattern=r"^\d{4}$")],
    body: AssessRequest,
    ctx: Ctx,
    session: Tx,
    principal: Grader,
) -> AssessOut:
    results, reviews = await service.grade_year(
        session, principal, year, body.township_code, settings=ctx.settings, now=ctx.now()
    )
    return assess_out(year, body.township_code, results, reviews)


@router.get("/results", response_model=Page[ResultOut], summary="Quarterly or annual results as assessed")
async def list_grid_worker_results(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    period: Annotated[
        str | None, Query(pattern=r"^\d{4}(-Q[1-4])?$", description="a quarter or a year; default: last year")
    ] = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ResultOut]:
    chosen = period or _last_year(ctx)
    found = await service.results(session, principal, chosen, township_code=township_code, limit=limit, cursor=cursor)
    results, next_cursor = page_by_keys(found, limit, lambda r: (r.township_code, r.worker_id))
    return Page[ResultOut](items=[result_out(r) for r in results], next_cursor=next_cursor)


def _last_year(ctx: Ctx) -> str:
    return str(ctx.calendar.local_date(ctx.now()).year - 1)


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintOut,
    summary="Record a verified complaint",
    openapi_extra=problems({409: ["complaint_exists"], 422: ["verified_in_future"]}),
)
async def record_complaint(body: ComplaintCreate, ctx: Ctx, session: Tx, principal: Assessor) -> ComplaintOut:
    complaint, review = await service.record_complaint(
        session,
        principal,
        worker_id=body.worker_id,
        reference=body.reference,
        verified_on=body.verified_on,
        note=body.note,
        threshold=ctx.settings.grid_dismissal_complaints,
        now=ctx.now(),
    )
    return complaint_out(complaint, review)


@router.get("/dismissal-reviews", response_model=Page[ReviewOut], summary="Dismissal reviews (解聘审查), newest first")
async def list_reviews(
    session: ReadSession,
    principal: Reader,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    status: rules.ReviewStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ReviewOut]:
    found = await service.reviews(
        session,
        principal,
        township_code=township_code,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    reviews, next_cursor = page_of(found, limit, created="opened_at")
    return Page[ReviewOut](items=[review_out(r) for r in reviews], next_cursor=next_cursor)


@router.post(
    "/dismissal-reviews/{review_id}/decision",
    response_model=ReviewOut,
    summary="Decide a dismissal review (解聘 or not), with the reasons",
    openapi_extra=problems({409: ["review_decided"]}),
)
async def decide_review(
    review_id: str,
    body: ReviewDecision,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.DECIDE_REVIEW))],
) -> ReviewOut:
    review = await service.decide_review(
        session, principal, review_id, decision=rules.ReviewStatus(body.decision.value), note=body.note, now=ctx.now()
    )
    return review_out(review)


@router.get("/awards", summary="The year's 优秀 awards for finance (CSV or XLSX)", response_class=Response)
async def export_awards(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    year: Annotated[str | None, Query(pattern=r"^\d{4}$", description="default: last year")] = None,
    format: export.Format = "csv",
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> Response:
    year = year or _last_year(ctx)
    rows = await service.awards(session, principal, year, township_code=township_code)
    return export.download(
        f"grid-worker-awards-{year}", format, f"{year}网格员年度优秀奖励", AWARD_HEADERS, award_rows(rows)
    )
