"""Pure rules of the responsibility list: unit kinds, their resolution per township, 国办函〔2025〕66号."""

from __future__ import annotations

from dispatch.responsibilities.schemas import UnitKind
from jiceng_shared import county, units
from jiceng_shared.contracts.common import UnitRef

KIND_LABELS = UnitKind.labels()


def resolve(kind: str, dept: str, township_code: str) -> UnitRef:
    """The unit of this kind and department for the township (raises ``units.UnknownUnit``)."""
    if kind == "township_office":
        return units.township_office(township_code, dept)
    if kind == "stationed_office":
        return units.stationed_office(township_code, dept)
    if kind == "county_department":
        return units.county_department(dept)
    raise units.UnknownUnit(f"no unit kind {kind}")


def known_unit_kind(kind: str, dept: str, org: county.Organisation | None = None) -> bool:
    """Whether some township of the county has a unit of this kind and department."""
    org = org or county.current()
    if kind == "township_office":
        return org.has_organ(dept)
    if kind == "stationed_office":
        return dept in org.stationed_departments
    if kind == "county_department":
        return dept in org.departments
    return False


def may_handle(unit_kind: str, *, functional_department: bool) -> bool:
    """应由职能部门办理的诉求事项不得分派给基层办理 (国办函〔2025〕66号): a functional department's
    matter goes to the department (its county office or its office stationed in the township),
    never to a township organ."""
    return not (functional_department and unit_kind == "township_office")
