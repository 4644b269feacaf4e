"""Exports of results as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese headers)
and XLSX (openpyxl), with the columns in the order a county's organisation department files them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, Literal

from fastapi import Response

from jiceng_shared.spreadsheets import write_xlsx

Format = Literal["csv", "xlsx"]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: text a spreadsheet would run as a formula (a name from an event could start with "=")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """A cell as data: ``None`` empty, formula-like text quoted with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([safe(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    return write_xlsx(title, headers, ([safe(v) for v in row] for row in rows))


def download(name: str, fmt: Format, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """A file response: ``name`` without extension (ASCII, the download's file name)."""
    if fmt == "xlsx":
        body, media_type = to_xlsx(title, headers, rows), XLSX_MEDIA_TYPE
    else:
        body, media_type = to_csv(headers, rows), "text/csv; charset=utf-8"
    return Response(
        content=body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )
