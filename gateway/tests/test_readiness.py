"""The gateway's /readyz reflects its database and NATS (the services' is in shared/tests)."""

import httpx

from gateway.config import GatewaySettings
from gateway.main import create_app


async def test_readyz_is_ready_with_database_and_nats(gw):
    async with gw.client() as c:
        response = await c.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert (checks["database"], checks["nats"]) == (True, True)


async def test_readyz_is_503_while_nats_is_unreachable(databases):
    settings = GatewaySettings(
        database_url=await databases.create("gateway"), nats_url="nats://127.0.0.1:1", env="test"
    )
    app = create_app(settings)
    async with app.api.router.lifespan_context(app.api):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as c:
            response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["checks"] == {"database": True, "nats": False}
