"""Enforcement's copy of the category dictionary: what items, leads and inspections check and label."""

from __future__ import annotations

from enforcement.db import Base
from jiceng_shared.categorycopy import CategoryCopyColumns


class KnownCategory(CategoryCopyColumns, Base):
    """One category as svc-dispatch last published it (``dispatch.category.changed``)."""
