"""The hash chain of the whole-process record (no I/O).

Each entry's ``hash`` is ``sha256(prev_hash + canonical JSON of the entry)``, the canonical JSON
having sorted keys, the separators ``,`` and ``:``, UTF-8 text (no ASCII escaping) and times as
RFC 3339 UTC with microseconds. The first entry's ``prev_hash`` is 64 zeros. Anyone holding the
entries can recompute the chain: a changed, removed or inserted entry breaks it from there on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jiceng_shared.enums import LabelledEnum

GENESIS = "0" * 64

USER_KINDS = ("note", "evidence", "inquiry", "photo", "video", "document")


class EntryKind(LabelledEnum):
    """What an entry of the whole-process record is: one a user adds (USER_KINDS) or a step of the case."""

    NOTE = "note", "工作记录"
    EVIDENCE = "evidence", "证据"
    INQUIRY = "inquiry", "询问笔录"
    PHOTO = "photo", "照片"
    VIDEO = "video", "音视频"
    DOCUMENT = "document", "文书"
    CASE_OPENED = "case_opened", "立案"
    RIGHTS_NOTICE = "rights_notice", "事先告知"
    REVIEW_SUBMITTED = "review_submitted", "送法制审核"
    LEGAL_REVIEW = "legal_review", "法制审核"
    DELIBERATION = "deliberation", "集体讨论"
    STATEMENT = "statement", "陈述申辩"
    HEARING_REQUEST = "hearing_request", "听证申请"
    HEARING_WAIVED = "hearing_waived", "放弃听证"
    HEARING_NOTICE = "hearing_notice", "听证通知"
    HEARING_RECORD = "hearing_record", "听证笔录"
    EXTENSION = "extension", "延长办案期限"
    OVERDUE = "overdue", "超期未决"
    DECISION = "decision", "处罚决定"
    SERVICE = "service", "送达"
    PAYMENT = "payment", "缴纳罚款"
    PAYMENT_ARRANGEMENT = "payment_arrangement", "延期或分期缴纳"
    COURT_APPLICATION = "court_application", "申请法院强制执行"
    DISCLOSURE = "disclosure", "执法公示"
    DISCLOSURE_WITHDRAWN = "disclosure_withdrawn", "撤回执法公示"
    CASE_CLOSED = "case_closed", "结案"


KIND_LABELS = EntryKind.labels()


class EntryLike(Protocol):
    case_id: str
    seq: int
    kind: str
    content: str
    data: dict[str, Any] | None
    attachment: dict[str, Any] | None
    actor_id: str
    actor_name: str
    actor_username: str | None
    request_id: str | None
    recorded_at: dt.datetime
    prev_hash: str
    hash: str


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def hashed_fields(entry: EntryLike) -> dict[str, Any]:
    """What the hash covers: everything of the entry except its own id and hashes."""
    return {
        "case_id": entry.case_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "content": entry.content,
        "data": entry.data,
        "attachment": entry.attachment,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "actor_username": entry.actor_username,
        "request_id": entry.request_id,
        "recorded_at": instant(entry.recorded_at),
    }


def canonical_json(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def chain_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verification:
    valid: bool
    entries: int
    #: seq of the first entry that does not hold (or the seq where one is missing); None when valid
    broken_at: int | None
    #: hash of the last entry that holds
    head_hash: str | None


def verify(entries: Iterable[EntryLike], *, expected_count: int, expected_head: str | None) -> Verification:
    """Recompute the chain in seq order; the case's own head (count and hash) catches a cut-off tail."""
    prev = GENESIS
    count = 0
    for expected_seq, entry in enumerate(entries, start=1):
        count += 1
        if entry.seq != expected_seq or entry.prev_hash != prev or chain_hash(prev, hashed_fields(entry)) != entry.hash:
            return Verification(False, count, min(entry.seq, expected_seq), prev)
        prev = entry.hash
    if count != expected_count:
        # entries removed from the end, or appended behind the case's back
        return Verification(False, count, min(count, expected_count) + 1, prev)
    if count and prev != expected_head:
        return Verification(False, count, count, prev)
    return Verification(True, count, None, prev if count else None)
