"""Catalogue items, one row per version, and the materials of each version.

A version is never edited after it is written (only ``effective_to`` is filled in when a later
version takes over): applications point at the version row that applied when they started.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from approval.db import Base


class CatalogueItem(Base):
    __tablename__ = "catalogue_items"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    #: the county department holding the power (the county's departments, jiceng_shared.county)
    department: Mapped[str] = mapped_column(String(20))
    #: townships the power is delegated to (赋权); their 行政审批局 decides, elsewhere the department does
    delegated_townships: Mapped[list[Any]]
    #: whether township service centres accept it at all; if not, the county hall is competent
    township_window: Mapped[bool]
    #: instant (即办件) or committed (承诺件)
    kind: Mapped[str] = mapped_column(String(10))
    #: promised limit in working days (committed items)
    limit_workdays: Mapped[int | None]
    #: joint or centralised handling by several departments (longer statutory ceiling)
    joint: Mapped[bool]
    cross_township: Mapped[bool]
    proxy: Mapped[bool]
    online: Mapped[bool]
    conditions: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    fee: Mapped[str] = mapped_column(String(200))
    in_service: Mapped[bool]
    effective_from: Mapped[dt.date] = mapped_column(Date, index=True)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    change_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class CatalogueMaterial(Base):
    __tablename__ = "catalogue_materials"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("catalogue_items.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    #: required | optional | shared (obtained by data sharing, never asked from the applicant)
    requirement: Mapped[str] = mapped_column(String(10))
    shared_source: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int]
