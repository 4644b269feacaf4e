"""The gateway keeps its copy of the areas changed in svc-grid (jiceng_shared.areafeed): a grid
retired there (split, merged) takes no new binding, without a restart; a new grid takes one."""

import datetime as dt

import nats

from jiceng_shared.areafeed import _store, open_bucket
from jiceng_shared.contracts.grid import AreaChanged
from jiceng_shared.testing.plugin import eventually

VILLAGE = "320971100201"
BUFENG = "320971100000"
SINCE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def grid(code: str, status: str, version: int, **links: list[str]) -> AreaChanged:
    return AreaChanged(
        code=code,
        name="网格",
        kind="grid",
        parent_code=VILLAGE,
        township_code=BUFENG,
        status=status,
        effective_from=SINCE,
        area_version=version,
        change="split",
        households=100,
        people=300,
        **links,
    )


async def test_a_grid_retired_in_svc_grid_takes_no_binding_and_its_successor_does(gw):
    old, new = VILLAGE + "901", VILLAGE + "902"
    nc = await nats.connect(gw.settings.nats_url)
    try:
        kv = await open_bucket(nc.jetstream(), gw.settings.events_prefix)
        await _store(kv, grid(new, "active", 1, predecessors=[old]))
        await _store(kv, grid(old, "retired", 2, successors=[new]))
    finally:
        await nc.close()
    areas = gw.state.areas
    await eventually(lambda: _known(areas, old, new))

    admin = {"Authorization": f"Bearer {await gw.token('county_admin')}"}
    async with gw.client() as c:
        user = await c.post(
            "/api/iam/v1/users",
            headers=admin,
            json={"username": "split.worker", "display_name": "x", "password": "a long passphrase 26", "area": BUFENG},
        )
        assert user.status_code == 201, user.text
        refused = await c.post(
            "/api/iam/v1/bindings",
            headers=admin,
            json={"subject_id": user.json()["id"], "role": "grid_worker", "area": old},
        )
        assert refused.status_code == 422 and refused.json()["code"] == "area_retired"
        granted = await c.post(
            "/api/iam/v1/bindings",
            headers=admin,
            json={"subject_id": user.json()["id"], "role": "grid_worker", "area": new},
        )
        assert granted.status_code == 201, granted.text


async def _known(areas, old: str, new: str) -> bool:
    return areas.active(old) is False and areas.active(new) is True
