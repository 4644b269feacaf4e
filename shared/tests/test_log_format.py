"""Log lines carry their time in RFC 3339 (section 5.6's ``date-time``), the form log collectors
parse without a format string."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re

from jiceng_shared.observability import configure_logging

# RFC 3339 §5.6: full-date "T" full-time, where full-time ends with Z or ±hh:mm
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_every_log_line_has_an_rfc3339_time_in_utc(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("logtest")
        logging.getLogger("jiceng.logtest").warning("a line")
        logging.getLogger("uvicorn.error").error("another")
    finally:
        root.handlers[:], root.level = handlers, level
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert RFC3339.match(line["time"]), line["time"]
        at = dt.datetime.fromisoformat(line["time"])
        assert at.utcoffset() == dt.timedelta(0)
        assert abs((dt.datetime.now(dt.UTC) - at).total_seconds()) < 60
