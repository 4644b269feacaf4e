"""Pure rules of the published list: an item in force, and what a rating against it must carry.

Guard rail (000 §23, the 2019 reform opinion): no pledge (责任书) and no veto item (一票否决)
beyond the published list; a score item is rated within its published maximum.
"""

from __future__ import annotations

import datetime as dt

from jiceng_shared.errors import FieldErrors
from jiceng_shared.identity import area_level

KINDS = ("score", "pledge", "veto")
SUBJECT_KINDS = ("clerk", "unit")
#: what a rating of each kind of item says
OUTCOMES = {"score": (), "pledge": ("fulfilled", "breached"), "veto": ("triggered",)}


def check_item(
    kind: str,
    max_points: int | None,
    effective_from: dt.date,
    effective_to: dt.date | None,
    township_codes: list[str] | None = None,
) -> FieldErrors:
    errors = FieldErrors()
    if kind == "veto" and not township_codes:
        errors.add(
            "township_codes",
            "veto_needs_townships",
            "a veto item names the townships it applies to (000 §23, 003: only where the list says so)",
        )
    for code in township_codes or ():
        if area_level(code) != "township":
            errors.add("township_codes", "not_a_township", f"{code} is not a township")
    if kind == "score" and max_points is None:
        errors.add("max_points", "max_points_required", "a score item needs its maximum points")
    if kind != "score" and max_points is not None:
        errors.add("max_points", "max_points_not_applicable", f"a {kind} item has no points")
    if effective_to is not None and effective_to < effective_from:
        errors.add("effective_to", "invalid_effective_range", "effective_to is before effective_from")
    return errors


def applies_to(township_codes: list[str] | None, subject_area: str) -> bool:
    """Whether an item applies to a subject of ``subject_area``: every township when the list names
    none, else only the townships it names (a county department is in none of them)."""
    if township_codes is None:
        return True
    return any(subject_area.startswith(code[:9]) for code in township_codes) and area_level(subject_area) != "county"


def check_rating(kind: str, max_points: int | None, points: float | None, outcome: str | None) -> FieldErrors:
    errors = FieldErrors()
    if kind == "score":
        if points is None:
            errors.add("points", "points_required", "a score item is rated with points")
        elif not 0 <= points <= (max_points or 0):
            errors.add("points", "points_out_of_range", f"points must lie in 0..{max_points}")
        if outcome is not None:
            errors.add("outcome", "outcome_not_applicable", "a score item takes points, not an outcome")
    else:
        if points is not None:
            errors.add("points", "points_not_applicable", f"a {kind} item takes an outcome, not points")
        if outcome not in OUTCOMES[kind]:
            errors.add("outcome", "invalid_outcome", f"a {kind} item's outcome is one of {', '.join(OUTCOMES[kind])}")
    return errors
