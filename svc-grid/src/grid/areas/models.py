"""The area tree county → township → village/community → grid, with unified codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class Area(Base):
    __tablename__ = "areas"

    #: 12-digit division code, or 15-digit grid code (village/community code + 3 digits)
    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: county | township | village | community | grid
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(15), index=True)
    township_code: Mapped[str | None] = mapped_column(String(12), index=True)
    #: grids only: basic (基础网格) or dedicated (专属网格)
    grid_type: Mapped[str | None] = mapped_column(String(20))
    polygon: Mapped[dict[str, Any] | None]
    households: Mapped[int | None]
    people: Mapped[int | None]
    #: grids in dense areas have the higher size limit
    dense: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
