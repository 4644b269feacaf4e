"""Entries of the whole-process record; the table is append-only (a database trigger refuses changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class RecordEntry(Base):
    __tablename__ = "case_records"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    #: 1, 2, 3 ... per case, without gaps
    seq: Mapped[int]
    #: note | evidence | inquiry | photo | video | document, or an act: case_opened, rights_notice, ...
    kind: Mapped[str] = mapped_column(String(30))
    content: Mapped[str] = mapped_column(Text)
    #: structured facts of an act (the decision's penalty, the officers...), JSON without floats
    data: Mapped[dict[str, Any] | None]
    #: metadata of a file kept elsewhere: name, media_type, size, sha256
    attachment: Mapped[dict[str, Any] | None]
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_username: Mapped[str | None] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
