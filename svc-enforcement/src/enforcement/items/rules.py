"""Pure rules of the enforcement-item list (no I/O): which revision is in force, what is delegated.

Items touching national security or restricting personal freedom are never delegated to a
township (002; 行政强制法 art. 17: coercive measures may not be entrusted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from jiceng_shared import county, versioning
from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors


class PowerKind(LabelledEnum):
    """The kind of power an item of the enforcement list is (行政执法事项)."""

    PENALTY = "penalty", "行政处罚"
    COERCIVE_MEASURE = "coercive_measure", "行政强制措施"
    INSPECTION = "inspection", "行政检查"


KIND_LABELS = PowerKind.labels()


class RevisionLike(Protocol):
    code: str
    revision: int
    effective_from: dt.date
    effective_until: dt.date | None


class DelegationLike(Protocol):
    township_code: str
    valid_from: dt.date
    valid_until: dt.date | None


def in_force(revisions: Iterable[RevisionLike], on: dt.date) -> RevisionLike | None:
    """The revision of one item that applies on ``on``: the latest that took effect by then, unless
    repealed (the shared rule of every versioned list, jiceng_shared.versioning)."""
    return versioning.in_force(revisions, on, number="revision")


def delegation_covers(delegation: DelegationLike, township_code: str, on: dt.date) -> bool:
    return (
        delegation.township_code == township_code
        and delegation.valid_from <= on
        and (delegation.valid_until is None or on <= delegation.valid_until)
    )


def is_delegated(delegations: Iterable[DelegationLike], township_code: str, on: dt.date) -> bool:
    return any(delegation_covers(d, township_code, on) for d in delegations)


@dataclass(frozen=True)
class DelegationSpec:
    township_code: str
    valid_from: dt.date
    valid_until: dt.date | None


def check_item(
    *,
    categories: Sequence[str],
    open_categories: Collection[str],
    competent_dept: str,
    delegable: bool,
    restricts_personal_freedom: bool,
    national_security: bool,
    effective_from: dt.date,
    effective_until: dt.date | None,
    delegations: Sequence[DelegationSpec],
    today: dt.date,
    org: county.Organisation | None = None,
) -> FieldErrors:
    """Every reason a revision cannot be published, each with its field and stable code.

    ``open_categories``: those of ``categories`` the live dictionary holds and has not retired
    (svc-dispatch's, as this service's copy knows it)."""
    errors = FieldErrors()
    for i, category in enumerate(categories):
        if category not in open_categories:
            errors.add(
                f"categories.{i}", "unknown_category", f"{category!r} is not an open category of the event dictionary"
            )
    if len(set(categories)) != len(categories):
        errors.add("categories", "duplicate_category", "a category is listed twice")
    org = org or county.current()
    if competent_dept not in org.departments:
        errors.add("competent_dept", "unknown_department", f"{competent_dept!r} is not a county department")
    # a change never rewrites history: what applied before today stays as it was
    versioning.check_effective_from(errors, effective_from, now=today, past_code="effective_from_in_past")
    if effective_until is not None and effective_until < effective_from:
        errors.add("effective_until", "invalid_period", "effective_until is before effective_from")
    never = restricts_personal_freedom or national_security
    if delegations and (not delegable or never):
        errors.add("delegations", "not_delegable", "this item may not be delegated to a township")
    elif delegable and never:
        errors.add(
            "delegable",
            "not_delegable",
            "items touching national security or restricting personal freedom are never delegable",
        )
    townships = org.township_codes
    for i, d in enumerate(delegations):
        if d.township_code not in townships:
            errors.add(f"delegations.{i}.township_code", "unknown_township", f"no township {d.township_code}")
        if d.valid_until is not None and d.valid_until < d.valid_from:
            errors.add(f"delegations.{i}.valid_until", "invalid_period", "valid_until is before valid_from")
    for i, a in enumerate(delegations):
        for b in delegations[i + 1 :]:
            if a.township_code == b.township_code and _overlap(a, b):
                errors.add(
                    f"delegations.{i}", "overlapping_delegation", f"two delegations to {a.township_code} overlap"
                )
    return errors


def _overlap(a: DelegationSpec, b: DelegationSpec) -> bool:
    far = dt.date.max
    return a.valid_from <= (b.valid_until or far) and b.valid_from <= (a.valid_until or far)
