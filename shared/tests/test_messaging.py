"""The outbox, the relay and the consumers against real NATS JetStream and a real database.

A tiny service of its own (one table, one subscription) so each guarantee is shown in isolation:
publish after commit with Nats-Msg-Id = event id, nothing published on rollback, catch-up after an
outage, at-most-once application through the inbox, bounded redelivery into the dead letters,
and replay once fixed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import time

import nats
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from jiceng_shared.bus import EventBus
from jiceng_shared.db import driver, new_id
from jiceng_shared.events import CloudEvent, build_event, nats_subject
from jiceng_shared.outbox import NewRows, OutboxRelay, emit, emit_all
from jiceng_shared.pull import NEXT_MESSAGES
from jiceng_shared.service import ServiceSpec
from jiceng_shared.testing.plugin import eventually, headers_for, principal
from jiceng_shared.testing.tiny import BROKEN, Note, NoteWritten, create_tables, spec


@pytest.fixture(scope="module")
async def svc(service_runner):
    async with service_runner(spec, migrate_on_start=False, consumer_max_deliver=3) as running:
        await create_tables(running.ctx)
        yield running


async def _stream_messages(nats_url: str, prefix: str, event_type: str) -> list:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(nats_subject(prefix, event_type), ordered_consumer=True)
        msgs = []
        try:
            while True:
                msgs.append(await sub.next_msg(timeout=0.5))
        except (TimeoutError, nats.errors.TimeoutError):
            pass
        return msgs
    finally:
        await nc.close()


async def _count(svc, text: str) -> int:
    async with svc.ctx.db.session() as session:
        return await session.scalar(select(func.count()).select_from(Note).where(Note.text == text))


async def test_an_event_is_published_after_commit_with_its_id_as_nats_msg_id(svc):
    async with svc.ctx.db.transaction() as session:
        event = await emit(
            session, NoteWritten(note_id="n1", text="after-commit"), subject="n1", township="320971100000"
        )
    msgs = await eventually(lambda: _find(svc.ctx.settings.nats_url, svc.prefix, event.id))
    assert msgs.headers["Nats-Msg-Id"] == event.id
    assert CloudEvent.model_validate_json(msgs.data).correlationid == event.id
    outbox = svc.ctx.db.infra.outbox
    async with svc.ctx.db.session() as session:
        sent_at = await session.scalar(select(outbox.c.sent_at).where(outbox.c.id == event.id))
    assert sent_at is not None


async def _find(nats_url: str, prefix: str, event_id: str):
    for msg in await _stream_messages(nats_url, prefix, "test.note.written"):
        if msg.headers and msg.headers.get("Nats-Msg-Id") == event_id:
            return msg
    return None


async def test_a_rolled_back_transaction_publishes_nothing(svc):
    with pytest.raises(RuntimeError):
        async with svc.ctx.db.transaction() as session:
            event = await emit(
                session, NoteWritten(note_id="n2", text="rolled-back"), subject="n2", township="320971100000"
            )
            raise RuntimeError("business rule failed")
    await asyncio.sleep(0.5)
    assert await _find(svc.ctx.settings.nats_url, svc.prefix, event.id) is None
    outbox = svc.ctx.db.infra.outbox
    async with svc.ctx.db.session() as session:
        assert await session.scalar(select(func.count()).where(outbox.c.id == event.id)) == 0


async def test_rows_written_together_with_an_event_commit_with_it_and_roll_back_with_it(svc):
    notes = Note.__table__
    rows = [{"id": f"tw{i}", "text": f"together {i}", "created_at": svc.ctx.now()} for i in range(3)]
    async with svc.ctx.db.transaction() as session:
        event = await emit(
            session,
            NoteWritten(note_id="tw0", text="together"),
            subject="tw0",
            township="320971100000",
            together_with=[NewRows(notes, rows[:2])],
        )
    with pytest.raises(RuntimeError):
        async with svc.ctx.db.transaction() as session:
            await emit(
                session,
                NoteWritten(note_id="tw2", text="rolled back"),
                subject="tw2",
                township="320971100000",
                together_with=[NewRows(notes, rows[2:])],
            )
            raise RuntimeError("business rule failed")
    async with svc.ctx.db.session() as session:
        # no ORDER BY: the order the rows were stored in, which rows of one instant read back in
        written = list(await session.scalars(select(notes.c.id).where(notes.c.id.like("tw%"))))
    assert written == ["tw0", "tw1"]
    assert await eventually(lambda: _find(svc.ctx.settings.nats_url, svc.prefix, event.id))


async def test_events_emitted_together_are_written_with_their_rows_and_published_in_the_order_given(svc):
    notes = Note.__table__
    async with svc.ctx.db.transaction() as session:
        events = await emit_all(
            session,
            [NoteWritten(note_id="ea", text="created"), NoteWritten(note_id="ea", text="assigned")],
            subject="ea",
            township="320971100000",
            together_with=[NewRows(notes, [{"id": "ea", "text": "emitted together", "created_at": svc.ctx.now()}])],
        )
    assert await _count(svc, "emitted together") == 1

    async def both_published() -> list[str] | None:
        msgs = await _stream_messages(svc.ctx.settings.nats_url, svc.prefix, "test.note.written")
        ids = [m.headers.get("Nats-Msg-Id") for m in msgs if m.headers]
        published = [i for i in ids if i in {e.id for e in events}]
        return published if len(published) == 2 else None

    assert await eventually(both_published) == [e.id for e in events]


async def test_rows_written_with_an_event_that_leave_a_column_out_get_its_default(svc):
    # the combined statement names every column (prebuilt, run as the driver's SQL): a row leaving
    # a column to its default has it filled in, as SQLAlchemy's own INSERT would (two such rows of
    # one table are beyond SQLAlchemy's compiler in a WITH clause)
    notes = Note.__table__
    at = svc.ctx.now()
    given = [{"id": "df1", "text": "defaulted", "created_at": at, "tone": "given"}]
    left_out = [{"id": f"df{i}", "text": "defaulted", "created_at": at} for i in (2, 3)]
    for rows in (given, left_out):
        async with svc.ctx.db.transaction() as session:
            await emit(
                session,
                NoteWritten(note_id=rows[0]["id"], text="defaulted"),
                subject=rows[0]["id"],
                township="320971100000",
                together_with=[NewRows(notes, rows)],
            )
    async with svc.ctx.db.session() as session:
        # by id: the consumer of the events writes notes of its own with the same text
        tones = dict(
            (await session.execute(select(notes.c.id, notes.c.tone).where(notes.c.id.in_(["df1", "df2", "df3"])))).all()
        )
    assert tones == {"df1": "given", "df2": "plain", "df3": "plain"}


def test_the_statement_of_rows_together_with_an_event_is_compiled_once(svc):
    """Prebuilt per shape, and of a form SQLAlchemy caches compiled (a multi-row VALUES is not)."""
    from jiceng_shared.outbox import _one_statement

    notes, outbox = Note.__table__, svc.ctx.db.infra.outbox
    event = {"id": "e", "type": "t", "envelope": b"", "headers": {}, "created_at": None, "attempts": 0}
    rows = [{"id": "a", "text": "a", "created_at": None}, {"id": "b", "text": "b", "created_at": None}]
    first, params = _one_statement(outbox, event, [NewRows(notes, rows)])
    again, _ = _one_statement(outbox, event, [NewRows(notes, rows)])
    assert first is again and first._generate_cache_key() is not None
    assert len(params) == len(event) + 2 * 4  # each row's three columns and the tone it leaves to its default


def test_new_model_objects_become_the_rows_of_their_tables_in_the_order_given():
    from jiceng_shared.outbox import new_rows_of

    at = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    first = Note(id="o1", text="one", created_at=at, tone="given")
    second = Note(id="o2", text="two", created_at=at)  # its tone left unset: the column's default
    tables = new_rows_of(first, second)
    assert [t.table for t in tables] == [Note.__table__, Note.__table__]
    assert [t.rows for t in tables] == [
        [{"id": "o1", "text": "one", "created_at": at, "tone": "given"}],
        [{"id": "o2", "text": "two", "created_at": at, "tone": "plain"}],
    ]


async def test_the_consumer_applies_the_event_exactly_once_even_when_delivered_twice(svc):
    event = build_event(NoteWritten(note_id="n3", text="twice"), source="/test", subject="n3", township="320971100000")
    js = await svc.ctx.bus.wait_ready()
    subject = nats_subject(svc.prefix, "test.note.written")
    # two different Nats-Msg-Ids defeat JetStream's duplicate window: only the inbox protects now
    await js.publish(subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id + "-a"})
    await js.publish(subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id + "-b"})
    await eventually(lambda: _count(svc, "twice"))
    await asyncio.sleep(0.5)
    assert await _count(svc, "twice") == 1
    inbox = svc.ctx.db.infra.inbox
    async with svc.ctx.db.session() as session:
        assert await session.scalar(select(func.count()).where(inbox.c.event_id == event.id)) == 1


async def test_a_failing_event_is_retried_then_dead_lettered_then_replayed_once_fixed(svc):
    BROKEN.add("poison")
    event_id = await svc.publish(NoteWritten(note_id="n4", text="poison"), subject="n4", township="320971100000")
    table = svc.ctx.db.infra.dead_letters

    async def dead_letter():
        async with svc.ctx.db.session() as session:
            return (await session.execute(select(table).where(table.c.event_id == event_id))).one_or_none()

    row = await eventually(dead_letter)
    assert row.deliveries == 3  # consumer_max_deliver
    assert "cannot handle poison" in row.error
    assert await _count(svc, "poison") == 0

    admin = headers_for(principal(("county_admin", "320971000000")))
    listed = await svc.client.get("/api/msgtest/v1/admin/dead-letters", headers=admin)
    assert listed.status_code == 403  # msgtest.dead_letter.manage is in no role: the route is closed to all

    BROKEN.discard("poison")
    assert await svc.ctx.consumers.replay(row.id) is True
    assert await _count(svc, "poison") == 1
    assert await svc.ctx.consumers.replay(row.id) is False  # the inbox remembers it


async def test_a_batch_applies_each_event_once_in_order_and_skips_those_applied_before(svc):
    sub = svc.ctx.consumers.subscriptions[0]
    handler = sub.handlers["test.note.written"]
    seen = build_event(NoteWritten(note_id="b0", text="batch-seen"), source="/t", subject="b0", township="320971100000")
    fresh = build_event(NoteWritten(note_id="b1", text="batch-new"), source="/t", subject="b1", township="320971100000")
    assert await svc.ctx.consumers.apply_batch(sub, [(seen, handler)]) == [True]
    applied = await svc.ctx.consumers.apply_batch(sub, [(seen, handler), (fresh, handler), (fresh, handler)])
    assert applied == [False, True, False]
    assert await _count(svc, "batch-seen") == 1 and await _count(svc, "batch-new") == 1


async def test_before_commit_runs_once_a_transaction_after_its_handlers_and_not_when_they_fail(svc):
    """A subscription's ``before_commit`` sees what the batch's handlers wrote and writes in their
    transaction: once for a batch, once for a lone event, and not at all for a batch that fails."""
    seen: list[int] = []

    async def before_commit(session) -> None:
        seen.append(await session.scalar(select(func.count()).select_from(Note).where(Note.text == "hooked")))
        session.add(Note(id=new_id(), text="hook-wrote", created_at=dt.datetime.now(dt.UTC)))

    sub = dataclasses.replace(svc.ctx.consumers.subscriptions[0], before_commit=before_commit)
    handler = sub.handlers["test.note.written"]

    def note(text: str):
        note_id = new_id()
        return build_event(
            NoteWritten(note_id=note_id, text=text), source="/t", subject=note_id, township="320971100000"
        )

    assert (
        await svc.ctx.consumers.apply_batch(sub, [(note("hooked"), handler), (note("hooked"), handler)]) == [True] * 2
    )
    BROKEN.add("hook-broken")
    try:
        with pytest.raises(RuntimeError):
            await svc.ctx.consumers.apply_batch(sub, [(note("hooked"), handler), (note("hook-broken"), handler)])
    finally:
        BROKEN.discard("hook-broken")
    assert await svc.ctx.consumers.apply(sub, note("hooked"), handler) is True
    assert seen == [2, 3]
    assert await _count(svc, "hook-wrote") == 2


async def test_statements_on_the_driver_commit_and_roll_back_with_the_session(svc):
    """db.driver begins the session's transaction when nothing ran through SQLAlchemy yet (its
    asyncpg adapter sends BEGIN lazily): a statement run there first, then one through the session,
    are rolled back together, and committed together."""
    db = svc.ctx.db
    if db.is_sqlite:
        pytest.skip("the driver path is PostgreSQL's")
    sql = "INSERT INTO notes (id, text, created_at, tone) VALUES ($1, $2, now(), 'plain')"
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await (await driver(session)).execute(sql, "drv-rolled-1", "driver-rolled")
            session.add(Note(id="drv-rolled-2", text="driver-rolled", created_at=dt.datetime.now(dt.UTC)))
            await session.flush()
            raise RuntimeError("rolled back")
    assert await _count(svc, "driver-rolled") == 0
    async with db.transaction() as session:
        await (await driver(session)).execute(sql, "drv-kept-1", "driver-kept")
        session.add(Note(id="drv-kept-2", text="driver-kept", created_at=dt.datetime.now(dt.UTC)))
    assert await _count(svc, "driver-kept") == 2


async def test_a_failing_event_in_a_pull_leaves_the_others_of_it_applied(svc):
    BROKEN.add("batch-poison")
    js = await svc.ctx.bus.wait_ready()
    subject = nats_subject(svc.prefix, "test.note.written")
    texts = ["batch-ok", "batch-poison", "batch-ok", "batch-ok"]
    events = [
        build_event(NoteWritten(note_id=f"p{i}", text=t), source="/t", subject=f"p{i}", township="320971100000")
        for i, t in enumerate(texts)
    ]
    # published together, so that they are likely pulled together (either way the guarantee holds)
    await asyncio.gather(
        *(js.publish(subject, e.model_dump_json().encode(), headers={"Nats-Msg-Id": e.id}) for e in events)
    )
    await eventually(lambda: _count_is(svc, "batch-ok", 3))
    table = svc.ctx.db.infra.dead_letters

    async def dead_letter():
        async with svc.ctx.db.session() as session:
            return (await session.execute(select(table).where(table.c.event_id == events[1].id))).one_or_none()

    assert (await eventually(dead_letter)).deliveries == 3
    BROKEN.discard("batch-poison")
    assert await _count(svc, "batch-ok") == 3 and await _count(svc, "batch-poison") == 0


async def _count_is(svc, text: str, n: int) -> bool:
    return await _count(svc, text) == n


async def test_a_message_that_is_not_a_cloudevent_goes_straight_to_the_dead_letters(svc):
    js = await svc.ctx.bus.wait_ready()
    await js.publish(nats_subject(svc.prefix, "test.note.written"), b"{not json", headers={"Nats-Msg-Id": "garbage-1"})
    table = svc.ctx.db.infra.dead_letters

    async def dead_letter():
        async with svc.ctx.db.session() as session:
            return (await session.execute(select(table).where(table.c.data == b"{not json"))).one_or_none()

    row = await eventually(dead_letter)
    assert row.deliveries == 1 and "not a valid CloudEvent" in row.error


async def test_rows_written_while_nats_is_down_are_published_by_the_catch_up(service_runner, infra):
    async with service_runner(spec, wait_for_nats=False, migrate_on_start=False, nats_url="nats://127.0.0.1:1") as down:
        await create_tables(down.ctx)
        async with down.ctx.db.transaction() as session:
            event = await emit(session, NoteWritten(note_id="n5", text="outage"), subject="n5", township="320971100000")
        await asyncio.sleep(0.3)
        assert not down.ctx.bus.connected
        # the process "restarts" with NATS back: a relay on the same database catches up
        bus = EventBus(
            infra.nats_url,
            prefix=down.prefix,
            stream=down.ctx.settings.stream_name,
            retention_days=1,
            client_name="catch-up",
        )
        await bus.connect()
        try:
            relay = OutboxRelay(down.ctx.db, bus, service="msgtest")
            assert await relay.drain() == 1
            msg = await eventually(lambda: _find(infra.nats_url, down.prefix, event.id))
            assert msg.headers["Nats-Msg-Id"] == event.id
        finally:
            await bus.close()


async def test_each_consumers_jetstream_backlog_is_a_prometheus_gauge(svc):
    from jiceng_shared.consumers import ConsumerGroup

    # a second group of the same subscriptions under another name: its durable consumers exist but
    # nothing pulls from them, so what is published stays in their backlog
    idle = ConsumerGroup(svc.ctx.db, svc.ctx.bus, svc.ctx.consumers.subscriptions, service="backlogtest")
    sub = idle.subscriptions[0]
    await idle.ensure_consumer(sub)
    await idle.report_backlog()

    def pending(service: str) -> float:
        return REGISTRY.get_sample_value("jiceng_consumer_pending", {"service": service, "consumer": sub.name})

    before = pending("backlogtest")
    js = await svc.ctx.bus.wait_ready()
    for i in range(3):
        event = build_event(
            NoteWritten(note_id=f"b{i}", text="backlog"), source="/test", subject=f"b{i}", township="320971100000"
        )
        await js.publish(nats_subject(svc.prefix, "test.note.written"), event.model_dump_json().encode())
    await idle.report_backlog()
    assert pending("backlogtest") == before + 3
    # the running consumers take them: their backlog comes back to 0
    await eventually(lambda: _count_at_least(svc, "backlog", 3))

    async def drained() -> bool:
        await svc.ctx.consumers.report_backlog()
        return pending(svc.ctx.consumers.service) == 0

    await eventually(drained)
    metrics = (await svc.client.get("/metrics")).text
    assert f'jiceng_consumer_pending{{consumer="{sub.name}",service="backlogtest"}}' in metrics
    await js.delete_consumer(svc.ctx.bus.stream, idle.durable(sub))


async def _count_at_least(svc, text: str, n: int) -> bool:
    return await _count(svc, text) >= n


async def test_each_processs_outbox_backlog_is_a_prometheus_gauge_beside_the_jetstream_ones(service_runner):
    # a process of its own name (its gauge is not the shared module service's) that cannot reach
    # NATS: what it writes stays in its outbox, and /metrics counts it
    def lonely() -> ServiceSpec:
        return dataclasses.replace(spec(), name="outboxgauge")

    async with service_runner(
        lonely, wait_for_nats=False, migrate_on_start=False, nats_url="nats://127.0.0.1:1", outbox_poll_seconds=0.1
    ) as down:
        await create_tables(down.ctx)
        async with down.ctx.db.transaction() as session:
            for i in range(2):
                await emit(
                    session, NoteWritten(note_id=f"g{i}", text="gauge"), subject=f"g{i}", township="320971100000"
                )

        async def scraped() -> str | None:
            text = (await down.client.get("/metrics")).text
            return text if 'jiceng_outbox_pending{service="outboxgauge"} 2.0' in text else None

        metrics = await eventually(scraped)
        assert 'jiceng_outbox_backlog{service="outboxgauge"} 1.0' in metrics
        # the JetStream backlog gauges are exported by the same process
        assert "# TYPE jiceng_consumer_pending gauge" in metrics
        assert "# TYPE jiceng_consumer_ack_pending gauge" in metrics


async def test_at_a_trickle_one_lingering_pull_request_serves_many_events(svc, infra):
    # nats-py's fetch sent two requests per event (a no-wait probe, then a waiting one); the puller
    # keeps one request open for its expiry and asks again only when it is used up or expired
    sub = svc.ctx.consumers.subscriptions[0]
    requests: list[bytes] = []
    watcher = await nats.connect(infra.nats_url)
    try:
        api = NEXT_MESSAGES.format(stream=svc.ctx.bus.stream, durable=svc.ctx.consumers.durable(sub))

        async def on_request(msg: nats.aio.msg.Msg) -> None:
            requests.append(msg.data)

        await watcher.subscribe(api, cb=on_request)
        await watcher.flush()
        started = time.monotonic()
        for i in range(6):
            await svc.publish(
                NoteWritten(note_id=f"t{i}", text=f"trickle-{i}"), subject=f"t{i}", township="320971100000"
            )
            await eventually(lambda i=i: _count(svc, f"trickle-{i}"))
            await asyncio.sleep(0.4)  # past one expiry in all: the renewal is seen
        elapsed = time.monotonic() - started
    finally:
        await watcher.close()
    # one open request, plus one per expiry that passed (2 s), plus the one in flight at the start
    assert 1 <= len(requests) <= 2 + int(elapsed / 2.0), (len(requests), elapsed)
    assert json.loads(requests[-1])["batch"] == svc.ctx.consumers.batch_size


@pytest.mark.parametrize(("gather_seconds", "batches"), [(0.6, 1), (0.0, 3)])
async def test_a_gathering_consumer_applies_a_windows_events_in_one_transaction(svc, gather_seconds, batches):
    from jiceng_shared.consumers import ConsumerGroup, Subscription

    # the three events arrive 150 ms apart: within a 0.6 s window they are one batch (one
    # transaction, its inbox rows stamped with one time), without a window three
    seen: list[str] = []

    async def remember(session, event: CloudEvent) -> None:
        seen.append(event.id)

    kind = f"test.gathered{int(gather_seconds * 10)}"
    group = ConsumerGroup(
        svc.ctx.db,
        svc.ctx.bus,
        [Subscription("gathered", kind, {"test.note.written": remember}, gather_seconds=gather_seconds)],
        service=f"gathertest{int(gather_seconds * 10)}",
    )
    await group.start()
    try:
        js = await svc.ctx.bus.wait_ready()
        events = [
            build_event(
                NoteWritten(note_id=f"g{i}", text="gathered"), source="/t", subject=f"g{i}", township="320971100000"
            )
            for i in range(3)
        ]
        for event in events:
            await js.publish(nats_subject(svc.prefix, kind), event.model_dump_json().encode())
            await asyncio.sleep(0.15)
        await eventually(lambda: _true(len(seen) == 3))
    finally:
        await group.stop()
    inbox = svc.ctx.db.infra.inbox
    async with svc.ctx.db.session() as session:
        stamps = await session.scalars(select(inbox.c.processed_at).where(inbox.c.event_id.in_([e.id for e in events])))
        assert len(set(stamps)) == batches
    assert seen == [e.id for e in events]


async def _true(value: bool) -> bool:
    return value
