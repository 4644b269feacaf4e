"""A person's access record (个人信息查阅, PIPL art. 45): who read, changed or tried to reach their
record, when and on which right, produced from the audit log by the audit roles only."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select

from gateway.models import AuditEntry


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_access_record_of_a_resident_lists_every_reading_and_change_of_their_record(gw):
    mine, other = str(uuid.uuid4()), str(uuid.uuid4())
    audit = gw.state.audit
    rows = [
        audit.entry(
            action="personal_record_read",
            outcome="success",
            subject="grid_worker.bufeng",
            method="GET",
            resource=f"/api/grid/v1/residents/{mine}",
            permission="grid.resident.read",
            status=200,
        ),
        audit.entry(
            action="write",
            outcome="completed",
            subject="grid_worker.bufeng",
            method="PATCH",
            resource=f"/api/grid/v1/residents/{mine}",
            permission="grid.resident.register",
            status=200,
        ),
        audit.entry(
            action="access_denied",
            outcome="denied",
            subject="grid_worker.xincheng",
            method="GET",
            resource=f"/api/grid/v1/history/resident/{mine}",
            status=404,
        ),
        audit.entry(
            action="personal_record_read",
            outcome="success",
            subject="grid_worker.bufeng",
            method="GET",
            resource=f"/api/grid/v1/residents/{other}",
            permission="grid.resident.read",
            status=200,
        ),
    ]
    async with gw.state.db.transaction() as session:
        await session.execute(insert(AuditEntry), rows)
    async with gw.client() as c:
        refused = await c.get(
            f"/api/iam/v1/audit/record-accesses/{mine}", headers=bearer(await gw.token("county_admin"))
        )
        assert refused.status_code == 403
        response = await c.get(
            f"/api/iam/v1/audit/record-accesses/{mine}", headers=bearer(await gw.token("audit_admin"))
        )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {(i["action"], i["subject"], i["method"]) for i in items} == {
        ("personal_record_read", "grid_worker.bufeng", "GET"),
        ("write", "grid_worker.bufeng", "PATCH"),
        ("access_denied", "grid_worker.xincheng", "GET"),
    }
    read = next(i for i in items if i["action"] == "personal_record_read")
    assert read["permission_zh"] and read["at"]
    async with gw.state.db.session() as session:
        produced = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "personal_access_record", AuditEntry.resource.contains(mine)
                )
            )
        ).all()
    assert [e.subject for e in produced] == ["audit_admin"]  # producing it is on file too
