"""The county's lists as files: the demo responsibility list (18 domains, 118 items) imported from a
spreadsheet and exported back identical, every bad row named at once; categories administered
(created, retired) and published as events for the services keeping a copy."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from jiceng_shared import demo
from jiceng_shared.categories import CATEGORIES, county_dir
from jiceng_shared.testing.plugin import demo_principal, headers_for

admin = demo_principal("county_admin")
BUFENG = demo.BUFENG.code
API = "/api/dispatch/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEMO_LIST = county_dir() / "responsibilities.csv"


def demo_table() -> list[list[str]]:
    with DEMO_LIST.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def xlsx_of(table: list[list[str]]) -> bytes:
    """A workbook written the way an office suite would: text cells, empty cells left empty."""
    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append([v if v != "" else None for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, even when it looks like a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


async def upload(desk, data: bytes, content_type: str, who=admin, **params):
    headers = headers_for(who) | {"content-type": content_type}
    return await desk.running.client.post(
        f"{API}/responsibilities/import", content=data, headers=headers, params=params
    )


async def get(desk, path: str, who=admin, **params):
    return await desk.running.client.get(f"{API}{path}", params=params, headers=headers_for(who))


async def outbox_events(desk, event_type: str) -> list[dict]:
    outbox = desk.running.ctx.db.infra.outbox
    async with desk.running.ctx.db.session() as session:
        rows = (
            await session.execute(
                select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
            )
        ).all()
    return [json.loads(r.envelope) for r in rows]


async def test_the_demo_list_has_18_domains_and_over_100_items_and_routes_the_ten_categories(desk):
    response = await get(desk, "/responsibilities")
    assert response.status_code == 200, response.text
    lst = response.json()
    assert len(lst["domains"]) == 18 and len(lst["entries"]) >= 100
    assert sum(d["items"] for d in lst["domains"]) == len(lst["entries"])
    farmland = next(e for e in lst["entries"] if e["item_code"] == "D01-01")
    assert farmland["domain_zh"] == "自然资源和规划" and farmland["category"] == "illegal_construction_farmland"
    assert farmland["primary"]["kind"] == "township_office" and "土地管理法" in farmland["basis"]
    assert farmland["township_duties"].startswith("镇街综合执法局")
    routed = {e["category"] for e in lst["entries"] if e["category"]}
    assert {c.code for c in CATEGORIES} <= routed


async def test_the_demo_list_imported_from_xlsx_exports_back_identical(desk, clock):
    table = demo_table()
    effective = clock.now() + dt.timedelta(days=1)
    response = await upload(desk, xlsx_of(table), XLSX, effective_from=effective.isoformat(), note="XLSX 导入")
    assert response.status_code == 201, response.text
    version = response.json()["version"]
    assert response.headers["location"].endswith(f"/responsibilities?version={version}")
    assert len(response.json()["entries"]) == len(table) - 1
    # not in force yet: today's export is still the version before
    assert (await get(desk, "/responsibilities")).json()["version"] < version
    exported = await get(desk, "/responsibilities/export.xlsx", version=version)
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    assert f"responsibilities-v{version}.xlsx" in exported.headers["content-disposition"]
    expected = [[v if v != "" else None for v in row] for row in table]
    assert cells(exported.content) == expected  # cell for cell
    history = (await get(desk, "/responsibilities/versions")).json()["items"]
    assert [v["version"] for v in history][-1] == version and history[-1]["in_force"] is False
    assert history[-1]["items"] == len(table) - 1 and history[-1]["note"] == "XLSX 导入"
    clock.set(effective)
    assert (await get(desk, "/responsibilities/versions")).json()["items"][-1]["in_force"] is True
    as_csv = await get(desk, "/responsibilities/export.csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.decode() == DEMO_LIST.read_text(encoding="utf-8")
    # the CSV export imports again (a round trip through the other format), and so does either
    # file sent as application/octet-stream (the format recognised from the content)
    again = await upload(desk, as_csv.content, "text/csv; charset=utf-8")
    assert again.status_code == 201, again.text
    for data in (as_csv.content, xlsx_of(table)):
        binary = await upload(desk, data, "application/octet-stream")
        assert binary.status_code == 201 and len(binary.json()["entries"]) == len(table) - 1, binary.text
    assert cells((await get(desk, "/responsibilities/export.xlsx")).content) == expected


async def test_a_generic_upload_is_read_by_the_files_signature(desk, clock):
    """application/octet-stream (what generated clients send): an XLSX is a zip, anything else CSV."""
    table = demo_table()
    later = clock.now() + dt.timedelta(days=30)  # after any version the other tests published
    as_xlsx = await upload(desk, xlsx_of(table), "application/octet-stream", effective_from=later.isoformat())
    assert as_xlsx.status_code == 201, as_xlsx.text
    assert len(as_xlsx.json()["entries"]) == len(table) - 1
    later += dt.timedelta(days=1)
    as_csv = await upload(desk, DEMO_LIST.read_bytes(), "application/octet-stream", effective_from=later.isoformat())
    assert as_csv.status_code == 201, as_csv.text
    assert len(as_csv.json()["entries"]) == len(table) - 1


async def test_every_bad_row_is_named_at_once_and_nothing_is_written(desk):
    before = await get(desk, "/responsibilities")
    header, first, *_ = demo_table()
    rows = [
        header,
        first,
        # 3: an unknown category and a cooperating unit that is no kind:dept
        ["D01", "自然资源和规划", "X-01", "甲", "flying_saucer", "township_office", "cle", "psb", "", ""],
        # 4: the same item code as row 2, a department matter given to a township organ
        ["D01", "自然资源和规划", first[2], "乙", "consumer_complaint", "township_office", "cle", "", "", ""],
        # 5: an empty item name, an unknown kind
        ["D02", "住房和城乡建设", "X-02", "", "", "village_office", "cle", "", "", ""],
        # 6: a domain named differently, a unit nobody has, a category listed twice
        ["D01", "自然资源", "X-03", "丙", first[4], "county_department", "nope", "", "", ""],
        # 7: text a spreadsheet would run as a formula when the export is opened
        ["D01", "自然资源和规划", "X-04", "丁", "", "county_department", "nrp", "", "=HYPERLINK(1)", "@SUM(1)"],
    ]
    data = "\n".join(",".join(r) for r in rows).encode()
    outbox_before = len(await outbox_events(desk, "dispatch.responsibility_list.published"))
    for content_type, body in (("text/csv", data), (XLSX, xlsx_of(rows))):
        response = await upload(desk, body, content_type, effective_from="2020-01-01T00:00:00+08:00")
        assert response.status_code == 422 and response.json()["code"] == "validation_failed"
        assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
            ("effective_from", "effective_in_past"),
            ("rows.3.category", "unknown_category"),
            ("rows.3.cooperating", "invalid_unit"),
            ("rows.4.item_code", "duplicate_item"),
            ("rows.4.primary_dept", "functional_department_matter"),
            ("rows.5.item_zh", "required"),
            ("rows.5.primary_kind", "unknown_unit_kind"),
            ("rows.6.domain_zh", "inconsistent_domain"),
            ("rows.6.primary_dept", "unknown_unit"),
            ("rows.6.category", "duplicate_category"),
            ("rows.7.township_duties", "formula_like_text"),
            ("rows.7.basis", "formula_like_text"),
        }
    assert (await get(desk, "/responsibilities")).json()["version"] == before.json()["version"]
    assert len(await outbox_events(desk, "dispatch.responsibility_list.published")) == outbox_before


async def test_what_is_no_list_spreadsheet_is_refused(desk):
    wrong_header = await upload(desk, b"category,unit\nstreet_occupation,cle\n", "text/csv")
    assert wrong_header.status_code == 422 and wrong_header.json()["code"] == "unreadable_sheet"
    not_xlsx = await upload(desk, b"PK\x03\x04 not really", XLSX)
    assert not_xlsx.status_code == 422 and not_xlsx.json()["code"] == "unreadable_sheet"
    later = "2030-01-01T00:00:00+08:00"  # after any version the other tests published
    empty = await upload(desk, (",".join(demo_table()[0]) + "\n").encode(), "text/csv", effective_from=later)
    assert empty.status_code == 422 and empty.json()["code"] == "empty_list"
    as_json = await desk.running.client.post(
        f"{API}/responsibilities/import", json={"entries": []}, headers=headers_for(admin)
    )
    assert as_json.status_code == 415 and as_json.json()["code"] == "unsupported_media_type"
    refused = await upload(desk, DEMO_LIST.read_bytes(), "text/csv", who=demo_principal("dispatcher.bufeng"))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    readable = await get(desk, "/responsibilities/export.csv", who=demo_principal("grid_worker.bufeng"))
    assert readable.status_code == 200


async def test_a_created_category_is_published_takes_tickets_and_can_be_retired(desk):
    body = {
        "code": "illegal_dumping",
        "label_zh": "乱倒建筑垃圾",
        "major": "streetscape",
        "handle_limit": {"value": 2, "unit": "working_days"},
    }
    refused = await desk.post("/categories", body, demo_principal("dispatcher.bufeng"))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    bad = await desk.post(
        "/categories",
        {**body, "code": "Bad Code", "handle_limit": {"value": 0, "unit": "weeks"}},
        admin,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"code", "handle_limit.value", "handle_limit.unit"}
    created = await desk.post("/categories", body, admin)
    assert created.status_code == 201, created.text
    assert created.json()["limits"]["dispatch_minutes"] == 30 and created.json()["retired"] is False
    again = await desk.post("/categories", body, admin)
    assert again.status_code == 409 and again.json()["code"] == "category_exists"
    [event] = [e for e in await outbox_events(desk, "dispatch.category.changed") if e["subject"] == "illegal_dumping"]
    assert event["data"]["change"] == "created" and event["data"]["label_zh"] == "乱倒建筑垃圾"

    hotline = demo_principal("dispatcher.bufeng")
    intake = {"category": "illegal_dumping", "description": "路边倾倒建筑垃圾", "township_code": BUFENG}
    ticket = await desk.post("/tickets", intake, hotline)
    assert ticket.status_code in (200, 201), ticket.text

    listed = await desk.post(
        "/categories/street_occupation/retire",
        {"version": (await get(desk, "/categories/street_occupation")).json()["version"]},
        admin,
    )
    assert listed.status_code == 409 and listed.json()["code"] == "category_in_list"
    retired = await desk.post("/categories/illegal_dumping/retire", {"version": created.json()["version"]}, admin)
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired"] is True
    events = [e for e in await outbox_events(desk, "dispatch.category.changed") if e["subject"] == "illegal_dumping"]
    assert [e["data"]["change"] for e in events] == ["created", "retired"]
    assert events[-1]["data"]["retired"] is True and events[-1]["data"]["category_version"] == 2
    assert "illegal_dumping" not in {c["code"] for c in (await get(desk, "/categories")).json()["items"]}
    assert "illegal_dumping" in {c["code"] for c in (await get(desk, "/categories", retired="true")).json()["items"]}
    late = await desk.post("/tickets", intake, hotline)
    assert late.status_code == 422 and late.json()["code"] == "unknown_category"


def test_a_county_list_file_with_bad_rows_stops_the_seed_naming_the_file_and_rows(tmp_path):
    from dispatch.seed import CountyFileError, county_list_entries

    header, first, second, *_ = demo_table()
    path = tmp_path / "responsibilities.csv"
    path.write_text("\n".join(",".join(r) for r in (header, first, first, second)) + "\n", encoding="utf-8")
    categories = {c.code for c in CATEGORIES}
    try:
        county_list_entries(path, categories=categories, functional=set())
    except CountyFileError as exc:
        message = str(exc)
    else:
        raise AssertionError("a list with a duplicate row was accepted")
    assert f"{path}: rows.3.item_code: duplicate_item" in message
    assert f"{path}: rows.3.category: duplicate_category" in message
    assert len(county_list_entries(DEMO_LIST, categories=categories, functional=set())) == len(demo_table()) - 1


async def test_a_version_beyond_a_database_integer_is_a_422_on_every_route_that_takes_one(desk):
    largest = 2**31 - 1
    for path in ("/responsibilities", "/responsibilities/export.csv", "/responsibilities/export.xlsx"):
        unknown = await get(desk, path, version=largest)
        assert unknown.status_code == 404, (path, unknown.text)  # the largest is a version that could exist
        beyond = await get(desk, path, version=largest + 1)
        assert beyond.status_code == 422, (path, beyond.text)
        assert [e["field"] for e in beyond.json()["errors"]] == ["version"]
