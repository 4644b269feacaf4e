"""Response shaping of ratings and rectifications (who rated is never shown)."""

from __future__ import annotations

from typing import TypeVar

from approval.ratings import rules, service
from approval.ratings.models import Rating, Rectification
from approval.ratings.schemas import PublicRatingOut, RatingOut, RectificationDetail, RectificationOut
from jiceng_shared.identity import Principal

#: the rectification shaped: the summary, or the detail built on it
Shaped = TypeVar("Shaped", bound=RectificationOut)


def rating_out(r: Rating, principal: Principal) -> RatingOut:
    data = {k: getattr(r, k) for k in RatingOut.model_fields if hasattr(r, k)}
    if not service.reaches_raters(principal):
        data["application_id"] = None
    return RatingOut(**data, level_zh=rules.LEVELS[r.level], channel_zh=rules.CHANNEL_LABELS[r.channel])


def rectification_out(row: Rectification, principal: Principal, model: type[Shaped], **extra: object) -> Shaped:
    data = {k: getattr(row, k) for k in RectificationOut.model_fields if hasattr(row, k)}
    if not (service.reaches_raters(principal) or service.may_handle(principal, row)):
        data["application_id"] = None
    return model(
        **data,
        level_zh=rules.LEVELS[row.level],
        status_zh=rules.STATUS_LABELS[row.status],
        outcome_zh=rules.OUTCOME_LABELS.get(row.outcome or ""),
        **extra,
    )


def rectification_detail(principal: Principal, row: Rectification) -> RectificationDetail:
    contact = row.callback_contact if service.may_handle(principal, row) else None
    return rectification_out(row, principal, RectificationDetail, callback_contact=contact)


def public_rating_out(receipt_number: str, rating: Rating) -> PublicRatingOut:
    return PublicRatingOut(
        receipt_number=receipt_number,
        level=rating.level,
        level_zh=rules.LEVELS[rating.level],
        rated_at=rating.rated_at,
        follow_up=rating.bad,
    )
