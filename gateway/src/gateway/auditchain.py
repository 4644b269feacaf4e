"""The audit log as evidence: a hash chain over its entries, its verification, retention and export.

GB/T 22239-2019 level 3 (8.1.4.3) asks that audit records be protected against deletion, change
and overwriting, and the Cybersecurity Law (art. 21) that network logs be kept at least six months.

- **Chain.** Entries are written unchained (by :mod:`gateway.audit`, whatever batching it does) and
  *sealed* a moment later, in one transaction holding the chain's head row: each gets the next
  sequence number and ``hash = H(prev_hash || canonical(entry))``, the previous entry's hash folded
  in. Changing, removing or reordering a sealed entry breaks every hash after it, which
  :func:`verify` finds. ``H`` is SHA-256 or SM3 (GB/T 32905, ``audit_chain_algorithm``); each entry
  names its own, so changing the setting continues the chain.
- **Retention.** Entries older than ``audit_retention_days`` (at least 180) are deleted from the
  start of the chain only: the last deleted entry's sequence number and hash become the chain's
  *anchor*, where verification starts. The database trigger refuses any other delete, and any
  change to an entry but its one sealing.
- **Export.** The audit administrator downloads the entries with their hashes (NDJSON); a copy kept
  elsewhere can be checked against the chain later (its last hash pins everything before it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import AuditChainHead, AuditEntry
from jiceng_shared.db import Database

log = logging.getLogger(__name__)

#: the chain's hash functions (``cryptography``: SM3 is GB/T 32905-2016)
ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sm3": hashes.SM3}
#: the previous hash of the first entry ever sealed
GENESIS = "0" * 64
#: the columns of an entry that its hash covers (everything but the hash itself)
HASHED = tuple(c.name for c in AuditEntry.__table__.columns if c.name not in ("hash",))
#: columns added after entries were sealed: covered when set, left out while empty, so the entries
#: sealed before them still verify
ADDED_LATER = frozenset({"data_subjects"})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite gives naive UTC back
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def canonical(entry: AuditEntry | dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers: its columns (with its sequence number, previous hash and
    algorithm) as sorted, compact JSON."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    fields = {name: _plain(get(name)) for name in HASHED if name not in ADDED_LATER or get(name) is not None}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(algorithm: str, prev_hash: str, entry: AuditEntry | dict[str, Any]) -> str:
    h = hashes.Hash(ALGORITHMS[algorithm]())
    h.update(prev_hash.encode("ascii"))
    h.update(b"\n")
    h.update(canonical(entry))
    return h.finalize().hex()


async def _head(session: AsyncSession, *, lock: bool) -> AuditChainHead:
    head = await session.get(AuditChainHead, 1, with_for_update=lock)
    if head is None:  # the migration writes it; a database made from the models alone starts here
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS, anchor_seq=0, anchor_hash=GENESIS)
        session.add(head)
        await session.flush()
    return head


#: the sealing of one entry: its four chain columns, set once (the trigger allows nothing else)
_SEAL = (
    update(AuditEntry.__table__)
    .where(AuditEntry.__table__.c.id == bindparam("entry_id"))
    .values(
        seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash_alg=bindparam("hash_alg"), hash=bindparam("hash")
    )
)

#: the sealing of a batch on PostgreSQL: one UPDATE joined to the batch's chain columns, passed as
#: one array per column (the trigger still checks each entry's sealing, row by row)
_SEAL_MANY = (
    f"UPDATE {AuditEntry.__tablename__} AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, "
    "hash_alg = v.hash_alg FROM (SELECT unnest($1::varchar[]) AS id, unnest($2::bigint[]) AS seq, "
    "unnest($3::varchar[]) AS prev_hash, unnest($4::varchar[]) AS hash, unnest($5::varchar[]) AS hash_alg) AS v "
    "WHERE e.id = v.id"
)


#: whether any entry waits for its sealing (the unsealed entries' partial index answers it)
_ANY_UNSEALED = select(AuditEntry.__table__.c.id).where(AuditEntry.__table__.c.seq.is_(None)).limit(1)


async def seal(db: Database, algorithm: str, *, batch: int = 1000) -> int:
    """Chain the entries written since the last sealing (oldest first); how many were sealed.
    Replicas sealing at once queue on the head row. The entries are read and updated as plain
    rows (Core): the sealing runs every second, and ORM objects cost it more than the hashing."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown audit chain algorithm {algorithm!r}")
    table = AuditEntry.__table__
    if not await db.rows_alone(_ANY_UNSEALED):
        # nothing written since the last sealing (most passes of an idle gateway): one look,
        # where the locking transaction on the head was four round trips
        return 0
    async with db.transaction() as session:
        head = await _head(session, lock=True)
        rows = (
            (
                await session.execute(
                    select(table)
                    .where(table.c.seq.is_(None))
                    .order_by(table.c.at, table.c.id)
                    .limit(batch)
                    .with_for_update()
                )
            )
            .mappings()
            .all()
        )
        sealed = []
        for row in rows:
            entry = dict(row) | {"seq": head.last_seq + 1, "prev_hash": head.last_hash, "hash_alg": algorithm}
            entry["hash"] = digest(algorithm, head.last_hash, entry)
            sealed.append({"entry_id": entry["id"]} | {k: entry[k] for k in ("seq", "prev_hash", "hash_alg", "hash")})
            head.last_seq, head.last_hash = entry["seq"], entry["hash"]
        if sealed and session.get_bind().dialect.name == "postgresql":
            # the whole batch in one statement: an executemany is one UPDATE per entry, each a
            # statement PostgreSQL parses, plans and runs (two an incident on loop 1)
            columns = ("entry_id", "seq", "prev_hash", "hash", "hash_alg")
            await (await session.connection()).exec_driver_sql(
                _SEAL_MANY, tuple([row[c] for row in sealed] for c in columns)
            )
        elif sealed:
            await session.execute(_SEAL, sealed)
    return len(rows)


async def seal_all(db: Database, algorithm: str, *, batch: int = 1000) -> int:
    total = 0
    while True:
        sealed = await seal(db, algorithm, batch=batch)
        total += sealed
        if sealed < batch:  # a partial batch took all there was: no empty round to find that out
            return total


@dataclass(frozen=True)
class Verification:
    ok: bool
    #: entries checked (from the anchor to the head)
    checked: int
    anchor_seq: int
    last_seq: int
    last_hash: str
    #: entries written but not sealed yet (sealed within seconds)
    unsealed: int
    broken_seq: int | None = None
    broken_id: str | None = None
    reason: str | None = None


async def verify(session: AsyncSession, *, page: int = 2000) -> Verification:
    """Recompute the chain from its anchor to its head. The first entry whose hash, previous hash or
    sequence number is not what the entries before it imply is reported (``broken_seq``).

    ``session`` must read one moment (:meth:`Database.snapshot`): the sealing commits every second,
    and entries sealed after the head was read would look like entries the head does not know."""
    head = await _head(session, lock=False)
    anchor_seq, expected_prev, expected_seq = head.anchor_seq, head.anchor_hash, head.anchor_seq + 1
    checked = 0
    unsealed = await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None)))

    def broken(entry_seq: int | None, entry_id: str | None, reason: str) -> Verification:
        return Verification(
            False, checked, anchor_seq, head.last_seq, head.last_hash, unsealed or 0, entry_seq, entry_id, reason
        )

    before = await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq <= anchor_seq))
    if before:
        return broken(anchor_seq, None, "entries before the anchor remain")
    after = anchor_seq
    while True:
        rows = (
            await session.scalars(select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(page))
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return broken(expected_seq, None, f"entry {expected_seq} is missing")
            if entry.prev_hash != expected_prev:
                return broken(entry.seq, entry.id, "previous hash does not match the entry before")
            if entry.hash_alg not in ALGORITHMS or digest(entry.hash_alg, entry.prev_hash, entry) != entry.hash:
                return broken(entry.seq, entry.id, "entry changed after it was sealed")
            expected_prev, expected_seq = entry.hash, entry.seq + 1
            checked += 1
        after = _sealed(rows[-1])[0]
    if expected_seq - 1 != head.last_seq or expected_prev != head.last_hash:
        return broken(expected_seq, None, "entries at the end of the chain are missing")
    return Verification(True, checked, anchor_seq, head.last_seq, head.last_hash, unsealed or 0)


def retention_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Entries strictly older than this may go; an entry exactly ``retention_days`` old stays."""
    return now - dt.timedelta(days=retention_days)


async def prune(db: Database, now: dt.datetime, retention_days: int) -> int:
    """Delete the sealed entries older than the retention, from the start of the chain up to the
    first younger one; the last deleted becomes the anchor. How many were deleted."""
    cutoff = retention_cutoff(now, retention_days)
    async with db.transaction() as session:
        head = await _head(session, lock=True)
        first_young = await session.scalar(
            select(func.min(AuditEntry.seq)).where(AuditEntry.seq.is_not(None), AuditEntry.at >= cutoff)
        )
        query = select(AuditEntry).where(AuditEntry.seq.is_not(None), AuditEntry.at < cutoff)
        if first_young is not None:
            query = query.where(AuditEntry.seq < first_young)
        last = await session.scalar(query.order_by(AuditEntry.seq.desc()).limit(1))
        if last is None:
            return 0
        head.anchor_seq, head.anchor_hash = _sealed(last)
        await session.flush()  # the trigger lets entries up to the anchor go, and no others
        result = await session.execute(delete(AuditEntry).where(AuditEntry.seq <= last.seq))
    deleted = result.rowcount or 0  # type: ignore[attr-defined]
    log.info("audit entries past retention deleted", extra={"deleted": deleted, "anchor_seq": last.seq})
    return deleted


def _sealed(entry: AuditEntry) -> tuple[int, str]:
    """A sealed entry's place in the chain and its hash (the reads here select sealed entries only)."""
    assert entry.seq is not None and entry.hash is not None
    return entry.seq, entry.hash


EXPORTED = tuple(c.name for c in AuditEntry.__table__.columns)


async def export_lines(
    db: Database, *, since: dt.datetime | None, until: dt.datetime | None, page: int = 1000
) -> AsyncIterator[bytes]:
    """The sealed entries in chain order as NDJSON, each with its hash and previous hash; the first
    line names the chain (algorithm of the head, anchor) so the file can be checked on its own."""
    async with db.session() as session:
        head = await _head(session, lock=False)
        meta = {"chain": {"anchor_seq": head.anchor_seq, "anchor_hash": head.anchor_hash, "last_seq": head.last_seq}}
    yield json.dumps(meta, ensure_ascii=False).encode() + b"\n"
    after = 0
    while True:
        async with db.session() as session:
            query = select(AuditEntry).where(AuditEntry.seq > after)
            if since is not None:
                query = query.where(AuditEntry.at >= since)
            if until is not None:
                query = query.where(AuditEntry.at < until)
            rows = (await session.scalars(query.order_by(AuditEntry.seq).limit(page))).all()
        if not rows:
            return
        for entry in rows:
            yield json.dumps({c: _plain(getattr(entry, c)) for c in EXPORTED}, ensure_ascii=False).encode() + b"\n"
        after = _sealed(rows[-1])[0]
