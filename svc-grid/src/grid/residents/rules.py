"""Pure rules of resident records (no I/O): identity numbers, phone numbers, masking, special groups."""

from __future__ import annotations

import datetime as dt
import re

from jiceng_shared.errors import FieldErrors

#: the special-group registers a grid keeps (002 art. 11) and the care groups of the visit schedule
#: (002 art. 19), with their official labels
SPECIAL_GROUPS = {
    "families_in_difficulty": "困难家庭",
    "single_parent_family": "单亲家庭",
    "empty_nest_elderly": "空巢老人",
    "left_behind_children": "留守儿童",
    "idle_youth": "闲散青少年",
    "floating_population": "流动人口",
    "disabled": "残疾人",
    "community_corrections": "社区矫正对象",
    "drug_rehabilitation": "戒毒康复人员",
    "released_prisoners": "刑满释放人员",
    # the further groups the visit schedule names (002 art. 19)
    "solitary_elderly": "独居老人",
    "orphan": "孤儿",
    "single_mother_in_difficulty": "困难单亲母亲",
    "entitled_group": "优抚对象",
}

#: GB 11643-1999: weights of the 17 digits, and the check character for each remainder mod 11
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def check_character(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def valid_id_number(number: str) -> bool:
    """18 characters: 6-digit area, birth date YYYYMMDD, 3-digit sequence, check character (GB 11643)."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_character(number[:17]) == number[17]


def mask_phone(phone: str | None, *, keep_start: int = 3, keep_end: int = 4) -> str | None:
    """Mobile numbers keep their first 3 and last 4 digits (138****5678); others the last 4."""
    if phone is None:
        return None
    if not MOBILE.match(phone):
        keep_start = 0
    return phone[:keep_start] + "*" * (len(phone) - keep_start - keep_end) + phone[-keep_end:]


def check_resident(*, id_number: str, phone: str | None, special_groups: list[str]) -> FieldErrors:
    errors = FieldErrors()
    if not valid_id_number(id_number):
        errors.add("id_number", "invalid_id_number", "not a valid 18-character resident identity number (GB 11643)")
    if phone is not None and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        errors.add("phone", "invalid_phone", "an 11-digit mobile number or a landline with its area code")
    for i, group in enumerate(special_groups):
        if group not in SPECIAL_GROUPS:
            errors.add(f"special_groups.{i}", "unknown_special_group", f"{group!r} is not a special-group register")
    return errors
