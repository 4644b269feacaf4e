"""API shapes of the whole-process record."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement.records.rules import EntryKind
from jiceng_shared.schemas import AttachmentIn


class EntryIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "photo",
                    "content": "现场照片：商贩占用人行道摆摊",
                    "attachment": {"name": "scene.jpg", "media_type": "image/jpeg", "size": 204800, "sha256": "0" * 64},
                }
            ]
        },
    )
    kind: Literal["note", "evidence", "inquiry", "photo", "video", "document"]
    content: str = Field(min_length=1)
    attachment: AttachmentIn | None = None


class EntryOut(BaseModel):
    id: str
    case_id: str
    seq: int
    kind: EntryKind
    kind_zh: str
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


class VerificationOut(BaseModel):
    case_id: str
    valid: bool
    entries: int
    broken_at: int | None
    head_hash: str | None
    algorithm: str = "sha256(prev_hash + canonical_json(entry)), sorted keys, separators (',', ':')"
