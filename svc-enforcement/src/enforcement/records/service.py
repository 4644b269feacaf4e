"""Use cases of the whole-process record: append an entry, read the record, verify its chain.

Appending takes the case row (locked by the caller) so the seq and the chain head move in one step.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases.models import Case
from enforcement.records import rules
from enforcement.records.models import RecordEntry
from enforcement.records.schemas import EntryIn, EntryOut, VerificationOut
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.observability import request_id_var
from jiceng_shared.pagination import Page


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


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def after_seq(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("seq:"):
            raise ValueError(raw)
        return int(raw[4:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "invalid_cursor", "Invalid cursor", "the cursor is not one this API issued") from exc


async def page(session: AsyncSession, case_id: str, *, after_seq: int, limit: int) -> Page[EntryOut]:
    """The record oldest entry first, from after ``after_seq``; the cursor is the last sequence number."""
    rows = await entries(session, case_id, after_seq=after_seq, limit=limit + 1)
    shown = rows[:limit]
    next_cursor = _cursor(shown[-1].seq) if len(rows) > limit else None
    return Page[EntryOut](items=[to_out(e) for e in shown], next_cursor=next_cursor)


def verification_out(case: Case, result: rules.Verification) -> VerificationOut:
    return VerificationOut(
        case_id=case.id,
        valid=result.valid,
        entries=result.entries,
        broken_at=result.broken_at,
        head_hash=result.head_hash,
    )
