"""Base data 人房企 beyond the people themselves: households, buildings, enterprises, and the history
of every change to base data (who changed what, when)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base
from jiceng_shared.personaldata import EncryptedJSON


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("township_code", "household_no"),
        Index("ix_households_grid_status", "grid_code", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    household_no: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[str | None] = mapped_column(String(36), index=True)
    #: active | moved_away | dissolved
    status: Mapped[str] = mapped_column(String(20), default="active")
    deregistered_reason: Mapped[str | None] = mapped_column(String(20))
    deregistered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Building(Base):
    __tablename__ = "buildings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    #: residential | commercial | mixed | public | other (BuildingUse)
    use: Mapped[str] = mapped_column(String(20))
    floors: Mapped[int | None]
    houses: Mapped[int | None]
    safety_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Enterprise(Base):
    __tablename__ = "enterprises"
    __table_args__ = (UniqueConstraint("township_code", "credit_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: 统一社会信用代码 (GB 32100-2015), 18 characters
    credit_code: Mapped[str] = mapped_column(String(18))
    legal_representative: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[str | None] = mapped_column(String(36), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None]
    safety_notes: Mapped[str | None] = mapped_column(Text)
    #: active | closed
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class BaseDataChange(Base):
    """One change of a base-data record: the fields changed, with their old and new values."""

    __tablename__ = "base_data_changes"
    __table_args__ = (Index("ix_base_data_changes_record", "entity", "entity_id", "changed_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: resident | household | building | enterprise
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36))
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    #: created | updated | deregistered
    action: Mapped[str] = mapped_column(String(20))
    #: encrypted at rest (jiceng_shared.personaldata): a change carries old and new phones and registers
    changes: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_by_name: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime]
