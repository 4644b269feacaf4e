"""Reference and demo data of svc-dispatch (idempotent): category limits and the first responsibility list.

Limits (rules-reference §3.4, §4.2; where the sources give no number for a category, a default a
county would recognise, changeable with PATCH /categories/{code}):

| category | urgent | handling limit | extension up to | source of the number |
| --- | --- | --- | --- | --- |
| street_occupation 占道经营 | no | 2 working days | – | brief / street-order practice |
| illegal_construction 违法建设 | no | 5 working days | 10 working days | hotline default (Shandong 2020) |
| illegal_construction_farmland | no | 5 working days | 10 working days | hotline default |
| consumer_complaint 消费投诉 | no | 5 working days | 10 working days | Shandong 政务服务热线管理办法 (2020) |
| public_security_hazard 治安隐患 | yes | 24 hours | – | emergency matters: same day |
| environment_pollution 环境污染 | no | 2 working days | – | streetscape practice |
| road_facility_damage 道路设施损坏 | no | 1 working day | – | Taiyuan: facilities repaired within 1 working day |
| safety_hazard 安全生产隐患 | yes | 24 hours | – | emergency matters: same day |
| neighbour_dispute 矛盾纠纷 | no | 5 working days | 10 working days | hotline default |
| service_consultation 政务服务咨询 | no | 3 working days | – | consultation ≤ 3 working days (§4.2) |

Dispatch limits: urgent 10 minutes, normal 30 (Taiyuan, §3.4), from the settings.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dispatch.categories.models import Category
from dispatch.responsibilities.models import ResponsibilityEntry, ResponsibilityList
from jiceng_shared.categories import CATEGORIES
from jiceng_shared.db import new_id, utcnow
from jiceng_shared.service import ServiceContext
from jiceng_shared.workdays import COUNTY_ZONE

#: code → (urgent, handling limit value, unit, extension max, functional-department matter)
CATEGORY_LIMITS: dict[str, tuple[bool, int, str, int | None, bool]] = {
    "street_occupation": (False, 2, "working_days", None, False),
    "illegal_construction": (False, 5, "working_days", 10, False),
    "illegal_construction_farmland": (False, 5, "working_days", 10, False),
    # market regulation and public security are functional departments' matters (国办函〔2025〕66号):
    # they go to the department's stationed office, never to a township organ
    "consumer_complaint": (False, 5, "working_days", 10, True),
    "public_security_hazard": (True, 24, "hours", None, True),
    "environment_pollution": (False, 2, "working_days", None, False),
    "road_facility_damage": (False, 1, "working_days", None, False),
    "safety_hazard": (True, 24, "hours", None, False),
    "neighbour_dispute": (False, 5, "working_days", 10, False),
    "service_consultation": (False, 3, "working_days", None, False),
}

_T, _S, _C = "township_office", "stationed_office", "county_department"
#: category → (primary (kind, dept), cooperating [(kind, dept)])  — the demo county's list, v1
RESPONSIBILITIES: dict[str, tuple[tuple[str, str], list[tuple[str, str]]]] = {
    "street_occupation": ((_T, "cle"), []),
    # the township's enforcement office takes it first; it is not delegated, so enforcement
    # transfers it to the county natural-resources department
    "illegal_construction_farmland": ((_T, "cle"), []),
    "illegal_construction": ((_T, "cle"), [(_S, "psb"), (_C, "nrp")]),
    "consumer_complaint": ((_S, "samr"), []),
    "public_security_hazard": ((_S, "psb"), []),
    "road_facility_damage": ((_T, "hud"), []),
    "environment_pollution": ((_T, "hud"), []),
    "safety_hazard": ((_T, "cle"), []),
    "neighbour_dispute": ((_T, "sgov"), []),
    "service_consultation": ((_T, "apv"), []),
}
#: the first list is in force from the start of the demo year, so every demo ticket routes by it
FIRST_LIST_EFFECTIVE = dt.datetime(2026, 1, 1, tzinfo=COUNTY_ZONE)


def default_categories(*, urgent_dispatch_minutes: int = 10, normal_dispatch_minutes: int = 30) -> list[Category]:
    now = utcnow()
    out = []
    for c in CATEGORIES:
        urgent, value, unit, extension, functional = CATEGORY_LIMITS.get(
            c.code, (False, 5, "working_days", None, False)
        )
        out.append(
            Category(
                code=c.code,
                label_zh=c.label_zh,
                major=c.major,
                urgent=urgent,
                dispatch_limit_minutes=urgent_dispatch_minutes if urgent else normal_dispatch_minutes,
                handle_limit_value=value,
                handle_limit_unit=unit,
                extension_max_value=extension,
                functional_department=functional,
                updated_at=now,
                updated_by="seed",
            )
        )
    return out


async def seed(ctx: ServiceContext) -> None:
    s = ctx.settings
    async with ctx.db.transaction() as session:
        known = set((await session.scalars(select(Category.code))).all())
        for category in default_categories(
            urgent_dispatch_minutes=s.urgent_dispatch_minutes, normal_dispatch_minutes=s.normal_dispatch_minutes
        ):
            if category.code not in known:  # never overwrite what a county administrator changed
                session.add(category)
        if await session.scalar(select(ResponsibilityList.id).limit(1)) is None:
            lst = ResponsibilityList(
                id=new_id(),
                version=1,
                effective_from=FIRST_LIST_EFFECTIVE,
                note="属地管理主体责任和配合责任清单（示范）",
                created_at=utcnow(),
                created_by="seed",
            )
            session.add(lst)
            await session.flush()
            for category, ((kind, dept), cooperating) in RESPONSIBILITIES.items():
                session.add(
                    ResponsibilityEntry(
                        id=new_id(),
                        list_id=lst.id,
                        category=category,
                        primary_kind=kind,
                        primary_dept=dept,
                        cooperating=[{"kind": k, "dept": d} for k, d in cooperating],
                    )
                )
