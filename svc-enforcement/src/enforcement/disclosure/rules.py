"""Pure rules of disclosure (no I/O), numbers as parameters (defaults: the rules).

国办发〔2018〕118号 (rules-reference §7.3): a penalty decision is published within 7 working days of
the decision. 行政处罚法 art. 48: a published decision that is revoked, changed or held unlawful is
withdrawn within 3 working days. Personal data are masked: a person is named by surname only.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.masking import mask_person_name


class DisclosureStatus(LabelledEnum):
    PUBLISHED = "published", "已公示"
    WITHDRAWN = "withdrawn", "已撤回"


class Calendar(Protocol):
    def deadline(self, start: dt.datetime, n: int) -> dt.datetime: ...


def publication_due(decided_at: dt.datetime, calendar: Calendar, workdays: int = 7) -> dt.datetime:
    return calendar.deadline(decided_at, workdays)


def withdrawal_due(changed_at: dt.datetime, calendar: Calendar, workdays: int = 3) -> dt.datetime:
    return calendar.deadline(changed_at, workdays)


def late(at: dt.datetime, due: dt.datetime) -> bool:
    return at > due


def public_party(kind: str, name: str) -> str:
    """An organisation is named; a person by surname only (least personal data in public)."""
    return name if kind == "organisation" else mask_person_name(name)
