"""Identity administration: county administrators manage users, clients and bindings within the
county, nobody grants themselves more, every change is audited and takes effect at once."""

import uuid

import pytest
from sqlalchemy import func, select, text

from gateway.models import AuditEntry, RoleBinding, User
from jiceng_shared.db import new_id, utcnow

BUFENG = "320971100000"
XINCHENG = "320971001000"
COUNTY = "320971000000"
OTHER_COUNTY_TOWNSHIP = "320972100000"
GRID_1 = "320971100201001"
VILLAGE = "320971100201"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def admin(gw):
    return bearer(await gw.token("county_admin"))


async def _counts(gw) -> tuple[int, int, int]:
    async with gw.state.db.session() as s:
        return (
            await s.scalar(select(func.count()).select_from(User)),
            await s.scalar(select(func.count()).select_from(RoleBinding)),
            await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("iam.%"))),
        )


async def _new_user(gw, admin, **overrides) -> dict:
    body = {
        "username": f"u{uuid.uuid4().hex[:8]}",
        "display_name": "测试用户",
        "password": "a long passphrase 26",
        "area": BUFENG,
        "bindings": [{"role": "dispatcher", "area": BUFENG}],
    } | overrides
    async with gw.client() as c:
        response = await c.post("/api/iam/v1/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json() | {"password": body["password"]}


async def test_a_county_admin_creates_a_user_who_logs_in_and_sees_bindings_and_permissions(gw, admin):
    user = await _new_user(
        gw, admin, bindings=[{"role": "grid_worker", "area": GRID_1}, {"role": "village_agent", "area": VILLAGE}]
    )
    assert user["area"] == BUFENG and {b["role"] for b in user["bindings"]} == {"grid_worker", "village_agent"}
    token = await gw.token(user["username"], user["password"])
    async with gw.client() as c:
        me = (await c.get("/auth/me", headers=bearer(token))).json()
    assert me["name"] == "测试用户"
    worker = next(b for b in me["bindings"] if b["role"] == "grid_worker")
    assert worker["area_level"] == "grid" and worker["role_zh"] == "网格员"
    assert "grid.incident.report" in worker["permissions"] and "grid.incident.report" in me["permissions"]
    assert "iam.user.manage" not in me["permissions"]


async def test_a_binding_outside_the_county_is_refused_and_nothing_is_written(gw, admin):
    before = await _counts(gw)
    async with gw.client() as c:
        response = await c.post(
            "/api/iam/v1/users",
            headers=admin,
            json={
                "username": f"u{uuid.uuid4().hex[:8]}",
                "display_name": "x",
                "password": "a long passphrase 26",
                "area": BUFENG,
                "bindings": [{"role": "dispatcher", "area": OTHER_COUNTY_TOWNSHIP}],
            },
        )
        assert response.status_code == 403 and response.json()["code"] == "scope_denied"
        response = await c.post(
            "/api/iam/v1/users",
            headers=admin,
            json={
                "username": f"u{uuid.uuid4().hex[:8]}",
                "display_name": "x",
                "password": "a long passphrase 26",
                "area": OTHER_COUNTY_TOWNSHIP,
            },
        )
        assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    assert await _counts(gw) == before


async def test_nobody_grants_themselves_more_than_they_hold(gw, admin):
    """The county administrator's own account is administrative: no binding of it changes through
    /bindings (its changes are the security administrator's, see test_separation.py)."""
    async with gw.client() as c:
        me = (await c.get("/auth/me", headers=admin)).json()
        for role, area in (("dispatcher", BUFENG), ("auditor", COUNTY), ("county_admin", COUNTY)):
            response = await c.post(
                "/api/iam/v1/bindings", headers=admin, json={"subject_id": me["subject"], "role": role, "area": area}
            )
            assert response.status_code == 403 and response.json()["code"] == "privileged_account", role


async def test_a_binding_must_fit_the_roles_scope_levels_and_department_rules(gw, admin):
    user = await _new_user(gw, admin)
    before = await _counts(gw)
    cases = [
        ({"role": "grid_worker", "area": BUFENG}, "scope_level_not_allowed"),
        ({"role": "dept_staff", "area": BUFENG}, "dept_required"),
        ({"role": "dispatcher", "area": BUFENG, "dept": "psb"}, "dept_not_allowed"),
        ({"role": "emperor", "area": BUFENG}, "unknown_role"),
    ]
    async with gw.client() as c:
        for spec, code in cases:
            response = await c.post("/api/iam/v1/bindings", headers=admin, json={"subject_id": user["id"], **spec})
            assert response.status_code == 422, response.text
            assert response.json()["code"] == code
        response = await c.post(
            "/api/iam/v1/bindings", headers=admin, json={"subject_id": user["id"], "role": "dispatcher", "area": "12"}
        )
        assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert await _counts(gw) == before


async def test_people_without_the_permission_get_403_and_the_denial_is_audited(gw):
    token = await gw.token("dispatcher.bufeng")
    async with gw.client("10.3.0.7") as c:
        response = await c.post("/api/iam/v1/users", headers=bearer(token), json={})
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        assert (await c.get("/api/iam/v1/audit", headers=bearer(token))).status_code == 403
    await gw.flush_audit()
    auditor = bearer(await gw.token("auditor"))
    async with gw.client() as c:
        entries = (
            await c.get(
                "/api/iam/v1/audit", headers=auditor, params={"subject": "dispatcher.bufeng", "action": "access_denied"}
            )
        ).json()["items"]
    denied = {(e["method"], e["resource"], e["permission"], e["status"], e["address"]) for e in entries}
    assert ("POST", "/api/iam/v1/users", "iam.user.manage", 403, "10.3.0.7") in denied
    assert ("GET", "/api/iam/v1/audit", "iam.audit.read", 403, "10.3.0.7") in denied


async def test_disabling_a_user_revokes_their_still_valid_token_on_the_next_request(gw, admin):
    user = await _new_user(gw, admin)
    token = await gw.token(user["username"], user["password"])
    async with gw.client() as c:
        assert (await c.get("/auth/me", headers=bearer(token))).status_code == 200  # cached now
        response = await c.patch(
            f"/api/iam/v1/users/{user['id']}", headers=admin, json={"version": user["version"], "disabled": True}
        )
        assert response.status_code == 200 and response.json()["disabled"] is True
        for path in ("/auth/me", "/api/grid/v1/areas", "/api/iam/v1/users"):
            assert (await c.get(path, headers=bearer(token))).status_code == 401, path
        login = await c.post(
            "/auth/token", data={"grant_type": "password", "username": user["username"], "password": user["password"]}
        )
        assert login.status_code == 400 and login.json()["code"] == "invalid_grant"
        enabled = await c.patch(
            f"/api/iam/v1/users/{user['id']}",
            headers=admin,
            json={"version": response.json()["version"], "disabled": False},
        )
        assert enabled.status_code == 200
        # disabling ended the session: its token stays refused; a new login works again
        assert (await c.get("/auth/me", headers=bearer(token))).status_code == 401
        assert await gw.token(user["username"], user["password"])


async def test_removing_a_binding_removes_its_permission_on_the_next_request(gw, admin):
    user = await _new_user(
        gw, admin, bindings=[{"role": "grid_worker", "area": GRID_1}, {"role": "dispatcher", "area": BUFENG}]
    )
    token = await gw.token(user["username"], user["password"])
    worker = next(b for b in user["bindings"] if b["role"] == "grid_worker")
    async with gw.client() as c:
        assert "grid.incident.report" in (await c.get("/auth/me", headers=bearer(token))).json()["permissions"]
        # the gateway lets the report through to the (absent) service: 502, not 403
        assert (await c.post("/api/grid/v1/incidents", headers=bearer(token), json={})).status_code == 502
        assert (await c.delete(f"/api/iam/v1/bindings/{worker['id']}", headers=admin)).status_code == 204
        response = await c.post("/api/grid/v1/incidents", headers=bearer(token), json={})
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        assert "grid.incident.report" not in (await c.get("/auth/me", headers=bearer(token))).json()["permissions"]
        assert (await c.delete(f"/api/iam/v1/bindings/{worker['id']}", headers=admin)).status_code == 404
        granted = await c.post(
            "/api/iam/v1/bindings",
            headers=admin,
            json={"subject_id": user["id"], "role": "grid_worker", "area": GRID_1},
        )
        assert granted.status_code == 201 and granted.json()["granted_by"]
        assert (await c.post("/api/grid/v1/incidents", headers=bearer(token), json={})).status_code == 502


async def test_accounts_of_another_county_are_not_found(gw, admin):
    now = utcnow()
    stranger = User(
        id=new_id(),
        username=f"far{uuid.uuid4().hex[:6]}",
        display_name="外县",
        password_hash="x",
        area=OTHER_COUNTY_TOWNSHIP,
        created_at=now,
        updated_at=now,
    )
    async with gw.state.db.transaction() as s:
        s.add(stranger)
    async with gw.client() as c:
        assert (await c.get(f"/api/iam/v1/users/{stranger.id}", headers=admin)).status_code == 404
        listed = (await c.get("/api/iam/v1/users", headers=admin, params={"username": stranger.username})).json()
        assert listed["items"] == []
        response = await c.post(
            "/api/iam/v1/bindings",
            headers=admin,
            json={"subject_id": stranger.id, "role": "dispatcher", "area": BUFENG},
        )
        assert response.status_code == 404
        mine = (await c.get("/api/iam/v1/users", headers=admin, params={"username": "dispatcher.bufeng"})).json()
        assert [u["username"] for u in mine["items"]] == ["dispatcher.bufeng"]


async def test_passwords_need_10_characters_and_versions_must_match(gw, admin):
    user = await _new_user(gw, admin)
    async with gw.client() as c:
        short = await c.patch(
            f"/api/iam/v1/users/{user['id']}", headers=admin, json={"version": user["version"], "password": "1234abcd!"}
        )
        assert short.status_code == 422 and short.json()["code"] == "password_too_short"
        ok = await c.patch(
            f"/api/iam/v1/users/{user['id']}",
            headers=admin,
            json={"version": user["version"], "password": "12345abcd!"},
        )
        assert ok.status_code == 200 and ok.json()["version"] == user["version"] + 1
        stale = await c.patch(
            f"/api/iam/v1/users/{user['id']}", headers=admin, json={"version": user["version"], "display_name": "late"}
        )
        assert stale.status_code == 409 and stale.json()["code"] == "concurrent_update"
        me = (await c.get("/auth/me", headers=admin)).json()
        self_disable = await c.patch(
            f"/api/iam/v1/users/{me['subject']}", headers=admin, json={"version": 1, "disabled": True}
        )
        # an administrator's own account is administrative: not theirs to change (三员分立)
        assert self_disable.status_code == 403 and self_disable.json()["code"] == "privileged_account"
    await gw.token(user["username"], "12345abcd!")


async def test_a_client_secret_is_shown_once_and_a_rotated_one_replaces_it_at_once(gw, admin):
    async with gw.client() as c:
        created = await c.post(
            "/api/iam/v1/clients",
            headers=admin,
            json={
                "client_id": f"client.t{uuid.uuid4().hex[:6]}",
                "name": "测试系统",
                "dept": "samr",
                "area": COUNTY,
                "townships": [BUFENG],
            },
        )
        assert created.status_code == 201, created.text
        client = created.json()
        assert client["client_secret"] and created.headers["cache-control"] == "no-store"
        assert [(b["role"], b["area"], b["dept"]) for b in client["bindings"]] == [("dept_system", BUFENG, "samr")]
        shown = (await c.get(f"/api/iam/v1/clients/{client['id']}", headers=admin)).json()
        assert "client_secret" not in shown

        async def login(secret: str) -> int:
            async with gw.client(f"10.4.{uuid.uuid4().int % 250}.1") as cc:
                return (
                    await cc.post(
                        "/auth/token",
                        data={
                            "grant_type": "client_credentials",
                            "client_id": client["client_id"],
                            "client_secret": secret,
                        },
                    )
                ).status_code

        assert await login(client["client_secret"]) == 200
        rotated = (await c.post(f"/api/iam/v1/clients/{client['id']}/secret", headers=admin)).json()
        assert await login(client["client_secret"]) == 401
        assert await login(rotated["client_secret"]) == 200
        wrong_dept = await c.post(
            "/api/iam/v1/bindings",
            headers=admin,
            json={"subject_id": client["id"], "role": "dept_system", "area": XINCHENG, "dept": "psb"},
        )
        assert wrong_dept.status_code == 422 and wrong_dept.json()["code"] == "client_dept_mismatch"


async def test_admin_changes_are_audited_with_who_what_and_request_id_and_cannot_be_changed(gw, admin):
    user = await _new_user(gw, admin)
    auditor = bearer(await gw.token("auditor"))
    async with gw.client() as c:
        entries = (
            await c.get("/api/iam/v1/audit", headers=auditor, params={"resource": f"/api/iam/v1/users/{user['id']}"})
        ).json()["items"]
        created = next(e for e in entries if e["action"] == "iam.user.created")
        assert created["subject"] == "county_admin" and created["method"] == "POST" and created["request_id"]
        assert user["username"] in created["detail"]
        # no route changes an entry
        for method in ("PATCH", "PUT", "DELETE", "POST"):
            response = await c.request(method, "/api/iam/v1/audit", headers=auditor)
            assert response.status_code == 405, method
        by_time = await c.get(
            "/api/iam/v1/audit", headers=auditor, params={"since": created["at"], "action": "iam.user.created"}
        )
        assert created["id"] in [e["id"] for e in by_time.json()["items"]]
        naive = await c.get("/api/iam/v1/audit", headers=auditor, params={"since": "2026-01-01T00:00:00"})
        assert naive.status_code == 422
    # nor does anyone holding a database connection
    for statement in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with gw.state.db.transaction() as s:
                await s.execute(text(statement))
