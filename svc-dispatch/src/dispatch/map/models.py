"""Early warnings (研判预警): a category spiking in an area, raised once per category, area and day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base


class EarlyWarning(Base):
    __tablename__ = "early_warnings"
    __table_args__ = (
        UniqueConstraint("category", "area_code", "day"),
        Index("ix_early_warnings_area", "area_code", "raised_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(60))
    #: the township the reports lie in (the scope key)
    area_code: Mapped[str] = mapped_column(String(15))
    #: the local day (county time zone) counted, ISO date
    day: Mapped[str] = mapped_column(String(10))
    count: Mapped[int]
    baseline: Mapped[float]
    threshold: Mapped[float]
    raised_at: Mapped[dt.datetime]
