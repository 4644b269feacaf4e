"""Shape list items and manual ratings for the API."""

from __future__ import annotations

from assessment.items.models import AssessmentItem, ManualRating
from assessment.items.schemas import ItemKind, ItemOut, ManualRatingOut, RatedSubjectKind, RatingOutcome


def item_out(item: AssessmentItem) -> ItemOut:
    return ItemOut(
        code=item.code,
        kind=ItemKind(item.kind),
        kind_zh=ItemKind(item.kind).label_zh,
        subject_kind=RatedSubjectKind(item.subject_kind),
        subject_kind_zh=RatedSubjectKind(item.subject_kind).label_zh,
        label_zh=item.label_zh,
        max_points=item.max_points,
        basis=item.basis,
        effective_from=item.effective_from,
        effective_to=item.effective_to,
        township_codes=item.township_codes,
        created_at=item.created_at,
        created_by=item.created_by,
        version=item.revision,
    )


def rating_out(r: ManualRating) -> ManualRatingOut:
    return ManualRatingOut(
        id=r.id,
        period=r.period,
        subject_kind=RatedSubjectKind(r.subject_kind),
        subject_kind_zh=RatedSubjectKind(r.subject_kind).label_zh,
        subject_id=r.subject_id,
        area_code=r.area_code,
        dept=r.dept,
        item_code=r.item_code,
        item_version=r.item_revision,
        item_kind=ItemKind(r.item_kind),
        item_kind_zh=ItemKind(r.item_kind).label_zh,
        points=r.points,
        outcome=RatingOutcome(r.outcome) if r.outcome else None,
        outcome_zh=RatingOutcome(r.outcome).label_zh if r.outcome else None,
        note=r.note,
        rated_by=r.rated_by,
        rated_by_name=r.rated_by_name,
        created_at=r.created_at,
    )
