"""Summons (吹哨): one row per summoned unit and ticket, with its answer (报到) or the miss."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from jiceng_shared.contracts.common import UnitKindValue


class Summons(Base):
    __tablename__ = "summons"
    __table_args__ = (
        Index("ix_summons_scope", "area_code", "unit_dept"),
        Index("ix_summons_due", "respond_by", "answered_at", "missed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_number: Mapped[str] = mapped_column(String(40))
    township_code: Mapped[str] = mapped_column(String(12))
    #: the ticket's place (the scope key, with the summoned unit's department)
    area_code: Mapped[str] = mapped_column(String(15))
    unit_code: Mapped[str] = mapped_column(String(40))
    unit_dept: Mapped[str] = mapped_column(String(20))
    unit_kind: Mapped[UnitKindValue] = mapped_column(String(30))
    unit_name: Mapped[str] = mapped_column(String(200))
    unit_area_code: Mapped[str] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[dt.datetime]
    issued_at: Mapped[dt.datetime]
    issued_by: Mapped[str] = mapped_column(String(100))
    #: 报到: whether the unit came to the matter, and what it will do
    answered_at: Mapped[dt.datetime | None]
    arrived: Mapped[bool | None]
    action: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    on_time: Mapped[bool | None]
    #: when the supervision job found the limit passed without an answer (then escalated)
    missed_at: Mapped[dt.datetime | None]
