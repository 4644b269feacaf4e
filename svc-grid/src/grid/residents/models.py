"""Residents of the grid (base data 人房企: the people part), with their household and special groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class Resident(Base):
    __tablename__ = "residents"
    # one record per person and township (a person who moves is registered again where they live)
    __table_args__ = (UniqueConstraint("township_code", "id_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(50))
    #: resident identity card number (GB 11643), 18 characters
    id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    #: household register number (户号); members of one household share it
    household_no: Mapped[str] = mapped_column(String(30), index=True)
    household_head: Mapped[bool] = mapped_column(default=False)
    #: codes of the special-group registers the person is on (002 art. 11)
    special_groups: Mapped[list[Any]]
    registered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
