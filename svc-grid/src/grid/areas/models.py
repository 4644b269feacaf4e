"""The area tree county → township → village/community → grid, with unified codes, and every
version of each area with the dates it was in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class Area(Base):
    """The latest version of an area (also a retired one: its code is never given again)."""

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
    #: active | retired
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    #: the number of the latest version (1 for areas loaded from the county's files)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: since when the latest version is in force
    effective_from: Mapped[dt.datetime | None]


class AreaVersion(Base):
    """One version of an area, in force from ``effective_from`` until ``effective_to`` (open: now)."""

    __tablename__ = "area_versions"
    __table_args__ = (Index("ix_area_versions_code_version", "code", "version", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(15))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(15), index=True)
    township_code: Mapped[str | None] = mapped_column(String(12))
    grid_type: Mapped[str | None] = mapped_column(String(20))
    polygon: Mapped[dict[str, Any] | None]
    households: Mapped[int | None]
    people: Mapped[int | None]
    dense: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[dt.datetime]
    effective_to: Mapped[dt.datetime | None]
    #: created | redrawn | recounted | split | merged | retired | imported
    change: Mapped[str] = mapped_column(String(20))
    predecessors: Mapped[list[Any]]
    successors: Mapped[list[Any]]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime]
