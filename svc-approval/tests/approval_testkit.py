"""Helpers of svc-approval's tests (imported by the test modules; conftest puts this folder on the path)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from jiceng_shared.events import CloudEvent
from jiceng_shared.testing.plugin import demo_principal, headers_for
from jiceng_shared.workdays import COUNTY_ZONE

BUFENG = "320971100000"
XINCHENG = "320971001000"
BUFENG_VILLAGE = "320971100201"
XINCHENG_COMMUNITY = "320971001001"
API = "/api/approval/v1"


def local(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=COUNTY_ZONE)


def as_(username: str) -> dict[str, str]:
    return headers_for(demo_principal(username))


def applicant(name: str = "张三", area_code: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "id_number": "320911195001011234", "phone": "13800000000", **extra}
    if area_code:
        body["area_code"] = area_code
    return body


async def count(svc: Any, model: Any) -> int:
    async with svc.ctx.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def outbox(svc: Any, short_type: str | None = None, subject: str | None = None) -> list[CloudEvent]:
    """Events written with the state change (the relay publishes them; shared tests cover that)."""
    table = svc.ctx.db.infra.outbox
    async with svc.ctx.db.session() as session:
        stmt = select(table.c.envelope).order_by(table.c.created_at)
        if short_type:
            stmt = stmt.where(table.c.type == short_type)
        rows = (await session.execute(stmt)).scalars().all()
    events = [CloudEvent.model_validate_json(r) for r in rows]
    return [e for e in events if subject is None or e.subject == subject]


def public() -> dict[str, str]:
    """What the gateway forwards on a public route: the anonymous principal's internal token."""
    from jiceng_shared.identity import ANONYMOUS

    return headers_for(ANONYMOUS)


async def receive(
    svc: Any, item_code: str, materials: list[Any], *, who: str = "window_clerk.bufeng", expect: int = 201, **extra: Any
) -> dict[str, Any]:
    """Receive at a window; ``materials`` are codes or {code, defect} dicts."""
    body = {
        "item_code": item_code,
        "applicant": extra.pop("applicant", None) or applicant(),
        "materials": [m if isinstance(m, dict) else {"code": m} for m in materials],
        **extra,
    }
    response = await svc.client.post(f"{API}/applications", json=body, headers=as_(who))
    assert response.status_code == expect, response.text
    return response.json()


async def act(
    svc: Any,
    app_id: str,
    action: str,
    body: dict[str, Any] | None = None,
    *,
    who: str,
    expect: int = 200,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await svc.client.post(
        f"{API}/applications/{app_id}/{action}", json=body or {}, headers=as_(who) | (headers or {})
    )
    assert response.status_code == expect, response.text
    return response.json()


async def get(svc: Any, app_id: str, who: str = "window_clerk.bufeng") -> dict[str, Any]:
    response = await svc.client.get(f"{API}/applications/{app_id}", headers=as_(who))
    assert response.status_code == 200, response.text
    return response.json()


HOMESTEAD_COMPLETE = ["application_form", "id_card", "village_opinion"]


async def finished(svc: Any, who: str = "window_clerk.bufeng") -> dict[str, Any]:
    """An instant item received, then decided and handed out at the window; the result carries the rating code."""
    app = await receive(svc, "elderly_card", ["id_card", "photo"], who=who)
    return await act(svc, app["id"], "handout", {}, who=who)


async def rate(
    svc: Any, app: dict[str, Any], level: int, *, code: str | None = None, expect: int = 201, **extra: Any
) -> dict[str, Any]:
    body = {"receipt_number": app["receipt_number"], "rating_code": code or app["rating_code"], "level": level, **extra}
    response = await svc.client.post(f"{API}/public/ratings", json=body, headers=public())
    assert response.status_code == expect, response.text
    return response.json()
