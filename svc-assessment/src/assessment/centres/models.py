"""Supervision orders (督办单) as dispatch publishes them: a limit that passed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class SupervisionOrder(Base):
    __tablename__ = "supervision_orders"
    __table_args__ = (Index("ix_supervision_orders_township_period", "township_code", "period"),)

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str | None] = mapped_column(String(80))
    township_code: Mapped[str] = mapped_column(String(12))
    #: dispatch | response | handling
    limit: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    period: Mapped[str] = mapped_column(String(7))
    issued_at: Mapped[dt.datetime]
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
