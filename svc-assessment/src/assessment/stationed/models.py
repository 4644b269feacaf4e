"""The two parts of a stationed office's (派驻机构) or squad's assessment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class DualPart(Base):
    """One part of a stationed unit's result for a period: the township's or the county department's."""

    __tablename__ = "stationed_parts"

    unit_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: 2026-11, 2026-Q4 or 2026
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    #: township | county
    part: Mapped[str] = mapped_column(String(10), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    dept: Mapped[str] = mapped_column(String(40))
    score: Mapped[float]
    note: Mapped[str] = mapped_column(Text)
    rated_by: Mapped[str] = mapped_column(String(100))
    rated_at: Mapped[dt.datetime]
