"""Pure rules of hearings (no I/O), their numbers as parameters (defaults: the law).

行政处罚法 (2021) art. 64: the party asks for a hearing within 5 working days of the notice
(rules-reference §7.1; counted in working days as the other periods of the procedure); the
hearing is notified at least 7 days before it is held; it is chaired by someone who did not
investigate the case; it is public unless it touches state secrets, business secrets or privacy.
An unjustified absence is a waiver. Art. 65: the decision follows the hearing record, so no
decision is made while the party may still ask, or before the hearing asked for is held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.errors import FieldErrors


class HearingStatus(LabelledEnum):
    REQUESTED = "requested", "已申请听证"
    WAIVED = "waived", "放弃听证"
    SCHEDULED = "scheduled", "已通知听证"
    HELD = "held", "已举行听证"
    #: the party stayed away without reason or left: a waiver (art. 64 (8))
    ABSENT = "absent", "当事人无正当理由缺席，视为放弃听证"


class StatementKind(LabelledEnum):
    STATEMENT = "statement", "陈述"
    DEFENCE = "defence", "申辩"


#: the hearing is over (or given up): the decision may follow
SETTLED = frozenset({HearingStatus.WAIVED, HearingStatus.HELD, HearingStatus.ABSENT})


class Calendar(Protocol):
    def deadline(self, start: dt.datetime, n: int) -> dt.datetime: ...

    def add_calendar_days(self, start: dt.datetime, n: int) -> dt.datetime: ...


def request_deadline(notified_at: dt.datetime, calendar: Calendar, workdays: int = 5) -> dt.datetime:
    """Art. 64 (1): the end of the ``workdays``-th working day after the notice, county time."""
    return calendar.deadline(notified_at, workdays)


def may_request(now: dt.datetime, deadline: dt.datetime) -> bool:
    """A request is in time through the last second of the deadline's day."""
    return now <= deadline


def earliest_hearing(notified_at: dt.datetime, notice_days: int = 7) -> dt.datetime:
    """Art. 64 (2): the hearing is held no sooner than ``notice_days`` days after the party is notified."""
    return notified_at + dt.timedelta(days=notice_days)


def check_schedule(
    *,
    now: dt.datetime,
    scheduled_for: dt.datetime,
    hearing_officer: str,
    case_officers: Sequence[dict[str, Any]],
    public: bool,
    not_public_reason: str | None,
    notice_days: int = 7,
) -> FieldErrors:
    """Every reason a hearing may not be scheduled so, at once."""
    errors = FieldErrors()
    if scheduled_for < earliest_hearing(now, notice_days):
        errors.add(
            "scheduled_for",
            "hearing_notice_too_short",
            f"the party is notified at least {notice_days} days before the hearing (行政处罚法 art. 64)",
        )
    if any(o["username"] == hearing_officer for o in case_officers):
        errors.add(
            "hearing_officer.username",
            "hearing_officer_is_case_officer",
            "the hearing is chaired by someone who did not investigate the case (art. 64 (4))",
        )
    if not public and not not_public_reason:
        errors.add(
            "not_public_reason",
            "not_public_reason_required",
            "a hearing is public unless it touches state secrets, business secrets or privacy: say which",
        )
    return errors


def decision_blocked(
    *, offered: bool, request_deadline: dt.datetime | None, hearing_status: str | None, now: dt.datetime
) -> str | None:
    """Why no decision may be made yet after a notice (the stable code), or None.

    - the party may still ask for a hearing: ``hearing_window_open``;
    - the party asked and the hearing is not held and recorded: ``hearing_pending``.
    """
    if not offered:
        return None
    if hearing_status is None:
        assert request_deadline is not None  # an offered hearing always has its deadline
        return "hearing_window_open" if may_request(now, request_deadline) else None
    return None if hearing_status in SETTLED else "hearing_pending"
