"""The responsibility list as a spreadsheet (CSV or XLSX through openpyxl): one row per item.

The format (README "Deploying for your county"): a header row with exactly these column codes, in
this order, then one row per item (事项), items of a domain (领域) together:

=================  ================================================================================
column             meaning
=================  ================================================================================
domain_code        the domain's code (D01 …); every row of a domain carries the same name
domain_zh          the domain's name (自然资源和规划)
item_code          the item's code, unique in the list (D01-01 …)
item_zh            the item (违法占用耕地建设的查处)
category           the event category the item routes (a code of GET /categories; at most one
                   item per category; empty for a duty no event report starts)
primary_kind       the kind of the unit with primary responsibility (主体责任):
                   township_office | stationed_office | county_department
primary_dept       its department code (cle, psb, nrp …)
cooperating        the cooperating units, ``kind:dept`` separated by ``|`` (may be empty)
township_duties    the township's cooperating duties (配合责任), free text
basis              the basis (依据): laws, regulations, documents
=================  ================================================================================

A CSV is UTF-8 (a byte-order mark is accepted); an XLSX is read from its first worksheet. Every
cell is text. Reading only parses; the checks of a list are the service's (every bad row at once).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import load_workbook

from jiceng_shared import spreadsheets

COLUMNS = (
    "domain_code",
    "domain_zh",
    "item_code",
    "item_zh",
    "category",
    "primary_kind",
    "primary_dept",
    "cooperating",
    "township_duties",
    "basis",
)
CSV_TYPE = "text/csv"
XLSX_TYPE = spreadsheets.XLSX_MEDIA_TYPE
#: a file of either format, told apart by its content (an XLSX workbook is a ZIP archive)
BINARY_TYPE = "application/octet-stream"
ZIP_MAGIC = b"PK\x03\x04"
SHEET_TITLE = "属地管理责任清单"


class SheetError(ValueError):
    """The file is not a spreadsheet of this format at all (not readable, wrong header)."""


@dataclass(frozen=True)
class Row:
    #: the row number as a spreadsheet shows it (the header is row 1)
    number: int
    cells: dict[str, str]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(table: list[list[object]]) -> list[Row]:
    if not table:
        raise SheetError("the file is empty")
    header = [_cell(v) for v in table[0]]
    while header and header[-1] == "":
        header.pop()
    if tuple(header) != COLUMNS:
        raise SheetError(f"the header row must be exactly: {','.join(COLUMNS)}")
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue  # blank lines are not items
        cells += [""] * (len(COLUMNS) - len(cells))
        rows.append(Row(number, dict(zip(COLUMNS, cells, strict=False))))
    return rows


def read_csv(data: bytes) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError("a CSV file must be UTF-8") from exc
    return _rows([list(r) for r in csv.reader(io.StringIO(text))])


def read_xlsx(data: bytes) -> list[Row]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException … for non-XLSX input
        raise SheetError("the file is not an XLSX workbook") from exc
    try:
        sheet = book.worksheets[0]
        return _rows([list(r) for r in sheet.iter_rows(values_only=True)])
    finally:
        book.close()


def write_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_xlsx(rows: list[list[str]]) -> bytes:
    # empty cells stay empty (None), so a round trip reads back what was written
    cells = ([value if value != "" else None for value in row] for row in rows)
    return spreadsheets.write_xlsx(SHEET_TITLE, COLUMNS, cells, freeze_header=True)
