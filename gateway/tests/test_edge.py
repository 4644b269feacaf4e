"""The gateway's edge: one canonical path, authorised exactly as forwarded; the client address
only from trusted proxies; security and cache headers on every answer; CORS from an allow-list."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import uvicorn
from aiohttp import web
from sqlalchemy import select

from gateway.edge import canonical_path
from gateway.models import AuditEntry
from jiceng_shared.cli import SERVER_OPTIONS
from jiceng_shared.errors import Problem
from jiceng_shared.stack import free_port

APP = "/api/approval/v1/applications/0b6f3c1e-5d1b-4c3e-9a37-4f0d2d1c9e11"
#: the confused path of the issue: authorised as an extension decision, normalised upstream to the
#: application's own decision (another permission)
CONFUSED = f"{APP}/extensions/%2e%2e/decision"


@pytest.mark.parametrize(
    "raw",
    [
        b"/api/approval/v1/applications/a/extensions/%2e%2e/decision",
        b"/api/approval/v1/applications/a/extensions/%2E%2E/decision",
        b"/api/approval/v1/applications/a/extensions/.%2e/decision",
        b"/api/approval/v1/applications/a/extensions/../decision",
        b"/api/approval/v1/applications/a/./decision",
        b"/api/approval/v1/applications/a%2fdecision",
        b"/api/approval/v1/applications/a%5c..%5cdecision",
        b"/api/approval/v1/applications/a\\decision",
        b"/api/approval/v1/applications/%252e%252e/decision",
        b"/api/approval/v1/applic%61tions/a",
        b"/api//approval/v1/applications",
        b"/api/approval/v1/applications/%00",
        b"/api/approval/v1/applications/%zz",
        b"/api/approval/v1/applications/%e5%8c",
        b"api/approval/v1/applications",
    ],
)
def test_ambiguous_paths_are_refused(raw):
    with pytest.raises(Problem) as refused:
        canonical_path(raw)
    assert (refused.value.status, refused.value.code) == (400, "ambiguous_path")


def test_plain_and_encoded_non_ascii_paths_pass_decoded():
    assert canonical_path(b"/api/grid/v1/areas/320971100") == "/api/grid/v1/areas/320971100"
    assert canonical_path(b"/api/grid/v1/areas/%E5%8C%97%20x/") == "/api/grid/v1/areas/北 x/"


@pytest.fixture(scope="module")
async def upstream():
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=1)  # a client keeping its connection open would hold the teardown 60 s
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


@pytest.fixture(scope="module")
async def egw(make_gateway, upstream):
    url, _ = upstream
    async with make_gateway(upstream_approval=url, upstream_grid=url, trusted_proxies=["10.200.0.0/16"]) as running:
        yield running


async def raw_request(app: Any, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict]:
    """One request with exactly this request target (httpx would normalise dot segments)."""
    from urllib.parse import unquote_to_bytes

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),  # what uvicorn hands on
        "raw_path": raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway"), (b"content-type", b"application/json"), *headers],
        "client": ("10.1.2.3", 40000),
        "server": ("gateway", 80),
    }
    sent: list[dict] = []
    body = [{"type": "http.request", "body": b"{}", "more_body": False}]

    async def receive() -> dict:
        return body.pop() if body else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}


async def test_the_encoded_dot_segment_of_the_issue_never_reaches_a_service(egw, upstream):
    _, seen = upstream
    leader = await egw.token("township_leader.bufeng")
    before = len(seen)
    auth = [(b"authorization", f"Bearer {leader}".encode())]
    for raw in (CONFUSED, f"{APP}/extensions/../decision", f"{APP}/extensions/%2e%2e%2fdecision"):
        status, headers = await raw_request(egw.app, "POST", raw.encode(), auth)
        assert status == 400, raw
        assert headers["content-type"] == "application/problem+json"
    async with egw.client() as c:  # through a real client as well
        response = await c.post(CONFUSED, json={}, headers={"Authorization": f"Bearer {leader}"})
    assert response.status_code == 400 and response.json()["code"] == "ambiguous_path"
    assert len(seen) == before  # nothing was forwarded


async def test_the_path_forwarded_is_the_path_authorised(egw, upstream):
    _, seen = upstream
    token = await egw.token("grid_worker.bufeng")
    async with egw.client() as c:
        response = await c.get("/api/grid/v1/areas/%E5%8C%97", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert seen[-1] == "/api/grid/v1/areas/%E5%8C%97"  # canonical encoding of the decoded path checked


async def _login_address(gw, client_address: str, headers: dict[str, str]) -> str | None:
    username = f"nobody-{uuid.uuid4().hex[:8]}"
    async with gw.client(client_address) as c:
        response = await c.post(
            "/auth/token", data={"grant_type": "password", "username": username, "password": "x"}, headers=headers
        )
    assert response.status_code in (400, 401)
    await gw.flush_audit()
    async with gw.state.db.session() as s:
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.subject == username))
    assert entry is not None
    return entry.address


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(egw):
    spoof = {"x-forwarded-for": "203.0.113.9"}
    assert await _login_address(egw, "127.0.0.1", spoof) == "127.0.0.1"  # loopback is not trusted
    assert await _login_address(egw, "10.1.0.1", spoof) == "10.1.0.1"
    assert await _login_address(egw, "10.200.0.7", spoof) == "203.0.113.9"
    # the client cannot prepend its way past the proxy: the last untrusted hop counts
    chained = {"x-forwarded-for": "198.51.100.1, 203.0.113.9"}
    assert await _login_address(egw, "10.200.0.7", chained) == "203.0.113.9"


async def test_the_served_process_does_not_rewrite_the_address_for_loopback_callers(make_gateway):
    """uvicorn's own proxy headers would take X-Forwarded-For from any 127.0.0.1 caller."""
    async with make_gateway() as gw:
        options = {k: v for k, v in SERVER_OPTIONS.items() if k not in ("factory", "loop", "http")}
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(gw.app, host="127.0.0.1", port=port, lifespan="off", **options))
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                await asyncio.sleep(0.02)
            username = f"nobody-{uuid.uuid4().hex[:8]}"
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
                await c.post(
                    "/auth/token",
                    data={"grant_type": "password", "username": username, "password": "x"},
                    headers={"x-forwarded-for": "203.0.113.9"},
                )
            await gw.flush_audit()
            async with gw.state.db.session() as s:
                entry = await s.scalar(select(AuditEntry).where(AuditEntry.subject == username))
            assert entry is not None and entry.address == "127.0.0.1"
        finally:
            server.should_exit = True
            await task


SECURITY = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def test_every_answer_carries_the_security_headers_and_api_answers_are_not_stored(egw):
    token = await egw.token("grid_worker.bufeng")
    async with egw.client() as c:
        answers = {
            "health": await c.get("/healthz"),
            "api": await c.get("/api/grid/v1/areas/x", headers={"Authorization": f"Bearer {token}"}),
            "denied": await c.get("/api/grid/v1/areas/x"),
            "auth": await c.get("/auth/me", headers={"Authorization": f"Bearer {token}"}),
            "token": await c.post("/auth/token", data={"grant_type": "password", "username": "x", "password": "y"}),
            "missing": await c.get("/nothing-here"),
            "ambiguous": await c.get("/api/grid/v1/%2e%2e/x"),
        }
    for name, response in answers.items():
        for header, value in SECURITY.items():
            assert response.headers.get(header) == value, (name, header)
        assert "strict-transport-security" not in response.headers, name  # plain HTTP
    for name in ("api", "denied", "auth", "token"):
        assert answers[name].headers["cache-control"] == "no-store", name
    assert "no-store" not in answers["health"].headers.get("cache-control", "")


async def test_hsts_only_when_tls_per_a_trusted_proxy(egw):
    async with egw.client("10.200.0.7") as c:
        trusted = await c.get("/healthz", headers={"x-forwarded-proto": "https"})
        plain = await c.get("/healthz", headers={"x-forwarded-proto": "http"})
    async with egw.client("10.1.0.1") as c:
        untrusted = await c.get("/healthz", headers={"x-forwarded-proto": "https"})
    assert trusted.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in plain.headers
    assert "strict-transport-security" not in untrusted.headers


async def test_cors_is_closed_by_default(egw):
    async with egw.client() as c:
        preflight = await c.options(
            "/api/grid/v1/areas",
            headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
        )
        simple = await c.get("/healthz", headers={"origin": "https://evil.example"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_allows_only_the_listed_origins(make_gateway):
    async with make_gateway(cors_origins=["https://gov.example.cn"]) as gw, gw.client() as c:
        ok = await c.options(
            "/api/grid/v1/areas",
            headers={
                "origin": "https://gov.example.cn",
                "access-control-request-method": "GET",
                "access-control-request-headers": "authorization",
            },
        )
        other = await c.options(
            "/api/grid/v1/areas",
            headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
        )
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://gov.example.cn"
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers


async def test_the_docs_pages_keep_their_own_policy_which_still_forbids_framing(egw):
    async with egw.client() as c:
        pages = {path: await c.get(path) for path in ("/docs", "/redoc")}
    for path, page in pages.items():
        policy = page.headers.get_list("content-security-policy")
        assert len(policy) == 1, path
        assert "img-src 'self' data:" in policy[0] and "frame-ancestors 'none'" in policy[0], path
