"""Sessions: rotating refresh tokens with reuse detection, logout, the idle timeout, and the end
of every session on a password change or disable."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from gateway.models import LoginSession
from jiceng_shared.db import utcnow
from jiceng_shared.devkeys import demo_login_form


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login(c, username: str = "dispatcher.bufeng") -> dict:
    response = await c.post("/auth/token", data=demo_login_form(username))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"]
    return body


async def _refresh(c, refresh: str):
    return await c.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})


async def test_a_refresh_token_rotates_and_its_reuse_ends_the_session(gw):
    async with gw.client("10.88.0.1") as c:
        first = await _login(c)
        second = await _refresh(c, first["refresh_token"])
        assert second.status_code == 200
        pair = second.json()
        assert pair["refresh_token"] != first["refresh_token"]
        assert (await c.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200
        # the old refresh token again: stolen; the whole session ends
        reused = await _refresh(c, first["refresh_token"])
        assert reused.status_code == 400 and reused.json()["code"] == "invalid_grant"
        assert "reused" in reused.json()["detail"]
        assert (await _refresh(c, pair["refresh_token"])).status_code == 400
        assert (await c.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 401
        assert (await c.get("/auth/me", headers=bearer(first["access_token"]))).status_code == 401
        # another session of the same person is untouched
        other = await _login(c)
        assert (await c.get("/auth/me", headers=bearer(other["access_token"]))).status_code == 200


async def test_logout_ends_the_session(gw):
    async with gw.client("10.88.0.2") as c:
        session = await _login(c)
        assert (await c.post("/auth/logout")).status_code == 401
        out = await c.post("/auth/logout", headers=bearer(session["access_token"]))
        assert out.status_code == 204
        assert (await c.get("/auth/me", headers=bearer(session["access_token"]))).status_code == 401
        assert (await _refresh(c, session["refresh_token"])).status_code == 400


async def _idle_for(gw, seconds: float) -> None:
    async with gw.state.db.transaction() as s:
        await s.execute(
            update(LoginSession)
            .where(LoginSession.revoked_at.is_(None))
            .values(last_used_at=utcnow() - dt.timedelta(seconds=seconds))
        )


async def test_a_session_idle_for_30_minutes_ends(gw):
    assert gw.settings.session_idle_timeout_seconds == 30 * 60
    async with gw.client("10.88.0.3") as c:
        session = await _login(c, "grid_worker.bufeng")
        await _idle_for(gw, 30 * 60 - 30)
        kept = await _refresh(c, session["refresh_token"])
        assert kept.status_code == 200
        await _idle_for(gw, 30 * 60 + 1)
        ended = await _refresh(c, kept.json()["refresh_token"])
        assert ended.status_code == 400 and "idle_timeout" in ended.json()["detail"]


async def test_a_password_change_or_disable_ends_every_session(gw):
    admin = bearer(await gw.token("county_admin"))
    async with gw.client("10.88.0.4") as c:
        created = await c.post(
            "/api/iam/v1/users",
            headers=admin,
            json={
                "username": "session.user",
                "display_name": "x",
                "password": "a long passphrase 26",
                "area": "320971100000",
            },
        )
        user = created.json()
        session = await _login_with(c, "session.user", "a long passphrase 26")
        changed = await c.patch(
            f"/api/iam/v1/users/{user['id']}",
            headers=admin,
            json={"version": user["version"], "password": "another long passphrase 26"},
        )
        assert changed.status_code == 200
        assert (await c.get("/auth/me", headers=bearer(session["access_token"]))).status_code == 401
        assert (await _refresh(c, session["refresh_token"])).status_code == 400
        again = await _login_with(c, "session.user", "another long passphrase 26")
        disabled = await c.patch(
            f"/api/iam/v1/users/{user['id']}",
            headers=admin,
            json={"version": changed.json()["version"], "disabled": True},
        )
        assert disabled.status_code == 200
        assert (await _refresh(c, again["refresh_token"])).status_code == 400


async def _login_with(c, username: str, password: str) -> dict:
    response = await c.post("/auth/token", data={"grant_type": "password", "username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()
