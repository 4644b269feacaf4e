"""Masking personal data in lists (domain.md: least privilege, full records only where audited)."""

from __future__ import annotations


def mask_id_number(number: str, *, keep_start: int = 6, keep_end: int = 4) -> str:
    """The area code and the last characters stay: 320971********123X; a short number is all stars."""
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]


def mask_name(name: str) -> str:
    """A person's name in a list: the family name and one asterisk per other character (王** for 王秀英)."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name
