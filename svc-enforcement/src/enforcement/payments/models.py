"""What a decided fine asks of the party (the instalments) and what was paid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class PaymentPlan(Base):
    """One per fined case, from its service: one instalment due 15 days later, or as approved."""

    __tablename__ = "payment_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    fine_yuan: Mapped[int]
    #: the late fee's rate when the plan was opened (art. 72: 3 % of the amount per day)
    late_fee_percent_per_day: Mapped[int]
    #: [{seq, due (RFC 3339), amount_yuan}]; paid ones are in ``payments``
    instalments: Mapped[list[Any]]
    #: Arrangement: none | deferral | instalments (art. 66, approved by the office's head)
    arrangement: Mapped[str] = mapped_column(String(20))
    arrangement_reason: Mapped[str | None] = mapped_column(Text)
    approved_by_name: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[dt.datetime | None]
    #: application to the court for compulsory enforcement (行政强制法 art. 53)
    court_applied_at: Mapped[dt.datetime | None]
    court_name: Mapped[str | None] = mapped_column(String(200))
    court_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Payment(Base):
    """One instalment paid at the bank (art. 67: the office does not collect), with its late fee."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int]
    amount_yuan: Mapped[int]
    late_days: Mapped[int]
    late_fee_yuan: Mapped[int]
    paid_at: Mapped[dt.datetime]
    receipt: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
