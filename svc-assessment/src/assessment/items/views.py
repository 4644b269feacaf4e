"""Shape list items and manual ratings for the API."""

from __future__ import annotations

from assessment.items import rules
from assessment.items.models import AssessmentItem, ManualRating
from assessment.items.schemas import ItemOut, ManualRatingOut


def item_out(item: AssessmentItem) -> ItemOut:
    return ItemOut(
        code=item.code,
        kind=item.kind,
        kind_zh=rules.KIND_LABELS[item.kind],
        subject_kind=item.subject_kind,
        subject_kind_zh=rules.SUBJECT_LABELS[item.subject_kind],
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
        subject_kind=r.subject_kind,
        subject_kind_zh=rules.SUBJECT_LABELS[r.subject_kind],
        subject_id=r.subject_id,
        area_code=r.area_code,
        dept=r.dept,
        item_code=r.item_code,
        item_version=r.item_revision,
        item_kind=r.item_kind,
        item_kind_zh=rules.KIND_LABELS[r.item_kind],
        points=r.points,
        outcome=r.outcome,
        outcome_zh=rules.OUTCOME_LABELS.get(r.outcome) if r.outcome else None,
        note=r.note,
        rated_by=r.rated_by,
        rated_by_name=r.rated_by_name,
        created_at=r.created_at,
    )
