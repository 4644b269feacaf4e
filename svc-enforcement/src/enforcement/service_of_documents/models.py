"""The service (送达) of a case's decision."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class DocumentService(Base):
    __tablename__ = "document_services"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), unique=True)
    #: ServiceMethod
    method: Mapped[str] = mapped_column(String(30))
    #: the day the party received it: starts the party's periods
    served_at: Mapped[dt.datetime]
    #: the proof: the receipt signed (送达回证), the postal record, the announcement...
    proof: Mapped[str] = mapped_column(Text)
    consent: Mapped[bool]
    announcement_reason: Mapped[str | None] = mapped_column(Text)
    #: served within 7 days of the decision (art. 61); late when after it
    due: Mapped[dt.datetime]
    late: Mapped[bool]
    #: the party's periods of administrative review and litigation, from the service date
    review_until: Mapped[dt.datetime]
    litigation_until: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime]
