"""Window clerks, service centres, and the facts counted for them (insert-only, one per event)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class Clerk(Base):
    """A window clerk as the approval events name them; the township is where they work."""

    __tablename__ = "clerks"

    clerk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clerk_username: Mapped[str | None] = mapped_column(String(100))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    first_seen_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]


class Centre(Base):
    """A township's service centre (为民服务中心), known from its first event."""

    __tablename__ = "centres"

    township_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    first_seen_at: Mapped[dt.datetime]


class WindowFact(Base):
    """One thing that happened at a window: an acceptance, a completion, an overdue, a one-time
    notice, a rating or a rectification, keyed by the id it is about so it counts once."""

    __tablename__ = "window_facts"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_window_facts_clerk_period", "clerk_id", "period"),
        Index("ix_window_facts_township_period", "township_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: accepted | completed | overdue | notice | rating | rectification
    kind: Mapped[str] = mapped_column(String(20))
    #: application id (accepted, completed, overdue), notice id, rating id, rectification id
    key: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[str | None] = mapped_column(String(64))
    #: for a rectification: the rating it answers (the rating's clerk and month count it)
    rating_id: Mapped[str | None] = mapped_column(String(64), index=True)
    clerk_id: Mapped[str | None] = mapped_column(String(64))
    township_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(7), index=True)
    occurred_at: Mapped[dt.datetime]
    #: completed on time, notice in time, rectified on time
    on_time: Mapped[bool | None]
    #: a rating's level 1..5
    level: Mapped[int | None]
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
