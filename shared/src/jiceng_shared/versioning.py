"""One mechanism for effective-dated lists (版本化清单): the service catalogue, the enforcement items
(delegated powers) and the territorial responsibility list all keep their content as versions.

The rules, the same for every list:

* A version is never edited after it is written; a change is the next version (number + 1, per
  item for item lists, per list for whole-list versions) with the instant (or day) it takes effect.
* The version **in force** at ``at`` is, per item, the one with the latest ``effective_from <= at``
  (the higher number wins a tie); a version with an ``effective_until`` (inclusive: the last day or
  instant it applies, i.e. repealed after it) is not in force after that.
* A new version never takes effect in the past (a caller's clock may be ``tolerance`` behind ours),
  and never before the latest version of the same item: history is not rewritten.
* A case is **pinned** to the version in force when it started: it stores that version's number
  (or row id) and reads it back with :meth:`VersionedList.pinned`, whatever was published since.
* The **history** of an item is all its versions by number.

:class:`VersionedList` binds these rules to a table's columns (one place for the SQL); the pure
functions apply them to objects in memory (tests, caches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from jiceng_shared.errors import FieldErrors

Instant = TypeVar("Instant", dt.date, dt.datetime)
Row = TypeVar("Row")


def _attr(obj: Any, name: str | None) -> Any:
    return None if name is None else getattr(obj, name)


def in_force(
    versions: Iterable[Row],
    at: dt.date | dt.datetime,
    *,
    number: str = "version",
    effective_from: str = "effective_from",
    effective_until: str | None = "effective_until",
) -> Row | None:
    """The version of ONE item in force at ``at`` (see the module's rules), or None."""
    started = [v for v in versions if getattr(v, effective_from) <= at]
    if not started:
        return None
    current = max(started, key=lambda v: (getattr(v, effective_from), getattr(v, number)))
    until = _attr(current, effective_until) if effective_until and hasattr(current, effective_until) else None
    if until is not None and at > until:
        return None
    return current


def check_effective_from(
    errors: FieldErrors,
    effective_from: Instant,
    *,
    now: Instant,
    latest: Instant | None = None,
    tolerance: dt.timedelta = dt.timedelta(0),
    field: str = "effective_from",
    past_code: str = "effective_from_in_past",
    before_latest_code: str = "effective_date_before_latest",
) -> None:
    """Add the errors of a new version's effective instant: never in the past (beyond ``tolerance``),
    never before the latest version of the same item. Each list keeps its own stable error codes."""
    if effective_from < now - tolerance:
        errors.add(
            field, past_code, f"{effective_from} is before now ({now}): a list change never takes effect in the past"
        )
    elif latest is not None and effective_from < latest:
        errors.add(
            field,
            before_latest_code,
            f"the latest version takes effect on {latest}; a later version cannot start before it",
        )


#: _COLUMN: mypy applies a mapped attribute's descriptor to a dataclass field of that type, so
#: it takes ``self.key`` for the row's value (a str) where it is the column


@dataclass(frozen=True)
class VersionedList(Generic[Row]):
    """The versions of a list held in one table.

    ``key``: the item code column for lists versioned item by item (catalogue, enforcement items);
    None when the whole list is one version (the responsibility list). ``effective_until``: the
    inclusive end column, when versions can be repealed without a successor.
    """

    number: QueryableAttribute[int]
    effective_from: QueryableAttribute[Any]
    key: QueryableAttribute[str] | None = None
    effective_until: QueryableAttribute[Any] | None = None

    @property
    def model(self) -> type[Row]:
        return cast(type[Row], self.number.class_)

    def _order(self) -> tuple[Any, Any]:
        return (self.effective_from.desc(), self.number.desc())

    def _of(self, stmt: Select[Any], key: str | None) -> Select[Any]:
        if key is not None:
            assert self.key is not None, "a whole-list version has no item key"
            stmt = stmt.where(self.key == key)  # type: ignore[arg-type]  # see _COLUMN
        return stmt

    def in_force_stmt(self, at: dt.date | dt.datetime) -> Select[Any]:
        """The versions in force at ``at``: one per item (or the one whole-list version), in SQL."""
        model = self.model
        if self.key is None:
            stmt = select(model).where(self.effective_from <= at).order_by(*self._order()).limit(1)
        else:
            ranked = (
                select(
                    self.number.label("n"),
                    self.key.label("k"),  # type: ignore[attr-defined]  # see _COLUMN
                    func.row_number().over(partition_by=self.key, order_by=self._order()).label("rank"),
                )
                .where(self.effective_from <= at)
                .subquery()
            )
            stmt = select(model).join(ranked, (ranked.c.k == self.key) & (ranked.c.n == self.number))
            stmt = stmt.where(ranked.c.rank == 1)
        if self.effective_until is not None:
            stmt = stmt.where(or_(self.effective_until.is_(None), self.effective_until >= at))
        return stmt

    def in_force_of_the_list_stmt(self) -> Select[Any]:
        """The whole-list version in force at an instant, a parameter (``at``): build it once and run it
        per case (a statement built with its values is keyed and compiled again on every run)."""
        assert self.key is None and self.effective_until is None, "one whole list, never repealed"
        stmt = select(self.model).where(self.effective_from <= bindparam("at"))
        return stmt.order_by(*self._order()).limit(1)

    def in_force_of_an_item_stmt(self) -> Select[Any]:
        """The version of one item in force at an instant, both parameters (``key``, ``at``): build it
        once and run it per item. The version ranked first among the item's started ones, like
        :meth:`in_force_stmt`, by an index walk of the item's versions instead of a ranking of all."""
        assert self.key is not None, "a whole-list version has no item key"
        # a repealed first version must not let an older one through: that needs the ranking
        assert self.effective_until is None, "repealable versions: use in_force_stmt"
        stmt = select(self.model).where(self.effective_from <= bindparam("at"))
        stmt = stmt.where(self.key == bindparam("key"))  # type: ignore[arg-type]  # see _COLUMN
        return stmt.order_by(*self._order()).limit(1)

    async def in_force(self, session: AsyncSession, at: dt.date | dt.datetime, key: str | None = None) -> Row | None:
        """The version (of item ``key``) in force at ``at``; pin a starting case to it."""
        return await session.scalar(self._of(self.in_force_stmt(at), key))

    async def pinned(self, session: AsyncSession, number: int, key: str | None = None) -> Row | None:
        """The version a case was pinned to, whatever was published since."""
        return await session.scalar(self._of(select(self.model).where(self.number == number), key))

    async def history(self, session: AsyncSession, key: str | None = None) -> list[Row]:
        """Every version (of item ``key``), oldest first."""
        stmt = self._of(select(self.model), key).order_by(self.number)
        return list((await session.scalars(stmt)).all())

    async def latest(self, session: AsyncSession, key: str | None = None, *, for_update: bool = False) -> Row | None:
        """The highest-numbered version (what the next one follows), locked when ``for_update``."""
        stmt = self._of(select(self.model), key).order_by(self.number.desc()).limit(1)
        if for_update:
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def next_number(self, session: AsyncSession, key: str | None = None) -> int:
        latest = await session.scalar(self._of(select(func.max(self.number)), key))
        return (latest or 0) + 1

    async def in_force_and_future(
        self, session: AsyncSession, at: dt.date | dt.datetime, key: str | None = None
    ) -> list[Row]:
        """The version in force at ``at`` and those published to take effect later (what a change
        elsewhere must not contradict)."""
        current = await self.in_force(session, at, key)
        later = self._of(select(self.model).where(self.effective_from > at), key).order_by(self.number)
        return ([current] if current is not None else []) + list((await session.scalars(later)).all())
