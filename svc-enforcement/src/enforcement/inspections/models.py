"""The registers of random inspections and the plans drawn from them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class InspectionTarget(Base):
    """检查对象名录库: a market entity of the township that may be drawn."""

    __tablename__ = "inspection_targets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: 统一社会信用代码 (18 characters), unique in the register
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class InspectorConflict(Base):
    """A declared conflict of interest: the inspector is never drawn for the target (回避)."""

    __tablename__ = "inspector_conflicts"
    __table_args__ = (UniqueConstraint("target_id", "inspector"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("inspection_targets.id"), index=True)
    inspector: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[dt.datetime]


class InspectionPlan(Base):
    """One draw with everything needed to reproduce it, then its results."""

    __tablename__ = "inspection_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: scope key of the plan: the township (the office's department is ``cle``)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    name: Mapped[str] = mapped_column(String(200))
    ratio_percent: Mapped[int]
    inspectors_per_target: Mapped[int]
    seed: Mapped[str] = mapped_column(String(64))
    #: the candidate lists as drawn from: target ids and inspector usernames (sorted)
    target_candidates: Mapped[list[Any]]
    inspector_candidates: Mapped[list[Any]]
    #: {target_id: [inspector, ...]} declared conflicts at the time of the draw
    conflicts: Mapped[dict[str, Any]]
    #: [{target_id, inspectors}] in the order drawn
    assignments: Mapped[list[Any]]
    #: PlanStatus: drawn | published
    status: Mapped[str] = mapped_column(String(20), index=True)
    drawn_by_name: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[dt.datetime] = mapped_column(index=True)
    #: [{target_id, target_name, outcome, finding, lead_id}] once checked
    results: Mapped[list[Any] | None]
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
