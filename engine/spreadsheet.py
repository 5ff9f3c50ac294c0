"""Spreadsheets (.xlsx) as an office keeps its ledgers: rows written one after another,
each value in a cell of its type (dates as dates), with a few styles.

Written with XlsxWriter in its constant-memory mode: each row goes to a temporary file as it
is written, so a county's list of tens of thousands of rows is never held whole. Writing is
all XlsxWriter does, and it does it three times as fast as openpyxl's write-only mode (a
list of 27,000 rows, every cell styled: 4.1 s against 13.1 s), which was half of
`lantian report` on a large ledger. The tests read the files back with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ._fsutil import temporary_file_error
from .check_output import printable

#: Characters XLSX cannot store (the XML 1.0 controls).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: Excel's limit on a page header's text.
_HEADER_MOST = 255


def cell_text(value: Any) -> Any:
    """A value a cell can hold: control characters (from a ledger another program wrote
    into), which XLSX cannot store, written as their escapes."""
    return _ILLEGAL.sub(lambda match: printable(match.group()), value) if isinstance(value, str) else value


#: The styles cells are written in, by name, as XlsxWriter's format properties.
STYLES: dict[str, dict[str, Any]] = {
    "plain": {},
    "bold": {"bold": True},
    "heading": {"bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "text_wrap": True},
    "wrapped": {"valign": "top", "text_wrap": True},
}


class Sheet:
    """One sheet being written, top row first. Each row is written as it is given."""

    def __init__(self, book: Any, name: str) -> None:
        self._book = book
        self._sheet = book.add_worksheet(name)
        self._next = 0
        self._formats: dict[tuple[str, bool], Any] = {}

    @property
    def rows(self) -> int:
        """How many rows are written."""
        return self._next

    def _format(self, style: str, date: bool) -> Any:
        key = (style, date)
        if key not in self._formats:
            properties = dict(STYLES[style])
            if date:
                properties["num_format"] = "yyyy-mm-dd"
            self._formats[key] = self._book.add_format(properties) if properties else None
        return self._formats[key]

    def append(self, values: Iterable[Any] = (), *, style: str = "plain") -> None:
        """A row of ``values``: text as text (never read as a number or a formula), numbers,
        dates, and None as an empty cell; every cell in ``style``."""
        row = self._next
        sheet = self._sheet
        for column, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(row, column, cell_text(value), self._format(style, False))
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value, self._format(style, False))
            elif isinstance(value, (int, float)):
                sheet.write_number(row, column, value, self._format(style, False))
            elif isinstance(value, dt.date):
                sheet.write_datetime(row, column, value, self._format(style, True))
            elif value is None:
                sheet.write_blank(row, column, None, self._format(style, False))
            else:
                raise TypeError(f"a cell cannot hold {type(value).__name__}")
        self._next += 1

    def widths(self, widths: Iterable[float]) -> None:
        """Each column's width, in characters, from the first."""
        for column, width in enumerate(widths):
            self._sheet.set_column(column, column, width)

    def list_view(self, columns: int, rows: int) -> None:
        """The first row stays in view and filters the ``rows`` below it, ``columns`` wide."""
        self._sheet.freeze_panes(1, 0)
        self._sheet.autofilter(0, 0, rows, columns - 1)

    def print_as_list(self, heading: str) -> None:
        """Printed as the PDF list is: A4 landscape, every column on the page's width, the
        first row on every page, ``heading`` at the top and "第 n 页 共 m 页" at the foot."""
        sheet = self._sheet
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages as the rows need
        sheet.repeat_rows(0)
        sheet.center_horizontally()
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        # & starts a code in Excel's header text: an office named "A&B" is written "A&&B".
        heading = heading[: _HEADER_MOST - 2]
        escaped = heading.replace("&", "&&")
        while len(escaped) + 2 > _HEADER_MOST:  # Excel's limit; a longer header would not be set
            heading = heading[:-1]
            escaped = heading.replace("&", "&&")
        sheet.set_header("&C" + escaped)
        sheet.set_footer("&C第 &P 页 共 &N 页")


def workbook_bytes(build: Callable[[Callable[[str], Sheet]], None], target: Path) -> bytes:
    """The workbook ``build`` writes, given a function that adds a sheet of a name, as .xlsx
    bytes, for ``target``. The rows wait in temporary files until the workbook is put
    together: no room for them is IO_012, named for ``target``, and leaves nothing behind."""
    import xlsxwriter
    import xlsxwriter.exceptions

    folder = None
    try:
        folder = tempfile.mkdtemp(prefix="lantian-xlsx-")
        buffer = io.BytesIO()
        options = {"constant_memory": True, "tmpdir": folder, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        book = xlsxwriter.Workbook(buffer, options)
        try:
            build(lambda name: Sheet(book, name))
            book.close()
        finally:
            for sheet in book.worksheets():
                if sheet.row_data_fh is not None and not sheet.row_data_fh_closed:
                    sheet.row_data_fh.close()  # a failed workbook's: the folder goes below
        return buffer.getvalue()
    except (OSError, xlsxwriter.exceptions.FileCreateError) as exc:
        # close() wraps an error writing the parts it puts together in FileCreateError.
        failed = exc.args[0] if isinstance(exc, xlsxwriter.exceptions.FileCreateError) and exc.args else exc
        if not isinstance(failed, OSError) or failed.errno is None:
            raise
        raise temporary_file_error(failed, target) from None
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
