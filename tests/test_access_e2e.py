"""Access end to end, on the running platform: services refuse calls around the gateway, personal
records and writes are on file in the audit log, and revocations take effect at once."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from jiceng_shared import demo
from jiceng_shared.identity import INTERNAL_HEADER
from jiceng_shared.testing import web
from jiceng_shared.testing.plugin import eventually
from jiceng_shared.topology import SERVICES

pytestmark = pytest.mark.e2e

GRID_1 = "320971100201001"


async def _audit(platform, **params) -> list[dict]:
    auditor = await platform.login("auditor")
    async with platform.client() as c:
        response = await c.get("/api/iam/v1/audit", params=params | {"limit": 200}, headers=auditor.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
async def test_a_service_called_around_the_gateway_answers_401_and_nothing_else(platform, service):
    worker = await platform.login("county_admin")
    now = int(time.time())
    forged = jwt.encode(
        {
            "sub": "x",
            "knd": "user",
            "bnd": [["county_admin", demo.COUNTY_CODE, None]],
            "iss": "jiceng-gateway",
            "aud": "jiceng-internal",
            "iat": now,
            "exp": now + 60,
        },
        "not-the-key-" * 4,
        algorithm="HS256",
    )
    url = platform.stack.url(service) + f"/api/{service}/v1/admin/dead-letters"
    async with web.client() as c:
        for headers in ({}, {INTERNAL_HEADER: forged}, {INTERNAL_HEADER: worker.token}, worker.headers):
            response = await c.get(url, headers=headers)
            assert response.status_code == 401, (headers.keys(), response.text)
            assert response.json()["code"] == "unauthenticated" and "detail" not in response.json()


async def test_reading_a_full_personal_record_is_on_file_with_who_when_and_request_id(platform):
    worker = await platform.login("grid_worker.bufeng")
    async with platform.client() as c:
        listed = (await c.get("/api/grid/v1/residents", params={"grid_code": GRID_1}, headers=worker.headers)).json()
        resident = listed["items"][0]
        assert "*" in resident["id_number_masked"]
        rid = f"e2e-{uuid.uuid4().hex[:12]}"
        full = await c.get(f"/api/grid/v1/residents/{resident['id']}", headers=worker.headers | {"x-request-id": rid})
        assert full.status_code == 200 and "*" not in full.json()["id_number"]
    # written before the body left the gateway: no waiting needed
    entries = await _audit(platform, resource=f"/api/grid/v1/residents/{resident['id']}")
    read = next(e for e in entries if e["request_id"] == rid)
    assert (read["action"], read["outcome"], read["subject"], read["status"]) == (
        "personal_record_read",
        "success",
        "grid_worker.bufeng",
        200,
    )
    assert read["permission"] == "grid.resident.read" and read["at"]
    # the masked list is not a personal-record read (a creation answering the full record is)
    assert not [
        e
        for e in await _audit(platform, resource="/api/grid/v1/residents", action="personal_record_read")
        if e["resource"] == "/api/grid/v1/residents" and e["method"] == "GET"
    ]


async def test_a_write_is_on_file_when_it_is_acknowledged(platform):
    worker = await platform.login("grid_worker.bufeng")
    rid = f"e2e-{uuid.uuid4().hex[:12]}"
    async with platform.client() as c:
        # a category no other end-to-end test reports: this report never merges with theirs (same
        # category within 50 m), e.g. test_crash_safety's street occupations all over grid 1
        response = await c.post(
            "/api/grid/v1/incidents",
            headers=worker.headers | {"x-request-id": rid},
            json={
                "category": "environment_pollution",
                "description": "审计测试",
                "grid_code": GRID_1,
                "location": {"type": "Point", "coordinates": [120.305, 33.305]},
            },
        )
    assert response.status_code == 201
    started = [e for e in await _audit(platform, request_id=rid) if e["outcome"] == "started"]
    assert started and started[0]["action"] == "write" and started[0]["subject"] == "grid_worker.bufeng"

    async def completed() -> list[dict]:
        return [e for e in await _audit(platform, request_id=rid) if e["outcome"] == "completed" and e["status"] == 201]

    await eventually(completed)


async def test_a_disabled_user_and_a_removed_binding_take_effect_on_the_next_request(platform):
    admin = await platform.login("county_admin")
    async with platform.client() as c:
        created = (
            await c.post(
                "/api/iam/v1/users",
                headers=admin.headers,
                json={
                    "username": f"e2e.{uuid.uuid4().hex[:6]}",
                    "display_name": "临时网格员",
                    "password": "e2e passphrase",
                    "area": demo.BUFENG.code,
                    "bindings": [
                        {"role": "grid_worker", "area": GRID_1},
                        {"role": "dispatcher", "area": demo.BUFENG.code},
                    ],
                },
            )
        ).json()
        token = (
            await c.post(
                "/auth/token",
                data={"grant_type": "password", "username": created["username"], "password": "e2e passphrase"},
            )
        ).json()["access_token"]
        me = {"Authorization": f"Bearer {token}"}
        assert (await c.get("/api/grid/v1/residents", headers=me)).status_code == 200
        worker = next(b for b in created["bindings"] if b["role"] == "grid_worker")
        assert (await c.delete(f"/api/iam/v1/bindings/{worker['id']}", headers=admin.headers)).status_code == 204
        refused = await c.get("/api/grid/v1/residents", headers=me)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        assert (await c.get("/api/grid/v1/incidents", headers=me)).status_code == 200  # the dispatcher binding stays
        user = (await c.get(f"/api/iam/v1/users/{created['id']}", headers=admin.headers)).json()
        assert (
            await c.patch(
                f"/api/iam/v1/users/{created['id']}",
                headers=admin.headers,
                json={"version": user["version"], "disabled": True},
            )
        ).status_code == 200
        assert (await c.get("/api/grid/v1/incidents", headers=me)).status_code == 401
