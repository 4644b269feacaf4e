"""The responsibility list: immutable versions, each in force from its effective instant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base


class ResponsibilityList(Base):
    """One published version; never edited after publication (a change is a new version)."""

    __tablename__ = "responsibility_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[dt.datetime] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class ResponsibilityEntry(Base):
    """Per category: the unit with primary responsibility and the cooperating units, as unit kinds."""

    __tablename__ = "responsibility_entries"
    __table_args__ = (UniqueConstraint("list_id", "category"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("responsibility_lists.id"), index=True)
    category: Mapped[str] = mapped_column(String(60))
    #: township_office | stationed_office | county_department
    primary_kind: Mapped[str] = mapped_column(String(30))
    primary_dept: Mapped[str] = mapped_column(String(20))
    #: [{"kind": ..., "dept": ...}]
    cooperating: Mapped[list[Any]]
