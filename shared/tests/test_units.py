import pytest

from jiceng_shared.units import UnknownUnit, all_units, unit_by_code


def test_unit_codes_resolve_to_the_same_unit():
    for unit in all_units():
        assert unit_by_code(unit.code) == unit


def test_the_township_enforcement_office_and_the_stationed_police():
    office = unit_by_code("320971100000:cle")
    assert office.kind == "township_office" and "综合执法局" in office.name
    police = unit_by_code("320971100000:psb")
    assert police.kind == "stationed_office" and police.dept == "psb"
    assert unit_by_code("320971000000:nrp").kind == "county_department"
    with pytest.raises(UnknownUnit):
        unit_by_code("320971100000:nope")
