"""Nothing lost, nothing doubled, recovery bounded: the shared machinery under faults.

Real PostgreSQL and NATS; the faults are caused only on servers the test starts itself (a private
nats-server on a free port) or on its own database (ALLOW_CONNECTIONS false).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import nats
import pytest
from sqlalchemy import func, insert, select

from jiceng_shared.events import build_event, nats_subject
from jiceng_shared.outbox import emit
from jiceng_shared.testing.chaos import PrivateNats, database_name, refuse_connections
from jiceng_shared.testing.plugin import ServiceClock, eventually, headers_for, principal
from jiceng_shared.testing.tiny import Note, NoteWritten, create_tables, spec

TOWNSHIP = "320971100000"
ADMIN = principal(("county_admin", "320971000000"))


def caller() -> dict[str, str]:
    """A fresh internal token: one made at import would expire (120 s) before a long run reaches the test."""
    return headers_for(ADMIN)


@pytest.fixture(scope="module")
async def svc(service_runner):
    async with service_runner(spec, migrate_on_start=False) as running:
        await create_tables(running.ctx)
        yield running


async def _emit(svc, text: str) -> str:
    async with svc.ctx.db.transaction() as session:
        event = await emit(session, NoteWritten(note_id=text, text=text), subject=text, township=TOWNSHIP)
    return event.id


async def _unsent(svc, ids: list[str] | None = None) -> int:
    outbox = svc.ctx.db.infra.outbox
    where = outbox.c.sent_at.is_(None)
    if ids is not None:
        where = where & outbox.c.id.in_(ids)
    async with svc.ctx.db.session() as session:
        return await session.scalar(select(func.count()).where(where))


async def _stream_ids(nats_url: str, prefix: str) -> list[str]:
    nc = await nats.connect(nats_url)
    try:
        sub = await nc.jetstream().subscribe(nats_subject(prefix, "test.note.written"), ordered_consumer=True)
        ids = []
        try:
            while True:
                msg = await sub.next_msg(timeout=0.5)
                ids.append(msg.headers["Nats-Msg-Id"])
        except (TimeoutError, nats.errors.TimeoutError):
            pass
        return ids
    finally:
        await nc.close()


# --- 1. bounded recovery -------------------------------------------------------------------


async def test_rows_left_behind_are_published_under_steady_fresh_traffic(svc):
    """Rows a crashed process left (not in this relay's memory) are published within the bound
    even while fresh events arrive faster than the poll interval (the catch-up used to wait for a
    quiet pass that never came)."""
    outbox = svc.ctx.db.infra.outbox
    left = []
    async with svc.ctx.db.transaction() as session:
        for i in range(300):
            event = build_event(
                NoteWritten(note_id=f"left-{i}", text=f"left-{i}"),
                source="/svc-msgtest",
                subject="x",
                township=TOWNSHIP,
            )
            left.append(event.id)
            await session.execute(
                insert(outbox).values(
                    id=event.id,
                    type="test.note.written",
                    envelope=event.model_dump_json().encode(),
                    headers={},
                    created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30),
                    attempts=0,
                )
            )
        session.info.pop("outbox", None)
    stop = asyncio.Event()

    async def traffic() -> None:
        i = 0
        while not stop.is_set():
            await _emit(svc, f"fresh-{uuid.uuid4().hex[:6]}-{i}")
            i += 1
            await asyncio.sleep(0.02)  # far more often than the 0.2 s poll

    load = asyncio.create_task(traffic())
    started = time.monotonic()
    try:
        await eventually(lambda: _no_unsent(svc, left), timeout=10, interval=0.1)
    finally:
        stop.set()
        await load
    print(f"\n300 rows left behind published in {time.monotonic() - started:.2f} s under fresh traffic")


async def _no_unsent(svc, ids=None) -> bool:
    return await _unsent(svc, ids) == 0


async def test_a_nats_outage_is_caught_up_within_10_s_oldest_first(service_runner, tmp_path):
    server = PrivateNats(tmp_path / "nats")
    server.start()
    try:
        async with service_runner(spec, migrate_on_start=False, nats_url=server.url) as running:
            await create_tables(running.ctx)
            stop = asyncio.Event()
            emitted: list[str] = []

            async def traffic() -> None:
                i = 0
                while not stop.is_set():
                    emitted.append(await _emit(running, f"n-{i}"))
                    i += 1
                    await asyncio.sleep(0.02)

            load = asyncio.create_task(traffic())
            try:
                await asyncio.sleep(1)
                server.kill()  # kill -9 under load
                await asyncio.sleep(3)
                during = list(emitted)
                assert await _unsent(running, during) > 0
                await asyncio.to_thread(server.start)
                back = time.monotonic()
                await eventually(lambda: _no_unsent(running, during), timeout=10, interval=0.1)
                recovery = time.monotonic() - back
            finally:
                stop.set()
                await load
            await eventually(lambda: _no_unsent(running), timeout=10)
            published = await _stream_ids(server.url, running.prefix)
        print(f"\nNATS kill -9: {len(during)} events before and during the outage, caught up in {recovery:.2f} s")
        assert recovery <= 10
        assert sorted(published) == sorted(set(published)), "JetStream holds each event once"
        assert set(emitted) <= set(published), "nothing lost"
        order = {event_id: i for i, event_id in enumerate(published)}
        positions = [order[e] for e in emitted]
        assert positions == sorted(positions), "published oldest first"
    finally:
        server.stop()


# --- 2. database trouble -------------------------------------------------------------------


async def test_a_database_refusing_connections_answers_503_writes_nothing_and_recovers(svc, infra):
    if infra.database != "postgres":
        pytest.skip("needs PostgreSQL")
    name = database_name(svc.ctx.settings.database_url)
    async with refuse_connections(infra.pg_admin_dsn, name):
        refused = await svc.client.post("/api/msgtest/v1/notes", params={"text": "during-outage"}, headers=caller())
        listed = await svc.client.get("/api/msgtest/v1/notes", headers=caller())
        ready = await svc.client.get("/readyz")
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "database_unavailable" and int(refused.headers["retry-after"]) > 0
    assert listed.status_code == 503
    checks = ready.json()["checks"]
    assert ready.status_code == 503 and (checks["database"], checks["nats"]) == (False, True)
    back = time.monotonic()

    async def recovered() -> bool:
        response = await svc.client.post("/api/msgtest/v1/notes", params={"text": "after-outage"}, headers=caller())
        return response.status_code == 201

    await eventually(recovered, timeout=5, interval=0.1)
    print(f"\ndatabase back: first write accepted after {time.monotonic() - back:.2f} s")
    async with svc.ctx.db.session() as session:
        texts = set((await session.scalars(select(Note.text))).all())
    assert "after-outage" in texts and "during-outage" not in texts
    assert (await svc.client.get("/readyz")).status_code == 200


# --- 3. bad characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "body", "fields"),
    [
        ({"text": "a\x00b"}, None, ["text"]),
        ({"text": "ok"}, '{"a": "x\\u0000", "b": [{"c": "\\ud800"}], "d": "fine"}', ["a", "b.0.c"]),
        ({"text": "ok"}, '{"\\udfff": 1}', ["\ufffd"]),
    ],
)
async def test_nul_and_lone_surrogates_are_refused_with_422_naming_every_field(svc, params, body, fields):
    headers = caller() | ({"content-type": "application/json"} if body else {})
    response = await svc.client.post("/api/msgtest/v1/notes", params=params, content=body, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_characters"
    assert [e["field"] for e in problem["errors"]] == fields
    async with svc.ctx.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Note).where(Note.text == "ok")) == 0


async def test_an_escaped_backslash_u_is_ordinary_text(svc):
    response = await svc.client.post(
        "/api/msgtest/v1/notes",
        params={"text": "plain-\\u0000"},
        content='{"x": "\\\\u0000"}',
        headers=caller() | {"content-type": "application/json"},
    )
    assert response.status_code == 201


async def test_an_unauthenticated_caller_gets_401_not_the_field_list(svc):
    response = await svc.client.post("/api/msgtest/v1/notes", params={"text": "a\x00"})
    assert response.status_code == 401


# --- 6. retention ----------------------------------------------------------------------------


async def test_a_row_sent_while_the_service_clock_stands_weeks_ahead_is_not_pruned_at_once(svc):
    """sent_at and the prune read one clock, the wall clock: a test that stands the service clock
    weeks ahead (or months back) does not lose the events it just sent to the next prune."""
    clock = ServiceClock(svc.ctx)
    clock.set(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    try:
        event_id = await _emit(svc, f"ahead-{uuid.uuid4().hex[:6]}")
        await eventually(lambda: _no_unsent(svc, [event_id]), timeout=10, interval=0.1)
        await svc.ctx.relay.prune()
        outbox = svc.ctx.db.infra.outbox
        async with svc.ctx.db.session() as session:
            kept = await session.scalar(select(func.count()).where(outbox.c.id == event_id))
        assert kept == 1
    finally:
        clock.reset()


async def test_inbox_and_sent_outbox_rows_are_pruned_past_their_retention_and_not_before(svc):
    # retention runs on the wall clock (see OutboxRelay.clock), whatever the service clock says
    clock = ServiceClock(svc.ctx)
    clock.set(dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC))
    now = svc.ctx.relay.clock()
    try:
        inbox, outbox = svc.ctx.db.infra.inbox, svc.ctx.db.infra.outbox
        settings = svc.ctx.settings
        assert (settings.inbox_retention_days, settings.outbox_retention_days) == (31, 7)
        inbox_age = dt.timedelta(days=31)
        outbox_age = dt.timedelta(days=7)
        second = dt.timedelta(seconds=1)
        async with svc.ctx.db.transaction() as session:
            for label, at in (("inbox-old", now - inbox_age - second), ("inbox-young", now - inbox_age + second)):
                await session.execute(insert(inbox).values(consumer="retention", event_id=label, processed_at=at))
            for label, at in (("outbox-old", now - outbox_age - second), ("outbox-young", now - outbox_age + second)):
                await session.execute(
                    insert(outbox).values(
                        id=label, type="t", envelope=b"{}", headers={}, created_at=at, sent_at=at, attempts=0
                    )
                )
            await session.execute(
                insert(outbox).values(
                    id="outbox-unsent-old",
                    type="t",
                    envelope=b"{}",
                    headers={},
                    created_at=now - dt.timedelta(days=60),
                    sent_at=None,
                    attempts=0,
                )
            )
            session.info.pop("outbox", None)
        svc.ctx.relay.backlog = False
        await svc.ctx.relay.prune()
        async with svc.ctx.db.session() as session:
            kept_inbox = set(
                (await session.scalars(select(inbox.c.event_id).where(inbox.c.consumer == "retention"))).all()
            )
            kept_outbox = set((await session.scalars(select(outbox.c.id).where(outbox.c.id.like("outbox-%")))).all())
        assert kept_inbox == {"inbox-young"}
        assert kept_outbox == {"outbox-young", "outbox-unsent-old"}  # an unsent row is never pruned
    finally:
        clock.reset()
        async with svc.ctx.db.transaction() as session:
            await session.execute(outbox.delete().where(outbox.c.id.like("outbox-%")))


def test_retention_must_outlast_the_stream_and_the_duplicate_window():
    from pydantic import ValidationError

    from jiceng_shared.settings import CommonSettings

    assert CommonSettings(events_retention_days=30, inbox_retention_days=30.01).inbox_retention_days == 30.01
    with pytest.raises(ValidationError, match="inbox_retention_days"):
        CommonSettings(events_retention_days=30, inbox_retention_days=30)
    assert CommonSettings(outbox_retention_days=601 / 86400).outbox_retention_days > 0
    with pytest.raises(ValidationError, match="duplicate"):
        CommonSettings(outbox_retention_days=600 / 86400)
    with pytest.raises(ValidationError, match="replicas"):
        CommonSettings(events_stream_replicas=0)


async def test_a_consumer_whose_configuration_changed_is_updated_on_start(svc):
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    sub = svc.ctx.consumers.by_name["notes"]
    durable = svc.ctx.consumers.durable(sub)
    js = await svc.ctx.bus.wait_ready()
    await js.delete_consumer(svc.ctx.bus.stream, durable)
    # the server holds the consumer as an older version of the code made it: a narrower filter
    await js.add_consumer(
        svc.ctx.bus.stream,
        ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=f"{svc.prefix}.test.note.other",
            ack_wait=30,
            max_deliver=-1,
            max_ack_pending=1000,
        ),
    )
    await svc.ctx.consumers.ensure_consumer(sub)
    info = await js.consumer_info(svc.ctx.bus.stream, durable)
    assert info.config.filter_subject == f"{svc.prefix}.test.note.*"
    event_id = await _emit(svc, "after-widening")

    async def applied() -> bool:
        async with svc.ctx.db.session() as session:
            return await session.scalar(select(func.count()).select_from(Note).where(Note.id == event_id)) == 1

    try:
        # the recreated consumer delivers the whole stream again first (the inbox drops the replays)
        await eventually(applied, timeout=60)
    except AssertionError:
        print(await js.consumer_info(svc.ctx.bus.stream, durable))
        raise


# --- 7. replicas ------------------------------------------------------------------------------

RUNS: dict[str, int] = {}


async def _counting_job(ctx) -> None:
    """A background job that notes which replica runs it (a supervision scan, say)."""
    while True:
        RUNS[ctx.extras["replica"]] = RUNS.get(ctx.extras["replica"], 0) + 1
        await asyncio.sleep(0.05)


def _spec_with_job():
    import dataclasses

    return dataclasses.replace(spec(), background=[_counting_job])


async def test_background_jobs_run_in_one_replica_and_move_when_it_goes(service_runner, infra):
    if infra.database != "postgres":
        pytest.skip("the advisory lock needs PostgreSQL")
    RUNS.clear()
    fast = {"migrate_on_start": False, "job_leader_retry_seconds": 0.3}
    async with service_runner(_spec_with_job, **fast) as first:
        first.ctx.extras["replica"] = "first"
        url, prefix = first.ctx.settings.database_url, first.prefix
        await eventually(lambda: _runs("first"), timeout=5)
        async with service_runner(_spec_with_job, database_url=url, events_prefix=prefix, **fast) as second:
            second.ctx.extras["replica"] = "second"
            await asyncio.sleep(1.0)
            assert RUNS.get("second", 0) == 0, "the second replica waits while the first leads"
            assert first.ctx.extras["job_leader"] and not second.ctx.extras.get("job_leader")
            # the first replica's lock connection dies (its database session is terminated)
            import asyncpg

            conn = await asyncpg.connect(infra.pg_admin_dsn)
            try:
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = $1)",
                    database_name(url),
                )
            finally:
                await conn.close()
            await asyncio.sleep(1.0)  # the lock is free: one of the two takes it (either may win)
            leaders = [r.ctx.extras.get("job_leader") for r in (first, second)]
            assert leaders.count(True) == 1, leaders
            before = dict(RUNS)
            await asyncio.sleep(0.5)
            moved = {k: RUNS.get(k, 0) - before.get(k, 0) for k in ("first", "second")}
            assert [n > 0 for n in moved.values()] == leaders, (moved, leaders)
        # the second replica stopped: the first leads (again, or from now)
        await eventually(lambda: _leads(first), timeout=5)


async def _leads(running) -> bool:
    return bool(running.ctx.extras.get("job_leader"))


async def _runs(replica: str) -> bool:
    return RUNS.get(replica, 0) > 0


# --- 5. connection budget ---------------------------------------------------------------------


async def test_behind_pgbouncer_asyncpg_keeps_no_prepared_statements_between_transactions(service_runner, infra):
    """With ``database_pgbouncer`` the engine is set up for transaction pooling (no statement cache,
    unique statement names); shown working here against PostgreSQL itself."""
    if infra.database != "postgres":
        pytest.skip("needs PostgreSQL")
    async with service_runner(spec, migrate_on_start=False, database_pgbouncer=True) as running:
        await create_tables(running.ctx)
        db = running.ctx.db
        assert db.pgbouncer and "prepared_statement_cache_size=0" in str(db.engine.url)
        for text in ("pooled-1", "pooled-2"):
            response = await running.client.post("/api/msgtest/v1/notes", params={"text": text}, headers=caller())
            assert response.status_code == 201
        assert (await running.client.get("/api/msgtest/v1/notes", headers=caller())).json() == ["pooled-1", "pooled-2"]
        async with db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert raw.driver_connection._stmt_cache_enabled is False  # asyncpg's own cache is off


def test_the_default_pools_of_one_stack_stay_under_40_connections():
    from jiceng_shared.settings import CommonSettings

    settings = CommonSettings()
    assert (settings.database_pool_size, settings.database_counter_pool_size) == (4, 1)
    # gateway and assessment draw no numbers; approval and dispatch each have one job leader
    per_process = {"gateway": 4, "approval": 4 + 1 + 1, "enforcement": 4 + 1, "grid": 4 + 1, "dispatch": 4 + 1 + 1}
    per_process["assessment"] = 4
    assert sum(per_process.values()) == 30 < 40


async def test_two_replicas_publish_a_shared_backlog_once_and_apply_each_event_once(service_runner):
    """Two replicas on one database and stream: both relays catch up the same outbox (rows locked
    with SKIP LOCKED, re-publishes dropped by JetStream's duplicate window), and the shared durable
    consumer applies each event once."""
    async with service_runner(spec, migrate_on_start=False) as first:
        await create_tables(first.ctx)
        url, prefix = first.ctx.settings.database_url, first.prefix
        async with service_runner(spec, migrate_on_start=False, database_url=url, events_prefix=prefix) as second:
            first.ctx.relay.backlog = second.ctx.relay.backlog = True  # as after a crash of both
            ids = [await _emit(first if i % 2 else second, f"twin-{i}") for i in range(200)]
            await eventually(lambda: _no_unsent(first, ids), timeout=15)

            async def applied() -> bool:
                async with first.ctx.db.session() as session:
                    count = await session.scalar(select(func.count()).select_from(Note).where(Note.id.in_(ids)))
                return count == len(ids)

            await eventually(applied, timeout=20)
            published = [i for i in await _stream_ids(first.ctx.settings.nats_url, prefix) if i in set(ids)]
    assert sorted(published) == sorted(ids), "each event once in the stream"


async def test_the_relays_idle_pass_and_its_sent_marks_run_outside_a_transaction(svc):
    """Each is one statement on PostgreSQL, in its own transaction: BEGIN and COMMIT around it were
    two more round trips, and an idle pass (nothing older than the poll interval unsent) was two
    transactions a second in every process. The gauge and the marks still come out right."""
    if svc.ctx.db.is_sqlite:
        pytest.skip("on SQLite these run in a session's transaction")
    from prometheus_client import REGISTRY

    from jiceng_shared.outbox import OutboxRelay, OutboxRow
    from jiceng_shared.testing.transactions import begins_counted

    young = build_event(NoteWritten(note_id="young", text="young"), source="/t", subject="x", township=TOWNSHIP)
    row = OutboxRow(young.id, "test.note.written", young.model_dump_json().encode(), {}, dt.datetime.now(dt.UTC))
    # a relay of its own, on an engine of its own: the service's loops do not count here
    async with begins_counted(svc.ctx.db.url, source="idletest") as (db, begun):
        relay = OutboxRelay(db, svc.ctx.bus, service="idletest", poll_seconds=1.0)
        relay.backlog = False  # not starting: nothing was left behind
        outbox = db.infra.outbox
        async with svc.ctx.db.transaction() as session:  # unsent, younger than the poll interval
            await session.execute(insert(outbox).values(**row._asdict(), attempts=0))
            session.info.pop("outbox", None)
        await relay.pass_once(now=1e9)  # the first pass also prunes (in a transaction, once in ten minutes)
        begun_before = len(begun)
        await relay.pass_once(now=1e9 + 2)  # the catch-up is due: it counts, finds nothing old enough
        assert len(begun) == begun_before
        # the young row is counted
        assert REGISTRY.get_sample_value("jiceng_outbox_pending", {"service": "idletest"}) >= 1
        assert await relay.publish_fresh([row]) == 1
        await relay.write_marks()
        assert len(begun) == begun_before
    async with svc.ctx.db.session() as session:
        assert await session.scalar(select(outbox.c.sent_at).where(outbox.c.id == row.id)) is not None
