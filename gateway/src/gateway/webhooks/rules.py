"""What a department system may receive, and when a failed delivery is tried again (pure rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.identity import Binding

#: the permission to subscribe (role dept_system, shared/src/jiceng_shared/policy/gateway.toml)
SUBSCRIBE = "webhooks.subscribe"

#: the department code of the 12345 hotline platform (the county file's departments); its
#: system also receives the events of the tickets it originated (``source == "hotline"``)
HOTLINE_DEPT = "h12345"


class EventType(LabelledEnum):
    """The events a department system may subscribe to: each names a ticket's township and unit."""

    TICKET_ASSIGNED = "dispatch.ticket.assigned", "工单已派发"
    TICKET_ESCALATED = "dispatch.ticket.escalated", "工单已升级督办"
    TICKET_HANDLED = "dispatch.ticket.handled", "工单已反馈办理结果"
    TICKET_CLOSED = "dispatch.ticket.closed", "工单已办结"
    TICKET_REOPENED = "dispatch.ticket.reopened", "工单已重办"
    SUMMONS_ISSUED = "dispatch.summons.issued", "吹哨报到"
    CALLBACK_RECORDED = "dispatch.callback.recorded", "回访结果已记录"


class SubscriptionStatus(LabelledEnum):
    ACTIVE = "active", "有效"
    UNSUBSCRIBED = "unsubscribed", "已退订"


class DeliveryStatus(LabelledEnum):
    PENDING = "pending", "待推送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "推送失败"
    CANCELLED = "cancelled", "已取消"


class AttemptOutcome(LabelledEnum):
    DELIVERED = "delivered", "已送达"
    RETRY = "retry", "失败，将重试"
    FAILED = "failed", "失败，不再重试"
    GONE = "gone", "接收方已注销(410)，退订"


def units_of(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    units = [data.get("unit")] + list(data.get("cooperating_units") or [])
    return [u for u in units if isinstance(u, Mapping)]


def in_scope(bindings: Iterable[Binding], event_type: str, data: Mapping[str, Any]) -> bool:
    """The scope rule: an event reaches a department system only when

    - its type is one of :class:`EventType`, and
    - its township lies in the area of one of the system's ``dept_system`` bindings, and
    - that binding's department is the ticket's handling unit (or a cooperating unit), or the
      binding is the hotline platform's and the ticket came from the hotline (``source``).

    Anything else (another department's ticket, another township's) is never delivered.
    """
    if event_type not in EventType._value2member_map_:
        return False
    township = data.get("township_code")
    if not isinstance(township, str):
        return False
    depts = {u.get("dept") for u in units_of(data)}
    for binding in bindings:
        if not township.startswith(binding.prefix) or binding.dept is None:
            continue
        if binding.dept in depts or (binding.dept == HOTLINE_DEPT and data.get("source") == "hotline"):
            return True
    return False


def next_attempt(failures: int, now: dt.datetime, schedule: Sequence[float]) -> dt.datetime | None:
    """After the ``failures``-th failed attempt in a row: when to try again, or None to give up.

    ``schedule`` is GATEWAY_WEBHOOK_RETRY_SECONDS, the delays after the 1st, 2nd... failure
    (default the Standard Webhooks example: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    """
    if failures < 1 or failures > len(schedule):
        return None
    return now + dt.timedelta(seconds=schedule[failures - 1])
