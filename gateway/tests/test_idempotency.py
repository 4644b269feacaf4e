"""Idempotency-Key on creating POSTs (IETF httpapi draft), against a small real upstream.

The same key and body within 24 h answers the first response and creates nothing more; another
body under the same key answers 422; a retry while the first request runs answers 409; a first
request that outlives the gateway's timeout (504) is still recorded, so the retry gets its answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from jiceng_shared.policy import Policy, Route, load_policy
from jiceng_shared.stack import free_port

WRITE_PATH = "/api/grid/v1/things"


def keyed_policy() -> Policy:
    base = load_policy()
    route = Route("grid", "POST", WRITE_PATH, "grid.area.read", re.compile(f"^{WRITE_PATH}$"), 4, None)
    return Policy(
        roles=base.roles,
        role_permissions=base.role_permissions,
        routes=base.routes + (route,),
        permission_labels=base.permission_labels,
    )


@dataclass
class Creator:
    url: str = ""
    created: list[str] = field(default_factory=list)
    #: how long the service takes to answer (seconds)
    delay: float = 0.0
    #: statuses to answer before creating anything (a failing service)
    failures: list[int] = field(default_factory=list)
    #: create, then die before answering (the connection drops)
    die_after_creating: bool = False


@pytest.fixture(scope="module")
async def creator():
    up = Creator()

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        if up.failures:
            return web.json_response({"code": "database_unavailable"}, status=up.failures.pop(0))
        await asyncio.sleep(up.delay)
        thing = f"thing-{len(up.created) + 1}"
        up.created.append(body.get("name", ""))
        if up.die_after_creating:
            up.die_after_creating = False
            request.transport.close()
            raise ConnectionResetError("died")
        return web.json_response({"id": thing, "name": body.get("name")}, status=201, headers={"Location": thing})

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=1)  # a client keeping its connection open would hold the teardown 60 s
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    up.url = f"http://127.0.0.1:{port}"
    yield up
    await runner.cleanup()


@pytest.fixture(scope="module")
async def igw(make_gateway, creator):
    async with make_gateway(
        policy=keyed_policy(), upstream_grid=creator.url, upstream_timeout_seconds=0.5, upstream_completion_seconds=10
    ) as running:
        yield running


@pytest.fixture
async def post(igw):
    token = await igw.token("dispatcher.bufeng")

    async def send(body: dict, key: str | None, who: str | None = None) -> object:
        auth = token if who is None else await igw.token(who)
        headers = {"Authorization": f"Bearer {auth}"} | ({"Idempotency-Key": key} if key else {})
        async with igw.client("10.8.0.1") as c:
            return await c.post(WRITE_PATH, json=body, headers=headers)

    return send


async def test_the_same_key_and_body_answers_the_first_response_and_creates_nothing_more(post, creator):
    key = uuid.uuid4().hex
    first = await post({"name": "a"}, key)
    again = await post({"name": "a"}, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert creator.created.count("a") == 1
    other = await post({"name": "a"}, None)  # no key: a new creation, as before
    assert other.status_code == 201 and creator.created.count("a") == 2


async def test_the_same_key_with_another_body_answers_422_with_a_stable_code(post, creator):
    key = uuid.uuid4().hex
    assert (await post({"name": "b"}, key)).status_code == 201
    reused = await post({"name": "b2"}, key)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert "b2" not in creator.created


async def test_keys_belong_to_their_caller(post, creator):
    key = uuid.uuid4().hex
    assert (await post({"name": "c"}, key)).status_code == 201
    assert (await post({"name": "c"}, key, who="grid_worker.bufeng")).status_code == 201
    assert creator.created.count("c") == 2


async def test_a_retry_after_a_gateway_timeout_gets_the_one_creation(post, creator):
    key = uuid.uuid4().hex
    creator.delay = 1.5  # longer than the gateway's 0.5 s timeout
    try:
        timed_out = await post({"name": "slow"}, key)
        assert timed_out.status_code == 504
        meanwhile = await post({"name": "slow"}, key)
        assert meanwhile.status_code == 409 and meanwhile.json()["code"] == "idempotency_request_in_progress"
        assert meanwhile.headers["retry-after"] == "1"
        for _ in range(50):
            retried = await post({"name": "slow"}, key)
            if retried.status_code != 409:
                break
            await asyncio.sleep(0.1)
    finally:
        creator.delay = 0.0
    assert retried.status_code == 201 and retried.headers["idempotent-replayed"] == "true"
    assert creator.created.count("slow") == 1


async def test_a_failed_request_is_not_kept_so_its_retry_goes_through(post, creator):
    key = uuid.uuid4().hex
    creator.failures = [503]
    failed = await post({"name": "retry-me"}, key)
    assert failed.status_code == 503 and "retry-me" not in creator.created
    retried = await post({"name": "retry-me"}, key)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert creator.created.count("retry-me") == 1


async def test_a_key_is_remembered_24_hours_and_not_a_moment_longer(igw, post, creator):
    store = igw.state.idempotency
    start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    try:
        store.clock = lambda: start
        key = uuid.uuid4().hex
        assert (await post({"name": "day"}, key)).status_code == 201
        store.clock = lambda: start + dt.timedelta(hours=24) - dt.timedelta(seconds=1)
        assert (await post({"name": "day"}, key)).headers.get("idempotent-replayed") == "true"
        assert creator.created.count("day") == 1
        store.clock = lambda: start + dt.timedelta(hours=24)
        fresh = await post({"name": "day"}, key)
        assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
        assert creator.created.count("day") == 2
        assert store.retention == dt.timedelta(hours=24)
        store.clock = lambda: start + dt.timedelta(hours=48, seconds=1)
        assert await store.prune() >= 1  # the housekeeping deletes expired keys
    finally:
        store.clock = lambda: dt.datetime.now(dt.UTC)


async def test_a_malformed_key_is_refused(post):
    response = await post({"name": "x"}, "k" * 256)
    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"


async def test_a_request_refused_before_it_is_forwarded_leaves_its_key_free(igw, post, creator):
    from gateway.models import metadata
    from jiceng_shared.db import Database
    from jiceng_shared.stack import free_port

    audit = igw.state.audit
    working, audit.db = (
        audit.db,
        Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere", metadata=metadata, source="/t"),
    )
    key = uuid.uuid4().hex
    try:
        refused = await post({"name": "unaudited"}, key)
    finally:
        await audit.db.dispose()
        audit.db = working
    assert refused.status_code == 503 and "unaudited" not in creator.created
    retried = await post({"name": "unaudited"}, key)
    assert retried.status_code == 201 and creator.created.count("unaudited") == 1


async def test_a_service_dying_mid_request_keeps_the_key_taken_so_the_retry_cannot_double(post, creator):
    key = uuid.uuid4().hex
    creator.die_after_creating = True
    died = await post({"name": "unknown-outcome"}, key)
    assert died.status_code == 502 and "outcome is unknown" in died.json()["detail"]
    retried = await post({"name": "unknown-outcome"}, key)
    assert retried.status_code == 409 and retried.json()["code"] == "idempotency_request_in_progress"
    assert creator.created.count("unknown-outcome") == 1
