"""Demo data of svc-assessment (idempotent): the demo county's handling units, so lists show every
unit before its first event, and the window staff score items of the published list."""

from __future__ import annotations

import datetime as dt

from assessment.items.models import AssessmentItem
from assessment.units.models import Unit
from jiceng_shared.service import ServiceContext
from jiceng_shared.units import all_units

#: the window staff score parts assessors rate (002 annex); public rating is computed from 好差评
STAFF_ITEMS = {
    "discipline": ("window.discipline", "工作纪律"),
    "skills": ("window.skills", "业务能力"),
    "service_conduct": ("window.service_conduct", "服务规范"),
}
LIST_START = dt.date(2024, 1, 1)


def staff_items(weights: dict[str, int], now: dt.datetime) -> list[AssessmentItem]:
    return [
        AssessmentItem(
            code=code,
            kind="score",
            subject_kind="clerk",
            label_zh=label,
            max_points=weights[part],
            basis="窗口工作人员考核细则（002 附件）",
            effective_from=LIST_START,
            effective_to=None,
            revision=1,
            created_at=now,
            created_by="seed",
        )
        for part, (code, label) in STAFF_ITEMS.items()
        if part in weights
    ]


async def seed(ctx: ServiceContext) -> None:
    async with ctx.db.transaction() as session:
        for ref in all_units(ctx.org):
            if await session.get(Unit, ref.code) is None:
                session.add(
                    Unit(
                        code=ref.code,
                        name=ref.name,
                        area_code=ref.area_code,
                        dept=ref.dept,
                        kind=ref.kind,
                        updated_at=ctx.now(),
                    )
                )
        for item in staff_items(ctx.settings.staff_score_weights, ctx.now()):
            if await session.get(AssessmentItem, (item.code, 1)) is None:
                session.add(item)
