"""The access matrix: every route of the route table × every demo role × own and other township.

Expectations come from the policy tables, never from this file:

- no token → 401 (public routes: never 401/403);
- a role without the route's permission → 403 ``permission_denied``;
- a role with it, on a resource its bindings cover → 2xx (a list: 200, and no item outside the
  caller's scope); on a resource of another township → 404 (nothing leaks).

"Own" is Bufeng (the demo identities are Bufeng's or the county's), "other" is Xincheng. Routes
with path parameters need a real resource of each township: FIXTURES below says how to get one
(and, for writes, a body). A route without an entry fails with a message saying so. A failing
cell names the role, the route and the scope.

How to add an entry: key it by (METHOD, path template); ``params`` returns the path parameters
and the scope keys (area code, department) of a resource of the township; ``body`` returns a
request body (and, for a route without path parameters, the scope keys of what it creates);
``ok`` / ``outside`` override the statuses when the generic rule cannot know them.

A state-changing route gives each cell that holds its permission a fresh resource in the state
the action needs (``per_holder``), so a permitted cell is really permitted (2xx) and a refused
one is refused for its scope, never for the resource's state. Read-only routes share one
resource per township (``Ctx.once``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from jiceng_shared import demo
from jiceng_shared.identity import Binding, Principal, area_prefix, is_area_code
from jiceng_shared.policy import AUTHENTICATED, Route, load_policy
from jiceng_shared.testing.plugin import eventually

pytestmark = pytest.mark.e2e

POLICY = load_policy()

#: one demo identity per role; township roles are Bufeng's ("own"), county roles see both
ROLE_IDENTITIES: dict[str, str] = {
    "window_clerk": "window_clerk.bufeng",
    "approval_officer": "approval_officer.bufeng",
    "village_agent": "village_agent.bufeng",
    "grid_worker": "grid_worker.bufeng",
    "grid_chief": "grid_chief.bufeng",
    "community_director": "community_director.bufeng",
    "dispatcher": "dispatcher.bufeng",
    "dept_staff": "dept_staff.psb.bufeng",
    "dept_staff@county": "dept_staff.nrp",
    "enforcement_officer": "enforcement_officer.bufeng",
    "legal_reviewer": "legal_reviewer.bufeng",
    "township_leader": "township_leader.bufeng",
    "assessor": "assessor.bufeng",
    "county_admin": "county_admin",
    "security_admin": "security_admin",
    "audit_admin": "audit_admin",
    "auditor": "auditor",
    "dept_system": "client.hotline12345",
}
ANONYMOUS = "anonymous"
SCOPES = {"own": demo.BUFENG, "other": demo.XINCHENG}
#: cells of one route in flight at once: enough to overlap their waits, few enough that the six
#: processes' connection pools stay small (the PostgreSQL of the tests is shared)
CONCURRENT_CELLS = 8
#: response fields that hold the area a listed item belongs to
AREA_KEYS = ("area_code", "grid_code", "township_code", "area", "code")


def grid_of(township: demo.Township) -> demo.Grid:
    """The first grid of the township's village (the demo grid worker's A post)."""
    village = next(v for v in demo.VILLAGES if v.township == township.code)
    return next(g for g in demo.GRIDS if g.village == village.code)


#: the category of the matrix's plain incidents: one no other end-to-end test reports, since reports
#: of one category within 50 m are merged into one ticket (test_crash_safety fills the Bufeng grids
#: with street occupations and counts one ticket per incident)
INCIDENT_CATEGORY = "environment_pollution"


def inside(grid: demo.Grid) -> list[float]:
    lng, lat = grid.polygon["coordinates"][0][0]
    return [lng + 0.005, lat + 0.005]


# --- how to reach a real resource of a township (the fixture registry) -------------------------


class Ctx:
    """What fixtures may use: the platform (logins, HTTP) and a cache shared by the whole matrix."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self.cache: dict[Any, Any] = {}
        self.lock = asyncio.Lock()

    async def call(self, login: str | None, method: str, path: str, **kwargs: Any) -> Any:
        """A call that must succeed, as a demo identity (``None``: anonymously)."""
        headers = (await self.platform.login(login)).headers if login else {}
        async with self.platform.client() as c:
            response = await c.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, (
            f"fixture call {method} {path} as {login}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    async def once(self, key: Any, make: Callable[[], Awaitable[Any]]) -> Any:
        """``make()`` once for the whole matrix; cells asking for other keys meanwhile do not wait."""
        async with self.lock:
            if key not in self.cache:
                self.cache[key] = asyncio.ensure_future(make())
            made = self.cache[key]
        return await made


Scoped = tuple[dict[str, str], str | None, str | None]  # path parameters, area code (None: no township), department


@dataclass(frozen=True)
class Fixture:
    #: (ctx, township, caller principal) → path parameters and the resource's scope keys
    params: Callable[[Ctx, demo.Township, Principal], Awaitable[Scoped]] | None = None
    #: (ctx, township, caller principal) → request body (and its scope keys, used when the path has
    #: no parameters: with parameters, the resource's scope keys are those ``params`` returns)
    body: Callable[[Ctx, demo.Township, Principal], Awaitable[tuple[Any, str | None, str | None]]] | None = None
    #: statuses when the caller holds the permission over the resource (default: GET 200, write 2xx)
    ok: frozenset[int] | None = None
    #: statuses when the caller holds the permission but not over this resource (default: 404)
    outside: frozenset[int] | None = None
    #: the resource belongs to no township: "other" is the same request as "own"
    unscoped: bool = False


async def area_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)
    return {"code": grid.code}, grid.code, None


async def incident_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)

    async def make() -> dict:
        return await ctx.call(
            f"grid_worker.{t.slug}",
            "POST",
            "/api/grid/v1/incidents",
            json={
                "category": INCIDENT_CATEGORY,
                "description": "矩阵测试",
                "grid_code": grid.code,
                "location": {"type": "Point", "coordinates": inside(grid)},
            },
        )

    incident = await ctx.once(("incident", t.code), make)
    return {"incident_id": incident["id"]}, grid.code, None


async def incident_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str | None]:
    grid = grid_of(t)
    return (
        {
            "category": INCIDENT_CATEGORY,
            "description": "矩阵测试",
            "grid_code": grid.code,
            "location": {"type": "Point", "coordinates": inside(grid)},
        },
        grid.code,
        None,
    )


async def resident_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)

    async def find() -> dict:
        page = await ctx.call(f"grid_worker.{t.slug}", "GET", "/api/grid/v1/residents", params={"grid_code": grid.code})
        return page["items"][0]

    resident = await ctx.once(("resident", t.code), find)
    return {"resident_id": resident["id"]}, grid.code, None


async def resident_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str | None]:
    from grid.residents.rules import check_character

    grid = grid_of(t)
    first17 = "320971" + "19800101" + f"{uuid.uuid4().int % 1000:03d}"
    return (
        {
            "grid_code": grid.code,
            "name": "矩阵",
            "id_number": first17 + check_character(first17),
            "address": "测试地址",
            "household_no": f"M-{uuid.uuid4().hex[:8]}",
        },
        grid.code,
        None,
    )


async def dead_letter_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"dead_letter_id": str(uuid.uuid4())}, demo.COUNTY_CODE, None


async def user_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    async def find() -> dict:
        page = await ctx.call("county_admin", "GET", "/api/iam/v1/users", params={"username": f"grid_worker.{t.slug}"})
        return page["items"][0]

    user = await ctx.once(("user", t.code), find)
    return {"user_id": user["id"]}, user["area"], None


async def user_noop_body(ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str | None]:
    # the same name again: a real, permitted PATCH that changes nothing the other cells rely on
    page = await ctx.call("county_admin", "GET", "/api/iam/v1/users", params={"username": f"grid_worker.{t.slug}"})
    user = page["items"][0]
    return {"version": user["version"], "display_name": user["display_name"]}, user["area"], None


async def client_params(ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    async def find() -> dict:
        page = await ctx.call("county_admin", "GET", "/api/iam/v1/clients", params={"client_id": "client.hotline12345"})
        return page["items"][0]

    client = await ctx.once("client", find)
    return {"client_id": client["id"]}, client["area"], None


async def client_noop_body(ctx: Ctx, _t: demo.Township, _p: Principal) -> tuple[Any, str, str | None]:
    page = await ctx.call("county_admin", "GET", "/api/iam/v1/clients", params={"client_id": "client.hotline12345"})
    client = page["items"][0]
    return {"version": client["version"], "name": client["name"]}, client["area"], None


async def throwaway_client_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    if not p.can("iam.client.manage"):  # the gateway refuses before any lookup: no need to make one
        return {"client_id": str(uuid.uuid4())}, demo.COUNTY_CODE, None
    client = await ctx.call(
        "county_admin",
        "POST",
        "/api/iam/v1/clients",
        json={
            "client_id": f"client.matrix{uuid.uuid4().hex[:8]}",
            "name": "矩阵测试系统",
            "dept": "samr",
            "area": demo.COUNTY_CODE,
            "townships": [t.code],
        },
    )
    return {"client_id": client["id"]}, client["area"], None


def admin_account(role: str = "audit_admin") -> dict:
    return {
        "username": f"matrix.admin.{uuid.uuid4().hex[:8]}",
        "display_name": "矩阵管理员",
        "area": demo.COUNTY_CODE,
        "password": "matrix passphrase 26",
        "bindings": [{"role": role, "area": demo.COUNTY_CODE}],
    }


async def admin_body(_ctx: Ctx, _t: demo.Township, _p: Principal) -> tuple[Any, str | None, str | None]:
    """A new administrative account: the security administrator's to create (三员分立)."""
    return admin_account(), None, None


async def admin_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    if not p.can("iam.admin.manage"):
        return {"user_id": str(uuid.uuid4())}, demo.COUNTY_CODE, None
    user = await ctx.once(
        ("admin-account", t.code),
        lambda: ctx.call("security_admin", "POST", "/api/iam/v1/admins", json=admin_account()),
    )
    return {"user_id": user["id"]}, user["area"], None


async def admin_noop_body(ctx: Ctx, t: demo.Township, p: Principal) -> tuple[Any, str | None, str | None]:
    if not p.can("iam.admin.manage"):
        return {"version": 1}, None, None
    params, _, _ = await admin_params(ctx, t, p)
    user = await ctx.call("security_admin", "GET", f"/api/iam/v1/users/{params['user_id']}")
    return {"version": user["version"], "display_name": user["display_name"]}, None, None


async def throwaway_binding_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    if not p.can("iam.binding.manage"):
        return {"binding_id": str(uuid.uuid4())}, t.code, None

    async def make_user() -> dict:
        return await ctx.call(
            "county_admin",
            "POST",
            "/api/iam/v1/users",
            json={
                "username": f"matrix.{t.slug}.{uuid.uuid4().hex[:6]}",
                "display_name": "矩阵",
                "area": t.code,
                "password": "matrix passphrase 26",
            },
        )

    user = await ctx.once(("binding-holder", t.code), make_user)
    # a grid code of its own for every cell, so concurrent cells never touch the same binding
    area = grid_of(t).village + f"{uuid.uuid4().int % 900 + 100:03d}"
    binding = await ctx.call(
        "county_admin",
        "POST",
        "/api/iam/v1/bindings",
        json={"subject_id": user["id"], "role": "grid_worker", "area": area},
    )
    return {"binding_id": binding["id"]}, binding["area"], None


# --- helpers of the service fixtures -----------------------------------------------------------

MATRIX = "矩阵测试"


def login_of(ctx: Ctx, p: Principal) -> str:
    """The demo login of the calling cell (the matrix logged it in before asking for a resource)."""
    return next(c.login for c in ctx.platform.callers.values() if c.principal.subject == p.subject)


def counterpart(login: str, t: demo.Township) -> str:
    """The same role's demo identity in township ``t`` (county identities serve every township)."""
    return (
        login.removesuffix(f".{demo.BUFENG.slug}") + f".{t.slug}" if login.endswith(f".{demo.BUFENG.slug}") else login
    )


def village_of(t: demo.Township) -> demo.Village:
    return next(v for v in demo.VILLAGES if v.township == t.code)


def per_holder(
    permission: str, names: tuple[str, ...], make: Callable[[Ctx, demo.Township, Principal], Awaitable[Scoped]]
) -> Callable[..., Awaitable[Scoped]]:
    """Params of a state-changing route: a fresh resource for each cell holding ``permission``.

    A caller without the permission is refused by the gateway before any lookup, so made-up ids
    do for it (as in ``throwaway_binding_params``)."""

    async def params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
        if not p.can(permission):
            return {name: str(uuid.uuid4()) for name in names}, t.code, None
        return await make(ctx, t, p)

    return params


def body_of(data: Any) -> Callable[..., Awaitable[tuple[Any, str | None, str | None]]]:
    """A fixed body for a route with path parameters (its scope keys come from ``params``)."""

    async def body(_ctx: Ctx, _t: demo.Township, _p: Principal) -> tuple[Any, str | None, str | None]:
        return data, None, None

    return body


async def first_item(ctx: Ctx, login: str, path: str, **params: Any) -> dict:
    """The first item of a list once it has one (what an event creates elsewhere arrives shortly)."""

    async def found() -> dict | None:
        items = (await ctx.call(login, "GET", path, params=params))["items"]
        return items[0] if items else None

    return await eventually(found, timeout=30, interval=0.2)


async def next_point(ctx: Ctx, grid: demo.Grid) -> list[float]:
    """A point of ``grid`` ~100 m from every other the matrix reported there: never a duplicate."""
    async with ctx.lock:
        k = ctx.cache.get(("points", grid.code), 0)
        ctx.cache[("points", grid.code)] = k + 1
    lng, lat = grid.polygon["coordinates"][0][0]
    return [round(lng + 0.0005 + 0.0011 * (k % 9), 6), round(lat + 0.0005 + 0.0011 * (k // 9), 6)]


# --- approval: applications at each township's window, ratings, the front desk -----------------

APPLICANT = {"name": "矩阵申请人", "id_number": "320911195001011234"}
#: committed item delegated to both townships (decided by the township's 行政审批局) and its materials
COMMITTED, COMMITTED_MATERIALS = "resident_pension_enrolment", ("id_card", "enrolment_form")
#: instant item delegated to both townships, proxy-able
INSTANT, INSTANT_MATERIALS = "elderly_card", ("id_card", "photo")


async def window_application(
    ctx: Ctx,
    t: demo.Township,
    item: str,
    materials: tuple[str, ...],
    *,
    check_later: bool = False,
    clerk: str | None = None,
) -> dict:
    """Received at the window of ``t`` by its clerk: accepted when complete (unless checked later),
    else notified once (awaiting materials)."""
    return await ctx.call(
        clerk or f"window_clerk.{t.slug}",
        "POST",
        "/api/approval/v1/applications",
        json={
            "item_code": item,
            "applicant": APPLICANT,
            "materials": [{"code": c} for c in materials],
            "check_later": check_later,
        },
    )


async def proxy_application(ctx: Ctx, login: str, t: demo.Township, p: Principal) -> dict:
    """Submitted by a village agent (for a resident of the village) or a grid worker (of the grid),
    a photo short: the agent tells the resident at once (awaiting materials)."""
    area = village_of(t).code if "village_agent" in p.roles else grid_of(t).code
    return await ctx.call(
        login,
        "POST",
        "/api/approval/v1/proxy-applications",
        json={"item_code": INSTANT, "applicant": APPLICANT | {"area_code": area}, "materials": [{"code": "id_card"}]},
    )


def application_scoped(app: dict, **extra: str) -> Scoped:
    # the accepting window's area, and the department of the competent unit (its 行政审批局)
    return {"application_id": app["id"], **extra}, app["area_code"], app["competent_unit_code"].split(":")[1]


async def shared_application(ctx: Ctx, t: demo.Township) -> dict:
    return await ctx.once(("application", t.code), lambda: window_application(ctx, t, COMMITTED, COMMITTED_MATERIALS))


async def application_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    if p.can("approval.application.proxy"):  # agents see what they submitted for their village or grid
        login = counterpart(login_of(ctx, p), t)
        app = await ctx.once(("proxy-application", login), lambda: proxy_application(ctx, login, t, p))
        return application_scoped(app)
    return application_scoped(await shared_application(ctx, t))


def fresh_application(permission: str, item: str, materials: tuple[str, ...], *, check_later: bool = False):
    async def make(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
        return application_scoped(await window_application(ctx, t, item, materials, check_later=check_later))

    return per_holder(permission, ("application_id",), make)


async def awaiting_materials(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    """Awaiting a photo: at the window for a clerk, else submitted by the caller's counterpart in ``t``."""
    if p.can("approval.application.proxy"):
        return application_scoped(await proxy_application(ctx, counterpart(login_of(ctx, p), t), t, p))
    return application_scoped(await window_application(ctx, t, INSTANT, ("id_card",)))


async def paused(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    app = await window_application(ctx, t, COMMITTED, COMMITTED_MATERIALS)
    app = await ctx.call(
        f"approval_officer.{t.slug}",
        "POST",
        f"/api/approval/v1/applications/{app['id']}/pauses",
        json={"reason": "expert_review", "note": MATRIX},
    )
    return application_scoped(app, pause_id=app["pauses"][0]["id"])


async def extension_requested(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    app = await window_application(ctx, t, COMMITTED, COMMITTED_MATERIALS)
    app = await ctx.call(
        f"approval_officer.{t.slug}",
        "POST",
        f"/api/approval/v1/applications/{app['id']}/extensions",
        json={"days": 5, "reason": MATRIX},
    )
    return application_scoped(app, extension_id=app["extensions"][0]["id"])


async def public_status_body(ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str | None]:
    app = await shared_application(ctx, t)
    # the status page takes the check code printed on the receipt in the body, never in the URL
    return {"receipt_number": app["receipt_number"], "check_code": app["check_code"]}, t.code, None


async def bad_rating(ctx: Ctx, t: demo.Township, clerk: str | None = None) -> dict:
    """An instant item handed out by ``clerk`` (the township's window clerk), rated 不满意 with its
    rating code: its rectification (open)."""
    clerk = clerk or f"window_clerk.{t.slug}"
    app = await window_application(ctx, t, INSTANT, INSTANT_MATERIALS, clerk=clerk)
    done = await ctx.call(
        clerk,
        "POST",
        f"/api/approval/v1/applications/{app['id']}/handout",
        json={"delivery": "window"},
    )
    await ctx.call(
        None,
        "POST",
        "/api/approval/v1/public/ratings",
        json={
            "receipt_number": app["receipt_number"],
            "rating_code": done["rating_code"],
            "level": 2,
            "comment": MATRIX,
        },
    )
    return await first_item(
        ctx, f"township_leader.{t.slug}", "/api/approval/v1/rectifications", application_id=app["id"]
    )


def rectification_scoped(rect: dict) -> Scoped:
    return {"rectification_id": rect["id"]}, rect["area_code"], None


async def rectification_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return rectification_scoped(await ctx.once(("rectification", t.code), lambda: bad_rating(ctx, t)))


async def assigned_to_caller(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    """Open, and the caller's to handle: assigned to them (the township leader handles any anyway).
    Served by another clerk when the caller is the window clerk: the rated clerk never handles it."""
    served_by = f"window_clerk2.{t.slug}" if login_of(ctx, p) == f"window_clerk.{t.slug}" else None
    rect = await bad_rating(ctx, t, served_by)
    if not p.can("approval.rectification.assign"):
        rect = await ctx.call(
            f"township_leader.{t.slug}",
            "POST",
            f"/api/approval/v1/rectifications/{rect['id']}/assign",
            json={"assignee_username": login_of(ctx, p), "assignee_name": p.name},
        )
    return rectification_scoped(rect)


async def open_inquiry(ctx: Ctx, t: demo.Township) -> dict:
    """Received by the window clerk of ``t``, who owns it (首问负责制)."""
    return await ctx.call(
        f"window_clerk.{t.slug}",
        "POST",
        "/api/approval/v1/inquiries",
        json={"subject": f"{MATRIX}：咨询办事流程", "channel": "window"},
    )


def inquiry_scoped(inquiry: dict) -> Scoped:
    return {"inquiry_id": inquiry["id"]}, inquiry["area_code"], None


async def inquiry_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return inquiry_scoped(await ctx.once(("inquiry", t.code), lambda: open_inquiry(ctx, t)))


async def owned_inquiry(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return inquiry_scoped(await open_inquiry(ctx, t))


async def queued_inquiry(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """A consultation the centre dispatched to the township's service centre: unclaimed in its queue."""
    ticket = await ctx.call(
        f"dispatcher.{t.slug}",
        "POST",
        "/api/dispatch/v1/tickets",
        json={"category": "service_consultation", "description": f"{MATRIX}：咨询", "township_code": t.code},
    )
    return inquiry_scoped(
        await first_item(
            ctx, f"township_leader.{t.slug}", "/api/approval/v1/inquiries", correlation_id=ticket["correlation_id"]
        )
    )


async def handover_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    clerk = demo.USER_BY_NAME[f"window_clerk2.{t.slug}"]
    return {"to_username": clerk.username, "to_name": clerk.display_name, "note": MATRIX}, None, None


async def fresh_post(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """A window post of its own (made-up clerks), so marking its A absent changes no real queue."""
    tag = uuid.uuid4().hex[:8]
    post = await ctx.call(
        f"township_leader.{t.slug}",
        "POST",
        "/api/approval/v1/posts",
        json={
            "name": f"矩阵窗口{tag}",
            "a_username": f"matrix.a.{tag}",
            "a_name": "矩阵甲",
            "b_username": f"matrix.b.{tag}",
            "b_name": "矩阵乙",
        },
    )
    return {"post_id": post["id"]}, post["area_code"], None


CATALOGUE_ITEM = {
    "name": "矩阵测试事项",
    "department": "soc",
    "kind": "instant",
    "effective_from": "2099-01-01",
    "materials": [{"code": "id_card", "name": "居民身份证", "requirement": "required"}],
}


async def open311_service_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"service_code": "consumer_complaint"}, None, None


async def open311_request_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    # public: any caller gets the same answer (404 for an id of no citizen's request);
    # tests/test_open311_e2e.py reads real ones
    return {"service_request_id": str(uuid.uuid4())}, None, None


async def catalogue_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"code": INSTANT}, None, None


async def matrix_catalogue_item(ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    """An item of the matrix's own, in force only from 2099: new versions of it change no real list."""

    async def make() -> dict:
        return await ctx.call(
            "county_admin",
            "POST",
            "/api/approval/v1/catalogue/items",
            json={"code": f"matrix_{uuid.uuid4().hex[:8]}", **CATALOGUE_ITEM},
        )

    return {"code": (await ctx.once("catalogue-item", make))["code"]}, None, None


# --- dispatch: tickets of the centre, of a grid incident, of the caller's own unit --------------


async def fresh_ticket(ctx: Ctx, t: demo.Township, category: str, unit: str | None = None) -> dict:
    """Registered by the township's centre (dispatched by the responsibility list), then given to
    ``unit`` by the centre if named."""
    dispatcher = f"dispatcher.{t.slug}"
    ticket = await ctx.call(
        dispatcher,
        "POST",
        "/api/dispatch/v1/tickets",
        json={"category": category, "description": f"{MATRIX}：{category}", "township_code": t.code},
    )
    if unit is not None and ticket["unit"]["code"] != unit:
        ticket = await ctx.call(
            dispatcher,
            "POST",
            f"/api/dispatch/v1/tickets/{ticket['id']}/reassign",
            json={"unit_code": unit, "reason": MATRIX},
        )
    return ticket


def ticket_scoped(ticket: dict) -> Scoped:
    return {"ticket_id": ticket["id"]}, ticket["area_code"], ticket["unit"]["dept"]


def staff_unit(p: Principal, permission: str, t: demo.Township) -> str | None:
    """The caller's unit serving ``t``: a stationed office of the township, or a county department."""
    for b in p.bindings_for(permission):
        if b.role == "dept_staff" and b.dept:
            return f"{demo.COUNTY_CODE if b.area == demo.COUNTY_CODE else t.code}:{b.dept}"
    return None


def unit_ticket(permission: str):
    """A dispute (extensible) ticket given to the caller's unit; a caller without a unit (the
    hotline) gets it where the list sends it, the township's social-governance office."""

    async def make(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
        return ticket_scoped(await fresh_ticket(ctx, t, "neighbour_dispute", staff_unit(p, permission, t)))

    return per_holder(permission, ("ticket_id",), make)


async def centre_ticket(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return ticket_scoped(await fresh_ticket(ctx, t, "neighbour_dispute"))


async def extension_pending(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """A consumer complaint with the stationed market-regulation office, which asked for more time."""
    ticket = await fresh_ticket(ctx, t, "consumer_complaint")
    ticket = await ctx.call(
        f"dept_staff.samr.{t.slug}",
        "POST",
        f"/api/dispatch/v1/tickets/{ticket['id']}/extension",
        json={"value": 3, "reason": MATRIX},
    )
    return ticket_scoped(ticket)


async def handled_grid_ticket(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """The grid worker reports a public-security hazard in their grid; the police station it is
    dispatched to gives feedback: handled, waiting for the on-site verification."""
    grid = grid_of(t)
    incident = await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/incidents",
        json={
            "category": "public_security_hazard",
            "description": f"{MATRIX}：治安隐患",
            "grid_code": grid.code,
            "location": {"type": "Point", "coordinates": await next_point(ctx, grid)},
        },
    )
    ticket = await first_item(
        ctx, f"dispatcher.{t.slug}", "/api/dispatch/v1/tickets", correlation_id=incident["correlation_id"]
    )
    ticket = await ctx.call(
        f"dept_staff.psb.{t.slug}",
        "POST",
        f"/api/dispatch/v1/tickets/{ticket['id']}/feedback",
        json={"outcome": f"{MATRIX}：已处置"},
    )
    return ticket_scoped(ticket)


def unit_login(unit_code: str, t: demo.Township) -> str:
    """The demo staff of a unit: a county department's, or the stationed office's of ``t``."""
    area, dept = unit_code.split(":")
    return f"dept_staff.{dept}" if area == demo.COUNTY_CODE else f"dept_staff.{dept}.{t.slug}"


def signed_unit_ticket(permission: str):
    """Like ``unit_ticket``, signed for (签收) by the unit: what a unit may park."""

    async def make(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
        unit = staff_unit(p, permission, t)
        ticket = await fresh_ticket(ctx, t, "neighbour_dispute", unit)
        if unit is not None:
            ticket = await ctx.call(unit_login(unit, t), "POST", f"/api/dispatch/v1/tickets/{ticket['id']}/sign-for")
        return ticket_scoped(ticket)

    return per_holder(permission, ("ticket_id",), make)


async def park_pending(ctx: Ctx, t: demo.Township, _p: Principal) -> dict:
    """A consumer complaint the stationed market-regulation office signed for and asked to park."""
    ticket = await fresh_ticket(ctx, t, "consumer_complaint")
    staff = f"dept_staff.samr.{t.slug}"
    await ctx.call(staff, "POST", f"/api/dispatch/v1/tickets/{ticket['id']}/sign-for")
    return await ctx.call(staff, "POST", f"/api/dispatch/v1/tickets/{ticket['id']}/park", json={"reason": MATRIX})


async def park_pending_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    return ticket_scoped(await park_pending(ctx, t, p))


async def parked_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    ticket = await park_pending(ctx, t, p)
    ticket = await ctx.call(
        f"township_leader.{t.slug}",
        "POST",
        f"/api/dispatch/v1/tickets/{ticket['id']}/park/decision",
        json={"approved": True, "note": MATRIX},
    )
    return ticket_scoped(ticket)


async def callback_pending(ctx: Ctx, t: demo.Township, ticket: dict | None = None) -> dict:
    """A citizen's complaint the centre registered (with the caller), handled and verified."""
    if ticket is None:
        ticket = await ctx.call(
            f"dispatcher.{t.slug}",
            "POST",
            "/api/dispatch/v1/tickets",
            json={
                "category": "consumer_complaint",
                "description": f"{MATRIX}：消费投诉",
                "township_code": t.code,
                "caller": {"name": "测试来电人", "phone": "13800009999"},
            },
        )
    path = f"/api/dispatch/v1/tickets/{ticket['id']}"
    await ctx.call(f"dept_staff.samr.{t.slug}", "POST", f"{path}/feedback", json={"outcome": MATRIX})
    return await ctx.call(f"dispatcher.{t.slug}", "POST", f"{path}/verification", json={"passed": True})


async def callback_pending_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return ticket_scoped(await callback_pending(ctx, t))


async def awaiting_decision_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """Dissatisfied after rework: the township leader's decision."""
    ticket = await callback_pending(ctx, t)
    path = f"/api/dispatch/v1/tickets/{ticket['id']}/callback"
    dissatisfied = {"result": "dissatisfied", "note": MATRIX}
    ticket = await ctx.call(f"dispatcher.{t.slug}", "POST", path, json=dissatisfied)
    await callback_pending(ctx, t, ticket)
    return ticket_scoped(await ctx.call(f"dispatcher.{t.slug}", "POST", path, json=dissatisfied))


#: the addressee of a hand-made supervision order each role answers as
ADDRESSEE_OF_ROLE = {
    "dispatcher": "centre_head",
    "dept_staff": "unit_head",
    "dept_system": "unit_head",
    "township_leader": "township_leader",
    "county_admin": "county",
}


async def order_for(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    """A supervision order (人工督办) on a ticket of the caller's unit, addressed to the caller's role."""
    binding = p.bindings_for("dispatch.supervision.answer")[0]
    ticket = await fresh_ticket(ctx, t, "neighbour_dispute", staff_unit(p, "dispatch.supervision.answer", t))
    order = await ctx.call(
        f"dispatcher.{t.slug}",
        "POST",
        f"/api/dispatch/v1/tickets/{ticket['id']}/supervision-orders",
        json={"addressee": ADDRESSEE_OF_ROLE[binding.role], "demand": MATRIX},
    )
    return {"order_id": order["id"]}, ticket["area_code"], ticket["unit"]["dept"]


async def summons_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    return {"unit_codes": [f"{t.code}:psb"], "purpose": f"{MATRIX}：吹哨"}, None, None


async def summons_for(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    """A summons of the caller's unit (the township's police station for a caller without one)."""
    unit = staff_unit(p, "dispatch.summons.answer", t) or f"{t.code}:psb"
    ticket = await fresh_ticket(ctx, t, "neighbour_dispute")
    issued = await ctx.call(
        f"dispatcher.{t.slug}",
        "POST",
        f"/api/dispatch/v1/tickets/{ticket['id']}/summons",
        json={"unit_codes": [unit], "purpose": MATRIX},
    )
    [made] = issued["items"]
    return {"summons_id": made["id"]}, made["area_code"], made["dept"]


async def joint_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    body = {
        "squad": {"unit_code": f"{t.code}:cle", "task": f"{MATRIX}：现场执法"},
        "departments": [{"unit_code": f"{t.code}:psb", "task": f"{MATRIX}：秩序维护"}],
    }
    return body, None, None


async def cooperating_part(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    """A part of a joint action for the caller's unit (the township's police station for a caller without one)."""
    unit = staff_unit(p, "dispatch.ticket.part.feedback", t) or f"{t.code}:psb"
    ticket = await fresh_ticket(ctx, t, "neighbour_dispute")
    parts = await ctx.call(
        f"dispatcher.{t.slug}",
        "POST",
        f"/api/dispatch/v1/tickets/{ticket['id']}/joint-action",
        json={
            "squad": {"unit_code": f"{t.code}:cle", "task": MATRIX},
            "departments": [{"unit_code": unit, "task": MATRIX}],
        },
    )
    part = next(x for x in parts["items"] if x["unit_code"] == unit)
    return {"ticket_id": ticket["id"], "part_id": part["id"]}, ticket["area_code"], unit.split(":")[1]


async def reassign_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    return {"unit_code": f"{t.code}:psb", "reason": f"{MATRIX}：由派出所调处"}, None, None


async def category_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"code": "street_occupation"}, None, None


async def category_noop_body(ctx: Ctx, _t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    # the limit it has already: a real, permitted PATCH that changes no ticket's limits
    category = await ctx.call("county_admin", "GET", "/api/dispatch/v1/categories/street_occupation")
    return {"version": category["version"], "urgent": category["limits"]["urgent"]}, None, None


# --- enforcement: incident → ticket → lead → case, and leads of the centre's tickets ------------


async def chain(ctx: Ctx, t: demo.Township) -> dict:
    """One journey per township: a grid worker reports illegal construction (delegated to the
    township), dispatch sends it to the enforcement office, which records a lead and opens a case."""

    async def make() -> dict:
        grid = grid_of(t)
        incident = await ctx.call(
            f"grid_worker.{t.slug}",
            "POST",
            "/api/grid/v1/incidents",
            json={
                "category": "illegal_construction",
                "description": f"{MATRIX}：违法建设",
                "grid_code": grid.code,
                "location": {"type": "Point", "coordinates": await next_point(ctx, grid)},
            },
        )
        journey = incident["correlation_id"]
        ticket = await first_item(ctx, f"dispatcher.{t.slug}", "/api/dispatch/v1/tickets", correlation_id=journey)
        lead = await first_item(
            ctx, f"enforcement_officer.{t.slug}", "/api/enforcement/v1/leads", correlation_id=journey
        )
        case = await open_case(ctx, t, lead)
        return {"incident": incident, "ticket": ticket, "lead": lead, "case": case}

    return await ctx.once(("chain", t.code), make)


async def centre_lead(ctx: Ctx, t: demo.Township, category: str) -> dict:
    """The lead of a matter the centre registered and dispatched to the township's enforcement office."""
    ticket = await fresh_ticket(ctx, t, category)
    return await first_item(
        ctx, f"enforcement_officer.{t.slug}", "/api/enforcement/v1/leads", correlation_id=ticket["correlation_id"]
    )


async def open_case(ctx: Ctx, t: demo.Township, lead: dict) -> dict:
    officers = [f"enforcement_officer.{t.slug}", f"enforcement_officer2.{t.slug}"]
    return await ctx.call(
        officers[0], "POST", "/api/enforcement/v1/cases", json={"lead_id": lead["id"], "officers": officers}
    )


def lead_scoped(lead: dict) -> Scoped:
    return {"lead_id": lead["id"]}, lead["area_code"], lead["handling_dept"]


def case_scoped(case: dict) -> Scoped:
    return {"case_id": case["id"]}, case["area_code"], case["handling_dept"]


async def chain_ticket_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    """Illegal construction: the police station and the county's natural-resources department
    cooperate (配合单位), so their staff read the ticket too — the caller's department if involved."""
    params, area, dept = ticket_scoped((await chain(ctx, t))["ticket"])
    ticket = (await chain(ctx, t))["ticket"]
    involved = {dept} | {code.split(":", 1)[1] for code in ticket.get("involved_units", [])}
    mine = [b.dept for b in p.bindings_for("dispatch.ticket.read") if b.dept in involved]
    return params, area, mine[0] if mine else dept


async def chain_lead_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return lead_scoped((await chain(ctx, t))["lead"])


async def chain_case_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return case_scoped((await chain(ctx, t))["case"])


async def undelegated_lead(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """Construction on farmland: not delegated to the township, so the lead goes to the county."""
    return lead_scoped(await centre_lead(ctx, t, "illegal_construction_farmland"))


async def patrol_lead_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str]:
    grid = grid_of(t)
    body = {
        "source": "patrol",
        "township_code": t.code,
        "area_code": grid.code,
        "category": "street_occupation",
        "description": f"{MATRIX}：巡查发现占道经营",
    }
    return body, grid.code, "cle"


async def fresh_lead(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return lead_scoped(await centre_lead(ctx, t, "street_occupation"))


async def investigating_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return case_scoped(await open_case(ctx, t, await centre_lead(ctx, t, "street_occupation")))


SUMMARY_WARNING = {
    "procedure": "summary",
    "penalty": "warning",
    "party": {"kind": "person", "name": "矩阵当事人"},
    "facts": f"{MATRIX}：占用人行道经营，当场改正",
    "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
}


async def decided_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    case = await open_case(ctx, t, await centre_lead(ctx, t, "street_occupation"))
    case = await ctx.call(
        f"enforcement_officer.{t.slug}",
        "POST",
        f"/api/enforcement/v1/cases/{case['id']}/decision",
        json=SUMMARY_WARNING,
    )
    return case_scoped(case)


HEAVY_NOTICE = {
    "penalty": "fine",
    "fine_yuan": 6000,
    "party": {"kind": "person", "name": "矩阵当事人"},
    "facts": f"{MATRIX}：违法搭建经营棚",
    "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
}


async def notified_case(ctx: Ctx, t: demo.Township) -> dict:
    """A case whose party was told of a 6,000 yuan fine: a hearing is offered (行政处罚法 art. 63)."""
    case = await open_case(ctx, t, await centre_lead(ctx, t, "street_occupation"))
    return await ctx.call(
        f"enforcement_officer.{t.slug}",
        "POST",
        f"/api/enforcement/v1/cases/{case['id']}/rights-notice",
        json=HEAVY_NOTICE,
    )


async def hearing_offered_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return case_scoped(await notified_case(ctx, t))


async def shared_notified_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return case_scoped(await ctx.once(("notified-case", t.code), lambda: notified_case(ctx, t)))


async def hearing_requested_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    case = await notified_case(ctx, t)
    await ctx.call(
        f"enforcement_officer.{t.slug}", "POST", f"/api/enforcement/v1/cases/{case['id']}/hearing-request", json={}
    )
    return case_scoped(case)


async def hearing_schedule_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    at = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    return (
        {
            "scheduled_for": at.isoformat(),
            "place": f"{MATRIX}：听证室",
            "hearing_officer": {"username": f"legal_reviewer.{t.slug}", "name": "法制审核员"},
        },
        None,
        None,
    )


async def decided_unserved_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """An ordinary-procedure warning, decided and not yet served."""
    officer = f"enforcement_officer.{t.slug}"
    case = await open_case(ctx, t, await centre_lead(ctx, t, "street_occupation"))
    notice = {key: SUMMARY_WARNING[key] for key in ("penalty", "party", "facts", "legal_basis")}
    await ctx.call(officer, "POST", f"/api/enforcement/v1/cases/{case['id']}/rights-notice", json=notice)
    case = await ctx.call(
        officer,
        "POST",
        f"/api/enforcement/v1/cases/{case['id']}/decision",
        json={**SUMMARY_WARNING, "procedure": "ordinary"},
    )
    return case_scoped(case)


async def fined_case(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """A 100 yuan fine decided on the spot: served there, payable within 15 days."""
    case = await open_case(ctx, t, await centre_lead(ctx, t, "street_occupation"))
    case = await ctx.call(
        f"enforcement_officer.{t.slug}",
        "POST",
        f"/api/enforcement/v1/cases/{case['id']}/decision",
        json={**SUMMARY_WARNING, "penalty": "fine", "fine_yuan": 100},
    )
    return case_scoped(case)


async def shared_fined_case(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    return await ctx.once(("fined-case", t.code), lambda: fined_case(ctx, t, p))


async def deferral_body(_ctx: Ctx, _t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=40)).date()
    return (
        {
            "kind": "deferral",
            "reason": f"{MATRIX}：确有困难",
            "instalments": [{"due_on": until.isoformat(), "amount_yuan": 100}],
        },
        None,
        None,
    )


async def published_case(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    scoped = await decided_case(ctx, t, p)
    await ctx.call(
        f"enforcement_officer.{t.slug}", "POST", f"/api/enforcement/v1/cases/{scoped[0]['case_id']}/disclosure", json={}
    )
    return scoped


async def disclosure_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    async def make() -> dict:
        scoped = await decided_case(ctx, t, p)
        return await ctx.call(
            f"enforcement_officer.{t.slug}",
            "POST",
            f"/api/enforcement/v1/cases/{scoped[0]['case_id']}/disclosure",
            json={},
        )

    return {"disclosure_id": (await ctx.once("public-disclosure", make))["id"]}, None, None


def credit_code() -> str:
    return "91" + uuid.uuid4().hex[:16].upper()


def target_body_of(t: demo.Township) -> dict:
    return {
        "township_code": t.code,
        "area_code": grid_of(t).code,
        "name": f"{MATRIX}：检查对象",
        "credit_code": credit_code(),
    }


async def new_target(ctx: Ctx, t: demo.Township) -> dict:
    return await ctx.call(
        f"enforcement_officer.{t.slug}", "POST", "/api/enforcement/v1/inspection-targets", json=target_body_of(t)
    )


async def target_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str]:
    return target_body_of(t), grid_of(t).code, "cle"


async def target_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"target_id": (await new_target(ctx, t))["id"]}, grid_of(t).code, "cle"


def plan_body_of(t: demo.Township) -> dict:
    return {"township_code": t.code, "name": f"{MATRIX}：双随机抽查", "ratio_percent": 100}


async def plan_body(ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str]:
    await ctx.once(("inspection-target", t.code), lambda: new_target(ctx, t))
    return plan_body_of(t), t.code, "cle"


async def drawn_plan(ctx: Ctx, t: demo.Township) -> dict:
    async def make() -> dict:
        await ctx.once(("inspection-target", t.code), lambda: new_target(ctx, t))
        return await ctx.call(
            f"enforcement_officer.{t.slug}", "POST", "/api/enforcement/v1/inspection-plans", json=plan_body_of(t)
        )

    return await ctx.once(("inspection-plan", t.code), make)


async def plan_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"plan_id": (await drawn_plan(ctx, t))["id"]}, t.code, "cle"


async def published_plan_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    async def make() -> dict:
        await new_target(ctx, t)
        plan = await ctx.call(
            f"enforcement_officer.{t.slug}", "POST", "/api/enforcement/v1/inspection-plans", json=plan_body_of(t)
        )
        results = [
            {"target_id": a["target_id"], "outcome": "compliant", "finding": f"{MATRIX}：未发现问题"}
            for a in plan["assignments"]
        ]
        return await ctx.call(
            f"enforcement_officer.{t.slug}",
            "POST",
            f"/api/enforcement/v1/inspection-plans/{plan['id']}/results",
            json={"results": results},
        )

    return {"plan_id": (await ctx.once("public-inspection", make))["id"]}, None, None


async def matrix_squad(ctx: Ctx, t: demo.Township) -> dict:
    async def make() -> dict:
        return await ctx.call(
            f"township_leader.{t.slug}",
            "POST",
            "/api/enforcement/v1/squads",
            json={
                "name": f"{MATRIX}：派驻中队",
                "township_code": t.code,
                "kind": "stationed",
                "county_dept": "samr",
                "members": [f"enforcement_officer.{t.slug}", f"enforcement_officer2.{t.slug}"],
                "leader": f"enforcement_officer.{t.slug}",
            },
        )

    return await ctx.once(("squad", t.code), make)


async def new_operation(ctx: Ctx, t: demo.Township, parts: bool = False) -> dict:
    """A joint operation of departments without township staff in the demo (sep, hud)."""
    officer = f"enforcement_officer.{t.slug}"
    squad = await matrix_squad(ctx, t)
    op = await ctx.call(
        officer,
        "POST",
        "/api/enforcement/v1/joint-operations",
        json={
            "ticket_id": str(uuid.uuid4()),
            "squad_id": squad["id"],
            "area_code": grid_of(t).code,
            "title": f"{MATRIX}：联合执法",
            "departments": [{"dept": "sep", "task": "油烟检测"}, {"dept": "hud", "task": "违建核查"}],
        },
    )
    if parts:
        for dept in ("sep", "hud"):
            await ctx.call(
                officer,
                "POST",
                f"/api/enforcement/v1/joint-operations/{op['id']}/parts",
                json={"dept": dept, "outcome": f"{MATRIX}：完成"},
            )
    return op


def operation_scoped(op: dict) -> Scoped:
    return {"operation_id": op["id"]}, op["area_code"], "cle"


async def operation_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return operation_scoped(await ctx.once(("operation", t.code), lambda: new_operation(ctx, t)))


async def fresh_operation(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return operation_scoped(await new_operation(ctx, t))


async def recorded_operation(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return operation_scoped(await new_operation(ctx, t, parts=True))


async def reviewer_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    body = {
        "name": "矩阵法制审核员",
        "township_code": t.code,
        "certificate_number": f"A{uuid.uuid4().hex[:12]}",
        "valid_from": "2020-01-01",
    }
    return body, None, None


async def officer_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"username": f"enforcement_officer.{t.slug}"}, t.code, "cle"


async def new_officer_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    # a new officer of the township's enforcement office for every cell: registering is a real 201
    return {"username": f"matrix.officer.{uuid.uuid4().hex[:8]}"}, t.code, "cle"


async def officer_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    return (
        {
            "name": "矩阵执法人员",
            "township_code": t.code,
            "certificate_number": f"MX{uuid.uuid4().hex[:10]}",
            "valid_from": "2024-01-01",
            "valid_until": "2030-12-31",
        },
        None,
        None,
    )


ENFORCEMENT_ITEM = {
    "name_zh": "矩阵测试执法事项",
    "categories": ["road_facility_damage"],
    "competent_dept": "hud",
    "legal_basis": f"{MATRIX}依据",
    "delegable": True,
    "effective_from": "2099-01-01",
}


async def enforcement_item_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"code": "ZF-CG-001"}, None, None


async def matrix_enforcement_item(ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    """An item of the matrix's own, in force only from 2099: its revisions route no lead."""

    async def make() -> dict:
        return await ctx.call(
            "county_admin",
            "POST",
            "/api/enforcement/v1/items",
            json={"code": f"ZF-MX-{uuid.uuid4().hex[:8].upper()}", **ENFORCEMENT_ITEM},
        )

    return {"code": (await ctx.once("enforcement-item", make))["code"]}, None, None


# --- assessment -------------------------------------------------------------------------------


async def unit_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"unit_code": quote(f"{t.code}:cle", safe="")}, t.code, "cle"


async def clerk_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """The window clerk of ``t``, whom assessment knows once an application they accepted is counted."""

    async def known() -> str:
        await shared_application(ctx, t)
        clerk = (await ctx.platform.login(f"window_clerk.{t.slug}")).principal.subject

        async def counted() -> bool:
            caller = await ctx.platform.login("county_admin")
            async with ctx.platform.client() as c:
                response = await c.get(f"/api/assessment/v1/window/clerks/{clerk}", headers=caller.headers)
            return response.status_code == 200

        await eventually(counted, timeout=30, interval=0.2)
        return clerk

    return {"clerk_id": await ctx.once(("clerk", t.code), known)}, t.code, None


#: a month long over that no other test closes
CLOSED_MONTH = "2025-01"


async def period_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"period": CLOSED_MONTH}, t.code, None


async def period_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, None, None]:
    return {"township_code": t.code}, None, None


#: a quarter and a year long over that no test assesses (loop 5's journey grades 2025)
async def grid_quarter_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"quarter": "2024-Q1"}, t.code, None


async def item_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"code": "window.discipline"}, demo.COUNTY_CODE, None


async def township_item_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    """The county's list read from a township: every holder of the permission reads it anywhere."""
    return {"code": "window.discipline"}, t.code, None


async def review_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"review_id": str(uuid.uuid4())}, demo.COUNTY_CODE, None


async def grid_year_params(_ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    return {"year": "2024"}, t.code, None


# --- grid: roster entries and visits ------------------------------------------------------------


async def _roster_entry(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)
    entry = await ctx.call(
        f"community_director.{t.slug}",
        "POST",
        "/api/grid/v1/roster",
        json={
            "grid_code": grid.code,
            "worker_id": f"matrix-{uuid.uuid4().hex[:8]}",
            "name": "矩阵辅助员",
            "post": "auxiliary",
            "since": "2026-01-01",
        },
    )
    return {"entry_id": entry["id"]}, grid.code, None


async def _visit(ctx: Ctx, t: demo.Township) -> dict:
    grid = grid_of(t)
    return await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/visits",
        json={
            "grid_code": grid.code,
            "kind": "patrol",
            "visited_at": "2026-11-01T09:00:00+08:00",
            "location": {"type": "Point", "coordinates": await next_point(ctx, grid)},
            "found": MATRIX,
        },
    )


async def visit_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    visit = await ctx.once(("visit", t.code), lambda: _visit(ctx, t))
    return {"visit_id": visit["id"]}, visit["grid_code"], None


async def _fresh_visit(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    visit = await _visit(ctx, t)
    return {"visit_id": visit["id"]}, visit["grid_code"], None


async def _diary(ctx: Ctx, t: demo.Township) -> dict:
    """A diary of the township's demo grid worker for a working day of 2025 no other cell used."""
    from jiceng_shared.workdays import WorkdayCalendar

    async with ctx.lock:
        k = ctx.cache.get(("diary-days", t.code), 0)
        ctx.cache[("diary-days", t.code)] = k + 1
    calendar, day, n = WorkdayCalendar(), dt.date(2025, 12, 31), k
    while n or not calendar.is_workday(day):
        n -= calendar.is_workday(day)
        day -= dt.timedelta(days=1)
    return await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/diaries",
        json={"grid_code": grid_of(t).code, "day": day.isoformat(), "content": MATRIX},
    )


async def diary_params(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    diary = await ctx.once(("diary", t.code), lambda: _diary(ctx, t))
    return {"diary_id": diary["id"]}, diary["grid_code"], None


async def _fresh_diary(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    diary = await _diary(ctx, t)
    return {"diary_id": diary["id"]}, diary["grid_code"], None


# --- grid: base data (人房企) -------------------------------------------------------------------


async def _fresh_resident(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    body, area, _ = await resident_body(ctx, t, _p)
    resident = await ctx.call(f"grid_worker.{t.slug}", "POST", "/api/grid/v1/residents", json=body)
    return {"resident_id": resident["id"]}, area, None


async def _fresh_household(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)
    household = await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/households",
        json={"grid_code": grid.code, "household_no": f"M-{uuid.uuid4().hex[:8]}", "address": MATRIX},
    )
    return {"household_id": household["id"]}, grid.code, None


async def _fresh_building(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)
    building = await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/buildings",
        json={"grid_code": grid.code, "name": MATRIX, "address": MATRIX, "use": "residential"},
    )
    return {"building_id": building["id"]}, grid.code, None


async def _fresh_enterprise(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    from grid.people.rules import CREDIT_CHARS, credit_check_character

    grid = grid_of(t)
    n = uuid.uuid4().int
    first17 = "91320971" + "".join(CREDIT_CHARS[(n >> (5 * i)) % 31] for i in range(9))
    enterprise = await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/enterprises",
        json={
            "grid_code": grid.code,
            "name": MATRIX,
            "credit_code": first17 + credit_check_character(first17),
            "legal_representative": "矩阵",
            "address": MATRIX,
        },
    )
    return {"enterprise_id": enterprise["id"]}, grid.code, None


async def enterprise_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    return await ctx.once(("enterprise", t.code), lambda: _fresh_enterprise(ctx, t, p))


async def history_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    params, area, dept = await resident_params(ctx, t, p)
    return {"entity": "resident", "entity_id": params["resident_id"]}, area, dept


async def register_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    return {"group": "disabled"}, None, None


# --- grid: tasks of the admission list -----------------------------------------------------------

MATRIX_TASK_TYPE = {"code": "matrix_check", "name": MATRIX}


async def admitted(ctx: Ctx, task_type: dict) -> None:
    """The list in force holds ``task_type`` (a new version adding it when it does not)."""
    async with ctx.lock:
        if ctx.cache.get(("admitted", task_type["code"])):
            return
        current = await ctx.call("county_admin", "GET", "/api/grid/v1/admission-lists")
        types = current[-1]["task_types"] if current else []  # the latest version
        if task_type["code"] not in {t["code"] for t in types}:
            await ctx.call(
                "county_admin",
                "POST",
                "/api/grid/v1/admission-lists",
                json={
                    "county_code": demo.COUNTY_CODE,
                    # today in the county: a list version never takes effect in the past
                    "effective_from": dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat(),
                    "task_types": [*types, task_type],
                },
            )
        ctx.cache[("admitted", task_type["code"])] = True


async def _fresh_assignment(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    await admitted(ctx, MATRIX_TASK_TYPE)
    grid = grid_of(t)
    task = await ctx.call(
        f"township_leader.{t.slug}",
        "POST",
        "/api/grid/v1/tasks",
        json={
            "task_type": "matrix_check",
            "title": MATRIX,
            "instructions": MATRIX,
            "grid_codes": [grid.code],
            "due_on": "2099-12-31",
        },
    )
    return {"assignment_id": task["assignments"][0]["id"]}, grid.code, None


# --- grid: disputes -------------------------------------------------------------------------------


async def _fresh_dispute(ctx: Ctx, t: demo.Township, _p: Principal) -> Scoped:
    grid = grid_of(t)
    dispute = await ctx.call(
        f"grid_worker.{t.slug}",
        "POST",
        "/api/grid/v1/disputes",
        json={
            "grid_code": grid.code,
            "kind": "neighbour",
            "description": MATRIX,
            "location": {"type": "Point", "coordinates": await next_point(ctx, grid)},
            "parties": [{"name": "矩阵甲"}, {"name": "矩阵乙"}],
        },
    )
    return {"dispute_id": dispute["id"]}, grid.code, None


async def dispute_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    return await ctx.once(("dispute", t.code), lambda: _fresh_dispute(ctx, t, p))


# --- webhooks (the gateway's /api/webhooks/v1: a department system's own subscriptions) ---------

WEBHOOK_CLIENT = "client.hotline12345"


async def fresh_subscription(ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    sub = await ctx.call(
        WEBHOOK_CLIENT,
        "POST",
        "/api/webhooks/v1/subscriptions",
        json={"url": "http://127.0.0.1:9/matrix", "event_types": ["dispatch.ticket.closed"], "description": MATRIX},
    )
    return {"subscription_id": sub["id"]}, None, None


async def webhook_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    if not p.can("webhooks.subscribe"):
        return {"subscription_id": str(uuid.uuid4())}, None, None
    return await ctx.once("webhook-subscription", lambda: fresh_subscription(ctx, t, p))


async def webhook_delivery_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    # no delivery exists without an event: the holder's call answers 404 (replays: gateway/tests)
    return {"delivery_id": str(uuid.uuid4())}, None, None


async def record_access_params(_ctx: Ctx, _t: demo.Township, _p: Principal) -> Scoped:
    # any record id: the access record of one nobody reached is an empty page
    return {"record_id": str(uuid.uuid4())}, None, None


FIXTURES: dict[tuple[str, str], Fixture] = {
    ("GET", "/api/grid/v1/areas/{code}"): Fixture(params=area_params),
    ("GET", "/api/grid/v1/areas/{code}/versions"): Fixture(params=area_params),
    # area administration: the matrix sends an empty body (422 for the county administrator, who
    # holds it everywhere); the changes themselves are tested in svc-grid and tests/test_areas_e2e.py
    ("PUT", "/api/grid/v1/areas/{code}/polygon"): Fixture(params=area_params),
    ("PUT", "/api/grid/v1/areas/{code}/counts"): Fixture(params=area_params),
    ("POST", "/api/grid/v1/areas/{code}/split"): Fixture(params=area_params),
    ("POST", "/api/grid/v1/areas/{code}/retire"): Fixture(params=area_params),
    ("GET", "/api/grid/v1/incidents/{incident_id}"): Fixture(params=incident_params),
    ("POST", "/api/grid/v1/incidents"): Fixture(body=incident_body, ok=frozenset({201}), outside=frozenset({403})),
    ("GET", "/api/grid/v1/residents/{resident_id}"): Fixture(params=resident_params),
    ("POST", "/api/grid/v1/residents"): Fixture(body=resident_body, ok=frozenset({201}), outside=frozenset({403})),
    ("POST", "/api/grid/v1/roster/{entry_id}/leave"): Fixture(
        params=per_holder("grid.roster.manage", ("entry_id",), _roster_entry),
        body=body_of({"until": "2030-12-31"}),
    ),
    ("GET", "/api/grid/v1/visits/{visit_id}"): Fixture(params=visit_params),
    ("POST", "/api/grid/v1/visits/overdue-scan"): Fixture(ok=frozenset({200})),
    ("GET", "/api/grid/v1/disputes/{dispute_id}"): Fixture(params=dispute_params),
    ("POST", "/api/grid/v1/disputes/{dispute_id}/mediation"): Fixture(
        params=per_holder("grid.dispute.record", ("dispute_id",), _fresh_dispute),
        body=body_of({"note": MATRIX, "version": 1}),
    ),
    ("POST", "/api/grid/v1/disputes/{dispute_id}/resolve"): Fixture(
        params=per_holder("grid.dispute.record", ("dispute_id",), _fresh_dispute),
        body=body_of({"outcome": MATRIX, "version": 1}),
    ),
    ("POST", "/api/grid/v1/disputes/{dispute_id}/hand-over"): Fixture(
        params=per_holder("grid.dispute.record", ("dispute_id",), _fresh_dispute),
        body=body_of({"category": INCIDENT_CATEGORY, "reason": MATRIX, "version": 1}),
    ),
    ("POST", "/api/grid/v1/tasks/{assignment_id}/report"): Fixture(
        params=per_holder("grid.task.report", ("assignment_id",), _fresh_assignment),
        body=body_of({"report": MATRIX, "version": 1}),
    ),
    ("PATCH", "/api/grid/v1/residents/{resident_id}"): Fixture(
        params=per_holder("grid.resident.register", ("resident_id",), _fresh_resident),
        body=body_of({"version": 1, "safety_notes": MATRIX}),
    ),
    ("POST", "/api/grid/v1/residents/{resident_id}/deregister"): Fixture(
        params=per_holder("grid.resident.register", ("resident_id",), _fresh_resident),
        body=body_of({"reason": "moved_away", "on": "2026-01-01", "version": 1}),
    ),
    ("POST", "/api/grid/v1/households/{household_id}/deregister"): Fixture(
        params=per_holder("grid.basedata.write", ("household_id",), _fresh_household),
        body=body_of({"reason": "dissolved", "version": 1}),
    ),
    ("PATCH", "/api/grid/v1/buildings/{building_id}"): Fixture(
        params=per_holder("grid.basedata.write", ("building_id",), _fresh_building),
        body=body_of({"version": 1, "floors": 4}),
    ),
    ("GET", "/api/grid/v1/enterprises/{enterprise_id}"): Fixture(params=enterprise_params),
    ("PATCH", "/api/grid/v1/enterprises/{enterprise_id}"): Fixture(
        params=per_holder("grid.basedata.write", ("enterprise_id",), _fresh_enterprise),
        body=body_of({"version": 1, "employees": 3}),
    ),
    ("GET", "/api/grid/v1/history/{entity}/{entity_id}"): Fixture(params=history_params),
    ("GET", "/api/grid/v1/registers/{group}"): Fixture(params=register_params, unscoped=True),
    ("GET", "/api/grid/v1/diaries/{diary_id}"): Fixture(params=diary_params),
    ("PATCH", "/api/grid/v1/diaries/{diary_id}"): Fixture(
        params=per_holder("grid.diary.write", ("diary_id",), _fresh_diary),
        body=body_of({"content": MATRIX, "version": 1}),
    ),
    ("POST", "/api/grid/v1/diaries/{diary_id}/sign"): Fixture(
        params=per_holder("grid.diary.sign", ("diary_id",), _fresh_diary), ok=frozenset({200})
    ),
    ("POST", "/api/grid/v1/visits/{visit_id}/incident"): Fixture(
        params=per_holder("grid.visit.record", ("visit_id",), _fresh_visit),
        body=body_of({"category": INCIDENT_CATEGORY}),
        ok=frozenset({201}),
    ),
    ("GET", "/api/iam/v1/users/{user_id}"): Fixture(params=user_params),
    ("PATCH", "/api/iam/v1/users/{user_id}"): Fixture(params=user_params, body=user_noop_body, ok=frozenset({200})),
    ("POST", "/api/iam/v1/users/{user_id}/unlock"): Fixture(params=user_params, ok=frozenset({204})),
    ("GET", "/api/iam/v1/clients/{client_id}"): Fixture(params=client_params, unscoped=True),
    ("PATCH", "/api/iam/v1/clients/{client_id}"): Fixture(
        params=client_params, body=client_noop_body, ok=frozenset({200}), unscoped=True
    ),
    ("POST", "/api/iam/v1/clients/{client_id}/secret"): Fixture(
        params=throwaway_client_params, ok=frozenset({200}), unscoped=True
    ),
    ("DELETE", "/api/iam/v1/bindings/{binding_id}"): Fixture(params=throwaway_binding_params, ok=frozenset({204})),
    ("GET", "/api/webhooks/v1/subscriptions/{subscription_id}"): Fixture(params=webhook_params, unscoped=True),
    ("GET", "/api/webhooks/v1/subscriptions/{subscription_id}/deliveries"): Fixture(
        params=webhook_params, unscoped=True
    ),
    ("DELETE", "/api/webhooks/v1/subscriptions/{subscription_id}"): Fixture(
        params=per_holder("webhooks.subscribe", ("subscription_id",), fresh_subscription),
        ok=frozenset({204}),
        unscoped=True,
    ),
    ("POST", "/api/webhooks/v1/subscriptions/{subscription_id}/secret"): Fixture(
        params=per_holder("webhooks.subscribe", ("subscription_id",), fresh_subscription),
        ok=frozenset({200}),
        unscoped=True,
    ),
    ("POST", "/api/webhooks/v1/deliveries/{delivery_id}/replay"): Fixture(
        params=webhook_delivery_params, ok=frozenset({404}), unscoped=True
    ),
    ("POST", "/auth/logout"): Fixture(ok=frozenset({204}), unscoped=True),
    ("GET", "/api/iam/v1/audit/record-accesses/{record_id}"): Fixture(
        params=record_access_params, ok=frozenset({200}), unscoped=True
    ),
    ("POST", "/api/iam/v1/admins"): Fixture(body=admin_body, ok=frozenset({201}), unscoped=True),
    ("DELETE", "/api/iam/v1/admins/{user_id}/second-factor"): Fixture(
        params=admin_params, ok=frozenset({204}), unscoped=True
    ),
    ("PATCH", "/api/iam/v1/admins/{user_id}"): Fixture(
        params=admin_params, body=admin_noop_body, ok=frozenset({200}), unscoped=True
    ),
    # --- approval ---
    ("GET", "/api/approval/v1/catalogue/items/{code}"): Fixture(params=catalogue_params, unscoped=True),
    ("GET", "/api/approval/v1/catalogue/items/{code}/versions"): Fixture(params=catalogue_params, unscoped=True),
    ("PUT", "/api/approval/v1/catalogue/items/{code}"): Fixture(
        params=matrix_catalogue_item,
        body=body_of(CATALOGUE_ITEM | {"change_note": MATRIX}),
        ok=frozenset({200}),
        unscoped=True,
    ),
    ("GET", "/api/approval/v1/public/guides/{code}"): Fixture(params=catalogue_params, unscoped=True),
    ("GET", "/api/dispatch/v1/public/open311/services/{service_code}.json"): Fixture(
        params=open311_service_params, unscoped=True
    ),
    ("GET", "/api/dispatch/v1/public/open311/requests/{service_request_id}.json"): Fixture(
        params=open311_request_params, unscoped=True
    ),
    ("POST", "/api/approval/v1/public/applications/lookup"): Fixture(body=public_status_body, ok=frozenset({200})),
    ("GET", "/api/approval/v1/applications/{application_id}"): Fixture(params=application_params),
    ("POST", "/api/approval/v1/applications/{application_id}/accept"): Fixture(
        params=fresh_application("approval.application.accept", COMMITTED, COMMITTED_MATERIALS, check_later=True),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/non-acceptance"): Fixture(
        params=fresh_application("approval.application.accept", COMMITTED, COMMITTED_MATERIALS, check_later=True),
        body=body_of({"reason": f"{MATRIX}：不属于受理范围", "competent_authority": "县级政务服务大厅"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/notices"): Fixture(
        params=fresh_application("approval.notice.issue", COMMITTED, ("id_card",), check_later=True),
        body=body_of({"items": [{"code": "enrolment_form", "note": MATRIX}]}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/materials"): Fixture(
        params=per_holder("approval.application.supplement", ("application_id",), awaiting_materials),
        body=body_of({"materials": [{"code": "photo"}]}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/decision"): Fixture(
        params=fresh_application("approval.application.decide", COMMITTED, COMMITTED_MATERIALS),
        body=body_of({"outcome": "approved"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/handout"): Fixture(
        params=fresh_application("approval.application.handout", INSTANT, INSTANT_MATERIALS),
        body=body_of({"delivery": "window"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/pauses"): Fixture(
        params=fresh_application("approval.application.pause", COMMITTED, COMMITTED_MATERIALS),
        body=body_of({"reason": "expert_review", "note": MATRIX}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/pauses/{pause_id}/end"): Fixture(
        params=per_holder("approval.application.pause", ("application_id", "pause_id"), paused), ok=frozenset({200})
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/extensions"): Fixture(
        params=fresh_application("approval.extension.request", COMMITTED, COMMITTED_MATERIALS),
        body=body_of({"days": 5, "reason": MATRIX}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/approval/v1/applications/{application_id}/extensions/{extension_id}/decision"): Fixture(
        params=per_holder("approval.extension.approve", ("application_id", "extension_id"), extension_requested),
        body=body_of({"approve": True, "note": MATRIX}),
        ok=frozenset({200}),
    ),
    # a note bumps the application's version: concurrent cells each note an application of their own
    ("POST", "/api/approval/v1/applications/{application_id}/notes"): Fixture(
        params=fresh_application("approval.application.note", COMMITTED, COMMITTED_MATERIALS),
        body=body_of({"text": MATRIX}),
        ok=frozenset({201}),
    ),
    ("GET", "/api/approval/v1/rectifications/{rectification_id}"): Fixture(params=rectification_params),
    ("POST", "/api/approval/v1/rectifications/{rectification_id}/assign"): Fixture(
        params=rectification_params,
        body=body_of({"assignee_username": "window_clerk2.bufeng", "assignee_name": "窗口人员乙"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/rectifications/{rectification_id}/callback"): Fixture(
        params=per_holder("approval.rectification.handle", ("rectification_id",), assigned_to_caller),
        body=body_of({"reached": True, "note": f"{MATRIX}：已回访"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/rectifications/{rectification_id}/close"): Fixture(
        params=per_holder("approval.rectification.handle", ("rectification_id",), assigned_to_caller),
        body=body_of({"outcome": "fixed", "note": f"{MATRIX}：已整改"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/posts/{post_id}/absence"): Fixture(
        params=per_holder("approval.post.manage", ("post_id",), fresh_post),
        body=body_of({"absent": True}),
        ok=frozenset({200}),
    ),
    ("GET", "/api/approval/v1/inquiries/{inquiry_id}"): Fixture(params=inquiry_params),
    ("POST", "/api/approval/v1/inquiries/{inquiry_id}/take"): Fixture(
        params=per_holder("approval.inquiry.handle", ("inquiry_id",), queued_inquiry), ok=frozenset({200})
    ),
    ("POST", "/api/approval/v1/inquiries/{inquiry_id}/handover"): Fixture(
        params=per_holder("approval.inquiry.handle", ("inquiry_id",), owned_inquiry),
        body=handover_body,
        ok=frozenset({200}),
    ),
    ("POST", "/api/approval/v1/inquiries/{inquiry_id}/answer"): Fixture(
        params=per_holder("approval.inquiry.handle", ("inquiry_id",), owned_inquiry),
        body=body_of({"answer": f"{MATRIX}：答复"}),
        ok=frozenset({200}),
    ),
    # --- dispatch ---
    ("GET", "/api/dispatch/v1/categories/{code}"): Fixture(params=category_params, unscoped=True),
    ("PATCH", "/api/dispatch/v1/categories/{code}"): Fixture(
        params=category_params, body=category_noop_body, ok=frozenset({200}), unscoped=True
    ),
    # a stale version: a permitted caller is answered 409 and the listed category stays in use
    ("POST", "/api/dispatch/v1/categories/{code}/retire"): Fixture(
        params=category_params, body=body_of({"version": 0}), ok=frozenset({409}), unscoped=True
    ),
    # the generic JSON body is no spreadsheet: a permitted caller is answered 415
    ("POST", "/api/dispatch/v1/responsibilities/import"): Fixture(ok=frozenset({415})),
    ("GET", "/api/dispatch/v1/tickets/{ticket_id}"): Fixture(params=chain_ticket_params),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/feedback"): Fixture(
        params=unit_ticket("dispatch.ticket.feedback"),
        body=body_of({"outcome": f"{MATRIX}：已调解"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/return"): Fixture(
        params=unit_ticket("dispatch.ticket.return"),
        body=body_of({"reason": f"{MATRIX}：不属本单位职责"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/extension"): Fixture(
        params=unit_ticket("dispatch.ticket.extension.request"),
        body=body_of({"value": 3, "reason": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/reassign"): Fixture(
        params=per_holder("dispatch.ticket.reassign", ("ticket_id",), centre_ticket),
        body=reassign_body,
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/verification"): Fixture(
        params=per_holder("dispatch.ticket.verify", ("ticket_id",), handled_grid_ticket),
        body=body_of({"passed": True, "note": f"{MATRIX}：现场核查通过"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/extension/decision"): Fixture(
        params=per_holder("dispatch.ticket.extension.decide", ("ticket_id",), extension_pending),
        body=body_of({"approved": True, "note": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/sign-for"): Fixture(
        params=unit_ticket("dispatch.ticket.sign_for"), body=body_of({}), ok=frozenset({200})
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/void"): Fixture(
        params=per_holder("dispatch.ticket.void", ("ticket_id",), centre_ticket),
        body=body_of({"reason": "invalid", "note": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/park"): Fixture(
        params=signed_unit_ticket("dispatch.ticket.park.request"),
        body=body_of({"reason": f"{MATRIX}：需区级协调"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/park/decision"): Fixture(
        params=per_holder("dispatch.ticket.park.decide", ("ticket_id",), park_pending_params),
        body=body_of({"approved": True, "note": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/resume"): Fixture(
        params=per_holder("dispatch.ticket.park.resume", ("ticket_id",), parked_params),
        body=body_of({"note": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/callback"): Fixture(
        params=per_holder("dispatch.ticket.callback", ("ticket_id",), callback_pending_params),
        body=body_of({"result": "satisfied", "note": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/callback/decision"): Fixture(
        params=per_holder("dispatch.ticket.callback.decide", ("ticket_id",), awaiting_decision_params),
        body=body_of({"reopen": False, "note": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/supervision-orders"): Fixture(
        params=per_holder("dispatch.supervision.issue", ("ticket_id",), centre_ticket),
        body=body_of({"addressee": "unit_head", "demand": MATRIX}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/dispatch/v1/supervision-orders/{order_id}/answer"): Fixture(
        params=per_holder("dispatch.supervision.answer", ("order_id",), order_for),
        body=body_of({"answer": MATRIX}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/summons"): Fixture(
        params=per_holder("dispatch.summons.issue", ("ticket_id",), centre_ticket),
        body=summons_body,
        ok=frozenset({201}),
    ),
    ("POST", "/api/dispatch/v1/summons/{summons_id}/answer"): Fixture(
        params=per_holder("dispatch.summons.answer", ("summons_id",), summons_for),
        body=body_of({"arrived": True, "action": f"{MATRIX}：已到场"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/joint-action"): Fixture(
        params=per_holder("dispatch.ticket.joint_action", ("ticket_id",), centre_ticket),
        body=joint_body,
        ok=frozenset({201}),
    ),
    ("POST", "/api/dispatch/v1/tickets/{ticket_id}/parts/{part_id}/feedback"): Fixture(
        params=per_holder("dispatch.ticket.part.feedback", ("ticket_id", "part_id"), cooperating_part),
        body=body_of({"outcome": f"{MATRIX}：已配合"}),
        ok=frozenset({200}),
    ),
    # --- enforcement ---
    ("GET", "/api/enforcement/v1/items/{code}"): Fixture(params=enforcement_item_params, unscoped=True),
    ("GET", "/api/enforcement/v1/items/{code}/revisions"): Fixture(params=enforcement_item_params, unscoped=True),
    ("PUT", "/api/enforcement/v1/items/{code}"): Fixture(
        params=matrix_enforcement_item, body=body_of(ENFORCEMENT_ITEM), ok=frozenset({200}), unscoped=True
    ),
    ("GET", "/api/enforcement/v1/officers/{username}"): Fixture(params=officer_params),
    ("PUT", "/api/enforcement/v1/officers/{username}"): Fixture(
        params=new_officer_params, body=officer_body, ok=frozenset({201})
    ),
    ("PUT", "/api/enforcement/v1/legal-reviewers/{username}"): Fixture(
        params=new_officer_params, body=reviewer_body, ok=frozenset({201})
    ),
    ("GET", "/api/enforcement/v1/leads/{lead_id}"): Fixture(params=chain_lead_params),
    ("POST", "/api/enforcement/v1/leads/{lead_id}/transfer"): Fixture(
        params=per_holder("enforcement.lead.transfer", ("lead_id",), undelegated_lead),
        body=body_of({"reason": f"{MATRIX}：占用农用地建设不在本镇赋权清单内，依法移送"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/enforcement/v1/leads"): Fixture(
        body=patrol_lead_body, ok=frozenset({201}), outside=frozenset({403})
    ),
    ("POST", "/api/enforcement/v1/leads/{lead_id}/not-filed"): Fixture(
        params=per_holder("enforcement.case.open", ("lead_id",), fresh_lead),
        body=body_of({"ground": "minor_corrected", "reason": f"{MATRIX}：当场改正，未造成危害后果"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/enforcement/v1/leads/{lead_id}/extension"): Fixture(
        params=per_holder("enforcement.case.extend", ("lead_id",), fresh_lead),
        body=body_of({"reason": f"{MATRIX}：需现场检测"}),
        ok=frozenset({200}),
    ),
    ("GET", "/api/enforcement/v1/cases/{case_id}"): Fixture(params=chain_case_params),
    ("GET", "/api/enforcement/v1/cases/{case_id}/record"): Fixture(params=chain_case_params),
    ("GET", "/api/enforcement/v1/cases/{case_id}/record/verify"): Fixture(params=chain_case_params),
    # appending to the record, telling the party and reviewing leave the case investigating: one case will do
    ("POST", "/api/enforcement/v1/cases/{case_id}/records"): Fixture(
        params=chain_case_params,
        body=body_of({"kind": "note", "content": f"{MATRIX}：现场检查记录"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/rights-notice"): Fixture(
        params=chain_case_params,
        body=body_of({key: SUMMARY_WARNING[key] for key in ("penalty", "party", "facts", "legal_basis")}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/legal-review"): Fixture(
        params=chain_case_params,
        body=body_of({"outcome": "passed", "opinion": f"{MATRIX}：事实清楚，依据正确", "penalty": "warning"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/decision"): Fixture(
        params=per_holder("enforcement.case.decide", ("case_id",), investigating_case),
        body=body_of(SUMMARY_WARNING),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/hearing-request"): Fixture(
        params=per_holder("enforcement.case.hearing", ("case_id",), hearing_offered_case),
        body=body_of({"note": f"{MATRIX}：当事人申请听证"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/hearing/schedule"): Fixture(
        params=per_holder("enforcement.case.hearing", ("case_id",), hearing_requested_case),
        body=hearing_schedule_body,
        ok=frozenset({200}),
    ),
    # the matrix runs on the wall clock and a hearing is held 7 days after its notice at the
    # earliest: a holder reaches the service, which answers that no hearing is scheduled (409)
    ("POST", "/api/enforcement/v1/cases/{case_id}/hearing/record"): Fixture(
        params=shared_notified_case,
        body=body_of({"party_attended": True, "transcript": f"{MATRIX}：听证笔录"}),
        ok=frozenset({409}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/statements"): Fixture(
        params=shared_notified_case,
        body=body_of({"kind": "statement", "content": f"{MATRIX}：当事人陈述"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/extension"): Fixture(
        params=per_holder("enforcement.case.extend", ("case_id",), investigating_case),
        body=body_of({"reason": f"{MATRIX}：案情复杂，负责人批准延长"}),
        ok=frozenset({200}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/legal-review/submit"): Fixture(
        params=chain_case_params, ok=frozenset({200})
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/deliberation"): Fixture(
        params=chain_case_params,
        body=body_of(
            {
                "members": ["镇长", "分管副镇长", "综合执法局局长"],
                "opinion": f"{MATRIX}：同意",
                "penalty": "fine",
                "fine_yuan": 6000,
            }
        ),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/service"): Fixture(
        params=per_holder("enforcement.case.serve", ("case_id",), decided_unserved_case),
        body=body_of({"method": "in_person", "proof": f"{MATRIX}：送达回证，当事人签收"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/payments"): Fixture(
        params=per_holder("enforcement.case.payment", ("case_id",), fined_case),
        body=body_of({"amount_yuan": 100, "receipt": f"{MATRIX}：银行缴款书"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/payment-arrangement"): Fixture(
        params=per_holder("enforcement.case.payment.approve", ("case_id",), fined_case),
        body=deferral_body,
        ok=frozenset({200}),
    ),
    # the party's periods run for six months after the service: a holder reaches the service,
    # which answers that nothing is overdue yet (409)
    ("POST", "/api/enforcement/v1/cases/{case_id}/court-application"): Fixture(
        params=shared_fined_case,
        body=body_of({"court": "建湖县人民法院", "reason": f"{MATRIX}：逾期未缴纳"}),
        ok=frozenset({409}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/disclosure"): Fixture(
        params=per_holder("enforcement.case.disclose", ("case_id",), decided_case),
        body=body_of({}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/disclosure/withdraw"): Fixture(
        params=per_holder("enforcement.case.disclose", ("case_id",), published_case),
        body=body_of({"reason": f"{MATRIX}：复议撤销原决定"}),
        ok=frozenset({200}),
    ),
    ("GET", "/api/enforcement/v1/public/disclosures/{disclosure_id}"): Fixture(params=disclosure_params, unscoped=True),
    ("POST", "/api/enforcement/v1/inspection-targets"): Fixture(
        body=target_body, ok=frozenset({201}), outside=frozenset({403})
    ),
    ("POST", "/api/enforcement/v1/inspection-targets/{target_id}/conflicts"): Fixture(
        params=per_holder("enforcement.inspection.manage", ("target_id",), target_params),
        body=body_of({"inspector": "matrix.nobody", "reason": f"{MATRIX}：近亲属"}),
        ok=frozenset({201}),
    ),
    ("POST", "/api/enforcement/v1/inspection-plans"): Fixture(
        body=plan_body, ok=frozenset({201}), outside=frozenset({403})
    ),
    ("GET", "/api/enforcement/v1/inspection-plans/{plan_id}"): Fixture(params=plan_params),
    ("GET", "/api/enforcement/v1/inspection-plans/{plan_id}/verify"): Fixture(params=plan_params),
    # a holder reaches the service, which names the results that do not match the draw (422)
    ("POST", "/api/enforcement/v1/inspection-plans/{plan_id}/results"): Fixture(
        params=plan_params,
        body=body_of({"results": [{"target_id": "none", "outcome": "compliant", "finding": f"{MATRIX}：无"}]}),
        ok=frozenset({422}),
    ),
    ("GET", "/api/enforcement/v1/public/inspections/{plan_id}/verify"): Fixture(
        params=published_plan_params, unscoped=True
    ),
    ("GET", "/api/enforcement/v1/joint-operations/{operation_id}"): Fixture(params=operation_params),
    # the county bureau's staff see the operation but record only their own department's part (403)
    ("POST", "/api/enforcement/v1/joint-operations/{operation_id}/parts"): Fixture(
        params=per_holder("enforcement.joint.part", ("operation_id",), fresh_operation),
        body=body_of({"dept": "sep", "outcome": f"{MATRIX}：油烟达标"}),
        ok=frozenset({200, 403}),
    ),
    ("POST", "/api/enforcement/v1/joint-operations/{operation_id}/complete"): Fixture(
        params=per_holder("enforcement.joint.manage", ("operation_id",), recorded_operation),
        ok=frozenset({200}),
    ),
    ("POST", "/api/enforcement/v1/cases/{case_id}/close"): Fixture(
        params=per_holder("enforcement.case.close", ("case_id",), decided_case),
        body=body_of({"outcome": f"{MATRIX}：当事人已改正，予以警告，结案"}),
        ok=frozenset({200}),
    ),
    # --- assessment ---
    ("GET", "/api/assessment/v1/units/{unit_code}/indicators"): Fixture(params=unit_params),
    ("GET", "/api/assessment/v1/window/clerks/{clerk_id}"): Fixture(params=clerk_params),
    # the month and the township are the caller's request, not a stored resource whose existence
    # could leak: naming a township outside one's scope is refused as such (403 scope_denied)
    ("POST", "/api/assessment/v1/periods/{period}/close"): Fixture(
        params=period_params, body=period_body, ok=frozenset({201}), outside=frozenset({403})
    ),
    # a caller allowed to assess the township is refused on the merits, never on access: no grid
    # worker known for the quarter (422 no_grid_workers) or no survey answers (409 satisfaction_missing)
    ("POST", "/api/assessment/v1/grid-workers/quarters/{quarter}/assess"): Fixture(
        params=grid_quarter_params, body=period_body, ok=frozenset({409, 422}), outside=frozenset({403})
    ),
    # the annual grades are the county's (002 art. 31): a township's assessor holds the permission
    # over the township but is refused (403 scope_denied), which the role tables cannot express;
    # the county's administrator and assessors are refused on the merits (422, 409) as above
    ("POST", "/api/assessment/v1/grid-workers/years/{year}/grade"): Fixture(
        params=grid_year_params, body=period_body, ok=frozenset({403, 409, 422}), outside=frozenset({403})
    ),
    # the survey (or the subject) is named in the query: without one the request is invalid for
    # anyone allowed
    ("GET", "/api/assessment/v1/grid-workers/surveys/draw-check"): Fixture(ok=frozenset({422})),
    ("GET", "/api/assessment/v1/evidence/units"): Fixture(ok=frozenset({422})),
    ("GET", "/api/assessment/v1/evidence/clerks"): Fixture(ok=frozenset({422})),
    ("GET", "/api/assessment/v1/evidence/grid-workers"): Fixture(ok=frozenset({422})),
    ("GET", "/api/assessment/v1/evidence/hotline"): Fixture(ok=frozenset({422})),
    # the list is the county's, public inside the platform: the seeded item's history; a new version
    # from a holder is refused on the merits (422: it would take effect in the past)
    ("GET", "/api/assessment/v1/items/{code}/versions"): Fixture(params=township_item_params, outside=frozenset({200})),
    ("POST", "/api/assessment/v1/items/{code}/versions"): Fixture(
        params=item_params,
        body=body_of({"label_zh": "工作纪律", "max_points": 30, "basis": MATRIX, "effective_from": "2024-01-01"}),
        ok=frozenset({422}),
        unscoped=True,
    ),
    # no review is open in the matrix's county: 404 says the caller reached the service
    ("POST", "/api/assessment/v1/grid-workers/dismissal-reviews/{review_id}/decision"): Fixture(
        params=review_params,
        body=body_of({"decision": "retained", "note": f"{MATRIX}：不予解聘"}),
        ok=frozenset({404}),
        unscoped=True,
    ),
    **{
        ("POST", f"/api/{s}/v1/admin/dead-letters/{{dead_letter_id}}/replay"): Fixture(
            params=dead_letter_params, ok=frozenset({404}), unscoped=True
        )  # no dead letter exists: 404 says allowed
        for s in ("approval", "enforcement", "grid", "dispatch", "assessment")
    },
}


# --- the expectations, from the policy tables ------------------------------------------------


def holds(principal: Principal | None, route: Route) -> bool:
    if principal is None:
        return False
    return route.permission == AUTHENTICATED or principal.can(route.permission)


def covers(principal: Principal, route: Route, area: str, dept: str | None) -> bool:
    if route.permission == AUTHENTICATED:
        return True
    return principal.covers(route.permission, area, dept)


def within_scope(bindings: tuple[Binding, ...], code: str, dept: str | None) -> bool:
    """A listed item's area lies in a scope of the caller, or above one (the areas above a grid)."""
    return any(
        (code.startswith(b.prefix) and (b.dept is None or b.dept == dept)) or b.prefix.startswith(area_prefix(code))
        for b in bindings
    )


def _dept_of(item: dict) -> str | None:
    """The department a listed item belongs to: its own field, its handling unit's (tickets), or the
    department handling it (leads and cases, e.g. a county department after a transfer)."""
    unit = item.get("unit")
    return item.get("dept") or (unit.get("dept") if isinstance(unit, dict) else None) or item.get("handling_dept")


def _involved_depts(item: dict) -> list[str]:
    """Tickets are also seen by the units involved besides the handling one (cooperating, joint
    action, summoned): their departments, from the unit codes the ticket lists."""
    codes = item.get("involved_units")
    return [c.split(":", 1)[1] for c in codes if isinstance(c, str) and ":" in c] if isinstance(codes, list) else []


def leaked_items(body: Any, principal: Principal, route: Route) -> list[str]:
    items = body.get("items", []) if isinstance(body, dict) else body if isinstance(body, list) else []
    bindings = principal.bindings_for(route.permission) if route.permission != AUTHENTICATED else principal.bindings
    leaks = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key in AREA_KEYS:
            value = item.get(key)
            depts = [_dept_of(item), *_involved_depts(item)]
            if (
                isinstance(value, str)
                and is_area_code(value)
                and not any(within_scope(bindings, value, d) for d in depts)
            ):
                leaks.append(f"{key}={value} (item {item.get('id', item.get('code'))})")
    return leaks


@dataclass
class Cell:
    role: str
    route: Route
    scope: str
    expected: frozenset[int]
    status: int | None = None
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.role:<20} {self.route.method:<6} {self.route.path:<58} {self.scope:<5} "
            f"expected {'/'.join(map(str, sorted(self.expected)))} got {self.status} {self.note}"
        )


def _params_in(path: str) -> bool:
    return "{" in path


async def run_cell(ctx: Ctx, route: Route, role: str, scope: str) -> Cell:
    platform = ctx.platform
    # logging out ends the session: a session of its own, so the shared one of the role lives on
    fresh = route.path == "/auth/logout"
    caller = None if role == ANONYMOUS else await platform.login(ROLE_IDENTITIES[role], fresh=fresh)
    principal = caller.principal if caller else None
    township = SCOPES[scope]
    fixture = FIXTURES.get((route.method, route.path), Fixture())
    write = route.method not in ("GET", "HEAD")
    cell = Cell(role, route, scope, frozenset())

    path, area, dept = route.path, None, None
    if _params_in(route.path):
        params, area, dept = await fixture.params(ctx, township, principal or Principal("x", "x", "anonymous"))  # type: ignore[misc]
        path = route.path.format(**params)
    body: Any = None
    if fixture.body is not None:
        body, body_area, body_dept = await fixture.body(ctx, township, principal or Principal("x", "x", "anonymous"))
        if not _params_in(route.path):  # a creation: where the body puts the new resource is its scope
            area, dept = body_area, body_dept
    elif write:
        body = {}  # the generic test cannot build a valid body: the service's validation answers

    if route.public:
        cell.expected = frozenset(range(200, 500)) - {401, 403}
    elif principal is None:
        cell.expected = frozenset({401})
    elif not holds(principal, route):
        cell.expected = frozenset({403})
    elif area is not None and not covers(principal, route, area, dept):
        cell.expected = fixture.outside or frozenset({404})
    elif fixture.ok is not None:
        cell.expected = fixture.ok
    elif not write:
        cell.expected = frozenset({200})
    elif fixture.body is None:
        cell.expected = frozenset({422})
    else:
        cell.expected = frozenset({200, 201, 202, 204})

    headers = dict(caller.headers) if caller else {}
    headers["x-request-id"] = f"matrix-{uuid.uuid4().hex[:12]}"
    async with platform.client() as c:
        response = await c.request(
            route.method,
            path,
            headers=headers,
            **({"json": body} if body is not None and route.path != "/auth/token" else {}),
        )
    cell.status = response.status_code
    # JSON or a problem (not NDJSON, the audit export's lines)
    is_json = response.headers.get("content-type", "").split(";")[0].endswith(("/json", "+json"))
    problem = response.json() if is_json and response.content else {}
    code = problem.get("code") if isinstance(problem, dict) else None
    cell.note = f"[{code}] {headers['x-request-id']}" if code else headers["x-request-id"]
    if cell.status not in cell.expected:
        return cell
    # stronger checks behind the status
    if (
        cell.expected == frozenset({403})
        and principal is not None
        and not holds(principal, route)
        and code != "permission_denied"
    ):
        cell.status, cell.note = -1, f"403 but code {code!r}, expected permission_denied"
    if (
        cell.status == 200
        and route.method == "GET"
        and not _params_in(route.path)
        and principal is not None
        and not route.public
    ):
        leaks = leaked_items(problem, principal, route)
        if leaks:
            cell.status, cell.note = -1, "list holds items outside the caller's scope: " + ", ".join(leaks[:5])
    return cell


def _cells_of(route: Route) -> list[tuple[str, str]]:
    fixture = FIXTURES.get((route.method, route.path))
    scoped = _params_in(route.path) or (fixture is not None and fixture.body is not None and not fixture.unscoped)
    scopes = ["own", "other"] if scoped and not (fixture and fixture.unscoped) else ["own"]
    return list(itertools.product([ANONYMOUS, *ROLE_IDENTITIES], scopes))


@pytest.fixture(scope="module")
def ctx(platform) -> Ctx:
    return Ctx(platform)


def test_every_role_of_the_tables_has_a_demo_identity_in_the_matrix():
    missing = set(POLICY.roles) - {r.split("@")[0] for r in ROLE_IDENTITIES}
    assert not missing, f"add a demo identity for {sorted(missing)} to ROLE_IDENTITIES"


async def test_the_merged_openapi_serves_exactly_the_route_table(platform):
    async with platform.client() as c:
        document = (await c.get("/openapi.json")).json()
    assert not document["info"].get("x-unavailable-services"), "a service did not answer"
    served = {
        (m.upper(), p)
        for p, item in document["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    }
    table = {(r.method, r.path) for r in POLICY.routes}
    assert table - served == set(), f"in the route table but served by no service: {sorted(table - served)}"
    assert served - table == set(), f"in the OpenAPI but not in the route table: {sorted(served - table)}"
    permissions = {(r.method, r.path): r.permission for r in POLICY.routes}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("x-permission") == permissions[(method.upper(), path)], f"{method.upper()} {path}"


@pytest.mark.parametrize("route", POLICY.routes, ids=lambda r: f"{r.method} {r.path}")
async def test_matrix(route: Route, ctx: Ctx):
    if _params_in(route.path) and (route.method, route.path) not in FIXTURES:
        pytest.fail(
            f"no fixture entry for {route.method} {route.path}: add one to FIXTURES in "
            "tests/test_access_matrix.py (how to get a real id of a resource in each township)"
        )
    limit = asyncio.Semaphore(CONCURRENT_CELLS)

    async def cell(role: str, scope: str) -> Cell:
        async with limit:
            return await run_cell(ctx, route, role, scope)

    cells = await asyncio.gather(*(cell(role, scope) for role, scope in _cells_of(route)))
    failing = [c for c in cells if c.status not in c.expected]
    if os.environ.get("MATRIX_PRINT"):  # MATRIX_PRINT=1 pytest -s tests/test_access_matrix.py: the whole table
        print("\n" + "\n".join(c.line() for c in cells))
    assert not failing, "unexpected cells (role, route, scope):\n" + "\n".join(c.line() for c in failing)
