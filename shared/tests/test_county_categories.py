"""The county's categories file: the demo county's loads; a bad file is refused naming the file,
every bad line and its problem."""

from __future__ import annotations

import pytest

from jiceng_shared import county
from jiceng_shared.categories import (
    CATEGORY_BY_CODE,
    DEMO_COUNTY_DIR,
    CategoryFileError,
    county_categories,
    county_dir,
    load_categories,
)

HEADER = "code,label_zh,major,urgent,dispatch_limit_minutes,handle_limit_value,handle_limit_unit,extension_max_value,functional_department\n"


def test_the_demo_county_keeps_the_ten_codes_and_their_limits():
    demo = load_categories(DEMO_COUNTY_DIR / "categories.csv")
    codes = {c.code for c in demo}
    assert len(demo) >= 40
    assert {
        "street_occupation",
        "illegal_construction",
        "illegal_construction_farmland",
        "consumer_complaint",
        "public_security_hazard",
        "environment_pollution",
        "road_facility_damage",
        "safety_hazard",
        "neighbour_dispute",
        "service_consultation",
    } <= codes
    hazard = CATEGORY_BY_CODE["public_security_hazard"]
    assert (
        hazard.urgent
        and hazard.functional_department
        and (hazard.handle_limit_value, hazard.handle_limit_unit)
        == (
            24,
            "hours",
        )
    )
    assert CATEGORY_BY_CODE["street_occupation"].dispatch_limit_minutes is None  # the settings' default


def test_the_files_are_the_installed_countys_and_a_county_without_one_is_refused(tmp_path):
    assert county_dir() == (county.current().source or DEMO_COUNTY_DIR)
    assert county_categories(DEMO_COUNTY_DIR)[0].code == "street_occupation"
    with pytest.raises(CategoryFileError, match="has no categories.csv"):
        county_categories(tmp_path)


def test_a_bad_file_names_every_bad_line(tmp_path):
    path = tmp_path / "categories.csv"
    path.write_text(
        HEADER
        + "street_occupation,占道经营,street_order,false,,2,working_days,,false\n"
        + "street_occupation,占道经营,street_order,false,,2,working_days,,false\n"
        + "Bad Code,,street_order,maybe,,0,weeks,,false\n",
        encoding="utf-8",
    )
    with pytest.raises(CategoryFileError) as refused:
        load_categories(path)
    message = str(refused.value)
    assert f"{path}: line 3: code street_occupation is listed twice" in message
    for problem in ("is not lower snake_case", "label_zh is empty", "urgent must be true or false"):
        assert f"{path}: line 4: " in message and problem in message
    assert "handle_limit_value must be a positive whole number" in message
    assert "handle_limit_unit must be one of" in message
    (tmp_path / "short.csv").write_text("code,label_zh\n", encoding="utf-8")
    with pytest.raises(CategoryFileError, match="line 1: missing columns major"):
        load_categories(tmp_path / "short.csv")
