"""Reference data of svc-dispatch (idempotent), from the county directory (``JICENG_COUNTY_DIR``):
the categories with their limits (``categories.csv``) and the first responsibility list
(``responsibilities.csv``). Both files are described in README "Deploying for your county".

Limits of the demo county's categories (rules-reference §3.4, §4.2; where the sources give no
number for a category, a default a county would recognise, changeable with PATCH /categories/{code}):
street occupation 2 working days; illegal construction 5 (extension to 10, hotline default,
Shandong 政务服务热线管理办法 2020); consumer complaints 5 (10); public-security and safety hazards
24 hours (emergency matters: same day); environment pollution 2; road facilities 1 working day
(Taiyuan: facilities repaired within 1 working day); disputes 5 (10); consultation ≤ 3 (§4.2).
Dispatch limits: urgent 10 minutes, normal 30 (Taiyuan, §3.4), from the settings unless the file
names one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from dispatch.categories.models import Category
from dispatch.responsibilities import service as responsibilities
from dispatch.responsibilities import spreadsheet
from dispatch.responsibilities.models import ResponsibilityList
from jiceng_shared.categories import county_categories, county_dir
from jiceng_shared.db import utcnow
from jiceng_shared.errors import FieldErrors
from jiceng_shared.service import ServiceContext
from jiceng_shared.workdays import COUNTY_ZONE

#: the first list is in force from the start of the demo year, so every demo ticket routes by it
FIRST_LIST_EFFECTIVE = dt.datetime(2026, 1, 1, tzinfo=COUNTY_ZONE)
FIRST_LIST_NOTE = "属地管理主体责任和配合责任清单（示范）"


class CountyFileError(ValueError):
    """A county file dispatch cannot start from; the message names the file, each row and problem."""


def default_categories(*, urgent_dispatch_minutes: int = 10, normal_dispatch_minutes: int = 30) -> list[Category]:
    now = utcnow()
    return [
        Category(
            code=c.code,
            label_zh=c.label_zh,
            major=c.major,
            urgent=c.urgent,
            dispatch_limit_minutes=c.dispatch_limit_minutes
            or (urgent_dispatch_minutes if c.urgent else normal_dispatch_minutes),
            handle_limit_value=c.handle_limit_value,
            handle_limit_unit=c.handle_limit_unit,
            extension_max_value=c.extension_max_value,
            functional_department=c.functional_department,
            updated_at=now,
            updated_by="seed",
        )
        for c in county_categories()
    ]


def county_list_entries(path: Path, *, categories: set[str], functional: set[str]) -> list:
    """The county's first responsibility list, checked like an import (every bad row at once)."""
    errors = FieldErrors()
    if not path.is_file():
        raise CountyFileError(
            f"{path}: the county directory has no responsibilities.csv (README: Deploying for your county)"
        )
    try:
        rows = spreadsheet.read_csv(path.read_bytes())
    except spreadsheet.SheetError as exc:
        raise CountyFileError(f"{path}: {exc}") from exc
    entries = responsibilities.entries_of_sheet(rows, categories=categories, functional=functional, errors=errors)
    if errors:
        raise CountyFileError("\n".join(f"{path}: {e['field']}: {e['code']}: {e['message']}" for e in errors.errors))
    return entries


async def seed(ctx: ServiceContext) -> None:
    s = ctx.settings
    async with ctx.db.transaction() as session:
        known = set((await session.scalars(select(Category.code))).all())
        for category in default_categories(
            urgent_dispatch_minutes=s.urgent_dispatch_minutes, normal_dispatch_minutes=s.normal_dispatch_minutes
        ):
            if category.code not in known:  # never overwrite what a county administrator changed
                session.add(category)
        await session.flush()
        if await session.scalar(select(ResponsibilityList.id).limit(1)) is None:
            rows = (await session.execute(select(Category.code, Category.functional_department))).all()
            entries = county_list_entries(
                county_dir() / "responsibilities.csv",
                categories={code for code, _ in rows},
                functional={code for code, functional in rows if functional},
            )
            await responsibilities.write_version(
                session, None, effective_from=FIRST_LIST_EFFECTIVE, note=FIRST_LIST_NOTE, entries=entries, now=utcnow()
            )
