"""Pure rules of the catalogue: statutory ceilings of time limits, and what a valid item is."""

from __future__ import annotations

from dataclasses import dataclass

from approval.catalogue.schemas import ItemKind, MaterialRequirement
from jiceng_shared import county
from jiceng_shared.errors import FieldErrors

KIND_LABELS = ItemKind.labels()
REQUIREMENT_LABELS = MaterialRequirement.labels()


@dataclass(frozen=True)
class StatutoryLimits:
    """行政许可法 art. 42-44, all in working days (art. 82)."""

    decision: int = 20
    decision_extension: int = 10
    joint: int = 45
    joint_extension: int = 15
    issue: int = 10

    def ceiling(self, joint: bool) -> int:
        return self.joint if joint else self.decision

    def extension_ceiling(self, joint: bool) -> int:
        return self.joint_extension if joint else self.decision_extension


def check_item(
    *,
    kind: str,
    limit_workdays: int | None,
    joint: bool,
    department: str,
    delegated_townships: list[str],
    material_codes: list[str],
    limits: StatutoryLimits,
    org: county.Organisation | None = None,
) -> FieldErrors:
    """Every reason a catalogue version cannot be written, each with its field and stable code."""
    errors = FieldErrors()
    org = org or county.current()
    if department not in org.departments:
        errors.add("department", "unknown_department", f"{department!r} is not a county department")
    townships = org.township_codes
    for i, code in enumerate(delegated_townships):
        if code not in townships:
            errors.add(f"delegated_townships.{i}", "unknown_township", f"{code} is not a township of the county")
    if kind == "instant" and limit_workdays is not None:
        errors.add("limit_workdays", "instant_has_no_limit", "instant items are finished on the spot, not in days")
    if kind == "committed":
        if limit_workdays is None:
            errors.add("limit_workdays", "limit_required", "a committed item needs its promised working days")
        elif limit_workdays > limits.ceiling(joint):
            errors.add(
                "limit_workdays",
                "limit_exceeds_statutory_ceiling",
                f"{limit_workdays} working days > the statutory {limits.ceiling(joint)} (行政许可法 art. 42)",
            )
    seen: set[str] = set()
    for i, code in enumerate(material_codes):
        if code in seen:
            errors.add(f"materials.{i}.code", "duplicate_material", f"material {code} is listed twice")
        seen.add(code)
    return errors
