"""Published decisions (执法公示)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class Disclosure(Base):
    """What the public sees of one decision: nothing personal beyond a surname."""

    __tablename__ = "disclosures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    item_name_zh: Mapped[str] = mapped_column(String(300))
    #: the party as published: an organisation's name, or a person's surname and stars
    party: Mapped[str] = mapped_column(String(200))
    party_kind: Mapped[str] = mapped_column(String(20))
    penalty: Mapped[str] = mapped_column(String(40), index=True)
    fine_yuan: Mapped[int]
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime]
    #: DisclosureStatus: published | withdrawn
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: within 7 working days of the decision; late when after it
    due: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime] = mapped_column(index=True)
    late: Mapped[bool]
    published_by_name: Mapped[str] = mapped_column(String(100))
    #: withdrawn within 3 working days of the decision's revocation or change (art. 48)
    changed_at: Mapped[dt.datetime | None]
    withdrawal_due: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawal_late: Mapped[bool | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
