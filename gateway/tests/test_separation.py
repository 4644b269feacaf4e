"""三员分立: the system administrator (county_admin), the security administrator and the audit
administrator. None changes the others' accounts or their own privileges; administrators and
auditors are created only by the security administrator, and that is audited."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from gateway.models import AuditEntry
from jiceng_shared.devkeys import demo_login_form

COUNTY = "320971000000"
BUFENG = "320971100000"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def tokens(gw):
    return {name: bearer(await gw.token(name)) for name in ("county_admin", "security_admin", "audit_admin", "auditor")}


async def _user(gw, headers, username: str) -> dict:
    async with gw.client() as c:
        page = (await c.get("/api/iam/v1/users", headers=headers, params={"username": username})).json()
    return page["items"][0]


async def test_the_system_administrator_cannot_touch_administrative_accounts_or_roles(gw, tokens):
    admin = tokens["county_admin"]
    auditor = await _user(gw, admin, "auditor")
    async with gw.client() as c:
        # the attack of the issue: reset the auditor's password, then log in as the auditor
        reset = await c.patch(
            f"/api/iam/v1/users/{auditor['id']}",
            headers=admin,
            json={"version": auditor["version"], "password": "a new passphrase of mine 26"},
        )
        assert reset.status_code == 403 and reset.json()["code"] == "privileged_account"
        disable = await c.patch(
            f"/api/iam/v1/users/{auditor['id']}", headers=admin, json={"version": auditor["version"], "disabled": True}
        )
        assert disable.status_code == 403
        revoke = await c.delete(f"/api/iam/v1/bindings/{auditor['bindings'][0]['id']}", headers=admin)
        assert revoke.status_code == 403 and revoke.json()["code"] == "privileged_account"
        for role in ("auditor", "county_admin", "security_admin", "audit_admin"):
            created = await c.post(
                "/api/iam/v1/users",
                headers=admin,
                json={
                    "username": f"u{uuid.uuid4().hex[:8]}",
                    "display_name": "x",
                    "password": "a long passphrase 26",
                    "area": COUNTY,
                    "bindings": [{"role": role, "area": COUNTY}],
                },
            )
            assert created.status_code == 403 and created.json()["code"] == "privileged_account", role
        ordinary = await c.post(
            "/api/iam/v1/users",
            headers=admin,
            json={
                "username": f"u{uuid.uuid4().hex[:8]}",
                "display_name": "x",
                "password": "a long passphrase 26",
                "area": BUFENG,
            },
        )
        promote = await c.post(
            "/api/iam/v1/bindings",
            headers=admin,
            json={"subject_id": ordinary.json()["id"], "role": "auditor", "area": COUNTY},
        )
        assert promote.status_code == 403 and promote.json()["code"] == "privileged_account"
        assert (await c.post("/api/iam/v1/admins", headers=admin, json={})).status_code == 403
    async with gw.client() as c:  # the auditor's password is unchanged: a new login works
        login = await c.post("/auth/token", data=demo_login_form("auditor", steps=gw.totp_steps))
    assert login.status_code == 200, login.text


async def test_only_the_security_administrator_creates_administrators_and_it_is_audited(gw, tokens):
    security = tokens["security_admin"]
    name = f"audit_admin.{uuid.uuid4().hex[:6]}"
    async with gw.client() as c:
        created = await c.post(
            "/api/iam/v1/admins",
            headers=security,
            json={
                "username": name,
                "display_name": "审计管理员乙",
                "password": "a long passphrase 26",
                "area": COUNTY,
                "bindings": [{"role": "audit_admin", "area": COUNTY}],
            },
        )
        assert created.status_code == 201, created.text
        assert [b["role"] for b in created.json()["bindings"]] == ["audit_admin"]
        ordinary_role = await c.post(
            "/api/iam/v1/admins",
            headers=security,
            json={
                "username": f"x{uuid.uuid4().hex[:6]}",
                "display_name": "x",
                "password": "a long passphrase 26",
                "area": COUNTY,
                "bindings": [{"role": "dispatcher", "area": BUFENG}],
            },
        )
        assert ordinary_role.status_code == 422 and ordinary_role.json()["code"] == "not_privileged_role"
        # the security administrator does not run ordinary accounts: that is the system administrator's
        ordinary_user = await c.post(
            "/api/iam/v1/users",
            headers=security,
            json={
                "username": f"u{uuid.uuid4().hex[:8]}",
                "display_name": "x",
                "password": "a long passphrase 26",
                "area": BUFENG,
            },
        )
        assert ordinary_user.status_code == 403 and ordinary_user.json()["code"] == "permission_denied"
    async with gw.state.db.session() as s:
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "iam.admin.created"))
    assert entry is not None and entry.subject == "security_admin" and name in (entry.detail or "")
    async with gw.client() as c:  # the new administrator enrols a second factor before any login
        login = await c.post(
            "/auth/token", data={"grant_type": "password", "username": name, "password": "a long passphrase 26"}
        )
    assert login.status_code == 400 and login.json()["code"] == "mfa_enrolment_required"


async def test_the_security_administrator_changes_neither_their_own_account_nor_passwords(gw, tokens):
    security = tokens["security_admin"]
    me = await _user(gw, security, "security_admin")
    county_admin = await _user(gw, security, "county_admin")
    ordinary = await _user(gw, security, "dispatcher.bufeng")
    async with gw.client() as c:
        own = await c.patch(
            f"/api/iam/v1/admins/{me['id']}", headers=security, json={"version": me["version"], "disabled": True}
        )
        assert own.status_code == 403 and own.json()["code"] == "own_account"
        password = await c.patch(
            f"/api/iam/v1/admins/{county_admin['id']}",
            headers=security,
            json={"version": county_admin["version"], "password": "a new passphrase of mine 26"},
        )
        assert password.status_code == 422  # not a field: only the holder changes the password
        not_admin = await c.patch(
            f"/api/iam/v1/admins/{ordinary['id']}", headers=security, json={"version": ordinary["version"]}
        )
        assert not_admin.status_code == 409 and not_admin.json()["code"] == "not_privileged_account"
        disabled = await c.patch(
            f"/api/iam/v1/admins/{county_admin['id']}",
            headers=security,
            json={"version": county_admin["version"], "disabled": True},
        )
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        enabled = await c.patch(
            f"/api/iam/v1/admins/{county_admin['id']}",
            headers=security,
            json={"version": disabled.json()["version"], "disabled": False},
        )
        assert enabled.status_code == 200 and enabled.json()["disabled"] is False


async def test_the_audit_administrator_reads_the_audit_log_and_nothing_else(gw, tokens):
    audit_admin = tokens["audit_admin"]
    async with gw.client() as c:
        assert (await c.get("/api/iam/v1/audit", headers=audit_admin)).status_code == 200
        for method, path in (
            ("GET", "/api/iam/v1/users"),
            ("GET", "/api/iam/v1/clients"),
            ("POST", "/api/iam/v1/admins"),
            ("POST", "/api/iam/v1/bindings"),
            ("GET", "/api/grid/v1/residents"),
        ):
            response = await c.request(method, path, headers=audit_admin, json={} if method == "POST" else None)
            assert response.status_code == 403, (method, path)


async def test_the_security_administrator_alone_unlocks_an_account_locked_by_failed_logins(gw, tokens):
    user = await _user(gw, tokens["security_admin"], "window_clerk.xincheng")
    # a token of its own: an earlier test disabled and re-enabled the county administrator
    others = {"county_admin": bearer(await gw.token("county_admin")), "audit_admin": tokens["audit_admin"]}
    others["auditor"] = tokens["auditor"]
    async with gw.client("10.66.0.1") as c:
        for _ in range(5):
            failed = await c.post(
                "/auth/token", data={"grant_type": "password", "username": user["username"], "password": "wrong"}
            )
            assert failed.status_code == 400
    form = {"grant_type": "password", "username": user["username"], "password": "demo"}
    async with gw.client("10.66.0.2") as c:
        assert (await c.post("/auth/token", data=form)).status_code == 429
        for role, headers in others.items():
            refused = await c.post(f"/api/iam/v1/users/{user['id']}/unlock", headers=headers)
            assert refused.status_code == 403, role
        assert (await c.post("/auth/token", data=form)).status_code == 429
        unlocked = await c.post(f"/api/iam/v1/users/{user['id']}/unlock", headers=tokens["security_admin"])
        assert unlocked.status_code == 204
        assert (await c.post("/auth/token", data=form)).status_code == 200
        me = (await c.get("/auth/me", headers=tokens["security_admin"])).json()
        own = await c.post(f"/api/iam/v1/users/{me['subject']}/unlock", headers=tokens["security_admin"])
        assert own.status_code == 403 and own.json()["code"] == "own_account"
    async with gw.state.db.session() as s:
        [entry] = (
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "iam.account.unlocked", AuditEntry.resource.contains(user["id"])
                )
            )
        ).all()
    assert entry.subject == "security_admin" and '"failures": 5' in entry.detail
