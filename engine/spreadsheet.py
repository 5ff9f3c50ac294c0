"""Spreadsheets (.xlsx) as an office keeps its ledgers: rows written one after another,
each value in a cell of its type (dates as dates), with a few styles.

Written with XlsxWriter in its constant-memory mode: each row goes to a temporary file as it
is written, so a county's list of tens of thousands of rows is never held whole. Writing is
all XlsxWriter does, and it does it three times as fast as openpyxl's write-only mode (a
list of 27,000 rows, every cell styled: 4.1 s against 13.1 s), which was half of
`lantian report` on a large ledger. The tests read the files back with openpyxl.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from ._fsutil import temporary_file_error
from .check_output import printable
from .errors import ErrorCode, LantianError

#: Characters XLSX cannot store: the XML 1.0 controls, and lone surrogates (which no file
#: is written with; the loaders refuse them, this is for what a ledger may hold).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

#: Excel's limits: rows on a sheet, characters in a cell, and in a page header's text (the
#: last two counted in UTF-16 units, as Excel counts them).
MAX_ROWS = 1_048_576
_CELL_MOST = 32_767
_HEADER_MOST = 255

Style = Literal["plain", "bold", "heading", "wrapped"]

#: The styles cells are written in, as XlsxWriter's format properties.
_STYLES: dict[Style, dict[str, Any]] = {
    "plain": {},
    "bold": {"bold": True},
    "heading": {"bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "text_wrap": True},
    "wrapped": {"valign": "top", "text_wrap": True},
}


def _cut(text: str, most: int) -> str:
    """``text`` in at most ``most`` UTF-16 units (a character past U+FFFF takes two), ending
    in … when cut."""
    if len(text) * 2 <= most:
        return text
    widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
    if sum(widths) <= most:
        return text
    used = 0
    for index, width in enumerate(widths):
        if used + width > most - 1:  # room for the …
            return text[:index] + "…"
        used += width
    return text


def _cell_text(value: str) -> str:
    """Text a cell can hold: control characters (from a ledger another program wrote into),
    which XLSX cannot store, written as their escapes; cut with … past a cell's limit."""
    return _cut(_ILLEGAL.sub(lambda match: printable(match.group()), value), _CELL_MOST)


class Sheet:
    """One sheet being written, top row first. Each row is written as it is given."""

    def __init__(self, book: Any, name: str, formats: dict[tuple[Style, bool], Any], target: Path) -> None:
        self._book = book
        self._name = name
        self._sheet = book.add_worksheet(name)
        self._formats = formats  #: the workbook's, shared by its sheets
        self._target = target
        self._next = 0
        # openpyxl's margins, which these sheets were printed with before (inches).
        self._sheet.set_margins(left=0.75, right=0.75, top=1, bottom=1)

    def _format(self, style: Style, date: bool) -> Any:
        key = (style, date)
        if key not in self._formats:
            properties = dict(_STYLES[style])
            if date:
                properties["num_format"] = "yyyy-mm-dd"
            self._formats[key] = self._book.add_format(properties) if properties else None
        return self._formats[key]

    def too_many(self, rows: int) -> None:
        """Refuse (IO_017) before writing a sheet that would hold ``rows`` rows past Excel's limit."""
        if rows > MAX_ROWS:
            raise LantianError.of(ErrorCode.IO_017, str(self._target), file=self._target.name, sheet=self._name, rows=f"{rows:,}", limit=f"{MAX_ROWS:,}")

    def append(self, values: Iterable[Any] = (), *, style: Style = "plain") -> None:
        """A row of ``values``: text as text (never read as a number or a formula), numbers,
        dates, and None as an empty cell; every cell in ``style``."""
        row = self._next
        self.too_many(row + 1)
        sheet = self._sheet
        plain, dated = self._format(style, False), self._format(style, True)  # once a row: a county's list has 400,000 cells
        for column, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(row, column, _cell_text(value), plain)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value, plain)
            elif isinstance(value, (int, float)):
                sheet.write_number(row, column, value, plain)
            elif isinstance(value, dt.date):
                sheet.write_datetime(row, column, value, dated)
            elif value is None:
                sheet.write_blank(row, column, None, plain)
            else:
                raise TypeError(f"a cell cannot hold {type(value).__name__}")
        self._next += 1

    def table(self, heading: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """A table of figures under the last: a blank row, its heading in bold, its column
        names, then its rows (text wrapped)."""
        self.append()
        self.append([heading], style="bold")
        self.append(columns, style="heading")
        for row in rows:
            self.append(row, style="wrapped")

    def widths(self, widths: Iterable[float]) -> None:
        """Each column's width, in characters, from the first."""
        for column, width in enumerate(widths):
            self._sheet.set_column(column, column, width)

    def list_view(self, columns: int, rows: int) -> None:
        """The first row stays in view and filters the ``rows`` below it, ``columns`` wide."""
        self.too_many(rows + 1)
        self._sheet.freeze_panes(1, 0)
        self._sheet.autofilter(0, 0, rows, columns - 1)

    def print_as_list(self, heading: str) -> None:
        """Printed as the PDF list is: A4 landscape, every column on the page's width, the
        first row on every page, ``heading`` at the top and "第 n 页 共 m 页" at the foot."""
        self._print(heading, landscape=True)
        self._sheet.repeat_rows(0)
        self._sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)

    def print_as_table(self, heading: str) -> None:
        """Printed on A4 upright, every column on the page's width, ``heading`` at the top and
        "第 n 页 共 m 页" at the foot: a sheet of figures and totals."""
        self._print(heading, landscape=False)

    def _print(self, heading: str, *, landscape: bool) -> None:
        sheet = self._sheet
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages as the rows need
        sheet.center_horizontally()
        # & starts a code in Excel's header text. Escaped as &&, an office named "AT&G"
        # would still read to XlsxWriter as asking for a picture (&G), and the header would
        # be dropped: the heading says ＆, as Chinese text writes it anyway.
        text = _cut(heading.replace("&", "＆"), _HEADER_MOST - 2)
        sheet.set_header("&C" + text, {"margin": 0.5})
        sheet.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.5})


class _Kept(io.BytesIO):
    """The workbook's bytes, never closed by anyone but their owner: after a failed write, the
    ZIP file XlsxWriter had open on them is collected later and writes its end then; closed
    before it, it would report "I/O operation on closed file" as a stray traceback."""

    def close(self) -> None:
        pass


def workbook_bytes(build: Callable[[Callable[[str], Sheet]], None], target: Path) -> bytes:
    """The workbook ``build`` writes, given a function that adds a sheet of a name, as .xlsx
    bytes, for ``target``. The rows wait in temporary files until the workbook is put
    together: no room for them is IO_012, named for ``target``, and leaves nothing behind."""
    import xlsxwriter
    import xlsxwriter.exceptions

    folder = None
    try:
        folder = tempfile.mkdtemp(prefix="lantian-xlsx-")
        buffer = _Kept()
        book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "tmpdir": folder})
        formats: dict[tuple[Style, bool], Any] = {}
        try:
            build(lambda name: Sheet(book, name, formats, target))
            book.close()
        finally:
            for sheet in book.worksheets():
                # A failed workbook's row files, closed so that the folder can go (on
                # Windows an open file cannot); closing may fail again on a full disk.
                with contextlib.suppress(OSError):
                    if sheet.row_data_fh is not None and not sheet.row_data_fh_closed:
                        sheet.row_data_fh.close()
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

