"""The routers' session dependency (``Tx``): committed when the route returns, nothing kept when it
raises; and closed sets declared as LabelledEnum carry their Chinese labels into the schema."""

from __future__ import annotations

from pydantic import BaseModel

from jiceng_shared.enums import LabelledEnum, labels_of
from jiceng_shared.testing.plugin import headers_for, principal
from jiceng_shared.testing.tiny import create_tables, spec

ADMIN = principal(("county_admin", "320971000000"))


def headers() -> dict[str, str]:
    """A fresh internal token: one made at import would expire (120 s) before a long run reaches the test."""
    return headers_for(ADMIN)


async def test_a_route_write_is_committed_and_a_refused_one_leaves_nothing(service_runner):
    async with service_runner(spec, migrate_on_start=False, wait_for_nats=False) as svc:
        await create_tables(svc.ctx)
        kept = await svc.client.post("/api/msgtest/v1/notes", params={"text": "kept"}, headers=headers())
        assert kept.status_code == 201, kept.text
        refused = await svc.client.post("/api/msgtest/v1/notes", params={"text": "refused"}, headers=headers())
        assert refused.status_code == 409
        assert refused.json()["code"] == "refused"
        listed = await svc.client.get("/api/msgtest/v1/notes", headers=headers())
        assert listed.json() == ["kept"]


class Light(LabelledEnum):
    RED = "red", "红灯"
    GREEN = "green", "绿灯"


class Crossing(BaseModel):
    light: Light


def test_a_labelled_enum_is_its_value_and_lists_values_and_labels_in_the_schema():
    assert Light.RED == "red" and Light("green").label_zh == "绿灯"
    assert Crossing(light="red").model_dump(mode="json") == {"light": "red"}
    schema = Crossing.model_json_schema()["$defs"]["Light"]
    assert schema["enum"] == ["red", "green"]
    assert schema["x-enum-labels"] == {"red": "红灯", "green": "绿灯"}
    assert labels_of([Light]) == {"Light": {"red": "红灯", "green": "绿灯"}}


def test_a_clock_file_stands_in_for_the_wall_clock_while_it_exists(tmp_path):
    import datetime as _dt

    from jiceng_shared.service import file_clock

    path = tmp_path / "clock"
    now = file_clock(path)
    assert abs((now() - _dt.datetime.now(_dt.UTC)).total_seconds()) < 5
    path.write_text("2027-01-23T15:59:59+00:00")
    assert now() == _dt.datetime(2027, 1, 23, 15, 59, 59, tzinfo=_dt.UTC)
    path.write_text("")
    assert now().year >= 2026 and now() != _dt.datetime(2027, 1, 23, 15, 59, 59, tzinfo=_dt.UTC)


async def test_plan_for_these_values_holds_for_its_transaction_only(databases):
    from sqlalchemy import MetaData, text

    from jiceng_shared.db import Database, plan_for_these_values

    db = Database(await databases.create("plans"), metadata=MetaData(), source="/test", pool_size=1)
    try:
        if db.is_sqlite:
            async with db.snapshot() as session:
                await plan_for_these_values(session)  # SQLite plans every statement anew: nothing to set
            return
        show = text("SHOW plan_cache_mode")
        async with db.snapshot() as session:
            assert await session.scalar(show) == "auto"
            await plan_for_these_values(session)
            assert await session.scalar(show) == "force_custom_plan"
        # the one pooled connection is back to the default: the option did not outlive its transaction
        async with db.session() as session:
            assert await session.scalar(show) == "auto"
    finally:
        await db.dispose()


async def test_a_process_s_connections_carry_its_name_in_pg_stat_activity(databases):
    """Ops see which process holds which connections, and the bench counts the stack's own by it."""
    import pytest
    from sqlalchemy import MetaData, text

    from jiceng_shared.db import Database, pooled_driver
    from jiceng_shared.testing.chaos import connections_of

    db = Database(await databases.create("named"), metadata=MetaData(), source="/svc-named", pool_size=1)
    try:
        if db.is_sqlite:
            pytest.skip("PostgreSQL's pg_stat_activity")
        mine = text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        async with db.session() as session:
            assert await session.scalar(mine) == "jiceng-svc-named"
        assert db.counter_engine is not None
        async with pooled_driver(db.counter_engine) as raw:  # the business numbers' pool
            assert await raw.fetchval(mine.text) == "jiceng-svc-named"
            # and its own setting kept beside the name
            assert await raw.fetchval("SHOW synchronous_commit") == "off"
            name = await raw.fetchval("SELECT current_database()")
            assert await connections_of(databases.infra.pg_admin_dsn, [name], processes_only=True) >= 1
    finally:
        await db.dispose()
