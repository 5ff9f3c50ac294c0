"""The spreadsheet writer, read back with openpyxl: each value in a cell of its type, text
never taken for a formula or a number, what XLSX cannot store escaped, Excel's limits kept."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import load_workbook

from engine.spreadsheet import workbook_bytes


def written(build) -> object:
    return load_workbook(io.BytesIO(workbook_bytes(build, Path("x.xlsx"))))


def test_values__each_in_a_cell_of_its_type_text_kept_as_typed() -> None:
    def build(add_sheet) -> None:
        sheet = add_sheet("表")
        sheet.append(["=HYPERLINK(\"http://x\")", "0371", "1e3", "http://例子.cn", "行\x01内", None, 3.5, 7, True, dt.date(2026, 8, 21)], style="wrapped")

    (row,) = written(build)["表"].iter_rows()
    assert [cell.value for cell in row[:6]] == ['=HYPERLINK("http://x")', "0371", "1e3", "http://例子.cn", "行\\x01内", None]
    assert [cell.data_type for cell in row[:5]] == ["s"] * 5  # text, never a formula, a number or a link
    assert [cell.value for cell in row[6:9]] == [3.5, 7, True]
    assert row[9].value == dt.datetime(2026, 8, 21) and row[9].number_format == "yyyy-mm-dd"
    assert all(cell.alignment.wrap_text and cell.alignment.vertical == "top" for cell in row)


def test_print_as_list__a_header_past_excel_s_limit__cut_to_it() -> None:
    def build(add_sheet) -> None:
        sheet = add_sheet("表")
        sheet.print_as_list("某镇&某村" * 100)
        sheet.append(["甲"])

    header = written(build)["表"].oddHeader.center.text
    assert 0 < len(header) <= 253 and header.startswith("某镇&&某村")
