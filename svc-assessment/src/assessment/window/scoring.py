"""The window staff score (002 annex): the list's score items rated by assessors (discipline 30,
skills 30, service conduct 20 by default) plus the public-rating points computed from 好差评."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean

from sqlalchemy.ext.asyncio import AsyncSession

from assessment.items import service as items
from assessment.items.models import ManualRating
from assessment.window import rules
from assessment.window.schemas import ScoreItem, StaffScore


async def staff_scores(
    session: AsyncSession,
    clerk_ids: Sequence[str],
    months: Sequence[str],
    public_points: Mapping[str, float | None],
    public_weight: int,
) -> dict[str, tuple[StaffScore, list[ManualRating]]]:
    score_items = await items.score_items(session, "clerk", months)
    manual = await items.ratings_of(session, "clerk", clerk_ids, months)
    out = {}
    for clerk_id in clerk_ids:
        ratings = manual.get(clerk_id, [])
        points: dict[str, list[float]] = {}
        for r in ratings:
            if r.item_kind == "score" and r.points is not None:
                points.setdefault(r.item_code, []).append(r.points)
        # over a quarter or a year, an item counts the average of the months it was rated in
        item_points = {i.code: round(fmean(points[i.code]), 2) if i.code in points else None for i in score_items}
        total, complete = rules.staff_score(item_points, public_points.get(clerk_id))
        pledges: dict[str, str] = {}
        for r in ratings:
            if r.item_kind == "pledge" and r.outcome and pledges.get(r.item_code) != "breached":
                pledges[r.item_code] = r.outcome
        out[clerk_id] = (
            StaffScore(
                items=[
                    ScoreItem(
                        item_code=i.code, label_zh=i.label_zh, max_points=i.max_points, points=item_points[i.code]
                    )
                    for i in score_items
                ],
                public_rating_points=public_points.get(clerk_id),
                public_rating_weight=public_weight,
                total=total,
                complete=complete,
                vetoed=any(r.item_kind == "veto" and r.outcome == "triggered" for r in ratings),
                veto_items=sorted({r.item_code for r in ratings if r.item_kind == "veto" and r.outcome == "triggered"}),
                pledges=pledges,
            ),
            ratings,
        )
    return out
