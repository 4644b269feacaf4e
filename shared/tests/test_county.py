"""The county as data (issue 8, part 1): the demo county loads, another county loads, every kind of
bad file is refused naming the file, the record and the problem (all at once), and area changes
apply to the registry at run time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jiceng_shared import county, demo, units
from jiceng_shared.county import AreaChangeError, CountyFileError

SECOND_COUNTY = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "second_county"


def test_the_demo_county_of_demo_data_md_is_the_default():
    assert county.registry() is county.registry(county.DEMO_DIR)  # loaded once per process
    # the files as shipped: the process registry may already follow area changes of earlier tests
    # in this process (tests/test_area_feed.py splits a demo grid), so a private copy is checked
    org = county.load(county.DEMO_DIR)
    assert (org.code, org.name) == ("320971000000", "盐城经济技术开发区")
    assert [(t.slug, t.kind) for t in org.townships] == [("bufeng", "town"), ("xincheng", "subdistrict")]
    assert [g.code for g in org.grids] == [
        "320971100201001",
        "320971100201002",
        "320971001001001",
        "320971001001002",
    ]
    assert all(g.polygon and g.polygon["type"] == "Polygon" for g in org.grids)  # from areas.geojson
    assert len(org.organs("320971100000")) == 8 and len(org.organs("320971001000")) == 7
    assert org.stationed_in("320971100000") == ("psb", "samr")
    assert any(g.households > 300 or g.people > 1000 for g in org.grids)  # the split flag shows


def test_a_second_county_with_three_townships_one_without_an_enforcement_office_loads():
    org = county.load(SECOND_COUNTY)
    assert org.code == "320899000000" and len(org.townships) == 3
    baishui = org.township_by_slug("baishui")
    assert baishui is not None and "cle" not in org.organs(baishui.code)
    with pytest.raises(units.UnknownUnit):
        units.township_office(baishui.code, "cle", org)
    assert units.county_department("cle", org).code == "320899000000:cle"
    # market regulation is stationed in two townships only
    assert org.stationed_in(baishui.code) == ("psb",)
    with pytest.raises(units.UnknownUnit):
        units.stationed_office(baishui.code, "samr", org)
    for unit in units.all_units(org):
        assert units.unit_by_code(unit.code, org) == unit
    # one demo login per role and township, from the county's own names
    names = {u.username for u in demo.users_for(org)}
    assert {"grid_worker.qingshan", "dispatcher.baishui", "enforcement_officer.dongcheng"} <= names
    assert "dept_staff.samr.baishui" not in names


# --- bad county files: one test per kind of error ----------------------------------------------


def county_dir(tmp_path: Path, edit=None, areas=None) -> Path:
    """A copy of the demo county with ``edit(text) -> text`` applied to county.toml."""
    target = tmp_path / "county"
    shutil.copytree(county.DEMO_DIR, target)
    path = target / county.COUNTY_FILE
    if edit is not None:
        path.write_text(edit(path.read_text()))
    if areas is not None:
        (target / county.AREAS_FILE).write_text(areas)
    return target


def refused(directory: Path) -> CountyFileError:
    with pytest.raises(CountyFileError) as caught:
        county.load(directory)
    return caught.value


def test_a_duplicate_code_names_both_records(tmp_path):
    error = refused(county_dir(tmp_path, lambda t: t.replace('code = "320971001001"', 'code = "320971100201"')))
    text = str(error)
    assert "county.toml: townships[1].villages[0] (320971100201): duplicate code" in text
    assert "townships[0].villages[0]" in text


def test_a_village_whose_code_does_not_extend_its_townships_is_refused(tmp_path):
    # Xincheng's community gets a code under Bufeng's prefix
    error = refused(county_dir(tmp_path, lambda t: t.replace('"320971001001"', '"320971100999"')))
    assert any(
        p.startswith("county.toml: townships[1].villages[0] (320971100999): the code does not extend its township's")
        for p in error.problems
    ), error.problems


def test_a_grid_code_that_is_not_its_village_code_plus_3_digits_is_refused(tmp_path):
    error = refused(county_dir(tmp_path, lambda t: t.replace('"320971100201002"', '"320971100202002"')))
    assert (
        "county.toml: townships[0].villages[0].grids[1] (320971100202002): a grid code is its village/community "
        "code 320971100201 + 3 digits"
    ) in error.problems
    # and the polygon of areas.geojson now names a grid the county does not have
    assert any(p.startswith("areas.geojson: features[1] (320971100201002): no village or grid") for p in error.problems)


def test_a_stationed_office_of_an_unknown_department_is_refused(tmp_path):
    error = refused(county_dir(tmp_path, lambda t: t.replace('department = "samr"', 'department = "tax"')))
    assert error.problems == ["county.toml: stationed_offices[1] (tax): unknown department 'tax'"]


def test_records_of_the_wrong_shape_are_all_named_at_once(tmp_path):
    def edit(text: str) -> str:
        text = text.replace('kind = "subdistrict"', 'kind = "district"')  # not town/subdistrict
        text = text.replace("households = 340", "households = -1")
        return text.replace('code = "320971001001001"', 'code = "3209710010010"')  # 13 digits

    error = refused(county_dir(tmp_path, edit))
    problems = "\n".join(error.problems)
    assert len(error.problems) == 3, problems
    assert "county.toml: townships[1].kind (320971001000): Input should be 'town' or 'subdistrict'" in problems
    assert "county.toml: townships[0].villages[0].grids[1].households (320971100201002):" in problems
    assert "county.toml: townships[1].villages[0].grids[0].code (3209710010010): Value error, must be 15 digits" in (
        problems
    )
    assert str(tmp_path / "county") in str(error)  # the directory, and each problem's file


def test_a_bad_polygon_in_areas_geojson_names_the_feature(tmp_path):
    bowtie = '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}'
    areas = (
        '{"type": "FeatureCollection", "features": ['
        f'{{"type": "Feature", "properties": {{"code": "320971100201001"}}, "geometry": {bowtie}}},'
        '{"type": "Feature", "properties": {}, "geometry": null}]}'
    )
    error = refused(county_dir(tmp_path, areas=areas))
    assert error.problems == [
        "areas.geojson: features[0] (320971100201001): the polygon is empty or invalid (self-intersecting?)",
        "areas.geojson: features[1]: properties.code is missing",
    ]


def test_every_problem_comes_at_once(tmp_path):
    def edit(text: str) -> str:
        text = text.replace('department = "samr"', 'department = "tax"')
        text = text.replace('"320971100201002"', '"320971100202002"')
        text = text.replace('slug = "xincheng"', 'slug = "bufeng"')
        # and records of the wrong shape: the rules between the others are still checked
        text = text.replace("people = 1300", 'people = "many"')
        return text.replace('name = "公安局"', "name = 110")

    error = refused(county_dir(tmp_path, edit))
    kinds = [
        "unknown department",
        "a grid code is its village",
        "duplicate slug 'bufeng'",
        "townships[1].villages[0].grids[0].people (320971001001001): Input should be a valid integer",
        "departments[0].name (psb): Input should be a valid string",
    ]
    assert all(any(k in p for p in error.problems) for k in kinds), error.problems
    assert len(error.problems) == 5, error.problems


def test_a_missing_or_unreadable_file_is_refused(tmp_path):
    assert "county.toml: (file): not found" in str(refused(tmp_path))
    (tmp_path / "county.toml").write_text("[county\n")
    assert "county.toml: (file): not valid TOML" in str(refused(tmp_path))


def test_a_process_refuses_to_start_on_a_bad_county(tmp_path):
    from jiceng_shared.service import create_service_app
    from jiceng_shared.testing.tiny import Settings, spec

    bad = county_dir(tmp_path, lambda t: t.replace('department = "samr"', 'department = "tax"'))
    with pytest.raises(CountyFileError, match="stationed_offices"):
        create_service_app(spec(), Settings(county_dir=bad, env="test"))


def test_every_command_refuses_a_bad_county_with_the_message_alone(tmp_path, monkeypatch, capsys):
    from jiceng_shared.cli import service_main
    from jiceng_shared.testing.tiny import spec

    bad = county_dir(tmp_path, lambda t: t.replace('department = "samr"', 'department = "tax"'))
    (bad / "categories.csv").write_text(
        (bad / "categories.csv").read_text(encoding="utf-8").replace(",2,working_days,", ",0,working_days,", 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("JICENG_COUNTY_DIR", str(bad))
    for command in ("serve", "migrate", "seed"):
        assert service_main(spec, "nowhere:create_app", [command]) == 2
        err = capsys.readouterr().err
        assert err.startswith("refused to start: the county in") and "Traceback" not in err
        assert "county.toml: stationed_offices[1] (tax): unknown department 'tax'" in err
    # the county file right, its categories file wrong: the file, the line and the problem
    (bad / "county.toml").write_text((county.DEMO_DIR / "county.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert service_main(spec, "nowhere:create_app", ["serve"]) == 2
    err = capsys.readouterr().err
    assert f"{(bad / 'categories.csv').resolve()}: line 2: handle_limit_value must be a positive whole number" in err
    county.install(None)  # the demo county again for the tests after this one


def test_jiceng_county_file_points_a_process_at_another_county(tmp_path, monkeypatch):
    from pydantic import ValidationError

    from jiceng_shared.testing.tiny import Settings

    monkeypatch.setenv("JICENG_COUNTY_FILE", str(SECOND_COUNTY / "county.toml"))
    settings = Settings()
    assert settings.county_dir == SECOND_COUNTY
    assert county.registry(settings.county_dir).code == "320899000000"
    # the same directory twice is fine; another directory, or a file that is not a county.toml, is refused
    assert Settings(county_dir=SECOND_COUNTY).county_dir == SECOND_COUNTY
    with pytest.raises(ValidationError, match="is not in county_dir"):
        Settings(county_dir=county.DEMO_DIR)
    monkeypatch.setenv("JICENG_COUNTY_FILE", str(SECOND_COUNTY / "categories.csv"))
    with pytest.raises(ValidationError, match="must name a county directory's county.toml"):
        Settings()


# --- area changes at run time (svc-grid's area events call these) -----------------------------


def test_area_changes_apply_to_the_registry_and_codes_are_never_reused():
    org = county.load(county.DEMO_DIR)  # a private copy: the process registry stays as it is
    bufeng = "320971100000"
    village = org.add_village("320971100202", "凤南村", "village", bufeng)
    assert org.village(village.code) == village and village in org.villages_of(bufeng)
    assert org.add_village("320971100202", "凤南村", "village", bufeng) == village  # idempotent

    grid = org.add_grid("320971100202001", "凤南村第一网格", village.code, households=120, people=400)
    assert org.grid(grid.code) == grid and org.grids_of(village.code) == (grid,)
    with pytest.raises(AreaChangeError, match="3 digits"):
        org.add_grid("320971100201003", "错挂网格", village.code)
    with pytest.raises(AreaChangeError, match="unknown township"):
        org.add_village("320971200201", "外镇村", "village", "320971200000")
    with pytest.raises(AreaChangeError, match="extend"):
        org.add_village("320971001009", "错挂村", "village", bufeng)

    # a split: the old grid retires, two new grids take its place; the old code stays taken
    org.retire_grid("320971100201002")
    org.add_grid("320971100201003", "步凤村第二网格（北）", "320971100201", households=170, people=550)
    org.add_grid("320971100201004", "步凤村第二网格（南）", "320971100201", households=170, people=550)
    assert org.grid("320971100201002") is None
    assert [g.code for g in org.grids_of("320971100201")] == [
        "320971100201001",
        "320971100201003",
        "320971100201004",
    ]
    with pytest.raises(AreaChangeError, match="never reused"):
        org.add_grid("320971100201002", "复用", "320971100201")

    # retiring a village retires its grids; a new grid may not hang under it
    org.retire_village(village.code)
    assert org.village(village.code) is None and org.grid(grid.code) is None
    with pytest.raises(AreaChangeError, match="no active village"):
        org.add_grid("320971100202002", "凤南村第二网格", village.code)
    with pytest.raises(AreaChangeError, match="taken"):
        org.add_village("320971100202", "凤南村", "village", bufeng)
    # the process registry was not touched
    assert county.registry().grid("320971100201002") is not None
