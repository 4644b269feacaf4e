"""Use cases of the whole-process record: append an entry, read the record, verify its chain.

Appending takes the case row (locked by the caller) so the seq and the chain head move in one step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases.models import Case
from enforcement.records import rules
from enforcement.records.models import RecordEntry
from enforcement.records.schemas import EntryIn, EntryOut
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.observability import request_id_var


def append(
    session: AsyncSession,
    case: Case,
    *,
    kind: str,
    content: str,
    actor: Principal,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
    attachment: dict[str, Any] | None = None,
) -> RecordEntry:
    """Chain a new entry to the case's record (the caller holds the case row)."""
    entry = RecordEntry(
        id=new_id(),
        case_id=case.id,
        seq=case.record_seq + 1,
        kind=kind,
        content=content,
        data=data,
        attachment=attachment,
        actor_id=actor.subject,
        actor_name=actor.name,
        actor_username=actor.username,
        request_id=request_id_var.get(),
        recorded_at=at,
        prev_hash=case.record_head or rules.GENESIS,
        hash="",
    )
    entry.hash = rules.chain_hash(entry.prev_hash, rules.hashed_fields(entry))
    session.add(entry)
    case.record_seq = entry.seq
    case.record_head = entry.hash
    return entry


def check_entry(body: EntryIn, *, max_chars: int) -> None:
    if len(body.content) > max_chars:
        raise Problem(422, "content_too_long", "Invalid request", f"content: more than {max_chars} characters")


def to_out(entry: RecordEntry) -> EntryOut:
    data = {name: getattr(entry, name) for name in EntryOut.model_fields if hasattr(entry, name)}
    return EntryOut(**data, kind_zh=rules.KIND_LABELS.get(entry.kind, entry.kind))


async def entries(
    session: AsyncSession, case_id: str, *, after_seq: int = 0, limit: int | None = None
) -> list[RecordEntry]:
    stmt = (
        select(RecordEntry).where(RecordEntry.case_id == case_id, RecordEntry.seq > after_seq).order_by(RecordEntry.seq)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await session.scalars(stmt)).all())


async def verify(session: AsyncSession, case: Case) -> rules.Verification:
    return rules.verify(await entries(session, case.id), expected_count=case.record_seq, expected_head=case.record_head)
