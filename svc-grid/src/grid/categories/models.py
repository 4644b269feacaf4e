"""Grid's copy of the category dictionary: only what incident intake checks (no limits)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class KnownCategory(Base):
    """One category as svc-dispatch last published it (``dispatch.category.changed``)."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    major: Mapped[str] = mapped_column(String(60))
    #: a retired category is refused for new incidents; incidents already reported keep it
    retired: Mapped[bool] = mapped_column(default=False)
    #: dispatch's version of the category (0: seeded from the county file): older events are ignored
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime]
