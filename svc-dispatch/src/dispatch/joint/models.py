"""A unit's part of a ticket other than the handling unit's: a cooperating unit of the responsibility
list (配合单位), or the squad or a department of a joint action (联合执法, 1+1+N)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from jiceng_shared.contracts.common import UnitKindValue


class TicketPart(Base):
    __tablename__ = "ticket_parts"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code", "role"),
        Index("ix_ticket_parts_scope", "area_code", "unit_dept"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: the ticket's place (the scope key, with the unit's department)
    area_code: Mapped[str] = mapped_column(String(15))
    unit_code: Mapped[str] = mapped_column(String(40))
    unit_dept: Mapped[str] = mapped_column(String(20))
    unit_kind: Mapped[UnitKindValue] = mapped_column(String(30))
    unit_name: Mapped[str] = mapped_column(String(200))
    unit_area_code: Mapped[str] = mapped_column(String(12))
    #: PartRole: cooperating | squad | department
    role: Mapped[str] = mapped_column(String(20))
    task: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(100))
