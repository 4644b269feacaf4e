"""The one XLSX writer of the platform (openpyxl): a worksheet with a header row and data rows.

Each caller decides what a cell holds (dispatch writes empty cells as empty so a list reads back
as written; assessment quotes formula-like text); the workbook is made the same way everywhere.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: a worksheet's name is at most 31 characters (Excel)
MAX_TITLE = 31


def write_xlsx(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, freeze_header: bool = False
) -> bytes:
    """A workbook of one worksheet ``title``; ``freeze_header`` keeps the header row in view."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:MAX_TITLE]
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    if freeze_header:
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
