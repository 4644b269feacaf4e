"""Handling units: township organs, stationed offices and county departments, named one way.

A unit's code is ``<area code>:<department>``; its department is the scope key of access.md, so
a stationed police officer (``dept_staff`` over township A with ``psb``) sees exactly the work
of the unit ``<A>:psb``. Names come from the county's organisation (``demo`` for the demo county).
"""

from __future__ import annotations

from jiceng_shared import demo
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.identity import area_level


class UnknownUnit(LookupError):
    pass


def _township(code: str) -> demo.Township:
    for township in demo.TOWNSHIPS:
        if township.code == code:
            return township
    raise UnknownUnit(f"no township {code}")


def township_office(township_code: str, dept: str) -> UnitRef:
    """An organ of the township, e.g. its comprehensive enforcement office (``cle``)."""
    organs = demo.TOWNSHIP_ORGANS.get(township_code, {})
    if dept not in organs:
        raise UnknownUnit(f"township {township_code} has no organ {dept}")
    name = f"{_township(township_code).name}{organs[dept]}"
    return UnitRef(
        code=f"{township_code}:{dept}", area_code=township_code, dept=dept, name=name, kind="township_office"
    )


def stationed_office(township_code: str, dept: str) -> UnitRef:
    """A county department's office stationed in the township (派驻机构), e.g. the police station."""
    if dept not in demo.STATIONED_DEPARTMENTS:
        raise UnknownUnit(f"{dept} has no stationed offices")
    name = f"{_township(township_code).name}{demo.DEPARTMENTS[dept]}派驻机构"
    return UnitRef(
        code=f"{township_code}:{dept}", area_code=township_code, dept=dept, name=name, kind="stationed_office"
    )


def county_department(dept: str) -> UnitRef:
    if dept not in demo.DEPARTMENTS:
        raise UnknownUnit(f"no department {dept}")
    return UnitRef(
        code=f"{demo.COUNTY_CODE}:{dept}",
        area_code=demo.COUNTY_CODE,
        dept=dept,
        name=demo.DEPARTMENTS[dept],
        kind="county_department",
    )


def unit_by_code(code: str) -> UnitRef:
    """Resolve ``<area>:<dept>`` to the unit it names."""
    area, _, dept = code.partition(":")
    if not dept:
        raise UnknownUnit(f"not a unit code: {code}")
    if area_level(area) == "county":
        return county_department(dept)
    if dept in demo.TOWNSHIP_ORGANS.get(area, {}):
        return township_office(area, dept)
    return stationed_office(area, dept)


def all_units() -> list[UnitRef]:
    units = [county_department(d) for d in demo.DEPARTMENTS]
    for township in demo.TOWNSHIPS:
        units += [township_office(township.code, d) for d in demo.TOWNSHIP_ORGANS[township.code]]
        units += [stationed_office(township.code, d) for d in demo.STATIONED_DEPARTMENTS]
    return units
