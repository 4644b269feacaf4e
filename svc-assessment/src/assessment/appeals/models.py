"""An appeal (申诉) of a figure, on the record with its decision."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class Appeal(Base):
    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: unit | clerk | grid_worker
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(80), index=True)
    #: scope keys of the subject: the unit's area and department, the clerk's township, the worker's grid
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    dept: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))
    figure: Mapped[str] = mapped_column(String(60))
    reasons: Mapped[str] = mapped_column(Text)
    #: township | county: who decides
    assessing_level: Mapped[str] = mapped_column(String(10))
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[dt.datetime] = mapped_column(index=True)
    window_ends_at: Mapped[dt.datetime]
    #: filed | upheld | rejected
    status: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
