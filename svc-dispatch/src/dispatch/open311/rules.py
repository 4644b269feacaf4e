"""Pure rules of the Open311 adapter: the date window of a search, the public text of a request."""

from __future__ import annotations

import datetime as dt
import re

#: digit runs long enough to be a phone or an identity number: kept out of what the public reads
_NUMBERS = re.compile(r"(?<!\d)(\d[\d -]{5,}\d)(?!\d)")


def search_window(
    start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime, *, max_days: int
) -> tuple[dt.datetime, dt.datetime]:
    """The ``requested_datetime`` window of GET requests.json: the spec's default is the last
    ``max_days`` days; a window given may not span more (nor end before it starts)."""
    span = dt.timedelta(days=max_days)
    if start is None and end is None:
        return now - span, now
    if start is None:
        start = end - span  # type: ignore[operator]
    if end is None:
        end = min(now, start + span)
    if end < start:
        raise ValueError("end_date is before start_date")
    if end - start > span:
        raise ValueError(f"start_date to end_date spans more than {max_days} days")
    return start, end


def public_text(text: str) -> str:
    """A description as anyone may read it: phone and identity numbers masked."""
    return _NUMBERS.sub(lambda m: "*" * len(m.group(1)), text)
