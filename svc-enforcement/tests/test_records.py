"""The whole-process record: append-only entries chained by hash, verifiable by anyone who reads it."""

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from enforcement.records.models import RecordEntry
from enforcement.testing import API, AUDITOR, BUFENG, OFFICER, OFFICER2, OFFICER_B, count_rows
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

PHOTO = {"name": "scene.jpg", "media_type": "image/jpeg", "size": 204800, "sha256": "ab" * 32}


async def add(svc, case_id, body, who=OFFICER):
    return await svc.client.post(f"{API}/cases/{case_id}/records", json=body, headers=headers_for(who))


async def verify(svc, case_id, who=OFFICER):
    response = await svc.client.get(f"{API}/cases/{case_id}/record/verify", headers=headers_for(who))
    assert response.status_code == 200, response.text
    return response.json()


async def tamper(svc, statement: str, **params) -> None:
    """Change the table behind the service's back, as someone with DDL rights on the database could."""
    async with svc.ctx.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE case_records DISABLE TRIGGER case_records_append_only"))
            await conn.execute(text(statement), params)
            await conn.execute(text("ALTER TABLE case_records ENABLE TRIGGER case_records_append_only"))
        else:
            for action in ("update", "delete"):
                await conn.execute(text(f"DROP TRIGGER case_records_no_{action}"))
            await conn.execute(text(statement), params)
            for action in ("UPDATE", "DELETE"):
                await conn.execute(
                    text(
                        f"CREATE TRIGGER case_records_no_{action.lower()} BEFORE {action} ON case_records "
                        "BEGIN SELECT RAISE(ABORT, 'case_records is append-only (whole-process record)'); END"
                    )
                )


async def test_officers_of_the_case_record_every_kind_of_step_in_order(enforcement, new_case):
    case = await new_case()
    bodies = [
        {"kind": "note", "content": "出示执法证件，告知检查事项"},
        {"kind": "inquiry", "content": "询问当事人张某，制作询问笔录"},
        {"kind": "evidence", "content": "先行登记保存摊位物品清单"},
        {"kind": "photo", "content": "现场照片", "attachment": PHOTO},
        {
            "kind": "video",
            "content": "执法记录仪视频",
            "attachment": PHOTO | {"name": "cam.mp4", "media_type": "video/mp4"},
        },
        {
            "kind": "document",
            "content": "责令改正通知书",
            "attachment": PHOTO | {"name": "notice.pdf", "media_type": "application/pdf"},
        },
    ]
    for i, body in enumerate(bodies):
        response = await add(enforcement, case["id"], body, who=OFFICER if i % 2 else OFFICER2)
        assert response.status_code == 201, response.text
    record = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(OFFICER))).json()
    entries = record["items"]
    assert [e["seq"] for e in entries] == list(range(1, 8))
    assert [e["kind"] for e in entries] == ["case_opened", *(b["kind"] for b in bodies)]
    assert entries[0]["kind_zh"] == "立案" and entries[4]["attachment"] == PHOTO
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert entries[1]["actor_username"] == "enforcement_officer2.bufeng" and entries[1]["request_id"]


async def test_anyone_who_reads_the_record_can_recompute_the_chain(enforcement, new_case):
    case = await new_case()
    await add(enforcement, case["id"], {"kind": "note", "content": "现场检查，当事人在场"})
    entries = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(AUDITOR))).json()[
        "items"
    ]
    prev = "0" * 64
    for e in entries:
        fields = {
            k: e[k]
            for k in (
                "case_id",
                "seq",
                "kind",
                "content",
                "data",
                "attachment",
                "actor_id",
                "actor_name",
                "actor_username",
                "request_id",
            )
        }
        # times are RFC 3339 UTC with microseconds in the hashed form
        fields["recorded_at"] = dt.datetime.fromisoformat(e["recorded_at"]).isoformat(timespec="microseconds")
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256((prev + canonical).encode()).hexdigest() == e["hash"]
        prev = e["hash"]


async def test_the_record_reads_page_by_page(enforcement, new_case):
    case = await new_case()
    for i in range(3):
        await add(enforcement, case["id"], {"kind": "note", "content": f"第{i + 1}次巡查"})
    first = (
        await enforcement.client.get(
            f"{API}/cases/{case['id']}/record", params={"limit": 3}, headers=headers_for(OFFICER)
        )
    ).json()
    second = (
        await enforcement.client.get(
            f"{API}/cases/{case['id']}/record",
            params={"limit": 3, "cursor": first["next_cursor"]},
            headers=headers_for(OFFICER),
        )
    ).json()
    assert [e["seq"] for e in first["items"] + second["items"]] == [1, 2, 3, 4]
    assert second["next_cursor"] is None
    bad = await enforcement.client.get(
        f"{API}/cases/{case['id']}/record", params={"cursor": "nope"}, headers=headers_for(OFFICER)
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


async def test_an_intact_record_verifies_and_a_changed_entry_is_found(enforcement, new_case):
    case = await new_case()
    for content in ("询问笔录第一页", "询问笔录第二页", "现场勘验笔录"):
        await add(enforcement, case["id"], {"kind": "inquiry", "content": content})
    result = await verify(enforcement, case["id"], who=AUDITOR)
    assert result == result | {"valid": True, "entries": 4, "broken_at": None}

    await tamper(
        enforcement,
        "UPDATE case_records SET content = :c WHERE case_id = :id AND seq = 3",
        c="询问笔录第二页（已删改）",
        id=case["id"],
    )
    result = await verify(enforcement, case["id"])
    assert result["valid"] is False and result["broken_at"] == 3


async def test_an_entry_whose_link_to_the_previous_one_is_rewritten_is_found_at_that_entry(enforcement, new_case):
    # the entry's own hash still matches its content and the true chain: only prev_hash lies
    case = await new_case()
    for content in ("询问笔录第一页", "询问笔录第二页", "现场勘验笔录"):
        await add(enforcement, case["id"], {"kind": "inquiry", "content": content})
    await tamper(
        enforcement,
        "UPDATE case_records SET prev_hash = :h WHERE case_id = :id AND seq = 3",
        h="f" * 64,
        id=case["id"],
    )
    result = await verify(enforcement, case["id"])
    assert result["valid"] is False and result["broken_at"] == 3


async def test_a_middle_entry_rewritten_with_its_hash_recomputed_breaks_the_link_of_the_next(enforcement, new_case):
    case = await new_case()
    for content in ("询问笔录第一页", "询问笔录第二页", "现场勘验笔录"):
        await add(enforcement, case["id"], {"kind": "inquiry", "content": content})
    record = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(OFFICER))).json()
    entry = record["items"][2]
    fields = {
        k: entry[k]
        for k in (
            "case_id",
            "seq",
            "kind",
            "data",
            "attachment",
            "actor_id",
            "actor_name",
            "actor_username",
            "request_id",
        )
    }
    fields |= {
        "content": "询问笔录第二页（已删改）",
        "recorded_at": dt.datetime.fromisoformat(entry["recorded_at"])
        .astimezone(dt.UTC)
        .isoformat(timespec="microseconds"),
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    forged = hashlib.sha256((entry["prev_hash"] + canonical).encode()).hexdigest()
    await tamper(
        enforcement,
        "UPDATE case_records SET content = :c, hash = :h WHERE case_id = :id AND seq = 3",
        c="询问笔录第二页（已删改）",
        h=forged,
        id=case["id"],
    )
    result = await verify(enforcement, case["id"])
    # entry 3 is consistent with itself now: the next entry's prev_hash no longer matches it
    assert result["valid"] is False and result["broken_at"] == 4


async def test_a_removed_last_entry_is_found_too(enforcement, new_case):
    case = await new_case()
    await add(enforcement, case["id"], {"kind": "note", "content": "将被删除的记录"})
    await tamper(enforcement, "DELETE FROM case_records WHERE case_id = :id AND seq = 2", id=case["id"])
    result = await verify(enforcement, case["id"])
    assert result["valid"] is False and result["broken_at"] == 2 and result["entries"] == 1


async def test_the_database_itself_refuses_to_change_or_delete_an_entry(enforcement, new_case):
    case = await new_case()
    for statement in (
        "UPDATE case_records SET content = 'x' WHERE case_id = :id",
        "DELETE FROM case_records WHERE case_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with enforcement.ctx.db.engine.begin() as conn:
                await conn.execute(text(statement), {"id": case["id"]})
    assert (await verify(enforcement, case["id"]))["valid"] is True


async def test_there_is_no_way_to_change_an_entry_through_the_api(enforcement, new_case):
    case = await new_case()
    for method in ("PUT", "PATCH", "DELETE"):
        response = await enforcement.client.request(
            method, f"{API}/cases/{case['id']}/records", headers=headers_for(OFFICER)
        )
        assert response.status_code == 405, method


async def test_bad_entries_and_outsiders_write_nothing(enforcement, new_case):
    case = await new_case()
    before = await count_rows(enforcement, RecordEntry)
    too_long = await add(enforcement, case["id"], {"kind": "inquiry", "content": "问" * 20001})
    assert too_long.status_code == 422 and too_long.json()["code"] == "content_too_long"
    bad = await add(enforcement, case["id"], {"kind": "gossip", "content": "", "attachment": PHOTO | {"sha256": "xyz"}})
    assert bad.status_code == 422
    assert {"kind", "content", "attachment.sha256"} <= {e["field"] for e in bad.json()["errors"]}
    colleague = principal(("enforcement_officer", BUFENG), username="enforcement_officer9.bufeng")
    outsider = await add(enforcement, case["id"], {"kind": "note", "content": "旁人记录"}, who=colleague)
    assert outsider.status_code == 403 and outsider.json()["code"] == "not_case_officer"
    other = await add(enforcement, case["id"], {"kind": "note", "content": "他镇记录"}, who=OFFICER_B)
    assert other.status_code == 404
    leader = await add(
        enforcement, case["id"], {"kind": "note", "content": "领导批示"}, who=demo_principal("township_leader.bufeng")
    )
    assert leader.status_code == 403 and leader.json()["code"] == "permission_denied"
    assert await count_rows(enforcement, RecordEntry) == before
    longest = await add(enforcement, case["id"], {"kind": "inquiry", "content": "问" * 20000})
    assert longest.status_code == 201


async def test_the_opening_decision_and_closing_are_in_the_record_and_a_closed_record_takes_no_more(
    enforcement, new_case
):
    case = await new_case()
    await enforcement.client.post(
        f"{API}/cases/{case['id']}/decision",
        json={
            "procedure": "summary",
            "penalty": "warning",
            "party": {"kind": "person", "name": "李某"},
            "facts": "占道经营",
            "legal_basis": "条例第三十六条",
        },
        headers=headers_for(OFFICER),
    )
    await enforcement.client.post(
        f"{API}/cases/{case['id']}/close", json={"outcome": "已改正"}, headers=headers_for(OFFICER)
    )
    entries = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(OFFICER))).json()[
        "items"
    ]
    # a summary decision is handed to the party on the spot (行政处罚法 art. 52): served with it
    assert [e["kind"] for e in entries] == ["case_opened", "decision", "service", "case_closed"]
    assert entries[1]["data"]["penalty"] == "warning" and entries[3]["content"] == "结案：已改正"
    assert entries[2]["data"]["method"] == "on_the_spot"
    late = await add(enforcement, case["id"], {"kind": "note", "content": "结案后补记"})
    assert late.status_code == 409 and late.json()["code"] == "invalid_state"
    assert (await verify(enforcement, case["id"]))["valid"] is True
