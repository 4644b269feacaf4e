"""Squads and joint operations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base
from jiceng_shared.contracts.enforcement import SquadKindValue


class Squad(Base):
    __tablename__ = "squads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: SquadKind: township | stationed
    kind: Mapped[SquadKindValue] = mapped_column(String(20))
    #: the county department a stationed squad comes from (its second leadership)
    county_dept: Mapped[str | None] = mapped_column(String(20))
    #: usernames of the certified officers in it; the leader is one of them
    members: Mapped[list[Any]]
    leader: Mapped[str] = mapped_column(String(100))
    township_weight_percent: Mapped[int]
    county_weight_percent: Mapped[int]
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class JointOperation(Base):
    """联合执法 1+1+N: one ticket, one squad, N departments, each part on record."""

    __tablename__ = "joint_operations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    ticket_id: Mapped[str] = mapped_column(String(36), index=True)
    squad_id: Mapped[str] = mapped_column(ForeignKey("squads.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    #: [{dept, dept_name, task, outcome, recorded_by_name, recorded_at}]
    departments: Mapped[list[Any]]
    #: OperationStatus
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    completed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
