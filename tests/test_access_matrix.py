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
request body; ``expect`` overrides the statuses when the generic rule cannot know them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from jiceng_shared import demo
from jiceng_shared.identity import Binding, Principal, area_prefix, is_area_code
from jiceng_shared.policy import AUTHENTICATED, Route, load_policy

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
    "auditor": "auditor",
    "dept_system": "client.hotline12345",
}
ANONYMOUS = "anonymous"
SCOPES = {"own": demo.BUFENG, "other": demo.XINCHENG}
#: response fields that hold the area a listed item belongs to
AREA_KEYS = ("area_code", "grid_code", "township_code", "area", "code")


def grid_of(township: demo.Township) -> demo.Grid:
    """The first grid of the township's village (the demo grid worker's A post)."""
    village = next(v for v in demo.VILLAGES if v.township == township.code)
    return next(g for g in demo.GRIDS if g.village == village.code)


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

    async def call(self, login: str, method: str, path: str, **kwargs: Any) -> Any:
        caller = await self.platform.login(login)
        async with self.platform.client() as c:
            response = await c.request(method, path, headers=caller.headers, **kwargs)
        assert response.status_code < 300, f"fixture call {method} {path} as {login}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def once(self, key: Any, make: Callable[[], Awaitable[Any]]) -> Any:
        async with self.lock:
            if key not in self.cache:
                self.cache[key] = await make()
            return self.cache[key]


Scoped = tuple[dict[str, str], str, str | None]  # path parameters, area code, department


@dataclass(frozen=True)
class Fixture:
    #: (ctx, township, caller principal) → path parameters and the resource's scope keys
    params: Callable[[Ctx, demo.Township, Principal], Awaitable[Scoped]] | None = None
    #: (ctx, township, caller principal) → request body (and its scope keys)
    body: Callable[[Ctx, demo.Township, Principal], Awaitable[tuple[Any, str, str | None]]] | None = None
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
        return await ctx.call(f"grid_worker.{t.slug}", "POST", "/api/grid/v1/incidents", json={
            "category": "street_occupation", "description": "矩阵测试", "grid_code": grid.code,
            "location": {"type": "Point", "coordinates": inside(grid)}})

    incident = await ctx.once(("incident", t.code), make)
    return {"incident_id": incident["id"]}, grid.code, None


async def incident_body(_ctx: Ctx, t: demo.Township, _p: Principal) -> tuple[Any, str, str | None]:
    grid = grid_of(t)
    return {"category": "street_occupation", "description": "矩阵测试", "grid_code": grid.code,
            "location": {"type": "Point", "coordinates": inside(grid)}}, grid.code, None


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
    return {"grid_code": grid.code, "name": "矩阵", "id_number": first17 + check_character(first17),
            "address": "测试地址", "household_no": f"M-{uuid.uuid4().hex[:8]}"}, grid.code, None


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
    client = await ctx.call("county_admin", "POST", "/api/iam/v1/clients", json={
        "client_id": f"client.matrix{uuid.uuid4().hex[:8]}", "name": "矩阵测试系统", "dept": "samr",
        "area": demo.COUNTY_CODE, "townships": [t.code]})
    return {"client_id": client["id"]}, client["area"], None


async def throwaway_binding_params(ctx: Ctx, t: demo.Township, p: Principal) -> Scoped:
    if not p.can("iam.binding.manage"):
        return {"binding_id": str(uuid.uuid4())}, t.code, None

    async def make_user() -> dict:
        return await ctx.call("county_admin", "POST", "/api/iam/v1/users", json={
            "username": f"matrix.{t.slug}.{uuid.uuid4().hex[:6]}", "display_name": "矩阵", "area": t.code,
            "password": "matrix passphrase"})

    user = await ctx.once(("binding-holder", t.code), make_user)
    # a grid code of its own for every cell, so concurrent cells never touch the same binding
    area = grid_of(t).village + f"{uuid.uuid4().int % 900 + 100:03d}"
    binding = await ctx.call("county_admin", "POST", "/api/iam/v1/bindings",
                             json={"subject_id": user["id"], "role": "grid_worker", "area": area})
    return {"binding_id": binding["id"]}, binding["area"], None


FIXTURES: dict[tuple[str, str], Fixture] = {
    ("GET", "/api/grid/v1/areas/{code}"): Fixture(params=area_params),
    ("GET", "/api/grid/v1/incidents/{incident_id}"): Fixture(params=incident_params),
    ("POST", "/api/grid/v1/incidents"): Fixture(body=incident_body, ok=frozenset({201}), outside=frozenset({403})),
    ("GET", "/api/grid/v1/residents/{resident_id}"): Fixture(params=resident_params),
    ("POST", "/api/grid/v1/residents"): Fixture(body=resident_body, ok=frozenset({201}), outside=frozenset({403})),
    ("GET", "/api/iam/v1/users/{user_id}"): Fixture(params=user_params),
    ("PATCH", "/api/iam/v1/users/{user_id}"): Fixture(params=user_params, body=user_noop_body, ok=frozenset({200})),
    ("GET", "/api/iam/v1/clients/{client_id}"): Fixture(params=client_params, unscoped=True),
    ("PATCH", "/api/iam/v1/clients/{client_id}"): Fixture(params=client_params, body=client_noop_body,
                                                          ok=frozenset({200}), unscoped=True),
    ("POST", "/api/iam/v1/clients/{client_id}/secret"): Fixture(params=throwaway_client_params, ok=frozenset({200}),
                                                                unscoped=True),
    ("DELETE", "/api/iam/v1/bindings/{binding_id}"): Fixture(params=throwaway_binding_params, ok=frozenset({204})),
    **{
        ("POST", f"/api/{s}/v1/admin/dead-letters/{{dead_letter_id}}/replay"): Fixture(
            params=dead_letter_params, ok=frozenset({404}), unscoped=True)  # no dead letter exists: 404 says allowed
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


def leaked_items(body: Any, principal: Principal, route: Route) -> list[str]:
    items = body.get("items", []) if isinstance(body, dict) else body if isinstance(body, list) else []
    bindings = principal.bindings_for(route.permission) if route.permission != AUTHENTICATED else principal.bindings
    leaks = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key in AREA_KEYS:
            value = item.get(key)
            if isinstance(value, str) and is_area_code(value) and not within_scope(bindings, value, item.get("dept")):
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
        return (f"{self.role:<20} {self.route.method:<6} {self.route.path:<58} {self.scope:<5} "
                f"expected {'/'.join(map(str, sorted(self.expected)))} got {self.status} {self.note}")


def _params_in(path: str) -> bool:
    return "{" in path


async def run_cell(ctx: Ctx, route: Route, role: str, scope: str) -> Cell:
    platform = ctx.platform
    caller = None if role == ANONYMOUS else await platform.login(ROLE_IDENTITIES[role])
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
        body, area, dept = await fixture.body(ctx, township, principal or Principal("x", "x", "anonymous"))
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
        response = await c.request(route.method, path, headers=headers,
                                   **({"json": body} if body is not None and route.path != "/auth/token" else {}))
    cell.status = response.status_code
    problem = response.json() if response.headers.get("content-type", "").endswith("json") and response.content else {}
    code = problem.get("code") if isinstance(problem, dict) else None
    cell.note = f"[{code}] {headers['x-request-id']}" if code else headers["x-request-id"]
    if cell.status not in cell.expected:
        return cell
    # stronger checks behind the status
    if cell.expected == frozenset({403}) and principal is not None and not holds(principal, route):
        if code != "permission_denied":
            cell.status, cell.note = -1, f"403 but code {code!r}, expected permission_denied"
    if (cell.status == 200 and route.method == "GET" and not _params_in(route.path) and principal is not None
            and not route.public):
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
    served = {(m.upper(), p) for p, item in document["paths"].items() for m in item if m in ("get", "post", "put", "patch", "delete")}
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
        pytest.fail(f"no fixture entry for {route.method} {route.path}: add one to FIXTURES in "
                    "tests/test_access_matrix.py (how to get a real id of a resource in each township)")
    cells = await asyncio.gather(*(run_cell(ctx, route, role, scope) for role, scope in _cells_of(route)))
    failing = [c for c in cells if c.status not in c.expected]
    if os.environ.get("MATRIX_PRINT"):  # MATRIX_PRINT=1 pytest -s tests/test_access_matrix.py: the whole table
        print("\n" + "\n".join(c.line() for c in cells))
    assert not failing, "unexpected cells (role, route, scope):\n" + "\n".join(c.line() for c in failing)
