"""Window indicators from approval events: per clerk and per service centre, each test in its own month."""

from jiceng_shared.testing.plugin import eventually, headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"

admin = principal(("county_admin", COUNTY))


async def clerk(feed, clerk_id, period):
    return await feed.get(f"/window/clerks/{clerk_id}", admin, period=period)


async def test_per_clerk_timeliness_overdue_and_one_time_notices(feed):
    a, b = feed.uid("clerk-"), feed.uid("clerk-")
    apps = [feed.uid("app-") for _ in range(3)]
    for app in apps:
        await feed.accepted(app, a, feed.local("2025-01-06 10:00"))
    await feed.completed(apps[0], a, feed.local("2025-01-08 10:00"), on_time=True)
    await feed.completed(apps[1], a, feed.local("2025-01-20 10:00"), on_time=False)
    await feed.completed(apps[2], a, feed.local("2025-01-31 23:50"), on_time=True)  # 15:50 UTC, January
    await feed.overdue(apps[1], a, feed.local("2025-01-15 00:00"))
    await feed.notice(apps[0], a, feed.local("2025-01-06 10:00"), in_time=True)
    await feed.notice(apps[1], a, feed.local("2025-01-13 10:00"), in_time=False)
    await feed.accepted(feed.uid("app-"), b, feed.local("2025-01-07 10:00"))
    await feed.settle()

    mine = await clerk(feed, a, "2025-01")
    c = mine["counts"]
    assert (c["accepted"], c["completed"], c["completed_on_time"], c["overdue"]) == (3, 3, 2, 1)
    assert (c["notices_issued"], c["notices_in_time"]) == (2, 1)
    assert mine["rates"]["on_time_rate"] == round(2 / 3, 4)
    assert mine["rates"]["notice_in_time_rate"] == 0.5
    assert mine["clerk"] == {"clerk_id": a, "clerk_username": None, "township_code": BUFENG}
    assert [m["counts"]["completed"] for m in mine["months"]] == [3]

    listed = await feed.get("/window/clerks", admin, period="2025-01", township_code=BUFENG, limit=200)
    by_id = {item["clerk"]["clerk_id"]: item for item in listed["items"]}
    assert by_id[a]["counts"] == c and by_id[b]["counts"]["accepted"] == 1

    centres = await feed.get("/window/centres", admin, period="2025-01")
    bufeng = next(item for item in centres["items"] if item["township_code"] == BUFENG)
    assert bufeng["counts"]["accepted"] == 4 and bufeng["counts"]["completed_on_time"] == 2


async def test_ratings_by_level_with_bad_meaning_levels_1_and_2_exactly(feed):
    mixed, only_3, only_2 = feed.uid("clerk-"), feed.uid("clerk-"), feed.uid("clerk-")
    for level in (5, 4, 3, 2, 1, 3):
        await feed.rating(feed.uid("rt-"), mixed, level, feed.local("2025-02-10 10:00"))
    await feed.rating(feed.uid("rt-"), only_3, 3, feed.local("2025-02-11 10:00"))
    await feed.rating(feed.uid("rt-"), only_2, 2, feed.local("2025-02-11 10:00"))
    await feed.settle()

    ratings = (await clerk(feed, mixed, "2025-02"))["ratings"]
    assert ratings["ratings_by_level"] == {"1": 1, "2": 1, "3": 2, "4": 1, "5": 1}
    assert ratings["level_labels"]["1"] == "非常不满意" and ratings["level_labels"]["5"] == "非常满意"
    assert ratings["ratings"] == 6 and ratings["bad_ratings"] == 2
    assert ratings["rating_average"] == 3.0
    assert (await clerk(feed, mixed, "2025-02"))["public_rating_points"] == 10.0

    basic = await clerk(feed, only_3, "2025-02")
    assert basic["ratings"]["bad_ratings"] == 0  # 基本满意 is not a bad rating
    assert basic["rates"]["rectification_rate"] is None
    unhappy = await clerk(feed, only_2, "2025-02")
    assert unhappy["ratings"]["bad_ratings"] == 1  # 不满意 is
    assert unhappy["rates"]["rectification_rate"] == 0.0
    assert unhappy["public_rating_points"] == 5.0


async def test_rectification_rate_counts_the_months_bad_ratings_rectified_whenever_and_on_time(feed):
    me = feed.uid("clerk-")
    r1, r2, r3, r4, good = (feed.uid("rt-") for _ in range(5))
    for rating, level in ((r1, 1), (r2, 2), (r4, 2), (good, 4)):
        await feed.rating(rating, me, level, feed.local("2025-03-10 10:00"))
    await feed.rectified(r1, me, feed.local("2025-03-12 10:00"), on_time=True)
    await feed.rectified(r2, me, feed.local("2025-04-20 10:00"), on_time=False)  # in April, for a March rating
    await feed.rectified(r3, me, feed.local("2025-03-14 10:00"), on_time=True)  # before its rating arrives
    await feed.rectified(good, me, feed.local("2025-03-14 10:00"), on_time=True)  # not a bad rating: not counted
    await feed.settle()
    await feed.rating(r3, me, 2, feed.local("2025-03-13 10:00"))
    await feed.settle()

    march = await clerk(feed, me, "2025-03")
    assert march["ratings"]["bad_ratings"] == 4
    assert (march["counts"]["rectified"], march["counts"]["rectified_on_time"]) == (3, 2)
    assert march["rates"]["rectification_rate"] == 0.75
    assert march["rates"]["on_time_rectification_rate"] == 0.5
    assert (await clerk(feed, me, "2025-04"))["counts"]["rectified"] == 0


async def test_a_clerk_username_sent_by_the_publisher_is_shown(feed):
    me = feed.uid("clerk-")
    await feed.accepted(
        feed.uid("app-"), me, feed.local("2025-05-06 10:00"), extra={"clerk_username": "window_clerk.bufeng"}
    )
    await feed.accepted(feed.uid("app-"), me, feed.local("2025-05-07 10:00"))  # a later event without it keeps it
    await feed.settle()
    shown = await clerk(feed, me, "2025-05")
    assert shown["clerk"]["clerk_username"] == "window_clerk.bufeng" and shown["counts"]["accepted"] == 2


async def test_facts_without_a_clerk_count_for_the_centre_only(feed):
    await feed.accepted(feed.uid("app-"), None, feed.local("2025-06-03 10:00"), township=XINCHENG)
    await feed.settle()
    centres = await feed.get("/window/centres", admin, period="2025-06")
    xincheng = next(item for item in centres["items"] if item["township_code"] == XINCHENG)
    assert xincheng["counts"]["accepted"] == 1
    clerks = await feed.get("/window/clerks", admin, period="2025-06", township_code=XINCHENG)
    assert all(item["counts"]["accepted"] == 0 for item in clerks["items"])


async def test_a_rating_level_outside_1_to_5_is_dead_lettered_not_counted(feed):
    me = feed.uid("clerk-")
    event_id = await feed.rating(feed.uid("rt-"), me, 7, feed.local("2025-07-01 10:00"))

    async def dead_lettered():
        response = await feed.running.client.get("/api/assessment/v1/admin/dead-letters", headers=headers_for(admin))
        return any(d["event_id"] == event_id for d in response.json()["items"])

    await eventually(dead_lettered)
    response = await feed.running.client.get(f"/api/assessment/v1/window/clerks/{me}", headers=headers_for(admin))
    assert response.status_code == 404  # nothing of the event was kept
