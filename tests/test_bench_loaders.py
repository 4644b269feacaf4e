"""The bench's grid loader writes residents as the grid service stores them: a schema change the
loader missed (the ID number's look-up hash, the special groups' keyed hashes) stopped `make bench`
at its grid part, unnoticed, until this test."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from grid.residents.models import GROUP_HASH, Resident, ResidentGroup
from grid.residents.rules import SPECIAL_GROUPS
from jiceng_shared.personaldata import code_hash, lookup
from jiceng_shared.testing.plugin import migrations_of

BENCH = Path(__file__).resolve().parents[1] / "bench"


async def test_the_grid_loader_writes_residents_the_service_can_find_and_filter(databases, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import grid_reads

    url = await databases.create("grid", migrated_by=migrations_of("grid"))
    grids, people = await grid_reads.load(url, people_per_grid=10)
    assert people == 10 * len(grids)
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            residents = (await session.scalars(select(Resident))).all()
            groups = (await session.scalars(select(ResidentGroup))).all()
    finally:
        await engine.dispose()
    assert len(residents) == people
    # found by the ID number as the service looks a person up, and decrypted
    assert all(r.id_number_hash == lookup(r.id_number) for r in residents)
    # every register membership filterable as the service filters registers
    register_hashes = {code_hash(GROUP_HASH, code) for code in SPECIAL_GROUPS}
    assert groups and {g.group_hash for g in groups} <= register_hashes
    sys.modules.pop("grid_reads", None)
