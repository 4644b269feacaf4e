"""Enforcement officers and their certificates (执法证)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: the login name the gateway's internal token carries (Principal.username)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: the department of the office the officer works in (the township's enforcement office: cle)
    dept: Mapped[str] = mapped_column(String(20))
    certificate_number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
