"""The proxy's audit duties and abuse limits, against a small real upstream HTTP server.

A write is on file before the service sees it; a flagged personal record is on file before its
body leaves; when the audit log cannot take an entry, neither happens (503 audit_unavailable).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from sqlalchemy import select

from gateway.models import AuditEntry, metadata
from jiceng_shared import devkeys
from jiceng_shared.db import Database
from jiceng_shared.identity import INTERNAL_HEADER, InternalTokenVerifier
from jiceng_shared.personaldata import SUBJECT_HEADER, encode_subjects, subject_hash
from jiceng_shared.policy import Policy, Route, load_policy
from jiceng_shared.stack import free_port

PUBLIC_PATH = "/api/grid/v1/public/ping"
RECORD_PATH = "/api/grid/v1/records/{record_id}"
WRITE_PATH = "/api/grid/v1/things"
FORBIDDEN_PATH = "/api/grid/v1/forbidden"
WHOAMI_PATH = "/api/grid/v1/whoami"
SUBJECTS = [("id_number", "32097119700101001X"), ("phone", "13900001111")]


def _route(method: str, path: str, permission: str, audit: str | None = None) -> Route:
    pattern = re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", path) + "$")
    literal = sum(1 for seg in path.split("/") if seg and not seg.startswith("{"))
    return Route("grid", method, path, permission, pattern, literal, audit)


def test_policy() -> Policy:
    base = load_policy()
    extra = (
        _route("GET", PUBLIC_PATH, "public"),
        _route("GET", RECORD_PATH, "grid.area.read", audit="personal_record"),
        _route("POST", WRITE_PATH, "grid.area.read"),
        _route("GET", FORBIDDEN_PATH, "grid.area.read"),
        _route("POST", WHOAMI_PATH, "authenticated"),
    )
    return Policy(
        roles=base.roles,
        role_permissions=base.role_permissions,
        routes=base.routes + extra,
        permission_labels=base.permission_labels,
    )


test_policy.__test__ = False  # type: ignore[attr-defined]


@dataclass
class Upstream:
    url: str
    seen: list[web.Request] = field(default_factory=list)
    #: for each write: was its "started" audit entry committed when the service got it?
    audited_before: list[bool] = field(default_factory=list)
    audit_db: Database | None = None


@pytest.fixture(scope="module")
async def upstream():
    up = Upstream(url="")

    async def handle(request: web.Request) -> web.Response:
        up.seen.append(request)
        if request.method == "POST" and up.audit_db is not None:
            async with up.audit_db.session() as s:
                entry = await s.scalar(
                    select(AuditEntry).where(
                        AuditEntry.request_id == request.headers["x-request-id"], AuditEntry.outcome == "started"
                    )
                )
            up.audited_before.append(entry is not None)
        if request.path == FORBIDDEN_PATH:
            return web.json_response({"code": "scope_denied"}, status=403)
        # a service names the persons its answer is about (jiceng_shared.personaldata.DisclosureMiddleware)
        named = {SUBJECT_HEADER: encode_subjects(SUBJECTS)} if "x-test-subjects" in request.headers else {}
        return web.json_response(
            {"ok": True, "path": request.path}, status=201 if request.method == "POST" else 200, headers=named
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=1)  # a client keeping its connection open would hold the teardown 60 s
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    up.url = f"http://127.0.0.1:{port}"
    yield up
    await runner.cleanup()


@pytest.fixture(scope="module")
async def pgw(make_gateway, upstream):
    async with make_gateway(policy=test_policy(), upstream_grid=upstream.url) as running:
        upstream.audit_db = running.state.db
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _entries(gw, request_id: str) -> list[AuditEntry]:
    async with gw.state.db.session() as s:
        return list((await s.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))).all())


async def test_a_write_is_on_file_before_the_service_sees_it_and_its_outcome_follows(pgw, upstream):
    token = await pgw.token("dispatcher.bufeng")
    rid = uuid.uuid4().hex
    async with pgw.client("10.5.0.1") as c:
        response = await c.post(WRITE_PATH, json={"a": 1}, headers=bearer(token) | {"x-request-id": rid})
    assert response.status_code == 201
    assert upstream.audited_before[-1] is True
    await pgw.flush_audit()
    entries = {e.outcome: e for e in await _entries(pgw, rid)}
    assert set(entries) == {"started", "completed"}
    done = entries["completed"]
    assert (done.action, done.subject, done.method, done.resource, done.status, done.address) == (
        "write",
        "dispatcher.bufeng",
        "POST",
        WRITE_PATH,
        201,
        "10.5.0.1",
    )
    assert done.permission == "grid.area.read" and done.subject_id


async def test_a_write_is_refused_with_503_when_the_audit_log_cannot_take_it(pgw, upstream):
    token = await pgw.token("dispatcher.bufeng")
    audit = pgw.state.audit
    working, audit.db = (
        audit.db,
        Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere", metadata=metadata, source="/test"),
    )
    seen = len(upstream.seen)
    try:
        async with pgw.client() as c:
            response = await c.post(WRITE_PATH, json={"a": 1}, headers=bearer(token))
            record = await c.get(RECORD_PATH.format(record_id="r1"), headers=bearer(token))
            plain = await c.get(FORBIDDEN_PATH.replace("forbidden", "areas"), headers=bearer(token))
    finally:
        await audit.db.dispose()
        audit.db = working
    assert response.status_code == 503 and response.json()["code"] == "audit_unavailable"
    assert record.status_code == 503 and "ok" not in record.text  # the record's body never left
    assert plain.status_code == 200  # ordinary reads do not touch the audit log
    assert [r.path for r in upstream.seen[seen:]] == [RECORD_PATH.format(record_id="r1"), "/api/grid/v1/areas"]


async def test_a_full_personal_record_read_is_on_file_when_the_answer_arrives(pgw):
    token = await pgw.token("grid_worker.bufeng")
    rid = uuid.uuid4().hex
    async with pgw.client("10.5.0.2") as c:
        response = await c.get(RECORD_PATH.format(record_id="r42"), headers=bearer(token) | {"x-request-id": rid})
    assert response.status_code == 200
    [entry] = await _entries(pgw, rid)  # no flush: written before the body was sent
    assert (entry.action, entry.outcome, entry.subject, entry.resource) == (
        "personal_record_read",
        "success",
        "grid_worker.bufeng",
        "/api/grid/v1/records/r42",
    )


async def test_a_denial_by_the_service_is_audited_too(pgw):
    token = await pgw.token("grid_worker.bufeng")
    rid = uuid.uuid4().hex
    async with pgw.client() as c:
        assert (await c.get(FORBIDDEN_PATH, headers=bearer(token) | {"x-request-id": rid})).status_code == 403
    await pgw.flush_audit()
    [entry] = await _entries(pgw, rid)
    assert (entry.action, entry.outcome, entry.status) == ("access_denied", "denied", 403)


async def test_public_routes_need_no_token_and_allow_60_requests_a_minute_per_address(pgw, upstream):
    limiter = pgw.state.guard.public_limiter
    limiter.clock = lambda: 1_800_000_000.0  # the 61 requests within one instant
    async with pgw.client("10.6.0.1") as c:
        for _ in range(60):
            assert (await c.get(PUBLIC_PATH)).status_code == 200
        refused = await c.get(PUBLIC_PATH)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    async with pgw.client("10.6.0.2") as c:
        assert (await c.get(PUBLIC_PATH)).status_code == 200
    limiter.clock = lambda: 1_800_000_001.0  # a second later: one token back
    async with pgw.client("10.6.0.1") as c:
        assert (await c.get(PUBLIC_PATH)).status_code == 200
        assert (await c.get(PUBLIC_PATH)).status_code == 429
    limiter.clock = time.time
    assert INTERNAL_HEADER in upstream.seen[-1].headers  # the anonymous principal, signed


async def test_bodies_over_the_limit_are_refused_with_413_on_every_path(pgw, upstream):
    token = await pgw.token("dispatcher.bufeng")
    big = b"x" * (pgw.settings.max_body_bytes + 1)
    seen = len(upstream.seen)
    async with pgw.client() as c:
        for path in (WRITE_PATH, "/api/iam/v1/users", "/auth/token"):
            response = await c.post(path, content=big, headers=bearer(token) | {"content-type": "application/json"})
            assert response.status_code == 413, path
            assert response.json()["code"] == "payload_too_large"

        async def chunks():  # no Content-Length: the limit is enforced while reading
            for _ in range(pgw.settings.max_body_bytes // 65536 + 2):
                yield b"x" * 65536

        admin = await pgw.token("county_admin")
        streamed = await c.post("/api/iam/v1/users", content=chunks(), headers=bearer(admin))
        assert streamed.status_code == 413
    assert len(upstream.seen) == seen


async def test_a_department_system_may_act_on_behalf_of_a_person_and_people_may_not(pgw, upstream):
    async with pgw.client() as c:
        login = await c.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "client.hotline12345",
                "client_secret": "client.hotline12345-secret-demo",
            },
        )
        client_token = login.json()["access_token"]
        rid = uuid.uuid4().hex
        response = await c.post(
            WHOAMI_PATH,
            json={},
            headers=bearer(client_token) | {"x-on-behalf-of": "hotline-operator-07", "x-request-id": rid},
        )
        assert response.status_code == 201
        internal = InternalTokenVerifier(devkeys.INTERNAL_PUBLIC_KEY).verify(upstream.seen[-1].headers[INTERNAL_HEADER])
        assert "x-on-behalf-of" not in upstream.seen[-1].headers
        assert (internal.client_id, internal.on_behalf_of) == ("client.hotline12345", "hotline-operator-07")
        [started] = [e for e in await _entries(pgw, rid) if e.outcome == "started"]
        assert (started.subject, started.client_id, started.on_behalf_of) == (
            "client.hotline12345",
            "client.hotline12345",
            "hotline-operator-07",
        )
        person = await pgw.token("dispatcher.bufeng")
        refused = await c.post(WRITE_PATH, json={}, headers=bearer(person) | {"x-on-behalf-of": "someone"})
        assert refused.status_code == 400 and refused.json()["code"] == "on_behalf_not_allowed"


async def test_the_persons_a_service_names_are_audited_as_keyed_hashes_and_the_header_never_leaves(pgw):
    token = await pgw.token("grid_worker.bufeng")
    wanted = " ".join(sorted(subject_hash(kind, value) for kind, value in SUBJECTS))
    read_id, write_id, keyed_id = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    named = {"x-test-subjects": "1"}
    async with pgw.client() as c:
        read = await c.get(
            RECORD_PATH.format(record_id="r7"), headers=bearer(token) | named | {"x-request-id": read_id}
        )
        write = await c.post(WRITE_PATH, json={}, headers=bearer(token) | named | {"x-request-id": write_id})
        keyed = await c.post(
            WRITE_PATH,
            json={"k": 1},
            headers=bearer(token) | named | {"x-request-id": keyed_id, "Idempotency-Key": uuid.uuid4().hex},
        )
    for response in (read, write, keyed):
        assert response.status_code in (200, 201) and SUBJECT_HEADER not in response.headers
    await pgw.flush_audit()
    [entry] = await _entries(pgw, read_id)
    assert entry.action == "personal_record_read" and entry.data_subjects == wanted
    for rid in (write_id, keyed_id):
        done = {e.outcome: e for e in await _entries(pgw, rid)}
        assert done["completed"].data_subjects == wanted and done["started"].data_subjects is None
    assert all(len(h) == 64 and "13900001111" not in h for h in entry.data_subjects.split())  # hashes only


async def test_concurrent_writes_are_each_on_file_before_the_service_sees_them(pgw, upstream):
    """The "started" entries are group-committed; none is forwarded before the INSERT holding it."""
    token = await pgw.token("dispatcher.bufeng")
    seen = len(upstream.audited_before)
    rids = [uuid.uuid4().hex for _ in range(20)]
    async with pgw.client() as c:
        responses = await asyncio.gather(
            *(
                c.post(WRITE_PATH, json={"n": i}, headers=bearer(token) | {"x-request-id": rid})
                for i, rid in enumerate(rids)
            )
        )
    assert [r.status_code for r in responses] == [201] * 20
    assert upstream.audited_before[seen:] == [True] * 20


async def test_entries_written_at_once_share_one_insert_and_are_all_committed(pgw):
    audit = pgw.state.audit
    batches: list[int] = []
    write = audit._durable.write

    async def counted(rows):  # the real INSERT, its batch size noted
        batches.append(len(rows))
        await write(rows)

    audit._durable.write = counted
    try:
        details = [f"group-{uuid.uuid4().hex}" for _ in range(20)]
        await asyncio.gather(*(audit.write_now(action="test", outcome="success", detail=d) for d in details))
    finally:
        audit._durable.write = write
    assert batches == [20]  # all arrived before the first INSERT went out
    async with pgw.state.db.session() as s:
        stored = (await s.scalars(select(AuditEntry.detail).where(AuditEntry.detail.in_(details)))).all()
    assert sorted(stored) == sorted(details)  # no flush: on file when write_now returned
