"""Revisions of enforcement items and the delegations each revision grants.

An item is never edited in place: every change is a new revision with the date it takes effect,
so a case keeps the revision (and its delegations) that was in force when it started.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.db import Base


class ItemRevision(Base):
    __tablename__ = "item_revisions"
    __table_args__ = (UniqueConstraint("code", "revision"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    #: 1, 2, 3 ... per code
    revision: Mapped[int]
    name_zh: Mapped[str] = mapped_column(String(300))
    #: event categories (codes of dispatch's dictionary, as enforcement's copy knows it) the item covers
    categories: Mapped[list[Any]]
    #: the county department competent for the item (where a lead goes when it is not delegated)
    competent_dept: Mapped[str] = mapped_column(String(20))
    legal_basis: Mapped[str] = mapped_column(Text)
    #: penalty | coercive_measure | inspection
    kind: Mapped[str] = mapped_column(String(30))
    delegable: Mapped[bool]
    restricts_personal_freedom: Mapped[bool] = mapped_column(default=False)
    national_security: Mapped[bool] = mapped_column(default=False)
    effective_from: Mapped[dt.date] = mapped_column(index=True)
    #: last day the item applies (repealed after it); open when null
    effective_until: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))

    delegations: Mapped[list[Delegation]] = relationship(
        lazy="selectin", order_by="Delegation.township_code", cascade="all, delete-orphan"
    )


class Delegation(Base):
    """赋权: the item may be exercised by the township in its own name from ``valid_from`` to ``valid_until``."""

    __tablename__ = "item_delegations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_revision_id: Mapped[str] = mapped_column(ForeignKey("item_revisions.id"), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
