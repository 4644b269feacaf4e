"""Categories as data: the shared classification plus this county's limits per category."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from dispatch.tickets.rules import LimitUnit


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    major: Mapped[str] = mapped_column(String(60))
    #: urgent matters are dispatched within the urgent dispatch limit (10 minutes by default)
    urgent: Mapped[bool] = mapped_column(default=False)
    dispatch_limit_minutes: Mapped[int]
    #: 签收: the handling unit signs for a dispatched ticket within this many minutes (None: the
    #: service's default for urgent or normal matters, DISPATCH_URGENT/NORMAL_RESPONSE_MINUTES)
    response_limit_minutes: Mapped[int | None]
    handle_limit_value: Mapped[int]
    #: minutes | hours | working_days
    handle_limit_unit: Mapped[LimitUnit] = mapped_column(String(20))
    #: the longest extension allowed, in the unit of the handling limit (None: no extension)
    extension_max_value: Mapped[int | None]
    #: a matter of a functional department (国办函〔2025〕66号): never routed to a township organ
    functional_department: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime]
    #: who changed the limits last ("seed" for the defaults)
    updated_by: Mapped[str] = mapped_column(String(100), default="seed")
    version: Mapped[int] = mapped_column(default=1)
    #: retired categories take no new tickets or incidents; what was filed under them keeps them
    retired_at: Mapped[dt.datetime | None]

    __mapper_args__ = {"version_id_col": version}
