"""Supervision orders (督办单): one per ticket, limit, limit instant and level (the job's key)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base


class SupervisionOrder(Base):
    __tablename__ = "supervision_orders"
    __table_args__ = (Index("ix_supervision_orders_area", "area_code", "issued_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: the key of the job: ticket, limit, limit instant (a dispatch after a return has a new one),
    #: level and unit — each is reached once, however many passes or replicas run
    key: Mapped[str] = mapped_column(String(200), unique=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_number: Mapped[str] = mapped_column(String(40))
    township_code: Mapped[str] = mapped_column(String(12))
    area_code: Mapped[str] = mapped_column(String(15))
    #: the unit supervised (None for the dispatch limit: the centre holds the ticket)
    unit_code: Mapped[str | None] = mapped_column(String(40))
    unit_dept: Mapped[str | None] = mapped_column(String(20))
    unit_area_code: Mapped[str | None] = mapped_column(String(12))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    #: SupervisedLimit
    limit: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[dt.datetime]
    level: Mapped[int]
    #: Addressee
    addressee: Mapped[str] = mapped_column(String(30))
    addressee_name: Mapped[str] = mapped_column(String(200))
    demand: Mapped[str] = mapped_column(Text)
    answer_by: Mapped[dt.datetime]
    issued_at: Mapped[dt.datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(100))
