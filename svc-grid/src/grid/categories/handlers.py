"""Keeping the copy current: each ``dispatch.category.changed`` replaces the row unless it is older."""

from __future__ import annotations

from grid.categories.models import KnownCategory
from jiceng_shared import categorycopy

#: the durable consumer of dispatch.category.changed (jiceng_shared.categorycopy)
SUBSCRIPTION = categorycopy.subscription(KnownCategory)
