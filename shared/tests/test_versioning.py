"""The one versioned-list mechanism (jiceng_shared.versioning), on both sides of every effective
instant: in memory, and in SQL on a real (SQLite) database the way the services use it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Date, String
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jiceng_shared.db import UTCDateTime
from jiceng_shared.errors import FieldErrors
from jiceng_shared.versioning import VersionedList, check_effective_from, in_force

D = dt.date
UTC = dt.UTC


@dataclass
class V:
    version: int
    effective_from: dt.date
    effective_until: dt.date | None = None


def test_the_version_in_force_changes_exactly_on_its_effective_day():
    versions = [V(1, D(2026, 1, 1)), V(2, D(2026, 12, 1))]
    assert in_force(versions, D(2025, 12, 31)) is None
    assert in_force(versions, D(2026, 1, 1)).version == 1
    assert in_force(versions, D(2026, 11, 30)).version == 1
    assert in_force(versions, D(2026, 12, 1)).version == 2


def test_a_repealed_version_applies_through_its_last_day_only():
    versions = [V(1, D(2024, 1, 1), effective_until=D(2025, 6, 30))]
    assert in_force(versions, D(2025, 6, 30)).version == 1
    assert in_force(versions, D(2025, 7, 1)) is None


def test_the_higher_number_wins_a_tie_of_effective_instants():
    instant = dt.datetime(2027, 1, 1, tzinfo=UTC)
    versions = [V(1, instant), V(2, instant)]
    assert in_force(versions, instant, effective_until=None).version == 2
    assert in_force(versions, instant - dt.timedelta(microseconds=1), effective_until=None) is None


def errors_of(effective_from, now, **kw) -> list[str]:
    errors = FieldErrors()
    check_effective_from(errors, effective_from, now=now, **kw)
    return [e["code"] for e in errors.errors]


def test_a_new_version_never_takes_effect_in_the_past_or_before_the_latest():
    today = D(2026, 11, 29)
    assert errors_of(today, today) == []
    assert errors_of(today - dt.timedelta(days=1), today) == ["effective_from_in_past"]
    assert errors_of(D(2026, 12, 1), today, latest=D(2026, 12, 1)) == []
    assert errors_of(D(2026, 11, 30), today, latest=D(2026, 12, 1)) == ["effective_date_before_latest"]
    now = dt.datetime(2026, 11, 29, 12, tzinfo=UTC)
    five = dt.timedelta(minutes=5)
    assert errors_of(now - five, now, tolerance=five) == []
    assert errors_of(now - five - dt.timedelta(seconds=1), now, tolerance=five, past_code="p") == ["p"]


class Base(DeclarativeBase):
    pass


class Item(Base):
    """Per-item versions by day, repealable (like the enforcement items and the catalogue)."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    revision: Mapped[int]
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_until: Mapped[dt.date | None] = mapped_column(Date)


class WholeList(Base):
    """Whole-list versions by instant (like the responsibility list)."""

    __tablename__ = "lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    effective_from: Mapped[dt.datetime] = mapped_column(UTCDateTime(timezone=True))


ITEMS = VersionedList(
    number=Item.revision, effective_from=Item.effective_from, key=Item.code, effective_until=Item.effective_until
)
LISTS = VersionedList(number=WholeList.version, effective_from=WholeList.effective_from)
T0 = dt.datetime(2027, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
async def session(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'versions.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with async_sessionmaker(engine)() as s:
        s.add_all(
            [
                Item(code="A", revision=1, effective_from=D(2026, 1, 1)),
                Item(code="A", revision=2, effective_from=D(2026, 12, 1)),
                Item(code="B", revision=1, effective_from=D(2024, 1, 1), effective_until=D(2025, 6, 30)),
                WholeList(version=1, effective_from=T0 - dt.timedelta(days=365)),
                WholeList(version=2, effective_from=T0),
            ]
        )
        await s.commit()
        yield s
    await engine.dispose()


async def test_in_sql_each_item_switches_on_its_day_and_a_repealed_one_disappears(session):
    async def codes(on):
        return sorted((i.code, i.revision) for i in (await session.scalars(ITEMS.in_force_stmt(on))).all())

    assert await codes(D(2025, 6, 30)) == [("B", 1)]
    assert await codes(D(2025, 7, 1)) == []
    assert await codes(D(2026, 11, 30)) == [("A", 1)]
    assert await codes(D(2026, 12, 1)) == [("A", 2)]
    assert (await ITEMS.in_force(session, D(2026, 11, 30), "A")).revision == 1
    assert await ITEMS.in_force(session, D(2026, 11, 30), "B") is None


async def test_in_sql_the_whole_list_switches_at_its_instant(session):
    assert (await LISTS.in_force(session, T0 - dt.timedelta(microseconds=1))).version == 1
    assert (await LISTS.in_force(session, T0)).version == 2
    assert await LISTS.in_force(session, T0 - dt.timedelta(days=366)) is None


async def test_a_case_stays_pinned_and_history_and_numbers_follow_the_versions(session):
    started = D(2026, 11, 30)
    pinned_number = (await ITEMS.in_force(session, started, "A")).revision
    # later the next revision is in force; the case still reads the one it started with
    assert (await ITEMS.in_force(session, D(2027, 1, 1), "A")).revision == 2
    assert (await ITEMS.pinned(session, pinned_number, "A")).effective_from == D(2026, 1, 1)
    assert [i.revision for i in await ITEMS.history(session, "A")] == [1, 2]
    assert (await ITEMS.latest(session, "A")).revision == 2
    assert await ITEMS.next_number(session, "A") == 3 and await ITEMS.next_number(session, "C") == 1
    assert await LISTS.next_number(session) == 3
    assert [v.version for v in await LISTS.in_force_and_future(session, T0 - dt.timedelta(days=1))] == [1, 2]
    assert [v.version for v in await LISTS.in_force_and_future(session, T0)] == [2]


async def test_the_prebuilt_statement_of_one_item_agrees_with_the_ranking_on_every_day(session):
    """Per-item lists that are never repealed (the catalogue) run one prebuilt statement per item."""
    unrepealable = VersionedList(number=Item.revision, effective_from=Item.effective_from, key=Item.code)
    stmt = unrepealable.in_force_of_an_item_stmt()
    session.add(Item(code="A", revision=3, effective_from=D(2026, 12, 1)))  # a tie: the higher number wins
    await session.flush()
    for on in (D(2025, 12, 31), D(2026, 1, 1), D(2026, 11, 30), D(2026, 12, 1)):
        for code in ("A", "C"):
            ranked = await session.scalar(unrepealable._of(unrepealable.in_force_stmt(on), code))
            assert await session.scalar(stmt, {"key": code, "at": on}) is ranked, (on, code)
    with pytest.raises(AssertionError):
        ITEMS.in_force_of_an_item_stmt()  # repealable: a repealed first version needs the ranking


async def test_the_prebuilt_statement_of_the_whole_list_agrees_with_in_force_at_every_instant(session):
    """A whole list (the responsibility list) runs one prebuilt statement per case, the instant a parameter."""
    stmt = LISTS.in_force_of_the_list_stmt()
    session.add(WholeList(version=3, effective_from=T0))  # a tie: the higher number wins
    await session.flush()
    for at in (T0 - dt.timedelta(days=366), T0 - dt.timedelta(microseconds=1), T0, T0 + dt.timedelta(days=1)):
        assert await session.scalar(stmt, {"at": at}) is await LISTS.in_force(session, at), at
    assert (await session.scalar(stmt, {"at": T0})).version == 3
    with pytest.raises(AssertionError):
        ITEMS.in_force_of_the_list_stmt()  # per item: in_force_of_an_item_stmt
