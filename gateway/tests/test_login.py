"""Logins: throttled per account (5 failures / 15 min) and per address (20), every attempt audited."""

import asyncio
import uuid


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login(client, username: str, password: str):
    return await client.post("/auth/token", data={"grant_type": "password", "username": username, "password": password})


async def _audit(gw, **params) -> list[dict]:
    await gw.flush_audit()
    token = await gw.token("auditor")
    async with gw.client() as c:
        response = await c.get("/api/iam/v1/audit", params=params | {"limit": 200}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_the_sixth_attempt_after_five_failures_is_a_429_with_retry_after_even_with_the_right_password(gw):
    async with gw.client("10.2.0.1") as c:
        for _ in range(5):
            response = await _login(c, "window_clerk.bufeng", "wrong")
            assert response.status_code == 400 and response.json()["code"] == "invalid_grant"
    async with gw.client("10.2.0.2") as c:  # another address does not help the account
        response = await _login(c, "window_clerk.bufeng", "demo")
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "too_many_attempts"
    assert 890 <= int(response.headers["retry-after"]) <= 900


async def test_four_failures_then_the_right_password_logs_in_and_clears_the_count(gw):
    async with gw.client("10.2.1.1") as c:
        for _ in range(4):
            assert (await _login(c, "window_clerk.xincheng", "wrong")).status_code == 400
        assert (await _login(c, "window_clerk.xincheng", "demo")).status_code == 200
        for _ in range(4):
            assert (await _login(c, "window_clerk.xincheng", "wrong")).status_code == 400
        assert (await _login(c, "window_clerk.xincheng", "demo")).status_code == 200


async def test_an_address_spraying_twenty_accounts_is_stopped_at_the_twenty_first(gw):
    async with gw.client("10.2.2.1") as c:
        # all at once: attempts count from their start, so concurrency cannot outrun the limit
        tries = await asyncio.gather(*(_login(c, f"nobody{i}.{uuid.uuid4().hex[:4]}", "guess") for i in range(21)))
        assert sorted(r.status_code for r in tries) == [400] * 20 + [429]
        response = await _login(c, "assessor.bufeng", "demo")
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    async with gw.client("10.2.2.2") as c:
        assert (await _login(c, "assessor.bufeng", "demo")).status_code == 200


async def test_client_credentials_are_throttled_like_passwords(gw):
    async with gw.client("10.2.3.1") as c:
        for _ in range(5):
            response = await c.post(
                "/auth/token",
                data={"grant_type": "client_credentials", "client_id": "client.soc", "client_secret": "wrong"},
            )
            assert response.status_code == 401 and response.json()["code"] == "invalid_client"
        response = await c.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "client.soc",
                "client_secret": "client.soc-secret-demo",
            },
        )
    assert response.status_code == 429


async def test_every_login_success_failure_and_refusal_is_in_the_audit_log(gw):
    name = "legal_reviewer.bufeng"
    async with gw.client("10.2.4.1") as c:
        assert (await _login(c, name, "wrong")).status_code == 400
        assert (await _login(c, name, "demo")).status_code == 200
    entries = await _audit(gw, subject=name, action="login")
    outcomes = [(e["outcome"], e["address"]) for e in entries]
    assert ("failure", "10.2.4.1") in outcomes and ("success", "10.2.4.1") in outcomes
    success = next(e for e in entries if e["outcome"] == "success")
    assert success["subject_id"] and success["request_id"]
    refused = await _audit(gw, subject="window_clerk.bufeng", action="login", outcome="throttled")
    assert refused and refused[0]["status"] == 429
