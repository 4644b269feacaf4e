"""The audit log as evidence: every entry chained to the one before by hash (SM3 or SHA-256),
tampering found by the verification route, kept 180 days and deleted only from the start of the
chain, exported by the audit administrator alone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, insert, select, text, update

from gateway import auditchain
from gateway.models import AuditEntry
from jiceng_shared.db import utcnow


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def auditor(gw):
    return bearer(await gw.token("audit_admin"))


async def _entries(gw, count: int, *, at: dt.datetime | None = None) -> list[str]:
    """``count`` entries written as the gateway writes them (at ``at``, e.g. long ago)."""
    rows = [gw.state.audit.entry(action="test", outcome="success", detail=f"n{i}") for i in range(count)]
    for row in rows:
        row["at"] = at or row["at"]
    async with gw.state.db.transaction() as session:
        await session.execute(insert(AuditEntry), rows)
    return [r["id"] for r in rows]


async def _seal(gw) -> None:
    await gw.flush_audit()
    await auditchain.seal_all(gw.state.db, gw.settings.audit_chain_algorithm)


async def _verification(gw, headers) -> dict:
    async with gw.client() as c:
        response = await c.get("/api/iam/v1/audit/verification", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _as_an_attacker_with_the_database(gw, statement) -> None:
    """Run ``statement`` around the append-only trigger, as someone holding the database would."""
    async with gw.state.db.transaction() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard"))
            await session.execute(statement)
            await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard"))
        else:
            triggers = (
                await session.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
                )
            ).all()
            for name, _ in triggers:
                await session.execute(text(f"DROP TRIGGER {name}"))
            await session.execute(statement)
            for _, sql in triggers:
                await session.execute(text(sql))


def test_sm3_is_the_gb_t_32905_hash():
    # GB/T 32905-2016, appendix A.1: SM3("abc")
    h = auditchain.hashes.Hash(auditchain.hashes.SM3())
    h.update(b"abc")
    assert h.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert auditchain.digest("sm3", "0" * 64, dict.fromkeys(auditchain.HASHED)) != auditchain.digest(
        "sha256", "0" * 64, dict.fromkeys(auditchain.HASHED)
    )


async def test_entries_are_chained_by_sm3_and_the_chain_verifies(gw, auditor):
    assert gw.settings.audit_chain_algorithm == "sm3"  # the default
    await _entries(gw, 5)
    await _seal(gw)
    result = await _verification(gw, auditor)
    assert result["ok"] and result["checked"] >= 5 and result["broken_seq"] is None
    assert result["last_seq"] == result["anchor_seq"] + result["checked"]
    async with gw.client() as c:
        page = (await c.get("/api/iam/v1/audit", params={"action": "test"}, headers=auditor)).json()
    entry = page["items"][0]
    assert entry["hash_alg"] == "sm3" and len(entry["hash"]) == 64 and entry["seq"] >= 1


async def test_a_batch_sealed_at_once_is_chained_in_order_and_verifies(gw, auditor):
    """A sealing of many entries (one UPDATE for the batch on PostgreSQL) gives each the next
    sequence number and its predecessor's hash, in the order written, with data subjects and all."""
    await _seal(gw)
    # one with the column added later set
    rows = [
        gw.state.audit.entry(
            action="test", outcome="success", detail=f"b{i}", data_subjects="abc def" if i == 7 else None
        )
        for i in range(40)
    ]
    async with gw.state.db.transaction() as session:
        await session.execute(insert(AuditEntry), rows)
    ids = [r["id"] for r in rows]
    # (the gateway's own sealing, every second, may take them first: one batch all the same)
    await auditchain.seal_all(gw.state.db, gw.settings.audit_chain_algorithm)
    async with gw.state.db.session() as session:
        rows = {e.id: e for e in (await session.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids)))).all()}
    assert all(e.seq is not None for e in rows.values())
    chain = sorted(rows.values(), key=lambda e: e.seq or 0)
    assert [e.id for e in chain] == sorted(ids, key=lambda i: (rows[i].at, i))
    for before, entry in zip(chain, chain[1:], strict=False):
        assert entry.seq == before.seq + 1 and entry.prev_hash == before.hash
    for entry in chain:
        assert entry.hash == auditchain.digest(entry.hash_alg, entry.prev_hash, entry)
    result = await _verification(gw, auditor)
    assert result["ok"] and result["last_seq"] >= chain[-1].seq


async def test_a_batch_of_entries_is_written_whole_and_as_given(gw, auditor):
    """The entries queued meanwhile go in as one INSERT (one array per column on PostgreSQL):
    each with every field as given, Chinese text and empty fields included, and they chain."""
    detail = "市民反映：" + "长" * 300
    for i in range(7):
        gw.state.audit.write_later(
            action="test_batch", outcome="success", status=200 + i, detail=f"{i} {detail}", subject=None
        )
    await gw.flush_audit()
    async with gw.state.db.session() as session:
        rows = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "test_batch"))).all()
    assert sorted(e.status for e in rows) == list(range(200, 207))
    assert {e.detail for e in rows} == {f"{i} {detail}" for i in range(7)}
    assert all(e.subject is None and e.at.tzinfo is not None and e.outcome == "success" for e in rows)
    await _seal(gw)
    assert (await _verification(gw, auditor))["ok"]


class _SealingMeanwhile:
    """A session that lets another writer seal entries right after the chain's head was read: the
    moment a verification, polled while the gateway runs, is most likely to be torn."""

    def __init__(self, session, gw) -> None:
        self._session, self._gw, self.sealed = session, gw, 0

    def __getattr__(self, name):
        return getattr(self._session, name)

    async def get(self, *args, **kwargs):
        head = await self._session.get(*args, **kwargs)
        if not self.sealed:
            await _entries(self._gw, 3)
            self.sealed = await auditchain.seal_all(self._gw.state.db, self._gw.settings.audit_chain_algorithm)
        return head


@pytest.mark.parametrize("reads", ["snapshot", "session"])
async def test_entries_sealed_while_the_chain_is_verified_do_not_break_it(gw, reads):
    if gw.state.db.is_sqlite:
        pytest.skip("SQLite's reader holds the one write lock: nothing can be sealed meanwhile")
    await _entries(gw, 2)
    await _seal(gw)
    async with getattr(gw.state.db, reads)() as session:
        meanwhile = _SealingMeanwhile(session, gw)
        result = await auditchain.verify(meanwhile)  # type: ignore[arg-type]
    assert meanwhile.sealed == 3
    if reads == "snapshot":
        # the chain as it was when the verification began: the three sealed meanwhile are not in it
        assert result.ok, result
        assert result.last_seq == result.anchor_seq + result.checked
    else:
        # statements that each see their own moment (autocommit) tear the chain: why verify() needs a snapshot
        assert not result.ok and "missing" in (result.reason or "")
    async with gw.state.db.snapshot() as session:
        assert (await auditchain.verify(session)).ok  # and the next verification covers them


async def test_changing_an_entry_is_found_and_named(gw, auditor):
    ids = await _entries(gw, 3)
    await _seal(gw)
    assert (await _verification(gw, auditor))["ok"]
    await _as_an_attacker_with_the_database(
        gw, update(AuditEntry).where(AuditEntry.id == ids[1]).values(subject="someone_else")
    )
    result = await _verification(gw, auditor)
    assert not result["ok"] and result["broken_id"] == ids[1]
    assert result["reason"] == "entry changed after it was sealed"
    # put back as it was: the chain verifies again (nothing else depended on the change)
    await _as_an_attacker_with_the_database(gw, update(AuditEntry).where(AuditEntry.id == ids[1]).values(subject=None))
    assert (await _verification(gw, auditor))["ok"]


async def test_removing_an_entry_or_rehashing_it_is_found(gw, auditor):
    ids = await _entries(gw, 3)
    await _seal(gw)
    async with gw.state.db.session() as session:
        removed = await session.get(AuditEntry, ids[1])
        seq = removed.seq
    await _as_an_attacker_with_the_database(gw, delete(AuditEntry).where(AuditEntry.id == ids[1]))
    result = await _verification(gw, auditor)
    assert not result["ok"] and result["broken_seq"] == seq and "missing" in result["reason"]


async def test_a_forger_who_recomputes_the_entry_hash_breaks_the_next_link(gw_sha256):
    gw = gw_sha256
    auditor = bearer(await gw.token("audit_admin"))
    ids = await _entries(gw, 3)
    await _seal(gw)
    async with gw.state.db.session() as session:
        entry = await session.get(AuditEntry, ids[0])
        forged = {c: getattr(entry, c) for c in auditchain.HASHED} | {"detail": "forged"}
    new_hash = auditchain.digest("sha256", entry.prev_hash, forged)
    await _as_an_attacker_with_the_database(
        gw, update(AuditEntry).where(AuditEntry.id == ids[0]).values(detail="forged", hash=new_hash)
    )
    result = await _verification(gw, auditor)
    assert not result["ok"] and result["broken_id"] == ids[1]
    assert result["reason"] == "previous hash does not match the entry before"


async def test_the_database_refuses_to_change_a_sealed_entry_or_delete_a_young_one(gw):
    [entry_id] = await _entries(gw, 1)
    await _seal(gw)
    for statement in (
        update(AuditEntry).where(AuditEntry.id == entry_id).values(detail="changed"),
        update(AuditEntry).where(AuditEntry.id == entry_id).values(seq=10**12),
        delete(AuditEntry).where(AuditEntry.id == entry_id),
    ):
        with pytest.raises(Exception, match="append-only"):
            async with gw.state.db.transaction() as session:
                await session.execute(statement)


async def test_an_unsealed_entry_can_be_sealed_but_not_changed(gw):
    [entry_id] = await _entries(gw, 1)
    with pytest.raises(Exception, match="append-only"):
        async with gw.state.db.transaction() as session:
            await session.execute(
                update(AuditEntry).where(AuditEntry.id == entry_id).values(seq=10**12, detail="changed")
            )


async def test_retention_deletes_entries_older_than_180_days_and_keeps_the_rest_verifiable(gw, auditor):
    assert gw.settings.audit_retention_days == 180
    await _seal(gw)
    # a day 180 days after `base`: everything written so far is older, and so is `expired`
    base = utcnow() + dt.timedelta(hours=1)
    now = base + dt.timedelta(days=180)
    [expired] = await _entries(gw, 1, at=base - dt.timedelta(microseconds=1))
    [exactly] = await _entries(gw, 1, at=base)  # exactly 180 days old: kept
    [young] = await _entries(gw, 1, at=base + dt.timedelta(microseconds=1))
    await _seal(gw)
    assert await auditchain.prune(gw.state.db, now, 180) >= 1
    async with gw.state.db.session() as session:
        assert await session.get(AuditEntry, expired) is None
        assert await session.get(AuditEntry, exactly) is not None
        assert await session.get(AuditEntry, young) is not None
        kept = await session.get(AuditEntry, exactly)
    result = await _verification(gw, auditor)
    assert result["ok"] and result["anchor_seq"] == kept.seq - 1
    # nothing older is left: pruning again deletes nothing
    assert await auditchain.prune(gw.state.db, now, 180) == 0


def test_the_retention_cannot_be_set_below_180_days():
    from pydantic import ValidationError

    from gateway.config import GatewaySettings

    with pytest.raises(ValidationError):
        GatewaySettings(audit_retention_days=179)
    assert GatewaySettings(audit_retention_days=180).audit_retention_days == 180


async def test_the_audit_administrator_alone_exports_the_log_with_its_hashes(gw, auditor):
    ids = await _entries(gw, 2)
    await _seal(gw)
    async with gw.client() as c:
        refused = await c.get("/api/iam/v1/audit/export", headers=bearer(await gw.token("auditor")))
        assert refused.status_code == 403
        response = await c.get("/api/iam/v1/audit/export", headers=auditor)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["cache-control"] == "no-store"
    lines = [json.loads(line) for line in response.text.splitlines()]
    head, entries = lines[0]["chain"], lines[1:]
    exported = {e["id"]: e for e in entries}
    assert set(ids) <= set(exported)
    # the file checks on its own: each hash follows from the line before it
    previous = head["anchor_hash"]
    for entry in entries:
        assert entry["prev_hash"] == previous
        assert auditchain.digest(entry["hash_alg"], entry["prev_hash"], _parsed(entry)) == entry["hash"]
        previous = entry["hash"]
    await _seal(gw)
    async with gw.client() as c:
        page = (await c.get("/api/iam/v1/audit", params={"action": "iam.audit.exported"}, headers=auditor)).json()
    assert page["items"] and page["items"][0]["subject"] == "audit_admin"


def _parsed(entry: dict) -> dict:
    return entry | {"at": dt.datetime.fromisoformat(entry["at"])}


@pytest.fixture(scope="module")
async def gw_sha256(make_gateway):
    async with make_gateway(audit_chain_algorithm="sha256") as running:
        yield running
