"""The roster of each grid (网格长, 专职网格员, 网格辅助员), A/B posts and recorded absences."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class RosterEntry(Base):
    """A person on a post of a grid from ``since`` (until ``until``, when they left)."""

    __tablename__ = "grid_roster"
    __table_args__ = (Index("ix_grid_roster_worker_active", "worker_id", "until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    #: the village or community the grid belongs to
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: the identity (IAM subject) of the person
    worker_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50))
    #: chief | full_time | auxiliary (RosterPost)
    post: Mapped[str] = mapped_column(String(20))
    #: member of the village/community "two committees" (两委)
    committee_member: Mapped[bool] = mapped_column(default=False)
    since: Mapped[dt.date]
    until: Mapped[dt.date | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class BackupPost(Base):
    """AB岗 (002 art. 22): the grid whose full-time worker covers this grid's work when its own is absent."""

    __tablename__ = "grid_backups"

    grid_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    backup_grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime]


class Absence(Base):
    """A grid's full-time worker recorded absent from ``first_day`` to ``last_day`` (local dates, inclusive)."""

    __tablename__ = "grid_absences"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime]
