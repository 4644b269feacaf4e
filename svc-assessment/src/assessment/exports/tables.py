"""The export tables: per level, the columns (Chinese headers, in the order a county's organisation
department files them) and the rows of a period's results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.gridworkers import rules as grid_rules
from assessment.gridworkers import service as gridworkers
from assessment.gridworkers.models import GridWorker
from assessment.hotline import service as hotline
from assessment.periods.rules import Period
from assessment.stationed import rules as stationed_rules
from assessment.stationed import service as stationed
from assessment.units import rules as unit_rules
from assessment.units import service as units
from assessment.units.schemas import UnitKind
from jiceng_shared.errors import Problem, permission_denied
from jiceng_shared.identity import Principal

POST_LABELS = {"chief": "网格长", "full_time": "专职网格员", "auxiliary": "网格辅助员"}


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 2)


def _need(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise permission_denied(permission)


GRID_HEADERS = (
    "序号", "乡镇(街道)代码", "村(社区)代码", "网格编码", "姓名", "岗位", "考核期",
    "工作实绩得分", "群众满意率(%)", "综合得分", "按得分等次", "满意度限制", "优秀比例限制", "考核等次", "奖励金额(元)",
)  # fmt: skip


async def grid_workers(
    session: AsyncSession, principal: Principal, period: Period, township_code: str | None, settings: Any
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    _need(principal, gridworkers.READ)
    if period.kind == "month":
        raise Problem(422, "invalid_period", "Invalid request", "period: grid workers are assessed by quarter or year")
    results = await gridworkers.results(session, principal, period.text, township_code=township_code)
    workers = {
        w.worker_id: w
        for w in (
            await session.scalars(select(GridWorker).where(GridWorker.worker_id.in_([r.worker_id for r in results])))
        ).all()
    }
    rows = []
    for i, r in enumerate(results, start=1):
        w = workers.get(r.worker_id)
        rows.append(
            (
                i,
                r.township_code,
                r.grid_code[:12],
                r.grid_code,
                w.name if w else r.worker_id,
                POST_LABELS.get(w.post, w.post) if w else "",
                r.period,
                r.work_score,
                _pct(r.satisfaction_rate),
                r.score,
                grid_rules.Grade(r.grade_by_score).label_zh if r.grade_by_score else "",
                grid_rules.Bar(r.bar).label_zh if r.bar else "",
                "是" if r.capped else "否",
                grid_rules.Grade(r.grade).label_zh if r.grade else ("不称职" if r.failing else "称职"),
                r.award_yuan,
            )
        )
    return GRID_HEADERS, rows


UNIT_HEADERS = (
    "序号", "单位名称", "单位代码", "单位类别", "派单数", "应结案数", "结案数", "结案率(%)", "按期结案数",
    "按期结案率(%)", "返工数", "返工率(%)", "延期数", "延期率(%)", "退单数", "时限内退单数", "移送数",
    "督办数", "吹哨数", "按时报到数", "报到率(%)", "办结案件数", "按期办结案件数", "超期案件数",
)  # fmt: skip


async def handling_units(
    session: AsyncSession,
    principal: Principal,
    period: Period,
    township_code: str | None,
    settings: Any,
    now: dt.datetime,
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    _need(principal, units.READ)
    found = await units.list_units(
        session,
        principal,
        period.months,
        township_code=township_code,
        dept=None,
        limit=10_000,
        cursor=None,
        now=now,
        case_limit_days=settings.case_time_limit_days,
    )
    rows = []
    for i, r in enumerate(found, start=1):
        c = r.indicators.total.counts
        rates = unit_rules.unit_rates(c)
        rows.append(
            (
                i, r.unit.name, r.unit.code, UnitKind(r.unit.kind).label_zh,
                c["received"], c["assigned"], c["closed"], _pct(rates["closure_rate"]), c["closed_on_time"],
                _pct(rates["on_time_closure_rate"]), c["reworked"], _pct(rates["rework_rate"]), c["extended"],
                _pct(rates["extension_rate"]), c["returned"], c["returned_in_window"], c["transferred"],
                c["escalated"], c["summons_issued"], c["summons_answered_on_time"],
                _pct(rates["summons_attendance_rate"]), c["cases_closed"], c["cases_closed_in_time"], c["cases_overdue"],
            )
        )  # fmt: skip
    return UNIT_HEADERS, rows


HOTLINE_HEADERS = (
    "排名", "考核对象", "对象代码", "签收数", "按时签收数", "响应率(%)", "回访数", "已解决数", "解决率(%)",
    "满意数", "满意率(%)", "综合得分",
)  # fmt: skip


async def hotline_rates(
    session: AsyncSession, principal: Principal, period: Period, level: str, settings: Any, org: Any
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    _need(principal, hotline.READ)
    found = await hotline.standings(
        session,
        principal,
        level,
        period.months,
        sources=settings.hotline_sources,
        weights=settings.hotline_score_weights,
        org=org,
    )
    rows = [
        (
            s.rank or "", s.name or s.subject, s.subject, s.counts["signed"], s.counts["responded_in_time"],
            _pct(s.rates["response_rate"]), s.counts["called_back"], s.counts["resolved"],
            _pct(s.rates["resolution_rate"]), s.counts["satisfied"], _pct(s.rates["satisfaction_rate"]), s.score,
        )
        for s in found
    ]  # fmt: skip
    return HOTLINE_HEADERS, rows


STATIONED_HEADERS = (
    "序号",
    "单位名称",
    "单位代码",
    "乡镇(街道)考核得分",
    "乡镇权重(%)",
    "县级主管部门考核得分",
    "部门权重(%)",
    "综合得分",
)


async def stationed_units(
    session: AsyncSession, principal: Principal, period: Period, township_code: str | None, settings: Any
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    _need(principal, stationed.READ)
    rows = []
    for i, (subject, parts) in enumerate(
        await stationed.results(
            session, principal, period.text, township_code=township_code, minimum=settings.stationed_township_weight
        ),
        start=1,
    ):
        town, county = parts.get("township"), parts.get("county")
        weight = subject.township_weight
        rows.append(
            (
                i,
                subject.name,
                subject.code,
                town.score if town else None,
                weight,
                county.score if county else None,
                100 - weight,
                stationed_rules.combined(
                    town.score if town else None, county.score if county else None, township_weight=weight
                ),
            )
        )
    return STATIONED_HEADERS, rows
