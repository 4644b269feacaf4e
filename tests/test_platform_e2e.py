"""The six processes as real OS processes, through the gateway: the foundation's promises."""

import pytest

from jiceng_shared import demo
from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.testing import web

pytestmark = pytest.mark.e2e
#: a blocking client: these checks are one request after another
blocking = web.sync_client()
PASSWORD = "demo"


def login(gateway: str, username: str) -> dict[str, str]:
    response = blocking.post(f"{gateway}/auth/token", data=demo_login_form(username, PASSWORD))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_every_process_is_ready_and_every_demo_user_can_log_in(stack):
    for name in stack.ports:
        assert blocking.get(stack.url(name) + "/readyz").json()["status"] == "ready"
    gateway = stack.url("gateway")
    for user in demo.USERS:
        me = blocking.get(f"{gateway}/auth/me", headers=login(gateway, user.username)).json()
        assert {(b["role"], b["area"], b["dept"]) for b in me["bindings"]} == set(user.bindings)


async def test_a_wrong_password_a_missing_token_and_a_forged_token_are_refused(stack):
    gateway = stack.url("gateway")
    bad = blocking.post(
        f"{gateway}/auth/token", data={"grant_type": "password", "username": "dispatcher.bufeng", "password": "x"}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    none = blocking.get(f"{gateway}/api/grid/v1/incidents")
    assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")
    forged = blocking.get(f"{gateway}/api/grid/v1/incidents", headers={"Authorization": "Bearer a.b.c"})
    assert forged.status_code == 401 and forged.headers["content-type"] == "application/problem+json"


async def test_a_service_reached_around_the_gateway_gives_nothing_away(stack):
    user_token = login(stack.url("gateway"), "county_admin")
    for name in ("approval", "enforcement", "grid", "dispatch", "assessment"):
        response = blocking.get(f"{stack.url(name)}/api/{name}/v1/openapi.json")
        assert response.status_code == 401
        assert (
            blocking.get(f"{stack.url(name)}/api/{name}/v1/admin/dead-letters", headers=user_token).status_code == 401
        )


async def test_unknown_routes_wrong_methods_and_large_bodies_are_problems(stack):
    gateway = stack.url("gateway")
    headers = login(gateway, "grid_worker.bufeng")
    assert blocking.get(f"{gateway}/api/grid/v1/nowhere", headers=headers).status_code == 404
    wrong = blocking.delete(f"{gateway}/api/grid/v1/incidents", headers=headers)
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
    big = blocking.post(
        f"{gateway}/api/grid/v1/incidents",
        headers=headers | {"content-type": "application/json"},
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
    )
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large"


async def test_one_merged_openapi_names_every_routes_permission_and_docs_and_asyncapi_are_served(stack):
    gateway = stack.url("gateway")
    doc = blocking.get(f"{gateway}/openapi.json").json()
    assert "x-unavailable-services" not in doc["info"]
    assert doc["components"]["securitySchemes"]["OAuth2"]["flows"]["password"]["tokenUrl"] == "/auth/token"
    incidents = doc["paths"]["/api/grid/v1/incidents"]["post"]
    assert incidents["x-permission"] == "grid.incident.report" and incidents["security"] == [{"OAuth2": []}]
    assert incidents["requestBody"]["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/grid."
    )
    assert "/api/grid/v1/openapi.json" not in doc["paths"]
    assert "swagger-ui" in blocking.get(f"{gateway}/docs").text
    asyncapi = blocking.get(f"{gateway}/asyncapi.json").json()
    assert any(ch["address"].endswith(".grid.incident.reported") for ch in asyncapi["channels"].values())


async def test_each_service_answers_a_read_through_the_gateway(stack):
    gateway = stack.url("gateway")
    admin = login(gateway, "county_admin")
    for name in ("approval", "enforcement", "grid", "dispatch", "assessment"):
        response = blocking.get(f"{gateway}/api/{name}/v1/admin/dead-letters", headers=admin)
        assert response.status_code == 200, (name, response.text)
        assert set(response.json()) == {"items", "next_cursor"}  # paginated like every list
    worker = login(gateway, "grid_worker.bufeng")
    areas = blocking.get(f"{gateway}/api/grid/v1/areas", headers=worker)
    # county, township, village, and the two grids (A post and B post)
    assert areas.status_code == 200 and len(areas.json()["items"]) == 5
    assert areas.headers["x-request-id"]
    metrics = blocking.get(f"{gateway}/metrics").text
    assert 'route="/api/grid/v1/areas",service="gateway",status="200"' in metrics
