"""Masking personal data in lists (domain.md: least privilege, full records only where audited)."""

from __future__ import annotations


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
