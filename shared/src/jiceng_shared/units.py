"""Handling units: township organs, stationed offices and county departments, named one way.

A unit's code is ``<area code>:<department>``; its department is the scope key of access.md, so
a stationed police officer (``dept_staff`` over township A with ``psb``) sees exactly the work
of the unit ``<A>:psb``. Names come from the county's organisation (:mod:`jiceng_shared.county`):
each function takes ``org``, by default the process's county (:func:`jiceng_shared.county.current`).
"""

from __future__ import annotations

from jiceng_shared import county
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.county import Organisation, Township
from jiceng_shared.identity import area_level


class UnknownUnit(LookupError):
    pass


def _org(org: Organisation | None) -> Organisation:
    return org if org is not None else county.current()


def _township(org: Organisation, code: str) -> Township:
    township = org.township(code)
    if township is None:
        raise UnknownUnit(f"no township {code}")
    return township


def township_office(township_code: str, dept: str, org: Organisation | None = None) -> UnitRef:
    """An organ of the township, e.g. its comprehensive enforcement office (``cle``)."""
    org = _org(org)
    organs = org.organs(township_code)
    if dept not in organs:
        raise UnknownUnit(f"township {township_code} has no organ {dept}")
    name = f"{_township(org, township_code).name}{organs[dept]}"
    return UnitRef(
        code=f"{township_code}:{dept}", area_code=township_code, dept=dept, name=name, kind="township_office"
    )


def stationed_office(township_code: str, dept: str, org: Organisation | None = None) -> UnitRef:
    """A county department's office stationed in the township (派驻机构), e.g. the police station."""
    org = _org(org)
    township = _township(org, township_code)
    if dept not in org.stationed_in(township_code):
        raise UnknownUnit(f"{dept} has no office stationed in {township_code}")
    name = f"{township.name}{org.departments[dept]}派驻机构"
    return UnitRef(
        code=f"{township_code}:{dept}", area_code=township_code, dept=dept, name=name, kind="stationed_office"
    )


def county_department(dept: str, org: Organisation | None = None) -> UnitRef:
    org = _org(org)
    if dept not in org.departments:
        raise UnknownUnit(f"no department {dept}")
    return UnitRef(
        code=f"{org.code}:{dept}",
        area_code=org.code,
        dept=dept,
        name=org.departments[dept],
        kind="county_department",
    )


def unit_by_code(code: str, org: Organisation | None = None) -> UnitRef:
    """Resolve ``<area>:<dept>`` to the unit it names."""
    org = _org(org)
    area, _, dept = code.partition(":")
    if not dept:
        raise UnknownUnit(f"not a unit code: {code}")
    if area_level(area) == "county":
        return county_department(dept, org)
    if dept in org.organs(area):
        return township_office(area, dept, org)
    return stationed_office(area, dept, org)


def all_units(org: Organisation | None = None) -> list[UnitRef]:
    org = _org(org)
    units = [county_department(d, org) for d in org.departments]
    for township in org.townships:
        units += [township_office(township.code, d, org) for d in org.organs(township.code)]
        units += [stationed_office(township.code, d, org) for d in org.stationed_in(township.code)]
    return units
