"""The two parts of a stationed office's (派驻机构) or squad's assessment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class DualPart(Base):
    """One part of a stationed unit's result for a period: the township's or the county department's."""

    __tablename__ = "stationed_parts"

    #: the unit's code, or the squad's id (``subject_kind``)
    unit_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: 2026-11, 2026-Q4 or 2026
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    #: township | county
    part: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: unit | squad
    subject_kind: Mapped[str] = mapped_column(String(10), default="unit", server_default="unit")
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    dept: Mapped[str] = mapped_column(String(40))
    score: Mapped[float]
    note: Mapped[str] = mapped_column(Text)
    rated_by: Mapped[str] = mapped_column(String(100))
    rated_at: Mapped[dt.datetime]


class Squad(Base):
    """An enforcement squad of a township as enforcement registered it (enforcement.squad.registered):
    the township's own squad, or a county department's stationed squad under dual leadership."""

    __tablename__ = "stationed_squads"

    squad_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: township | stationed
    kind: Mapped[str] = mapped_column(String(20))
    county_dept: Mapped[str | None] = mapped_column(String(40))
    #: the scope key: the county department of a stationed squad, else the township's enforcement office
    dept: Mapped[str] = mapped_column(String(40))
    township_weight_percent: Mapped[int]
    county_weight_percent: Mapped[int]
    registered_at: Mapped[dt.datetime]
