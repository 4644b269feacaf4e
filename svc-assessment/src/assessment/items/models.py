"""The published list of assessment items (score items, pledges, veto items) and manual ratings.

The list is data kept by the county (000 §23, 003): an assessor may rate only what is on it, in
force for the period rated. It is a versioned list (``jiceng_shared.versioning``), versioned item
by item: a version is never rewritten; a change is the item's next version with the day it takes
effect (``effective_to``, inclusive, repeals it), and a rating is pinned to the version it was
given against (``ManualRating.item_revision``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class AssessmentItem(Base):
    """One version of a list item: ``(code, revision)``; the version in force on a day is the latest
    that took effect by then, unless its ``effective_to`` has passed."""

    __tablename__ = "assessment_item_versions"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: the version number of the item: 1, 2, ...
    revision: Mapped[int] = mapped_column(primary_key=True)
    #: score (points up to max_points) | pledge (责任书: fulfilled or breached) | veto (一票否决: triggered)
    kind: Mapped[str] = mapped_column(String(10))
    #: who it applies to: clerk | unit
    subject_kind: Mapped[str] = mapped_column(String(10))
    label_zh: Mapped[str] = mapped_column(String(200))
    max_points: Mapped[int | None]
    #: the document that publishes it (e.g. "002 附件", a provincial notice)
    basis: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[dt.date] = mapped_column(index=True)
    #: the last day it applies (inclusive), when repealed without a successor
    effective_to: Mapped[dt.date | None]
    #: the townships the item applies to, as the list says; ``None``: every township. A veto item
    #: always names them (000 §23, 003: a veto applies to a township only where the list says so)
    township_codes: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class ManualRating(Base):
    """An assessor's rating of one subject against one list item for one month."""

    __tablename__ = "manual_ratings"
    __table_args__ = (
        UniqueConstraint("period", "subject_kind", "subject_id", "item_code"),
        Index("ix_manual_ratings_subject", "subject_kind", "subject_id", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(80))
    #: scope keys of the subject: the unit's area and department, or the clerk's township
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    dept: Mapped[str | None] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(60))
    #: the version of the item the rating was given against (pinned)
    item_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    item_kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))
    #: pledge: fulfilled | breached; veto: triggered
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    rated_by: Mapped[str] = mapped_column(String(100))
    rated_by_name: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
