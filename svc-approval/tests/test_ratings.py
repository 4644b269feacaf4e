"""好差评: one rating per service with its code, five levels, every bad one rectified, raters protected."""

import datetime as dt

from approval_testkit import API, as_, count, finished, get, local, outbox, rate, receive

from approval import jobs
from approval.ratings.models import Rating, Rectification
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

LEADER = "township_leader.bufeng"
CLERK = "window_clerk.bufeng"
#: another clerk of the township: the rated clerk never handles their own bad rating
HANDLER = "window_clerk2.bufeng"


async def written(svc) -> tuple[int, int, int]:
    return await count(svc, Rating), await count(svc, Rectification), len(await outbox(svc))


async def rectification_of(svc, app_id: str, who: str = LEADER) -> dict:
    listed = await svc.client.get(f"{API}/rectifications", params={"application_id": app_id}, headers=as_(who))
    [row] = listed.json()["items"]
    return row


async def test_a_service_is_rated_once_and_a_second_rating_is_refused(approval):
    app = await finished(approval)
    assert app["rated"] is False
    out = await rate(approval, app, 5, comment="很快")
    assert out["level_zh"] == "非常满意" and out["follow_up"] is False
    before = await written(approval)
    again = await rate(approval, app, 1, expect=409)
    assert again["code"] == "already_rated"
    assert await written(approval) == before
    [event] = [e for e in await outbox(approval, "approval.rating.submitted") if e.data["application_id"] == app["id"]]
    assert event.data["level"] == 5 and event.data["bad"] is False and event.data["clerk_username"] == CLERK
    assert event.data["channel"] == "online"


async def test_a_wrong_code_an_unknown_receipt_or_an_unfinished_service_cannot_rate(approval):
    app = await finished(approval)
    open_app = await receive(approval, "homestead_building", ["application_form", "id_card", "village_opinion"])
    before = await written(approval)
    wrong = await rate(approval, app, 4, code="NOTACODE", expect=403)
    unknown = await rate(approval, app | {"receipt_number": "SL-320971100-2026-999999"}, 4, expect=403)
    unfinished = await rate(approval, open_app | {"rating_code": "ABCDEFGH"}, 4, expect=403)
    assert wrong["code"] == unknown["code"] == unfinished["code"] == "rating_code_invalid"
    assert wrong["detail"] == unknown["detail"] == unfinished["detail"]
    assert await written(approval) == before


async def test_there_are_five_levels_from_one_to_five(approval):
    app = await finished(approval)
    before = await written(approval)
    for level in (0, 6):
        response = await rate(approval, app, level, expect=422)
        assert response["code"] == "validation_failed" and response["errors"][0]["field"] == "level"
    assert await written(approval) == before
    assert (await rate(approval, app, 1))["level_zh"] == "非常不满意"
    assert (await rate(approval, await finished(approval), 5))["level_zh"] == "非常满意"


async def test_only_the_two_bad_levels_open_a_rectification(approval):
    opened = {}
    for level in (3, 2, 1):
        app = await finished(approval)
        out = await rate(approval, app, level)
        listed = await approval.client.get(
            f"{API}/rectifications", params={"application_id": app["id"]}, headers=as_(LEADER)
        )
        opened[level] = (out["follow_up"], len(listed.json()["items"]))
    assert opened == {3: (False, 0), 2: (True, 1), 1: (True, 1)}


async def test_a_bad_rating_is_called_back_and_rectified_within_five_working_days(approval, clock):
    clock.set(local(2026, 9, 30, 9))
    app = await finished(approval)
    await rate(approval, app, 2, comment="排队太久", contact="13900000000", channel="on_site")
    row = await rectification_of(approval, app["id"])
    assert row["status"] == "open" and row["callback_required"] and row["due_at"] == "2026-10-13T15:59:59Z"
    # another clerk of the township may read it, but neither acts on it nor sees the number
    other = await approval.client.get(f"{API}/rectifications/{row['id']}", headers=as_("window_clerk2.bufeng"))
    assert other.status_code == 200 and other.json()["callback_contact"] is None
    response = await approval.client.post(
        f"{API}/rectifications/{row['id']}/close",
        json={"outcome": "fixed", "note": "x"},
        headers=as_("window_clerk2.bufeng"),
    )
    assert response.status_code == 403 and response.json()["code"] == "not_assignee"
    assigned = await approval.client.post(
        f"{API}/rectifications/{row['id']}/assign",
        json={"assignee_username": HANDLER, "assignee_name": "步凤镇窗口人员乙"},
        headers=as_(LEADER),
    )
    assert assigned.status_code == 200 and assigned.json()["callback_contact"] == "13900000000"
    mine = await approval.client.get(f"{API}/rectifications/{row['id']}", headers=as_(HANDLER))
    assert mine.json()["callback_contact"] == "13900000000"
    early = await approval.client.post(
        f"{API}/rectifications/{row['id']}/close", json={"outcome": "fixed", "note": "已增设窗口"}, headers=as_(HANDLER)
    )
    assert early.status_code == 409 and early.json()["code"] == "callback_missing"
    called = await approval.client.post(
        f"{API}/rectifications/{row['id']}/callback",
        json={"reached": True, "note": "已致歉并说明改进措施"},
        headers=as_(HANDLER),
    )
    assert called.status_code == 200 and called.json()["callback_reached"] is True
    clock.set(local(2026, 10, 13, 23, 59))  # the fifth working day after Sep 30
    closed = await approval.client.post(
        f"{API}/rectifications/{row['id']}/close", json={"outcome": "fixed", "note": "已增设窗口"}, headers=as_(HANDLER)
    )
    assert closed.status_code == 200 and closed.json()["on_time"] is True and closed.json()["outcome_zh"] == "已整改"
    [event] = [
        e for e in await outbox(approval, "approval.rating.rectified") if e.data["rating_id"] == row["rating_id"]
    ]
    assert event.data["on_time"] is True and event.data["outcome"] == "fixed" and event.data["clerk_username"] == CLERK
    assert event.data["callback_done"] is True and event.data["application_id"] == app["id"]


async def test_a_rectification_closed_after_its_fifth_working_day_is_late(approval, clock):
    clock.set(local(2026, 9, 30, 9))
    app = await finished(approval)
    await rate(approval, app, 1)
    row = await rectification_of(approval, app["id"])
    assert row["callback_required"] is False  # anonymous: nobody to call
    clock.set(local(2026, 10, 14, 0, 1))
    closed = await approval.client.post(
        f"{API}/rectifications/{row['id']}/close",
        json={"outcome": "explained", "note": "依法不能办理，已解释"},
        headers=as_(LEADER),
    )
    assert closed.json()["on_time"] is False


async def test_an_upheld_appeal_marks_the_rating(approval):
    app = await finished(approval)
    await rate(approval, app, 1, comment="乱评")
    row = await rectification_of(approval, app["id"])
    await approval.client.post(
        f"{API}/rectifications/{row['id']}/close",
        json={"outcome": "appeal_upheld", "note": "复核认定为恶意差评"},
        headers=as_(LEADER),
    )
    ratings = await approval.client.get(f"{API}/ratings", params={"application_id": app["id"]}, headers=as_(LEADER))
    [rating] = ratings.json()["items"]
    assert rating["appeal_upheld"] is True


async def test_staff_reads_of_ratings_never_carry_the_rater(approval):
    app = await finished(approval)
    await rate(approval, app, 2, contact="13911112222", comment="态度差")
    response = await approval.client.get(f"{API}/ratings", params={"application_id": app["id"]}, headers=as_(LEADER))
    [rating] = response.json()["items"]
    assert "13911112222" not in response.text
    assert not {"contact", "callback_contact", "applicant_name", "applicant_phone", "rater"} & set(rating)
    assert rating["clerk_username"] == CLERK and rating["level_zh"] == "不满意"
    rectifications = await approval.client.get(
        f"{API}/rectifications", params={"application_id": app["id"]}, headers=as_(LEADER)
    )
    assert "13911112222" not in rectifications.text
    events = [e for e in await outbox(approval, "approval.rating.submitted") if e.data["application_id"] == app["id"]]
    assert "13911112222" not in events[0].model_dump_json()


async def test_a_finished_unrated_service_is_invited_after_three_days_and_only_once(approval, clock):
    done_at = clock.set(local(2026, 11, 2, 10))
    unrated = await finished(approval)
    rated = await finished(approval)
    await rate(approval, rated, 4)
    await jobs.scan(approval.ctx, done_at + dt.timedelta(days=3, seconds=-1))
    assert (await get(approval, unrated["id"]))["rating_invited_at"] is None
    result = await jobs.scan(approval.ctx, done_at + dt.timedelta(days=3))
    assert result["invited"] >= 1
    invited = await get(approval, unrated["id"])
    assert invited["rating_invited_at"] is not None
    assert any(s["action"] == "rating_invited" and s["public"] for s in invited["timeline"])
    assert (await get(approval, rated["id"]))["rating_invited_at"] is None
    again = await jobs.scan(approval.ctx, done_at + dt.timedelta(days=4))
    assert [s["action"] for s in (await get(approval, unrated["id"]))["timeline"]].count("rating_invited") == 1
    assert again["invited"] == 0


async def test_the_rated_clerk_neither_handles_nor_decides_the_appeal_of_their_bad_rating(approval):
    app = await finished(approval)
    assert app["clerk_username"] == CLERK
    await rate(approval, app, 1, contact="13922223333", comment="乱评")
    row = await rectification_of(approval, app["id"])
    refused = await approval.client.post(
        f"{API}/rectifications/{row['id']}/assign",
        json={"assignee_username": CLERK, "assignee_name": "步凤镇窗口人员"},
        headers=as_(LEADER),
    )
    assert refused.status_code == 422 and refused.json()["code"] == "rated_clerk"
    # even holding the leader's right to step in, the rated clerk may not close it as an upheld appeal
    clerk = demo_principal(CLERK)
    leader = demo_principal(LEADER)
    both = headers_for(
        principal(
            *[(b.role, b.area, b.dept) for b in clerk.bindings + leader.bindings], subject=clerk.subject, username=CLERK
        )
    )
    mine = await approval.client.get(f"{API}/rectifications/{row['id']}", headers=both)
    assert mine.json()["callback_contact"] is None
    closed = await approval.client.post(
        f"{API}/rectifications/{row['id']}/close", json={"outcome": "appeal_upheld", "note": "x"}, headers=both
    )
    assert closed.status_code == 403 and closed.json()["code"] == "not_assignee"


async def test_window_clerks_never_reach_the_rater_through_the_application(approval):
    app = await finished(approval)
    await rate(approval, app, 2, comment="态度差")
    listed = await approval.client.get(f"{API}/ratings", params={"clerk_id": app["clerk_id"]}, headers=as_(CLERK))
    assert listed.status_code == 200 and listed.json()["items"]
    assert all(r["application_id"] is None for r in listed.json()["items"])
    for path in ("/ratings", "/rectifications"):
        by_application = await approval.client.get(
            f"{API}{path}", params={"application_id": app["id"]}, headers=as_(CLERK)
        )
        assert by_application.status_code == 403 and by_application.json()["code"] == "rater_protected"
    # the back office and the leader still see which application a rating is about
    leader = await approval.client.get(f"{API}/ratings", params={"application_id": app["id"]}, headers=as_(LEADER))
    assert leader.json()["items"][0]["application_id"] == app["id"]
