"""Pure rules about officers (no I/O): certificate validity and the officer pair (行政处罚法 art. 42)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from jiceng_shared.errors import Problem


class OfficerLike(Protocol):
    username: str
    township_code: str
    valid_from: dt.date
    valid_until: dt.date


def certificate_valid(officer: OfficerLike, on: dt.date) -> bool:
    return officer.valid_from <= on <= officer.valid_until


def check_officer_pair(
    usernames: Sequence[str],
    officers: Mapping[str, OfficerLike],
    *,
    township_code: str,
    on: dt.date,
    min_officers: int = 2,
) -> list[str]:
    """The distinct officers who may act together on ``on`` in the township; raises the first reason not.

    Art. 42: at least ``min_officers`` distinct officers, each with a valid enforcement certificate.
    """
    distinct = list(dict.fromkeys(usernames))
    if len(distinct) < min_officers:
        raise Problem(
            422,
            "two_officers_required",
            "Not enough officers",
            f"at least {min_officers} distinct officers with valid certificates are required "
            f"(行政处罚法 art. 42); got {len(distinct)}",
        )
    invalid = [u for u in distinct if u not in officers or not certificate_valid(officers[u], on)]
    if invalid:
        raise Problem(
            422,
            "certificate_invalid",
            "Certificate not valid",
            f"no enforcement certificate valid on {on} for: {', '.join(invalid)}",
            officers=invalid,
        )
    outside = [u for u in distinct if officers[u].township_code != township_code]
    if outside:
        raise Problem(
            422,
            "officer_outside_township",
            "Officer of another township",
            f"not officers of township {township_code}: {', '.join(outside)}",
            officers=outside,
        )
    return distinct
