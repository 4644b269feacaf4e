"""The second factor of administrative accounts: TOTP enrolment through the API, login with a
code or a single-use recovery code, reset by the security administrator (never by oneself)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pyotp
from sqlalchemy import select

from gateway.models import AuditEntry
from jiceng_shared import demo
from jiceng_shared.devkeys import DEMO_PASSWORD, demo_login_form
from jiceng_shared.policy import load_policy

COUNTY = "320971000000"
PASSWORD = "a long passphrase 26"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login(c, username: str, password: str = PASSWORD, **extra: str):
    return await c.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password, **extra}
    )


async def _new_admin(gw, role: str = "audit_admin") -> dict:
    security = bearer(await gw.token("security_admin"))
    async with gw.client() as c:
        response = await c.post(
            "/api/iam/v1/admins",
            headers=security,
            json={
                "username": f"{role}.{uuid.uuid4().hex[:6]}",
                "display_name": "新管理员",
                "password": PASSWORD,
                "area": COUNTY,
                "bindings": [{"role": role, "area": COUNTY}],
            },
        )
    assert response.status_code == 201, response.text
    return response.json()


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code of the current step (or one ahead, which the drift window accepts)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(dt.datetime.now(dt.UTC)) + steps_ahead)


async def _enrol(c, username: str) -> tuple[str, list[str]]:
    started = await c.post("/auth/mfa/enrolment", data={"username": username, "password": PASSWORD})
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    assert started.headers["cache-control"] == "no-store"
    wrong = await c.post("/auth/mfa/confirmation", data={"username": username, "password": PASSWORD, "totp": "000000"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "mfa_invalid"
    confirmed = await c.post(
        "/auth/mfa/confirmation",
        data={"username": username, "password": PASSWORD, "totp": _code(secret)},
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def test_an_administrator_enrols_a_totp_and_logs_in_only_with_a_code(gw):
    admin = await _new_admin(gw)
    name = admin["username"]
    async with gw.client("10.77.0.1") as c:
        before = await _login(c, name)
        assert before.status_code == 400 and before.json()["code"] == "mfa_enrolment_required"
        secret, codes = await _enrol(c, name)
        assert len(codes) == gw.settings.recovery_code_count == 10
        assert (await _login(c, name)).json()["code"] == "mfa_required"
        assert (await _login(c, name, totp="123456")).json()["code"] == "mfa_invalid"
        ok = await _login(c, name, totp=_code(secret, 1))  # the confirming code was spent: the next one
        assert ok.status_code == 200 and ok.json()["access_token"]
        again = await c.post("/auth/mfa/enrolment", data={"username": name, "password": PASSWORD})
        assert again.status_code == 409 and again.json()["code"] == "mfa_already_enrolled"
    async with gw.state.db.session() as s:
        actions = set((await s.scalars(select(AuditEntry.action).where(AuditEntry.subject == name))).all())
    assert {"mfa.enrolment_started", "mfa.enrolled"} <= actions


async def test_a_recovery_code_works_once(gw):
    admin = await _new_admin(gw, "security_admin")
    async with gw.client("10.77.0.2") as c:
        _, codes = await _enrol(c, admin["username"])
        assert (await _login(c, admin["username"], recovery_code=codes[0])).status_code == 200
        reused = await _login(c, admin["username"], recovery_code=codes[0])
        assert reused.status_code == 400 and reused.json()["code"] == "mfa_invalid"
        assert (await _login(c, admin["username"], recovery_code=codes[1].lower())).status_code == 200


async def test_ordinary_accounts_need_no_second_factor_and_a_wrong_password_never_reaches_it(gw):
    async with gw.client("10.77.0.3") as c:
        assert (await _login(c, "dispatcher.bufeng", DEMO_PASSWORD)).status_code == 200
        wrong = await _login(c, "county_admin", "not the password", totp=pyotp.TOTP("A" * 32).now())
        assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_grant"
        demo_admin = await c.post("/auth/token", data=demo_login_form("county_admin", steps=gw.totp_steps))
        assert demo_admin.status_code == 200
        without = await _login(c, "county_admin", DEMO_PASSWORD)
        assert without.status_code == 400 and without.json()["code"] == "mfa_required"


async def test_the_security_administrator_resets_a_lost_second_factor_but_not_their_own(gw):
    admin = await _new_admin(gw)
    security = bearer(await gw.token("security_admin"))
    async with gw.client("10.77.0.4") as c:
        await _enrol(c, admin["username"])
        me = (await c.get("/auth/me", headers=security)).json()
        own = await c.delete(f"/api/iam/v1/admins/{me['subject']}/second-factor", headers=security)
        assert own.status_code == 403 and own.json()["code"] == "own_account"
        system_admin = bearer(await gw.token("county_admin"))
        refused = await c.delete(f"/api/iam/v1/admins/{admin['id']}/second-factor", headers=system_admin)
        assert refused.status_code == 403
        reset = await c.delete(f"/api/iam/v1/admins/{admin['id']}/second-factor", headers=security)
        assert reset.status_code == 204
        after = await _login(c, admin["username"])
        assert after.json()["code"] == "mfa_enrolment_required"  # the holder enrols again, with their password
        await _enrol(c, admin["username"])


async def test_a_totp_code_logs_in_once_within_its_window(gw):
    admin = await _new_admin(gw)
    name = admin["username"]
    async with gw.client("10.77.0.5") as c:
        started = await c.post("/auth/mfa/enrolment", data={"username": name, "password": PASSWORD})
        secret = started.json()["secret"]
        totp = pyotp.TOTP(secret)
        step = totp.timecode(dt.datetime.now(dt.UTC))
        confirming = totp.generate_otp(step)
        confirmed = await c.post(
            "/auth/mfa/confirmation", data={"username": name, "password": PASSWORD, "totp": confirming}
        )
        assert confirmed.status_code == 200
        # the code that confirmed the enrolment does not log in (still inside the drift window)
        spent = await _login(c, name, totp=confirming)
        assert spent.status_code == 400 and spent.json()["code"] == "mfa_code_used"
        nxt = totp.generate_otp(step + 1)
        assert (await _login(c, name, totp=nxt)).status_code == 200
        again = await _login(c, name, totp=nxt)
        assert again.status_code == 400 and again.json()["code"] == "mfa_code_used"
        # an older code of the window is refused too once a later one was accepted
        assert (await _login(c, name, totp=confirming)).json()["code"] == "mfa_code_used"
    async with gw.state.db.session() as s:
        failures = (
            await s.scalars(
                select(AuditEntry.detail).where(AuditEntry.subject == name, AuditEntry.outcome == "failure")
            )
        ).all()
    assert any("TOTP code used before" in (d or "") for d in failures)


async def test_two_logins_racing_with_one_code_let_one_in(gw):
    admin = await _new_admin(gw)
    name = admin["username"]
    async with gw.client("10.77.0.6") as c:
        secret, _ = await _enrol(c, name)
        code = _code(secret, 1)
        first, second = await asyncio.gather(_login(c, name, totp=code), _login(c, name, totp=code))
    assert sorted([first.status_code, second.status_code]) == [200, 400]


def test_the_demo_login_form_carries_a_code_for_the_accounts_the_seed_enrols_and_only_those():
    """A code only where the seed enrols one: the accounts without one log in as often as a test
    wants, without waiting out TOTP steps (a third login in 30 s used to wait for the next)."""
    privileged = {name for name, role in load_policy().roles.items() if role.privileged}
    for user in demo.USERS:
        enrolled = any(role in privileged for role, _, _ in user.bindings)
        assert ("totp" in demo_login_form(user.username, steps={})) == enrolled, user.username
