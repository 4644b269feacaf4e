"""A change made through one gateway replica takes effect at once on the others (NATS broadcast)."""

from jiceng_shared.testing.plugin import eventually


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_disabling_on_one_replica_revokes_the_token_on_another_long_before_its_cache_expires(make_gateway):
    async with (
        make_gateway(principal_cache_seconds=600) as a,
        make_gateway(
            database_url=a.settings.database_url, events_prefix=a.settings.events_prefix, principal_cache_seconds=600
        ) as b,
    ):
        admin = bearer(await a.token("county_admin"))
        async with a.client() as ca, b.client() as cb:
            created = await ca.post(
                "/api/iam/v1/users",
                headers=admin,
                json={
                    "username": "replica.test",
                    "display_name": "副本测试",
                    "password": "a long passphrase 26",
                    "area": "320971100000",
                    "bindings": [{"role": "dispatcher", "area": "320971100000"}],
                },
            )
            user = created.json()
            token = await a.token("replica.test", "a long passphrase 26")
            assert (await cb.get("/auth/me", headers=bearer(token))).status_code == 200  # cached on B for 10 min
            assert (
                await ca.patch(
                    f"/api/iam/v1/users/{user['id']}",
                    headers=admin,
                    json={"version": user["version"], "disabled": True},
                )
            ).status_code == 200

            async def refused_on_b() -> bool:
                return (await cb.get("/auth/me", headers=bearer(token))).status_code == 401

            await eventually(refused_on_b, timeout=5)


async def _login(client, username: str, password: str):
    return await client.post("/auth/token", data={"grant_type": "password", "username": username, "password": password})


async def test_login_throttling_and_public_rate_limits_are_one_limit_across_replicas(make_gateway):
    async with (
        make_gateway(public_rate_limit_per_minute=4) as a,
        make_gateway(
            database_url=a.settings.database_url, events_prefix=a.settings.events_prefix, public_rate_limit_per_minute=4
        ) as b,
    ):
        async with a.client("10.3.0.1") as ca, b.client("10.3.0.1") as cb:
            # 5 failures per account: 3 on one replica and 2 on the other use them all up
            for client in (ca, ca, ca, cb, cb):
                assert (await _login(client, "assessor.bufeng", "wrong")).status_code == 400
            for client in (ca, cb):
                refused = await _login(client, "assessor.bufeng", "demo")
                assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
            # 4 public requests a minute per address, counted across both replicas
            instant = 1_800_000_000.0
            a.state.guard.public_limiter.clock = b.state.guard.public_limiter.clock = lambda: instant
            path = "/api/approval/v1/public/guides"  # no upstream: 502 when allowed, 429 when not
            statuses = [(await c.get(path)).status_code for c in (ca, cb, ca, cb, ca, cb)]
        assert statuses.count(429) == 2 and 429 not in statuses[:4], statuses
