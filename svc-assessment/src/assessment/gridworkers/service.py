"""Use cases of the grid workers' assessment: record the grid's evidence, draw and record the
satisfaction surveys, assess quarters (township) and grade years (county), record verified
complaints, open dismissal reviews. Every write is one transaction with its outbox events."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment import formulas
from assessment.counting import count_where, insert_once
from assessment.gridworkers import rules
from assessment.gridworkers.models import (
    Complaint,
    DismissalReview,
    GridWorker,
    Household,
    PeriodResult,
    Survey,
    SurveyAnswer,
    WorkerFact,
)
from assessment.paging import keyset
from assessment.periods.rules import Period, month_bounds, month_of, parse_period
from jiceng_shared.contracts import assessment as contract
from jiceng_shared.db import dialect_insert, new_id
from jiceng_shared.errors import Problem, not_found, scope_denied
from jiceng_shared.identity import Principal, area_level
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import COUNTY_ZONE

READ = "assessment.grid_worker.read"
ASSESS = "assessment.grid_worker.assess"
#: the annual grades, by a county-level binding (002 art. 31)
GRADE = "assessment.grid_worker.grade"
#: a dismissal review decided by the township that employs the worker (or the county above it)
DECIDE_REVIEW = "assessment.dismissal_review.decide"

POST_ORDER = {"full_time": 0, "chief": 1, "auxiliary": 2}
#: the order of the survey and result lists, which their cursors follow
SURVEY_ORDER = (Survey.period, Survey.worker_id)
RESULT_ORDER = (PeriodResult.township_code, PeriodResult.worker_id)


def who(principal: Principal) -> str:
    return principal.username or principal.subject


# --- recording the grid's events ---------------------------------------------------------------


async def worker_rostered(
    session: AsyncSession,
    *,
    worker_id: str,
    roster_id: str,
    username: str | None,
    name: str,
    post: str,
    grid_code: str,
    township_code: str,
    since: dt.date,
    now: dt.datetime,
) -> None:
    table = GridWorker.__table__
    values = {
        "roster_id": roster_id,
        "username": username,
        "name": name,
        "post": post,
        "grid_code": grid_code,
        "township_code": township_code,
        "since": since,
        "until": None,
        "updated_at": now,
    }
    stmt = dialect_insert(session, table).values(worker_id=worker_id, **values)
    # the latest roster entry is the worker's post (a move to another grid is a new entry)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.worker_id], set_=values, where=table.c.since <= stmt.excluded.since
        )
    )
    if username:
        await _claim_verifications(session, username, worker_id, grid_code, since)


async def _claim_verifications(
    session: AsyncSession, username: str, worker_id: str, grid_code: str, since: dt.date
) -> None:
    """The verifications this worker made from ``since`` on that arrived before the roster entry."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=COUNTY_ZONE)
    await session.execute(
        update(WorkerFact)
        .where(
            WorkerFact.kind == "verification",
            WorkerFact.worker_id.is_(None),
            WorkerFact.verifier == username,
            WorkerFact.at >= start,
        )
        .values(worker_id=worker_id, grid_code=grid_code, verifier=None)
    )


async def worker_left(
    session: AsyncSession, *, worker_id: str, roster_id: str, until: dt.date, now: dt.datetime
) -> None:
    await session.execute(
        update(GridWorker)
        .where(GridWorker.worker_id == worker_id, GridWorker.roster_id == roster_id)
        .values(until=until, updated_at=now)
    )


async def household_registered(
    session: AsyncSession, *, household_id: str, grid_code: str, township_code: str, at: dt.datetime
) -> None:
    table = Household.__table__
    stmt = dialect_insert(session, table).values(
        household_id=household_id, grid_code=grid_code, township_code=township_code, registered_at=at
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.household_id],
            set_={"grid_code": stmt.excluded.grid_code, "registered_at": stmt.excluded.registered_at},
        )
    )


async def household_deregistered(
    session: AsyncSession, *, household_id: str, grid_code: str, township_code: str, at: dt.datetime
) -> None:
    table = Household.__table__
    # a deregistration may overtake the registration: keep it, the registration fills in later
    stmt = dialect_insert(session, table).values(
        household_id=household_id,
        grid_code=grid_code,
        township_code=township_code,
        registered_at=at,
        deregistered_at=at,
    )
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[table.c.household_id], set_={"deregistered_at": at})
    )


async def _worker_of_grid(session: AsyncSession, grid_code: str, day: dt.date) -> str | None:
    rows = (
        await session.execute(
            select(GridWorker.worker_id, GridWorker.post).where(
                GridWorker.grid_code == grid_code,
                GridWorker.since <= day,
                or_(GridWorker.until.is_(None), GridWorker.until >= day),
            )
        )
    ).all()
    if not rows:
        return None
    return sorted(rows, key=lambda r: (POST_ORDER.get(r.post, 9), r.worker_id))[0].worker_id


async def record_fact(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    worker_id: str | None,
    grid_code: str | None,
    township_code: str,
    at: dt.datetime,
    on_time: bool | None = None,
    event_id: str,
    correlation_id: str,
    verifier: str | None = None,
) -> None:
    if worker_id is None and grid_code is not None and kind == "visit_overdue":
        # an overdue visit names no worker when the schedule's household has none: the grid's worker
        worker_id = await _worker_of_grid(session, grid_code, at.astimezone(COUNTY_ZONE).date())
    await insert_once(
        session,
        WorkerFact,
        id=new_id(),
        kind=kind,
        key=key,
        worker_id=worker_id,
        grid_code=grid_code,
        township_code=township_code,
        period=month_of(at),
        at=at,
        on_time=on_time,
        event_id=event_id,
        correlation_id=correlation_id,
        verifier=verifier,
    )


async def record_verification(
    session: AsyncSession,
    *,
    ticket_id: str,
    verified_by: str | None,
    handled_at: dt.datetime | None,
    verified_at: dt.datetime,
    township_code: str,
    limit_hours: float,
    event_id: str,
    correlation_id: str,
) -> None:
    """An on-site verification (核查) by a grid worker on the roster that day; anyone else's
    (a dispatcher's) is not a grid worker's figure."""
    if not verified_by:
        return
    day = verified_at.astimezone(COUNTY_ZONE).date()
    worker = (
        await session.scalars(
            select(GridWorker)
            .where(
                GridWorker.username == verified_by,
                GridWorker.since <= day,
                or_(GridWorker.until.is_(None), GridWorker.until >= day),
            )
            .order_by(GridWorker.since.desc())
        )
    ).first()
    # no roster entry yet: kept under the verifier's name for the entry to claim when it comes
    # (a dispatcher's verification stays unclaimed: no grid worker's figure)
    await record_fact(
        session,
        kind="verification",
        key=f"{ticket_id}:{verified_at.isoformat()}",
        worker_id=worker.worker_id if worker else None,
        grid_code=worker.grid_code if worker else None,
        township_code=township_code,
        at=verified_at,
        on_time=rules.verification_on_time(handled_at, verified_at, limit_hours=limit_hours),
        event_id=event_id,
        correlation_id=correlation_id,
        verifier=None if worker else verified_by,
    )


# --- counting the evidence -----------------------------------------------------------------------


async def evidence_counts(
    session: AsyncSession, worker_ids: Sequence[str], months: Sequence[str]
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.COUNT_FIELDS, 0))
    if not worker_ids:
        return out
    f, voided = WorkerFact, aliased(WorkerFact)
    rows = await session.execute(
        select(f.worker_id, f.kind, func.count(), count_where(f.on_time.is_(True)))
        .where(f.worker_id.in_(list(worker_ids)), f.period.in_(list(months)))
        .group_by(f.worker_id, f.kind)
    )
    for worker_id, kind, n, on_time in rows:
        counts = out[worker_id]
        if kind == "visit":
            counts["visits"] = int(n)
        elif kind == "visit_overdue":
            counts["visits_overdue"] = int(n)
        elif kind == "diary":
            counts["diaries"] = int(n)
        elif kind == "report":
            counts["reports"] = int(n)
        elif kind == "task":
            counts["tasks"], counts["tasks_on_time"] = int(n), int(on_time or 0)
        elif kind == "verification":
            counts["verifications"], counts["verifications_on_time"] = int(n), int(on_time or 0)
    rows = await session.execute(
        select(f.worker_id, func.count())
        .where(
            f.worker_id.in_(list(worker_ids)),
            f.period.in_(list(months)),
            f.kind == "report",
            exists().where(voided.kind == "report_voided", voided.key == f.key),
        )
        .group_by(f.worker_id)
    )
    for worker_id, n in rows:
        out[worker_id]["reports_voided"] = int(n)
    return out


def diaries_expected(
    months: Sequence[str], since: dt.date, until: dt.date | None, today: dt.date, per_month: int
) -> int:
    """Signed diaries due in the period: ``per_month`` for each month begun on the roster, up to today."""
    due = 0
    for month in months:
        first = month_bounds(month)[0].astimezone(COUNTY_ZONE).date()
        last = (month_bounds(month)[1].astimezone(COUNTY_ZONE) - dt.timedelta(microseconds=1)).date()
        if first <= today and since <= last and (until is None or until >= first):
            due += per_month
    return due


@dataclass
class Satisfaction:
    survey_id: str | None = None
    drawn: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    rate: float | None = None


@dataclass
class WorkerScore:
    worker: GridWorker
    period: Period
    counts: dict[str, int]
    rates: dict[str, float | None]
    formulas: dict[str, formulas.Formula]
    work_score: float | None
    satisfaction: Satisfaction
    score: float | None


async def satisfaction_of(session: AsyncSession, worker_ids: Sequence[str], period: str) -> dict[str, Satisfaction]:
    surveys = (
        await session.scalars(select(Survey).where(Survey.worker_id.in_(list(worker_ids)), Survey.period == period))
    ).all()
    out = {s.worker_id: Satisfaction(survey_id=s.id, drawn=len(s.drawn)) for s in surveys}
    by_survey = {s.id: s.worker_id for s in surveys}
    if by_survey:
        rows = await session.execute(
            select(SurveyAnswer.survey_id, SurveyAnswer.result, func.count())
            .where(SurveyAnswer.survey_id.in_(list(by_survey)))
            .group_by(SurveyAnswer.survey_id, SurveyAnswer.result)
        )
        for survey_id, result, n in rows:
            out[by_survey[survey_id]].answers[result] = int(n)
    for s in out.values():
        s.rate = rules.satisfaction_rate(Counter(s.answers))
    return out


async def scores(
    session: AsyncSession,
    workers: Sequence[GridWorker],
    period: Period,
    *,
    today: dt.date,
    satisfaction_weight: int,
    diaries_per_month: int,
) -> list[WorkerScore]:
    ids = [w.worker_id for w in workers]
    counts = await evidence_counts(session, ids, period.months)
    # the village's monthly assessment has no survey; quarters and years have theirs
    sat = await satisfaction_of(session, ids, period.text) if period.kind != "month" else {}
    out = []
    for w in workers:
        derived = rules.derived_counts(
            counts[w.worker_id], diaries_expected(period.months, w.since, w.until, today, diaries_per_month)
        )
        rates = formulas.rates(rules.WORK_RATE_DEFS, derived)
        work = rules.work_score(rates)
        s = sat.get(w.worker_id, Satisfaction())
        out.append(
            WorkerScore(
                worker=w,
                period=period,
                counts=derived,
                rates=rates,
                formulas=formulas.explain(rules.WORK_RATE_DEFS, derived),
                work_score=work,
                satisfaction=s,
                score=rules.total_score(work, s.rate, satisfaction_weight=satisfaction_weight),
            )
        )
    return out


async def workers_in_scope(
    session: AsyncSession,
    principal: Principal,
    permission: str,
    *,
    township_code: str | None = None,
    worker_id: str | None = None,
    active_between: tuple[dt.date, dt.date] | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> list[GridWorker]:
    """By worker id; with ``limit``, one page after ``cursor`` and one row more (``page_by_key``)."""
    stmt = select(GridWorker).where(scope_filter(principal, permission, GridWorker.grid_code))
    if township_code is not None:
        stmt = stmt.where(GridWorker.township_code == township_code)
    if worker_id is not None:
        stmt = stmt.where(GridWorker.worker_id == worker_id)
    if active_between is not None:
        first, last = active_between
        stmt = stmt.where(GridWorker.since <= last, or_(GridWorker.until.is_(None), GridWorker.until >= first))
    if limit is not None:
        return list((await session.scalars(keyset(stmt, [GridWorker.worker_id], limit=limit, cursor=cursor))).all())
    return list((await session.scalars(stmt.order_by(GridWorker.worker_id))).all())


def period_days(period: Period) -> tuple[dt.date, dt.date]:
    first = month_bounds(period.months[0])[0].astimezone(COUNTY_ZONE).date()
    last = (month_bounds(period.months[-1])[1].astimezone(COUNTY_ZONE) - dt.timedelta(microseconds=1)).date()
    return first, last


async def get_worker(session: AsyncSession, principal: Principal, worker_id: str, permission: str) -> GridWorker:
    found = await workers_in_scope(session, principal, permission, worker_id=worker_id)
    if not found:
        raise not_found("grid worker", worker_id)
    return found[0]


# --- satisfaction surveys -------------------------------------------------------------------------


def _survey_period(text: str) -> Period:
    try:
        period = parse_period(text)
    except ValueError:
        period = None
    if period is None or period.kind == "month":
        raise Problem(
            422, "invalid_period", "Invalid request", "period: a survey is for a quarter (2026-Q1) or a year (2026)"
        )
    return period


async def draw_survey(
    session: AsyncSession, principal: Principal, *, worker_id: str, period: str, sample_size: int, now: dt.datetime
) -> Survey:
    _survey_period(period)
    worker = await get_worker(session, principal, worker_id, READ)
    require_scope(principal, ASSESS, worker.grid_code)
    candidates = list(
        (
            await session.scalars(
                select(Household.household_id).where(
                    Household.grid_code == worker.grid_code,
                    Household.registered_at <= now,
                    or_(Household.deregistered_at.is_(None), Household.deregistered_at > now),
                )
            )
        ).all()
    )
    if not candidates:
        raise Problem(
            422, "no_households", "No households", f"grid {worker.grid_code} has no registered household to draw from"
        )
    candidates.sort()
    seed = secrets.token_hex(16)
    survey = Survey(
        id=new_id(),
        worker_id=worker.worker_id,
        grid_code=worker.grid_code,
        township_code=worker.township_code,
        period=period,
        seed=seed,
        candidates=candidates,
        sample_size=sample_size,
        drawn=rules.draw(seed, candidates, sample_size),
        created_at=now,
        created_by=who(principal),
    )
    session.add(survey)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(409, "survey_exists", "Survey exists", f"{worker_id} already has a survey for {period}") from None
    return survey


async def get_survey(session: AsyncSession, principal: Principal, survey_id: str, permission: str = READ) -> Survey:
    survey = await session.scalar(
        select(Survey).where(Survey.id == survey_id, scope_filter(principal, permission, Survey.grid_code))
    )
    if survey is None:
        raise not_found("survey", survey_id)
    return survey


async def list_surveys(
    session: AsyncSession,
    principal: Principal,
    *,
    worker_id: str | None,
    period: str | None,
    limit: int,
    cursor: str | None,
) -> list[Survey]:
    """By period and worker, one page after ``cursor`` and one row more (``page_by_keys`` cuts it)."""
    stmt = select(Survey).where(scope_filter(principal, READ, Survey.grid_code))
    if worker_id is not None:
        stmt = stmt.where(Survey.worker_id == worker_id)
    if period is not None:
        stmt = stmt.where(Survey.period == period)
    stmt = keyset(stmt, SURVEY_ORDER, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def answers_of(session: AsyncSession, survey_id: str) -> list[SurveyAnswer]:
    return list(
        (
            await session.scalars(
                select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id).order_by(SurveyAnswer.household_id)
            )
        ).all()
    )


async def record_answer(
    session: AsyncSession,
    principal: Principal,
    *,
    survey_id: str,
    household_id: str,
    result: str,
    now: dt.datetime,
) -> SurveyAnswer:
    survey = await get_survey(session, principal, survey_id)
    require_scope(principal, ASSESS, survey.grid_code)
    if household_id not in survey.drawn:
        raise Problem(
            422,
            "not_drawn",
            "Not a respondent",
            "only the households drawn at random answer (002 art. 32: not arranged or designated)",
            errors=[{"field": "household_id", "code": "not_drawn", "message": "not drawn in this survey"}],
        )
    if await _assessed(session, survey.worker_id, survey.period):
        raise Problem(409, "period_assessed", "Already assessed", f"{survey.period} is assessed; answers are closed")
    answer = SurveyAnswer(
        survey_id=survey.id, household_id=household_id, result=result, recorded_at=now, recorded_by=who(principal)
    )
    session.add(answer)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(409, "already_answered", "Already answered", f"{household_id} has answered") from None
    return answer


async def _assessed(session: AsyncSession, worker_id: str, period: str) -> bool:
    return await session.get(PeriodResult, (worker_id, period)) is not None


# --- quarterly (township) and annual (county) assessment ----------------------------------------


def _check_township(principal: Principal, township_code: str, permission: str = ASSESS) -> None:
    try:
        level = area_level(township_code)
    except ValueError:
        level = None
    if level != "township":
        raise Problem(422, "not_a_township", "Invalid request", f"township_code: {township_code} is not a township")
    require_scope(principal, permission, township_code)


def _known(figure: float | None) -> float:
    """A figure of a worker scored for assessment: ``_scored_for_assessment`` refuses a period with
    a worker without a score, and a score is known only with its satisfaction rate."""
    if figure is None:
        raise AssertionError("a worker scored for assessment has a score and a satisfaction rate")
    return figure


async def _scored_for_assessment(
    session: AsyncSession,
    principal: Principal,
    period: Period,
    township_code: str,
    *,
    settings: Any,
    now: dt.datetime,
    permission: str = ASSESS,
) -> list[WorkerScore]:
    workers = await workers_in_scope(
        session, principal, permission, township_code=township_code, active_between=period_days(period)
    )
    if not workers:
        raise Problem(422, "no_grid_workers", "No grid workers", f"no grid worker of {township_code} in {period.text}")
    existing = (
        await session.scalars(
            select(PeriodResult.worker_id).where(
                PeriodResult.period == period.text, PeriodResult.worker_id.in_([w.worker_id for w in workers])
            )
        )
    ).all()
    if existing:
        raise Problem(409, "already_assessed", "Already assessed", f"{township_code} is assessed for {period.text}")
    scored = await scores(
        session,
        workers,
        period,
        today=now.astimezone(COUNTY_ZONE).date(),
        satisfaction_weight=settings.grid_satisfaction_weight,
        diaries_per_month=settings.grid_diaries_per_month,
    )
    missing = [s.worker.worker_id for s in scored if s.score is None]
    if missing:
        raise Problem(
            409,
            "satisfaction_missing",
            "Satisfaction missing",
            "every worker needs the answers of a survey drawn for the period (at least 40 % of the score)",
            workers=missing,
        )
    return scored


def _result(s: WorkerScore, kind: str, principal: Principal, now: dt.datetime, **extra: Any) -> PeriodResult:
    return PeriodResult(
        worker_id=s.worker.worker_id,
        period=s.period.text,
        kind=kind,
        township_code=s.worker.township_code,
        grid_code=s.worker.grid_code,
        work_score=s.work_score,
        satisfaction_rate=s.satisfaction.rate,
        score=s.score,
        parts={
            "counts": s.counts,
            "rates": s.rates,
            "survey_id": s.satisfaction.survey_id,
            "answers": s.satisfaction.answers,
        },
        assessed_at=now,
        assessed_by=who(principal),
        **{"failing": False, "grade_by_score": None, "bar": None, "capped": False, "grade": None, "award_yuan": 0}
        | extra,
    )


async def assess_quarter(
    session: AsyncSession,
    principal: Principal,
    quarter: str,
    township_code: str,
    *,
    settings: Any,
    now: dt.datetime,
) -> tuple[list[PeriodResult], list[DismissalReview]]:
    period = parse_period(quarter)
    _check_township(principal, township_code)
    _ended(period, now)
    scored = await _scored_for_assessment(session, principal, period, township_code, settings=settings, now=now)
    results = []
    for s in scored:
        failing = rules.failing_quarter(_known(s.score), settings.grid_quarter_pass_score)
        results.append(_result(s, "quarter", principal, now, failing=failing))
    session.add_all(results)
    await session.flush()
    reviews = []
    needed = settings.grid_dismissal_failing_quarters
    for r in results:
        if not r.failing:
            continue
        quarters = [quarter]
        while len(quarters) < needed:
            quarters.append(rules.previous_quarter(quarters[-1]))
        earlier = (
            await session.scalars(
                select(PeriodResult).where(PeriodResult.worker_id == r.worker_id, PeriodResult.period.in_(quarters[1:]))
            )
        ).all()
        if len(earlier) == needed - 1 and all(e.failing for e in earlier):
            review = await open_review(
                session,
                worker_id=r.worker_id,
                township_code=r.township_code,
                reason=rules.ReviewReason.FAILING_QUARTERS,
                basis_key=quarter,
                basis={"quarters": sorted(quarters), "scores": {e.period: e.score for e in [*earlier, r]}},
                now=now,
            )
            if review is not None:
                reviews.append(review)
    await emit(
        session,
        contract.GridWorkersAssessed(
            township_code=township_code,
            period=quarter,
            kind="quarter",
            results=[_result_item(r) for r in results],
            assessed_at=now,
        ),
        subject=f"{township_code}:{quarter}",
        township=township_code,
    )
    return results, reviews


def _ended(period: Period, now: dt.datetime) -> None:
    end = month_bounds(period.months[-1])[1]
    if now < end:
        raise Problem(409, "period_not_ended", "Period not ended", f"{period.text} is not over yet")


def _result_item(r: PeriodResult) -> dict[str, Any]:
    return {
        "worker_id": r.worker_id,
        "score": r.score,
        "work_score": r.work_score,
        "satisfaction_rate": r.satisfaction_rate,
        "failing": r.failing,
        "grade": r.grade,
        "award_yuan": r.award_yuan,
    }


async def grade_year(
    session: AsyncSession,
    principal: Principal,
    year: str,
    township_code: str,
    *,
    settings: Any,
    now: dt.datetime,
) -> tuple[list[PeriodResult], list[DismissalReview]]:
    """The county's annual grades of one township's grid workers (art. 31)."""
    period = parse_period(year)
    _check_township(principal, township_code, GRADE)
    if not any(area_level(b.area) == "county" for b in principal.bindings_for(GRADE)):
        raise scope_denied("the annual assessment of grid workers is the county's (002 art. 31)")
    _ended(period, now)
    scored = await _scored_for_assessment(
        session, principal, period, township_code, settings=settings, now=now, permission=GRADE
    )
    graded = rules.grade_township(
        [rules.Candidate(s.worker.worker_id, _known(s.score), _known(s.satisfaction.rate)) for s in scored],
        min_scores=settings.grid_grade_min_scores,
        excellent_min_satisfaction=settings.grid_excellent_min_satisfaction,
        pass_min_satisfaction=settings.grid_pass_min_satisfaction,
        cap_percent=settings.grid_excellent_cap_percent,
    )
    by_id = {s.worker.worker_id: s for s in scored}
    results = []
    for g in graded:
        results.append(
            _result(
                by_id[g.worker_id],
                "year",
                principal,
                now,
                failing=g.grade is rules.Grade.FAIL,
                grade_by_score=g.by_score.value,
                bar=g.bar.value if g.bar else None,
                capped=g.capped,
                grade=g.grade.value,
                award_yuan=settings.grid_excellent_award_yuan if g.grade is rules.Grade.EXCELLENT else 0,
            )
        )
    session.add_all(results)
    await session.flush()
    reviews = []
    last_year = str(int(year) - 1)
    for r in results:
        if not r.failing:
            continue
        before = await session.get(PeriodResult, (r.worker_id, last_year))
        if before is not None and before.failing:
            review = await open_review(
                session,
                worker_id=r.worker_id,
                township_code=r.township_code,
                reason=rules.ReviewReason.FAILING_YEARS,
                basis_key=year,
                basis={"years": [last_year, year]},
                now=now,
            )
            if review is not None:
                reviews.append(review)
    await emit(
        session,
        contract.GridWorkersAssessed(
            township_code=township_code,
            period=year,
            kind="year",
            results=[_result_item(r) for r in results],
            assessed_at=now,
        ),
        subject=f"{township_code}:{year}",
        township=township_code,
    )
    return results, reviews


async def results(
    session: AsyncSession,
    principal: Principal,
    period: str,
    *,
    township_code: str | None,
    limit: int | None = None,
    cursor: str | None = None,
) -> list[PeriodResult]:
    """By township and worker; with ``limit``, one page after ``cursor`` and one row more
    (``page_by_keys`` cuts it), without, all of them (the export)."""
    stmt = select(PeriodResult).where(
        PeriodResult.period == period, scope_filter(principal, READ, PeriodResult.grid_code)
    )
    if township_code is not None:
        stmt = stmt.where(PeriodResult.township_code == township_code)
    if limit is None:
        return list((await session.scalars(stmt.order_by(*RESULT_ORDER))).all())
    return list((await session.scalars(keyset(stmt, RESULT_ORDER, limit=limit, cursor=cursor))).all())


async def awards(
    session: AsyncSession, principal: Principal, year: str, *, township_code: str | None
) -> list[tuple[PeriodResult, GridWorker]]:
    """The year's awards (优秀, art. 33) with the worker each goes to, for finance."""
    stmt = (
        select(PeriodResult, GridWorker)
        .join(GridWorker, GridWorker.worker_id == PeriodResult.worker_id)
        .where(
            PeriodResult.period == year,
            PeriodResult.award_yuan > 0,
            scope_filter(principal, READ, PeriodResult.grid_code),
        )
    )
    if township_code is not None:
        stmt = stmt.where(PeriodResult.township_code == township_code)
    rows = await session.execute(
        stmt.order_by(PeriodResult.township_code, PeriodResult.grid_code, PeriodResult.worker_id)
    )
    return [(r, w) for r, w in rows]


# --- complaints and dismissal reviews -------------------------------------------------------------


async def open_review(
    session: AsyncSession,
    *,
    worker_id: str,
    township_code: str,
    reason: rules.ReviewReason,
    basis_key: str,
    basis: dict[str, Any],
    now: dt.datetime,
) -> DismissalReview | None:
    """Open a review once per worker, reason and basis; None when it is open already."""
    found = await session.scalar(
        select(DismissalReview).where(
            DismissalReview.worker_id == worker_id,
            DismissalReview.reason == reason.value,
            DismissalReview.basis_key == basis_key,
        )
    )
    if found is not None:
        return None
    review = DismissalReview(
        id=new_id(),
        worker_id=worker_id,
        township_code=township_code,
        reason=reason.value,
        basis_key=basis_key,
        basis=basis,
        status=rules.ReviewStatus.OPEN.value,
        opened_at=now,
    )
    session.add(review)
    await session.flush()
    await emit(
        session,
        contract.DismissalReviewOpened(
            review_id=review.id,
            worker_id=worker_id,
            township_code=township_code,
            reason=reason.value,
            basis=basis,
            opened_at=now,
        ),
        subject=worker_id,
        township=township_code,
    )
    return review


async def record_complaint(
    session: AsyncSession,
    principal: Principal,
    *,
    worker_id: str,
    reference: str,
    verified_on: dt.date,
    note: str,
    threshold: int,
    now: dt.datetime,
) -> tuple[Complaint, DismissalReview | None]:
    worker = await get_worker(session, principal, worker_id, READ)
    require_scope(principal, ASSESS, worker.grid_code)
    if verified_on > now.astimezone(COUNTY_ZONE).date():
        raise Problem(
            422,
            "verified_in_future",
            "Invalid request",
            "verified_on: a complaint is recorded once verified",
            errors=[{"field": "verified_on", "code": "verified_in_future", "message": "after today"}],
        )
    complaint = Complaint(
        id=new_id(),
        worker_id=worker.worker_id,
        township_code=worker.township_code,
        reference=reference,
        verified_on=verified_on,
        note=note,
        recorded_at=now,
        recorded_by=who(principal),
    )
    session.add(complaint)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem(409, "complaint_exists", "Complaint exists", f"{reference} is recorded already") from None
    year = verified_on.year
    in_year = (
        await session.scalars(
            select(Complaint).where(
                Complaint.worker_id == worker.worker_id,
                Complaint.verified_on >= dt.date(year, 1, 1),
                Complaint.verified_on <= dt.date(year, 12, 31),
            )
        )
    ).all()
    review = None
    if len(in_year) >= threshold:
        review = await open_review(
            session,
            worker_id=worker.worker_id,
            township_code=worker.township_code,
            reason=rules.ReviewReason.VERIFIED_COMPLAINTS,
            basis_key=str(year),
            basis={"year": year, "complaints": sorted(c.reference for c in in_year)},
            now=now,
        )
    return complaint, review


async def reviews(
    session: AsyncSession,
    principal: Principal,
    *,
    township_code: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> list[DismissalReview]:
    """Newest first, one more than ``limit`` (``page_of`` cuts it)."""
    stmt = (
        select(DismissalReview)
        .join(GridWorker, GridWorker.worker_id == DismissalReview.worker_id)
        .where(scope_filter(principal, READ, GridWorker.grid_code))
    )
    if township_code is not None:
        stmt = stmt.where(DismissalReview.township_code == township_code)
    if status is not None:
        stmt = stmt.where(DismissalReview.status == status)
    stmt = paginate(stmt, DismissalReview.opened_at, DismissalReview.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def decide_review(
    session: AsyncSession,
    principal: Principal,
    review_id: str,
    *,
    decision: rules.ReviewStatus,
    note: str,
    now: dt.datetime,
) -> DismissalReview:
    """Decide an open review once (解聘 or not), with the reasons, and publish the decision."""
    review = await session.scalar(
        select(DismissalReview)
        .join(GridWorker, GridWorker.worker_id == DismissalReview.worker_id)
        .where(DismissalReview.id == review_id, scope_filter(principal, READ, GridWorker.grid_code))
        .with_for_update(of=DismissalReview)
    )
    if review is None:
        raise not_found("dismissal_review", review_id)
    worker = await session.get(GridWorker, review.worker_id)
    assert worker is not None
    require_scope(principal, DECIDE_REVIEW, worker.grid_code)
    if review.status != rules.ReviewStatus.OPEN.value:
        raise Problem(
            409,
            "review_decided",
            "Review decided",
            f"the review was decided ({rules.ReviewStatus(review.status).label_zh}) on {review.decided_at}",
        )
    review.status = decision.value
    review.decided_at = now
    review.decided_by = who(principal)
    review.decision_note = note
    await session.flush()
    await emit(
        session,
        contract.DismissalReviewDecided(
            review_id=review.id,
            worker_id=review.worker_id,
            township_code=review.township_code,
            reason=review.reason,
            decision=decision.value,
            note=note,
            decided_by=review.decided_by,
            decided_at=now,
        ),
        subject=review.worker_id,
        township=review.township_code,
    )
    return review
