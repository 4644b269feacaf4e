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
    """One item (事项) of a domain (领域): the unit with primary responsibility (主体责任) and the
    cooperating units, as unit kinds; the township's cooperating duties (配合责任) and the basis (依据).
    Tickets of ``category`` (at most one item per version names it) are routed by the item."""

    __tablename__ = "responsibility_entries"
    __table_args__ = (UniqueConstraint("list_id", "category"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("responsibility_lists.id"), index=True)
    #: order of the item in the published list (the spreadsheet's row order)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    domain_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    domain_zh: Mapped[str] = mapped_column(String(100), default="", server_default="")
    item_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    item_zh: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: the event category routed by this item (None: a duty no event report starts)
    category: Mapped[str | None] = mapped_column(String(60))
    #: township_office | stationed_office | county_department
    primary_kind: Mapped[str] = mapped_column(String(30))
    primary_dept: Mapped[str] = mapped_column(String(20))
    #: [{"kind": ..., "dept": ...}]
    cooperating: Mapped[list[Any]]
    #: 配合责任: what the township does for the item
    township_duties: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: 依据: laws, regulations and documents the assignment rests on
    basis: Mapped[str] = mapped_column(Text, default="", server_default="")
