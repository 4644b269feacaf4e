"""The policy tables load, match literal routes first, and production refuses development secrets."""

import pytest

from jiceng_shared.policy import PUBLIC, load_policy
from jiceng_shared.settings import CommonSettings, InsecureConfiguration


def test_routes_match_by_method_and_template():
    policy = load_policy()
    route = policy.match("GET", "/api/grid/v1/incidents/abc")
    assert route is not None and route.permission == "grid.incident.read"
    assert policy.match("DELETE", "/api/grid/v1/incidents/abc") is None
    assert policy.match("GET", "/api/grid/v1/incidents/abc/extra") is None


def test_every_public_route_is_under_public_or_the_gateways_login():
    for route in load_policy().public_routes:
        assert route.permission == PUBLIC
        assert "/public/" in route.path or route.service == "gateway"


def test_every_role_named_in_a_permission_exists():
    policy = load_policy()
    for role in policy.role_permissions:
        assert role in policy.roles


def test_production_refuses_development_keys_and_sqlite(monkeypatch):
    settings = CommonSettings(env="production")
    with pytest.raises(InsecureConfiguration) as info:
        settings.check_production()
    assert "development key" in str(info.value)
    assert "SQLite" in str(info.value)


def test_service_prefix_wins_over_common_prefix(monkeypatch):
    from pydantic_settings import SettingsConfigDict

    class Demo(CommonSettings):
        model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")

    monkeypatch.setenv("JICENG_NATS_URL", "nats://common:4222")
    assert Demo().nats_url == "nats://common:4222"
    monkeypatch.setenv("DEMO_NATS_URL", "nats://own:4222")
    assert Demo().nats_url == "nats://own:4222"


def test_empty_variables_mean_unset_and_keys_may_come_from_files(monkeypatch, tmp_path):
    from jiceng_shared import devkeys

    monkeypatch.setenv("JICENG_INTERNAL_PUBLIC_KEY", "")
    assert CommonSettings().internal_public_key == devkeys.INTERNAL_PUBLIC_KEY
    key_file = tmp_path / "internal.pem"
    key_file.write_text("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n")
    monkeypatch.setenv("JICENG_INTERNAL_PUBLIC_KEY", str(key_file))
    assert CommonSettings().internal_public_key.startswith("-----BEGIN PUBLIC KEY-----")


def test_calendar_overrides_reach_every_service_from_one_variable(monkeypatch):
    import datetime as dt

    from grid.main import spec
    from jiceng_shared.service import build_context

    monkeypatch.setenv("JICENG_CALENDAR_EXTRA_HOLIDAYS", '["2027-01-01"]')
    monkeypatch.setenv("JICENG_CALENDAR_EXTRA_WORKDAYS", '["2027-02-06"]')
    ctx = build_context(spec(), spec().settings_cls(database_url="sqlite+aiosqlite:///:memory:"))
    assert not ctx.calendar.is_workday(dt.date(2027, 1, 1))  # a Friday, declared a holiday
    assert ctx.calendar.is_workday(dt.date(2027, 2, 6))  # a Saturday, declared a make-up day
