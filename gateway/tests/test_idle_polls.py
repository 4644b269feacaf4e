"""What an idle gateway does every second: look for audit entries to seal and for webhook deliveries
due. Each look that finds nothing is one statement outside a transaction on PostgreSQL (a locking
transaction on the chain's head was four round trips a second, the deliveries' query three)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from gateway import auditchain
from gateway.models import AuditEntry
from gateway.webhooks.worker import WebhookWorker
from jiceng_shared.testing.transactions import begins_counted


@pytest.fixture
async def watched(gw):
    """A database handle of its own on the gateway's database, and the transactions begun on it
    (the gateway's own loops run on another engine and do not count)."""
    if gw.state.db.is_sqlite:
        pytest.skip("on SQLite these run in a session's transaction")
    async with begins_counted(gw.state.db.url, source="idlepolls") as watching:
        yield watching


async def test_a_sealing_with_nothing_to_seal_begins_no_transaction_and_one_with_entries_seals_them(gw, watched):
    db, begun = watched
    await auditchain.seal_all(db, gw.settings.audit_chain_algorithm)  # what was waiting
    begun.clear()
    assert await auditchain.seal(db, gw.settings.audit_chain_algorithm) == 0
    assert begun == []
    row = gw.state.audit.entry(action="test", outcome="success", detail="idle-poll")
    async with gw.state.db.transaction() as session:
        await session.execute(insert(AuditEntry), [row])
    # the gateway's own sealing, every second, may take it first: sealed either way
    await auditchain.seal_all(db, gw.settings.audit_chain_algorithm)
    async with gw.state.db.session() as session:
        assert await session.scalar(select(AuditEntry.seq).where(AuditEntry.id == row["id"])) is not None


async def test_a_webhook_pass_with_nothing_due_begins_no_transaction(gw, watched):
    db, begun = watched
    worker = WebhookWorker(db, gw.state.webhooks.consumers.bus, gw.settings)
    assert await worker.run_once() == 0
    assert begun == []
