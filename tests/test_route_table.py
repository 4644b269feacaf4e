"""The route table (shared/src/jiceng_shared/policy/*.toml) matches what each process serves, exactly.

A route served but missing from the table is unreachable (the gateway answers 404); a route in the
table that nobody serves is a mistake in the table. Either fails here, naming the route.
"""

import importlib

import pytest

from jiceng_shared.policy import load_policy
from jiceng_shared.topology import SERVICES


def _served(document: dict) -> set[tuple[str, str]]:
    """The operations of an app, from its OpenAPI document (what the gateway merges and serves)."""
    return {
        (m.upper(), path)
        for path, item in document["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    }


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_each_services_routes_are_exactly_its_table(service):
    main = importlib.import_module(f"{service}.main")
    from jiceng_shared.service import create_service_app

    served = {r for r in _served(create_service_app(main.spec()).openapi()) if r[1].startswith("/api/")}
    table = {(r.method, r.path) for r in load_policy().routes if r.service == service}
    assert served - table == set(), (
        f"served by {service} but missing from policy/{service}.toml: {sorted(served - table)}"
    )
    assert table - served == set(), f"in policy/{service}.toml but not served: {sorted(table - served)}"


def test_the_gateways_own_routes_are_exactly_its_table():
    from gateway.main import create_app, own_openapi

    served = {r for r in _served(own_openapi(create_app().api)) if r[1].startswith(("/api/", "/auth/"))}
    table = {(r.method, r.path) for r in load_policy().routes if r.service == "gateway"}
    assert served == table, f"served only: {sorted(served - table)}; table only: {sorted(table - served)}"


def test_public_routes_are_listed_in_one_place_and_live_under_public():
    for route in load_policy().public_routes:
        assert "/v1/public/" in route.path or route.path in (
            "/auth/token",
            "/auth/jwks.json",
            "/auth/password",  # these three authenticate with the password themselves
            "/auth/mfa/enrolment",
            "/auth/mfa/confirmation",
        ), route.path
