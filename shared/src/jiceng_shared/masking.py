"""Masking personal data in lists (domain.md: least privilege, full records only where audited)."""

from __future__ import annotations

import re

#: a mainland mobile number (11 digits from 13x to 19x)
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mask_id_number(number: str, *, keep_start: int = 6, keep_end: int = 4) -> str:
    """The area code and the last characters stay: 320971********123X; a short number is all stars."""
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]


def mask_person_name(name: str) -> str:
    """A person's name in a public list: the surname stays, the rest are stars (王小明 → 王**, 张某 → 张*)."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    """The one phone mask of the platform: a mobile number keeps its first 3 and last 4 digits
    (138****5678); any other number (a landline with its area code, an extension) only its last 4,
    since its first digits would name the caller's town; 4 characters or fewer are all stars."""
    if phone is None:
        return None
    phone = phone.strip()
    if len(phone) <= 4:
        return "*" * len(phone)
    keep_start = 3 if MOBILE.match(phone) else 0
    return phone[:keep_start] + "*" * (len(phone) - keep_start - 4) + phone[-4:]
