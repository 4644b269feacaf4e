"""Pure rules of incident reporting (no I/O)."""

from __future__ import annotations

from jiceng_shared.errors import FieldErrors


def check_report(
    *,
    category_open: bool,
    category: str,
    point_inside: bool,
    attachment_sizes: list[int],
    attachment_max_bytes: int,
) -> FieldErrors:
    """Every reason the report cannot be accepted, each with its field and stable code."""
    errors = FieldErrors()
    if not category_open:
        # grid's copy of dispatch's dictionary (kept from dispatch.category.changed): unknown or retired
        errors.add("category", "unknown_category", f"{category!r} is not in the event classification")
    if not point_inside:
        errors.add("location", "point_outside_grid", "the point does not lie inside the grid (as in force now)")
    for i, size in enumerate(attachment_sizes):
        if size > attachment_max_bytes:
            errors.add(f"attachments.{i}.size", "attachment_too_large", f"{size} bytes > {attachment_max_bytes}")
    return errors
