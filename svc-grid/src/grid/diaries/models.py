"""Work diaries (工作日志, 002 art. 20): one per worker and working day, signed by the community director."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class Diary(Base):
    __tablename__ = "work_diaries"
    __table_args__ = (UniqueConstraint("worker_id", "day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    worker_name: Mapped[str] = mapped_column(String(100))
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    #: what the day's records say: visits, patrols and incidents of the worker that day
    summary: Mapped[dict[str, Any]]
    content: Mapped[str] = mapped_column(Text)
    #: draft | signed (DiaryStatus)
    status: Mapped[str] = mapped_column(String(20))
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_by_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
