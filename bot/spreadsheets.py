"""Writing /export's rows: CSV (UTF-8 with BOM, so spreadsheet programs show Khmer) or .xlsx with
typed cells (dates as dates, counts as numbers), from the same typed values (bot.views.export).

A spreadsheet runs a text cell that starts with = + - @ (or a tab or CR) as a formula. Citizens,
officers and Telegram names choose these texts, so: in CSV such a cell gets OWASP's leading quote;
in .xlsx every text cell is stored as text, which no program evaluates, and shows exactly as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def spreadsheet_safe(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _csv_text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()  # 2026-12-03T16:07:00+07:00
    return spreadsheet_safe(value)


def to_csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(name) for name in header])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: Iterable[list[object]], sheet: str = "complaints") -> bytes:
    """A write-only workbook: memory stays flat however many complaints it holds."""
    book = Workbook(write_only=True)
    page = book.create_sheet(sheet)
    page.freeze_panes = "A2"
    bold = Font(bold=True)
    page.append([_cell(page, name, font=bold) for name in header])
    for row in rows:
        page.append([_cell(page, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(page, value: object, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, datetime):  # Excel has no time zones: the Phnom Penh wall-clock time
        cell = WriteOnlyCell(page, value=value.replace(tzinfo=None))
        cell.number_format = DATE_FORMAT
    else:
        cell = WriteOnlyCell(page, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, even if it starts with "="
    if font is not None:
        cell.font = font
    return cell
