"""Pure rules of the front desk: whose queue a clerk serves (AB岗) and who may act on an inquiry (首问负责)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

STATUS_LABELS = {"queued": "待认领", "open": "首问负责办理中", "answered": "已答复"}
CHANNEL_LABELS = {
    "window": "窗口咨询",
    "phone": "电话咨询",
    "online": "网上咨询",
    "hotline_12345": "12345热线转办",
    "dispatch": "指挥中心转办",
}


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
