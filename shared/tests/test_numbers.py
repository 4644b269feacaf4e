"""Business numbers: unique under concurrency, readable, and they never hold a lock for a transaction."""

import asyncio

import pytest

from jiceng_shared.numbers import business_number, next_in_series
from jiceng_shared.testing.chaos import database_name, refuse_connections
from jiceng_shared.testing.tiny import spec


@pytest.fixture(scope="module")
async def svc(service_runner):
    async with service_runner(spec, migrate_on_start=False) as running:
        async with running.ctx.db.engine.begin() as conn:
            await conn.run_sync(running.ctx.spec.metadata.create_all)
        yield running


async def test_numbers_are_readable_and_unique_under_concurrent_transactions(svc):
    async def allocate() -> str:
        async with svc.ctx.db.transaction() as session:
            number = await business_number(session, "SL", "320971100000", 2026)
            await asyncio.sleep(0.05)  # the transaction stays open meanwhile
            return number

    numbers = await asyncio.gather(*(allocate() for _ in range(8)))
    assert len(set(numbers)) == 8
    assert all(n.startswith("SL-320971100-2026-") and len(n.rsplit("-", 1)[1]) == 6 for n in numbers)


async def test_a_number_drawn_in_an_open_transaction_does_not_hold_back_the_next(svc):
    if svc.ctx.db.is_sqlite:
        pytest.skip("SQLite has one writer: there transactions queue by design")
    drawn, release = asyncio.Event(), asyncio.Event()

    async def holder() -> str:
        async with svc.ctx.db.transaction() as session:
            number = await business_number(session, "SL", "320971100000", 2027)
            drawn.set()
            await release.wait()  # open until the other transaction has drawn its number
            return number

    held = asyncio.create_task(holder())
    await drawn.wait()
    try:
        async with svc.ctx.db.transaction() as session:
            # a counter locked until the first transaction ends would wait here for ever
            second = await asyncio.wait_for(business_number(session, "SL", "320971100000", 2027), timeout=10)
    finally:
        release.set()
    assert second != await held


async def test_a_rolled_back_transaction_leaves_a_gap_not_a_duplicate(svc):
    async with svc.ctx.db.transaction() as session:
        first = await next_in_series(session, "gap-test")
    with pytest.raises(RuntimeError):
        async with svc.ctx.db.transaction() as session:
            await next_in_series(session, "gap-test")
            raise RuntimeError("rolled back")
    async with svc.ctx.db.transaction() as session:
        third = await next_in_series(session, "gap-test")
    assert third > first


async def test_counter_connections_do_not_wait_for_their_own_wal_flush(svc):
    """The business transaction's commit flushes the counter's increment with it (see db.py)."""
    engine = svc.ctx.db.counter_engine
    if engine is None:
        pytest.skip("SQLite: numbers are drawn in the caller's transaction")
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar_one() == "off"
    async with svc.ctx.db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar_one() == "on"


async def test_numbers_are_drawn_again_once_the_database_is_back_after_cutting_the_connections(svc, infra):
    """The counter pool's connection runs the upsert on the driver, out of SQLAlchemy's sight: one
    the server cut must not go back to the pool as good (every draw would fail until its recycle)."""
    if svc.ctx.db.counter_engine is None:
        pytest.skip("SQLite: numbers are drawn in the caller's transaction")
    async with svc.ctx.db.transaction() as session:
        before = await next_in_series(session, "cut-test")  # the pool holds a live connection now
    async with refuse_connections(infra.pg_admin_dsn, database_name(svc.ctx.db.url)):
        pass  # every connection of the database cut
    drawn = []
    for _ in range(3):  # the cut connection may fail one draw; the next has a new one
        try:
            async with svc.ctx.db.transaction() as session:
                drawn.append(await next_in_series(session, "cut-test"))
        except Exception:
            continue
    assert len(drawn) >= 2 and drawn[-1] > before
