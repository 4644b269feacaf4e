"""Facts of citizen tickets for the hotline's three rates and the recurring problems.

Insert-only rows keyed by what they are about, so each counts once in whatever order events come.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class HotlineResponse(Base):
    """签收: a unit signed for a ticket; ``within_limit`` against the category's response limit (响应率)."""

    __tablename__ = "hotline_responses"
    __table_args__ = (Index("ix_hotline_responses_period_township", "period", "township_code"),)

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    township_code: Mapped[str] = mapped_column(String(12))
    area_code: Mapped[str] = mapped_column(String(15))
    category: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7))
    signed_at: Mapped[dt.datetime]
    within_limit: Mapped[bool]
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class HotlineCallback(Base):
    """回访: the caller's verdict on a ticket (解决率, 满意率); the latest attempt of a ticket counts."""

    __tablename__ = "hotline_callbacks"
    __table_args__ = (Index("ix_hotline_callbacks_period_township", "period", "township_code"),)

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    attempt: Mapped[int] = mapped_column(primary_key=True)
    township_code: Mapped[str] = mapped_column(String(12))
    area_code: Mapped[str] = mapped_column(String(15))
    category: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7))
    #: satisfied | basically_satisfied | dissatisfied
    result: Mapped[str] = mapped_column(String(30))
    resolved: Mapped[bool]
    recorded_at: Mapped[dt.datetime]
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class TicketOpened(Base):
    """A ticket registered by the centre, by area and category: the recurring problems (每月一题)."""

    __tablename__ = "tickets_opened"
    __table_args__ = (Index("ix_tickets_opened_area_category_period", "area_code", "category", "period"),)

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    area_code: Mapped[str] = mapped_column(String(15))
    category: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7), index=True)
    created_at: Mapped[dt.datetime]
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
