"""Pure rules of resident records (no I/O): identity numbers, phone numbers, masking, special groups."""

from __future__ import annotations

import datetime as dt
import re

from jiceng_shared.errors import FieldErrors
from jiceng_shared.masking import MOBILE

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


def check_resident(*, id_number: str | None, phone: str | None, special_groups: list[str]) -> FieldErrors:
    errors = FieldErrors()
    if id_number is not None and not valid_id_number(id_number):
        errors.add("id_number", "invalid_id_number", "not a valid 18-character resident identity number (GB 11643)")
    if phone is not None and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        errors.add("phone", "invalid_phone", "an 11-digit mobile number or a landline with its area code")
    for i, group in enumerate(special_groups):
        if group not in SPECIAL_GROUPS:
            errors.add(f"special_groups.{i}", "unknown_special_group", f"{group!r} is not a special-group register")
    return errors


#: the fields each register keeps for its people beyond the common record (002 art. 11); dates are ISO
GROUP_FIELDS: dict[str, dict[str, str]] = {
    "community_corrections": {"term_start": "date", "term_end": "date", "supervising_office": "text"},
    "drug_rehabilitation": {"programme_start": "date", "programme_end": "date", "supervising_office": "text"},
    "released_prisoners": {"released_on": "date", "resettlement_contact": "text"},
    "disabled": {"certificate_no": "text", "grade": "text", "kind": "text"},
    "floating_population": {"arrived_on": "date", "from_place": "text", "residence_permit_no": "text"},
    "families_in_difficulty": {"assistance": "text"},
    "left_behind_children": {"guardian": "text", "parents_working_in": "text"},
    "entitled_group": {"category": "text"},
}
#: pairs of date fields that make a term: the end may not be before the start
TERMS = (("term_start", "term_end"), ("programme_start", "programme_end"))


def check_group_details(groups: list[str], details: dict[str, dict[str, object]]) -> FieldErrors:
    errors = FieldErrors()
    for group, fields in details.items():
        if group not in groups:
            errors.add(f"group_details.{group}", "group_details_without_group", "the person is not on this register")
            continue
        allowed = GROUP_FIELDS.get(group, {})
        for name, value in fields.items():
            kind = allowed.get(name)
            where = f"group_details.{group}.{name}"
            if kind is None:
                errors.add(where, "unknown_group_field", f"the {group} register has no field {name!r}")
            elif kind == "date":
                try:
                    dt.date.fromisoformat(str(value))
                except ValueError:
                    errors.add(where, "invalid_date", "an ISO date (YYYY-MM-DD)")
            elif not isinstance(value, str) or len(value) > 200:
                errors.add(where, "invalid_text", "a text of at most 200 characters")
        for start, end in TERMS:
            if start in fields and end in fields:
                try:
                    if dt.date.fromisoformat(str(fields[end])) < dt.date.fromisoformat(str(fields[start])):
                        errors.add(f"group_details.{group}.{end}", "period_reversed", "the term ends before it starts")
                except ValueError:
                    pass
    return errors


def visible_groups(groups: list[str], sensitive: frozenset[str], may_see_sensitive: bool) -> list[str]:
    """Least privilege: membership of a sensitive register is shown only to those who need it."""
    return [g for g in groups if may_see_sensitive or g not in sensitive]
