"""Grid's copy of the category dictionary: only what incident intake checks (no limits)."""

from __future__ import annotations

from grid.db import Base
from jiceng_shared.categorycopy import CategoryCopyColumns


class KnownCategory(CategoryCopyColumns, Base):
    """One category as svc-dispatch last published it (``dispatch.category.changed``)."""
