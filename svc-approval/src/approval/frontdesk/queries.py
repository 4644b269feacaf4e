"""Response shaping of the front desk: posts and inquiries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from approval.applications import queries as applications
from approval.applications.models import Application
from approval.applications.schemas import ApplicationOut
from approval.frontdesk import rules
from approval.frontdesk.models import Inquiry, InquiryStep, Post
from approval.frontdesk.schemas import InquiryDetail, InquiryOut, InquiryStepOut, PostOut, QueueOut

#: the inquiry shaped: the summary, or the detail built on it
Shaped = TypeVar("Shaped", bound=InquiryOut)


def post_out(p: Post) -> PostOut:
    return PostOut(
        **{k: getattr(p, k) for k in PostOut.model_fields if hasattr(p, k)},
        on_duty_username=p.b_username if p.a_absent else p.a_username,
    )


def inquiry_out(i: Inquiry, model: type[Shaped], **extra: object) -> Shaped:
    return model(
        **{k: getattr(i, k) for k in InquiryOut.model_fields if hasattr(i, k)},
        channel_zh=rules.CHANNEL_LABELS.get(i.channel, i.channel),
        status_zh=rules.STATUS_LABELS[i.status],
        **extra,
    )


def inquiry_detail(i: Inquiry, steps: list[InquiryStep]) -> InquiryDetail:
    timeline = [InquiryStepOut(at=s.at, action=s.action, note=s.note, actor_name=s.actor_name) for s in steps]
    return inquiry_out(i, InquiryDetail, inquirer_contact=i.inquirer_contact, timeline=timeline)


def queue_out(serving: Iterable[str], inquiries: Iterable[Inquiry], apps: Iterable[Application]) -> QueueOut:
    """A clerk's queue: the posts served, then the inquiries and applications waiting."""
    return QueueOut(
        serving=sorted(serving),
        inquiries=[inquiry_out(i, InquiryOut) for i in inquiries],
        applications=[applications.application_out(a, ApplicationOut) for a in apps],
    )
