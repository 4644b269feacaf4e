"""Closed (frozen) months: who closed which area when, and the results frozen then."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class PeriodClosure(Base):
    """A month closed for one area: a township, or the whole county (what no township froze first)."""

    __tablename__ = "period_closures"
    __table_args__ = (UniqueConstraint("period", "area_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    #: township | county
    area_level: Mapped[str] = mapped_column(String(10))
    closed_at: Mapped[dt.datetime] = mapped_column(index=True)
    closed_by: Mapped[str] = mapped_column(String(100))
    closed_by_name: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: subjects frozen per kind, e.g. {"unit": 12, "clerk": 3, "centre": 1}
    frozen: Mapped[dict[str, Any]]


class FrozenResult(Base):
    """One subject's counts for a closed month, as they stood when it was closed."""

    __tablename__ = "frozen_results"
    __table_args__ = (UniqueConstraint("period", "subject_kind", "subject_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    closure_id: Mapped[str] = mapped_column(ForeignKey("period_closures.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    #: unit | clerk | centre
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(80))
    area_code: Mapped[str] = mapped_column(String(15))
    counts: Mapped[dict[str, Any]]
