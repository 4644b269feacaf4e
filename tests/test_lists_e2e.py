"""Categories and the responsibility list administered as data through the gateway, with all six
processes: a category created in dispatch reaches grid's and enforcement's copies without a restart
(grid refuses it before, accepts it after; an enforcement item may name it, labelled); a list
imported from a spreadsheet routes it and its ticket is labelled from the live dictionary; the
list downloads as XLSX in the import format."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from jiceng_shared.categories import county_dir
from jiceng_shared.testing.journey import BUFENG, Journey
from jiceng_shared.testing.plugin import eventually

pytestmark = pytest.mark.e2e

ADMIN = "county_admin"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


async def test_a_new_category_reaches_grid_and_a_new_list_routes_it(journey):
    code = f"illegal_dumping_{uuid.uuid4().hex[:6]}"
    refused = await journey.post(
        "grid_worker.bufeng",
        "/api/grid/v1/incidents",
        {
            "category": code,
            "description": "路边倾倒建筑垃圾",
            "grid_code": "320971100201001",
            "location": {"type": "Point", "coordinates": [120.305, 33.305]},
        },
    )
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_category"

    created = await journey.ok(
        ADMIN,
        "/api/dispatch/v1/categories",
        {
            "code": code,
            "label_zh": "乱倒建筑垃圾",
            "major": "streetscape",
            "handle_limit": {"value": 2, "unit": "working_days"},
        },
        status=201,
    )
    assert created["code"] == code

    # svc-enforcement's copy follows dispatch.category.changed too: an item may name it at once
    async def item_accepted():
        response = await journey.post(
            ADMIN,
            "/api/enforcement/v1/items",
            {
                "code": f"ZF-CJ-{code[-6:].upper()}",
                "name_zh": "对随意倾倒建筑垃圾的行政处罚",
                "categories": [code],
                "competent_dept": "hud",
                "legal_basis": "《城市建筑垃圾管理规定》第二十六条",
                "delegable": True,
            },
        )
        assert response.status_code in (201, 422), response.text
        return response.json() if response.status_code == 201 else None

    item = await eventually(item_accepted, timeout=30)
    assert item["categories_zh"] == ["乱倒建筑垃圾"]

    # the list in force, exported as CSV, plus one item routing the new category to the township
    exported = await journey.get(ADMIN, "/api/dispatch/v1/responsibilities/export.csv")
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.text)))
    rows.append(
        [
            "D03",
            "城市管理和综合执法",
            f"D03-{code}",
            "乱倒建筑垃圾的查处",
            code,
            "township_office",
            "hud",
            "",
            "发现、制止、清运",
            "《城市市容和环境卫生管理条例》",
        ]
    )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    imported = await journey.client.post(
        "/api/dispatch/v1/responsibilities/import",
        content=out.getvalue().encode(),
        headers=await journey.headers(ADMIN) | {"content-type": "text/csv"},
        params={"note": "新增乱倒建筑垃圾"},
    )
    assert imported.status_code == 201, imported.text
    version = imported.json()["version"]

    # grid's copy follows dispatch.category.changed: the report is accepted without a restart
    async def accepted():
        response = await journey.post(
            "grid_worker.bufeng",
            "/api/grid/v1/incidents",
            {
                "category": code,
                "description": "路边倾倒建筑垃圾",
                "grid_code": "320971100201001",
                "location": {"type": "Point", "coordinates": [120.3051, 33.3051]},
            },
        )
        return response.json() if response.status_code == 201 else None

    incident = await eventually(accepted, timeout=30)
    ticket = await journey.one(
        "dispatcher.bufeng", "/api/dispatch/v1/tickets", correlation_id=incident["correlation_id"]
    )
    assert ticket["unit"]["code"] == f"{BUFENG}:hud" and ticket["responsibility_version"] == version
    # labelled from the live dictionary (the category is in no county file)
    assert ticket["category_zh"] == "乱倒建筑垃圾"

    workbook = await journey.get("dispatcher.bufeng", "/api/dispatch/v1/responsibilities/export.xlsx", version=version)
    assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
    cells = [list(r) for r in load_workbook(io.BytesIO(workbook.content)).worksheets[0].iter_rows(values_only=True)]
    assert cells[-1][4] == code and len(cells) == len(rows)
    demo_rows = sum(1 for _ in csv.reader((county_dir() / "responsibilities.csv").open(encoding="utf-8")))
    assert len(cells) >= demo_rows
