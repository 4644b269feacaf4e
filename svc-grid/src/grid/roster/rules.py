"""Pure rules of the roster (no I/O): one full-time worker per grid, the two-committees bar, A/B posts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiceng_shared.errors import FieldErrors, Problem


@dataclass(frozen=True)
class RosterRules:
    #: 002 art. 2 "原则上每个网格按照'一岗多责、一专多能'配备1名网格员，实行定岗定责"
    full_time_workers_per_grid: int = 1
    #: 002 art. 3 "城市社区网格员不得由……'两委'成员兼任"
    urban_worker_not_committee_member: bool = True


def active_on(since: dt.date, until: dt.date | None, day: dt.date) -> bool:
    return since <= day and (until is None or day <= until)


def check_entry(
    *,
    post: str,
    committee_member: bool,
    urban_community: bool,
    full_time_on_grid: int,
    rules: RosterRules,
) -> None:
    """Raise the reason a roster entry cannot be taken (409 when the post is taken, 422 for the person)."""
    if post == "full_time" and full_time_on_grid >= rules.full_time_workers_per_grid:
        raise Problem(
            409,
            "full_time_post_taken",
            "Post taken",
            f"the grid already has {full_time_on_grid} full-time grid worker(s); "
            f"at most {rules.full_time_workers_per_grid} (002 art. 2)",
        )
    errors = FieldErrors()
    if rules.urban_worker_not_committee_member and urban_community and post == "full_time" and committee_member:
        errors.add(
            "committee_member",
            "committee_member_not_allowed",
            "in an urban community the grid worker may not be a member of the two committees (002 art. 3)",
        )
    errors.raise_if_any()


def check_backup(grid_code: str, backup_grid_code: str, *, adjacent: bool | None) -> FieldErrors:
    """A/B posts pair two adjacent grids of one village or community (002 art. 22 "相邻网格互为AB岗").

    ``adjacent``: whether the two boundaries share a stretch (None when a grid has no boundary
    drawn, so adjacency cannot be shown)."""
    errors = FieldErrors()
    if grid_code == backup_grid_code:
        errors.add("backup_grid_code", "backup_is_same_grid", "a grid cannot back itself up")
    elif grid_code[:12] != backup_grid_code[:12]:
        errors.add("backup_grid_code", "backup_not_same_community", "A/B posts pair grids of one community")
    elif adjacent is None:
        errors.add(
            "backup_grid_code", "grid_not_drawn", "both grids need a boundary to show they are adjacent (002 art. 22)"
        )
    elif not adjacent:
        errors.add(
            "backup_grid_code", "backup_not_adjacent", "A/B posts pair adjacent grids (a shared boundary, 002 art. 22)"
        )
    return errors


def check_period(first_day: dt.date, last_day: dt.date) -> FieldErrors:
    errors = FieldErrors()
    if last_day < first_day:
        errors.add("last_day", "period_reversed", "the last day is before the first day")
    return errors
