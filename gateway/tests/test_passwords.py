"""Password rules (等保 level 3 defaults as settings): length, character classes, history, expiry;
the holder changes their own password at /auth/password, which ends every session."""

from __future__ import annotations

import datetime as dt
import uuid

from argon2 import profiles
from sqlalchemy import update

from gateway.auth.passwords import parameters_for
from gateway.models import User
from jiceng_shared.db import utcnow

BUFENG = "320971100000"
FIRST = "first pass 2026"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _user(gw) -> dict:
    admin = bearer(await gw.token("county_admin"))
    async with gw.client() as c:
        response = await c.post(
            "/api/iam/v1/users",
            headers=admin,
            json={"username": f"pw.{uuid.uuid4().hex[:6]}", "display_name": "x", "password": FIRST, "area": BUFENG},
        )
    assert response.status_code == 201, response.text
    return response.json()


async def _change(c, username: str, password: str, new: str):
    return await c.post("/auth/password", data={"username": username, "password": password, "new_password": new})


async def test_a_password_mixes_3_of_4_character_classes(gw):
    assert gw.settings.password_min_classes == 3
    user = await _user(gw)
    async with gw.client("10.66.0.1") as c:
        two = await _change(c, user["username"], FIRST, "onlylowercase 2")  # lower, digit, other: 3
        assert two.status_code == 204
        simple = await _change(c, user["username"], "onlylowercase 2", "onlylowercaseletters")
        assert simple.status_code == 422 and simple.json()["code"] == "password_too_simple"
        two_classes = await _change(c, user["username"], "onlylowercase 2", "lowercase12345")
        assert two_classes.status_code == 422


async def test_the_last_5_passwords_may_not_come_back_and_a_change_ends_every_session(gw):
    assert gw.settings.password_history == 5
    user = await _user(gw)
    name = user["username"]
    token = await gw.token(name, FIRST)
    async with gw.client("10.66.0.2") as c:
        passwords = [FIRST] + [f"next pass {i}" for i in range(1, 6)]
        for old, new in zip(passwords, passwords[1:], strict=False):
            assert (await _change(c, name, old, new)).status_code == 204
        assert (await c.get("/auth/me", headers=bearer(token))).status_code == 401  # sessions ended
        # the five before the current one are refused; the sixth back is allowed again
        for old in passwords[1:-1]:
            reused = await _change(c, name, passwords[-1], old)
            assert reused.status_code == 422 and reused.json()["code"] == "password_reused", old
        assert (await _change(c, name, passwords[-1], passwords[-1])).status_code == 422
        assert (await _change(c, name, passwords[-1], FIRST)).status_code == 204


async def test_a_password_older_than_90_days_must_be_changed_before_login(gw):
    assert gw.settings.password_max_age_days == 90
    user = await _user(gw)
    name = user["username"]

    async def aged(days: float) -> None:
        async with gw.state.db.transaction() as s:
            await s.execute(
                update(User).where(User.id == user["id"]).values(password_changed_at=utcnow() - dt.timedelta(days=days))
            )

    async with gw.client("10.66.0.3") as c:
        form = {"grant_type": "password", "username": name, "password": FIRST}
        await aged(90 - 0.01)
        assert (await c.post("/auth/token", data=form)).status_code == 200
        await aged(90 + 0.01)
        expired = await c.post("/auth/token", data=form)
        assert expired.status_code == 400 and expired.json()["code"] == "password_expired"
        assert (await _change(c, name, FIRST, "renewed pass 1")).status_code == 204
        form["password"] = "renewed pass 1"
        assert (await c.post("/auth/token", data=form)).status_code == 200


def test_passwords_cost_rfc_9106s_low_memory_profile_outside_tests():
    # a test environment alone hashes with argon2-cffi's profile made for tests
    assert parameters_for("production") == profiles.RFC_9106_LOW_MEMORY
    assert parameters_for("development") == profiles.RFC_9106_LOW_MEMORY
    assert parameters_for("test") == profiles.CHEAPEST
