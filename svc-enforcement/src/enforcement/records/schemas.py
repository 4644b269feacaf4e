"""API shapes of the whole-process record."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(pattern=r"^[a-z]+/[a-zA-Z0-9.+-]+$", max_length=100)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class EntryIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "photo",
                    "content": "现场照片：商贩占用人行道摆摊",
                    "attachment": {"name": "scene.jpg", "media_type": "image/jpeg", "size": 204800,
                                   "sha256": "0" * 64},
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
    kind: str
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
