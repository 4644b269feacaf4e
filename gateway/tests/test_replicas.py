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
