"""Use cases of random inspections: the registers, the draw, its verification, the results.

Each use case runs in the caller's transaction; a finding becomes a lead of the office.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.categories import service as categories
from enforcement.inspections import rules
from enforcement.inspections.models import InspectionPlan, InspectionTarget, InspectorConflict
from enforcement.inspections.rules import Outcome, PlanStatus
from enforcement.inspections.schemas import (
    AssignmentOut,
    ConflictIn,
    PlanIn,
    PlanOut,
    PublicInspection,
    PublicResult,
    ResultsIn,
    TargetIn,
    VerificationOut,
)
from enforcement.leads import service as leads
from enforcement.leads.rules import ENFORCEMENT_DEPT, LeadSource
from enforcement.leads.schemas import LeadIn
from enforcement.officers import rules as officer_rules
from enforcement.officers.models import Officer
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import WorkdayCalendar

READ = "enforcement.inspection.read"
MANAGE = "enforcement.inspection.manage"
ALGORITHM = (
    "random.Random(seed); targets = sample(sorted(target_candidates), ceil(len * ratio_percent / 100)); "
    "for each drawn target in order: sample(sorted(inspector_candidates - conflicts[target]), inspectors_per_target)"
)


def _in_township(area_code: str, township_code: str) -> bool:
    return area_code[:9] == township_code[:9]


async def add_target(
    session: AsyncSession, principal: Principal, body: TargetIn, *, now: dt.datetime
) -> InspectionTarget:
    if not _in_township(body.area_code, body.township_code):
        raise Problem(
            422,
            "area_outside_township",
            "Invalid request",
            f"area_code: {body.area_code} is not in township {body.township_code}",
            errors=[{"field": "area_code", "code": "area_outside_township", "message": "not in the township"}],
        )
    require_scope(principal, MANAGE, body.area_code, ENFORCEMENT_DEPT)
    target = InspectionTarget(id=new_id(), **body.model_dump(), active=True, created_at=now)
    session.add(target)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(
            409, "target_exists", "Already registered", f"{body.credit_code} is already in the register"
        ) from exc
    return target


async def list_targets(
    session: AsyncSession, principal: Principal, *, township_code: str | None, limit: int, cursor: str | None
) -> list[InspectionTarget]:
    stmt = select(InspectionTarget).where(scope_filter(principal, READ, InspectionTarget.area_code))
    if township_code:
        stmt = stmt.where(InspectionTarget.township_code == township_code)
    stmt = paginate(stmt, InspectionTarget.created_at, InspectionTarget.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def declare_conflict(
    session: AsyncSession, principal: Principal, target_id: str, body: ConflictIn, *, now: dt.datetime
) -> InspectorConflict:
    target = await session.scalar(
        select(InspectionTarget).where(
            InspectionTarget.id == target_id, scope_filter(principal, READ, InspectionTarget.area_code)
        )
    )
    if target is None:
        raise not_found("inspection target", target_id)
    require_scope(principal, MANAGE, target.area_code, ENFORCEMENT_DEPT)
    conflict = InspectorConflict(
        id=new_id(), target_id=target.id, inspector=body.inspector, reason=body.reason, declared_at=now
    )
    session.add(conflict)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "conflict_exists", "Already declared", "this conflict of interest is on record") from exc
    return conflict


async def draw_plan(
    session: AsyncSession,
    principal: Principal,
    body: PlanIn,
    *,
    calendar: WorkdayCalendar,
    min_ratio: int,
    min_inspectors: int,
    now: dt.datetime,
) -> InspectionPlan:
    require_scope(principal, MANAGE, body.township_code, ENFORCEMENT_DEPT)
    ratio = body.ratio_percent if body.ratio_percent is not None else min_ratio
    per_target = body.inspectors_per_target if body.inspectors_per_target is not None else min_inspectors
    rules.check_plan(ratio, per_target, min_ratio=min_ratio, min_inspectors=min_inspectors).raise_if_any()
    today = calendar.local_date(now)
    targets = sorted(
        (
            await session.scalars(
                select(InspectionTarget.id).where(
                    InspectionTarget.township_code == body.township_code, InspectionTarget.active.is_(True)
                )
            )
        ).all()
    )
    if not targets:
        raise Problem(422, "empty_register", "Nothing to draw", f"no inspection target in {body.township_code}")
    officers = (await session.scalars(select(Officer).where(Officer.township_code == body.township_code))).all()
    inspectors = sorted(o.username for o in officers if officer_rules.certificate_valid(o, today))
    conflicts: dict[str, list[str]] = {}
    for c in (await session.scalars(select(InspectorConflict).where(InspectorConflict.target_id.in_(targets)))).all():
        conflicts.setdefault(c.target_id, []).append(c.inspector)
    conflicts = {k: sorted(v) for k, v in sorted(conflicts.items())}
    seed = secrets.token_hex(16)
    assignments = rules.draw(
        seed, targets, inspectors, conflicts, ratio_percent=ratio, inspectors_per_target=per_target
    )
    plan = InspectionPlan(
        id=new_id(),
        number=await business_number(session, "CC", body.township_code, today.year),
        township_code=body.township_code,
        area_code=body.township_code,
        name=body.name,
        ratio_percent=ratio,
        inspectors_per_target=per_target,
        seed=seed,
        target_candidates=targets,
        inspector_candidates=inspectors,
        conflicts=conflicts,
        assignments=[{"target_id": a.target_id, "inspectors": list(a.inspectors)} for a in assignments],
        status=PlanStatus.DRAWN,
        drawn_by_name=principal.name,
        drawn_at=now,
        results=None,
    )
    session.add(plan)
    await session.flush()
    return plan


async def get_plan(session: AsyncSession, principal: Principal, plan_id: str, *, lock: bool = False) -> InspectionPlan:
    stmt = select(InspectionPlan).where(
        InspectionPlan.id == plan_id, scope_filter(principal, READ, InspectionPlan.area_code)
    )
    if lock:
        stmt = stmt.with_for_update()
    plan = await session.scalar(stmt)
    if plan is None:
        raise not_found("inspection plan", plan_id)
    return plan


async def _names(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    rows = await session.execute(select(InspectionTarget.id, InspectionTarget.name).where(InspectionTarget.id.in_(ids)))
    return {row.id: row.name for row in rows}


async def plan_out(session: AsyncSession, plan: InspectionPlan) -> PlanOut:
    names = await _names(session, [a["target_id"] for a in plan.assignments])
    data = {name: getattr(plan, name) for name in PlanOut.model_fields if hasattr(plan, name)}
    data["assignments"] = [
        AssignmentOut(target_id=a["target_id"], target_name=names.get(a["target_id"]), inspectors=a["inspectors"])
        for a in plan.assignments
    ]
    return PlanOut(**data)


def verify(plan: InspectionPlan) -> VerificationOut:
    """Recompute the draw from the stored seed and candidate lists."""
    recomputed = rules.draw(
        plan.seed,
        plan.target_candidates,
        plan.inspector_candidates,
        plan.conflicts,
        ratio_percent=plan.ratio_percent,
        inspectors_per_target=plan.inspectors_per_target,
    )
    again = [AssignmentOut(target_id=a.target_id, inspectors=list(a.inspectors)) for a in recomputed]
    stored = [AssignmentOut(target_id=a["target_id"], inspectors=a["inspectors"]) for a in plan.assignments]
    return VerificationOut(
        plan_id=plan.id, reproduced=again == stored, stored=stored, recomputed=again, algorithm=ALGORITHM
    )


async def record_results(
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    body: ResultsIn,
    *,
    calendar: WorkdayCalendar,
    filing_workdays: int,
    now: dt.datetime,
) -> InspectionPlan:
    """The results of every drawn target, published at once; each violation becomes a lead."""
    plan = await get_plan(session, principal, plan_id, lock=True)
    require_scope(principal, MANAGE, plan.area_code, ENFORCEMENT_DEPT)
    if plan.status != PlanStatus.DRAWN:
        raise Problem(409, "already_published", "Already published", "the results of this plan are published")
    drawn = [a["target_id"] for a in plan.assignments]
    open_categories = await categories.open_codes(session, [r.category for r in body.results if r.category])
    errors = FieldErrors()
    for n, r in enumerate(body.results):
        if r.target_id not in drawn:
            errors.add(f"results.{n}.target_id", "target_not_drawn", "this target was not drawn in the plan")
        if r.outcome == Outcome.VIOLATION and (r.category is None or r.category not in open_categories):
            errors.add(f"results.{n}.category", "category_required", "a violation names its event category")
    given = [r.target_id for r in body.results]
    if sorted(given) != sorted(drawn):
        errors.add("results", "results_incomplete", "one result for each drawn target, each once")
    errors.raise_if_any()
    targets = {
        t.id: t for t in (await session.scalars(select(InspectionTarget).where(InspectionTarget.id.in_(drawn)))).all()
    }
    results: list[dict[str, Any]] = []
    for r in body.results:
        target = targets[r.target_id]
        lead_id = None
        if r.outcome == Outcome.VIOLATION:
            assert r.category is not None
            lead = await leads.create(
                session,
                principal,
                LeadIn(
                    source=LeadSource.INSPECTION,
                    township_code=plan.township_code,
                    area_code=target.area_code,
                    category=r.category,
                    description=f"双随机抽查（{plan.number}）发现：{target.name}，{r.finding}",
                    source_ref=plan.number,
                ),
                calendar=calendar,
                filing_workdays=filing_workdays,
                now=now,
            )
            lead_id = lead.id
        results.append(
            {
                "target_id": target.id,
                "target_name": target.name,
                "outcome": r.outcome.value,
                "finding": r.finding,
                "lead_id": lead_id,
            }
        )
    plan.results = results
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = now
    await session.flush()
    return plan


async def public_plans(
    session: AsyncSession, *, township_code: str | None, limit: int, cursor: str | None
) -> list[InspectionPlan]:
    stmt = select(InspectionPlan).where(InspectionPlan.status == PlanStatus.PUBLISHED)
    if township_code:
        stmt = stmt.where(InspectionPlan.township_code == township_code)
    stmt = paginate(stmt, InspectionPlan.published_at, InspectionPlan.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def public_plan(session: AsyncSession, plan_id: str) -> InspectionPlan:
    plan = await session.scalar(
        select(InspectionPlan).where(InspectionPlan.id == plan_id, InspectionPlan.status == PlanStatus.PUBLISHED)
    )
    if plan is None:
        raise not_found("inspection", plan_id)
    return plan


def public_out(plan: InspectionPlan) -> PublicInspection:
    assert plan.published_at is not None and plan.results is not None
    return PublicInspection(
        id=plan.id,
        number=plan.number,
        township_code=plan.township_code,
        name=plan.name,
        ratio_percent=plan.ratio_percent,
        seed=plan.seed,
        drawn_at=plan.drawn_at,
        published_at=plan.published_at,
        results=[
            PublicResult(
                target_name=r["target_name"],
                outcome=r["outcome"],
                outcome_zh=Outcome(r["outcome"]).label_zh,
                finding=r["finding"],
            )
            for r in plan.results
        ],
    )
