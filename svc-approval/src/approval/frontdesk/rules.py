"""Pure rules of the front desk: whose queue a clerk serves (AB岗) and who may act on an inquiry (首问负责)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from approval.frontdesk.schemas import InquiryChannel, InquiryStatus

STATUS_LABELS = InquiryStatus.labels()
CHANNEL_LABELS = InquiryChannel.labels()


@dataclass(frozen=True)
class PostState:
    a_username: str
    b_username: str
    a_absent: bool


def serves(me: str, posts: Iterable[PostState]) -> set[str]:
    """The clerks whose queue ``me`` serves: their own, and each absent A post's they back up."""
    return {me} | {p.a_username for p in posts if p.b_username == me and p.a_absent}


def may_act(me: str, owner: str | None, posts: Iterable[PostState]) -> bool:
    """Only the owner acts until an explicit handover; the B post acts for an absent A."""
    return owner is not None and owner in serves(me, posts)
