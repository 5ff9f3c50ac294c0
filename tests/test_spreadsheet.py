"""The spreadsheet writer, read back with openpyxl: each value in a cell of its type, text
never taken for a formula or a number, what XLSX cannot store escaped, Excel's limits kept."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from engine import spreadsheet
from engine.errors import ErrorCode, LantianError
from engine.spreadsheet import workbook_bytes
from helpers import ROOT

if sys.platform != "win32":
    import resource
    import signal


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


@pytest.mark.parametrize("office", ["某镇&某村" * 100, "𠮷" * 200, "AT&G镇人民政府", "A&[Picture]镇"], ids=["long", "past_the_bmp", "picture_code", "picture_name"])
def test_print_as_list__any_office_name__a_header_within_excel_s_limit(office: str) -> None:
    def build(add_sheet) -> None:
        sheet = add_sheet("表")
        sheet.print_as_list(office)
        sheet.append(["甲"])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # XlsxWriter warns, and drops the header, when it refuses one
        header = written(build)["表"].oddHeader.center.text
    assert header and len(header.encode("utf-16-le")) // 2 <= 253
    assert header.startswith(office.replace("&", "＆")[:10])


def test_text_past_a_cell_s_limit__cut_with_an_ellipsis() -> None:
    def build(add_sheet) -> None:
        add_sheet("表").append(["问" * 40_000, "𠮷" * 20_000, "短"])

    (row,) = written(build)["表"].iter_rows()
    assert row[0].value == "问" * 32_766 + "…"
    assert row[1].value == "𠮷" * 16_383 + "…"
    assert row[2].value == "短"


def test_more_rows_than_excel_takes__io_017_and_nothing_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)

    def build(add_sheet) -> None:
        sheet = add_sheet("整改清单")
        sheet.list_view(2, 3)  # a header and three rows: four

    with pytest.raises(LantianError) as refused:
        workbook_bytes(build, Path("清单.xlsx"))
    (problem,) = refused.value.problems
    assert problem.code is ErrorCode.IO_017 and "4 行" in problem.message and "整改清单" in problem.message


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_no_room_while_the_workbook_is_put_together__io_012_and_no_stray_traceback(tmp_path: Path) -> None:
    """Should give IO_012 when a part of the workbook cannot be written as it is put together
    (after its rows were), and no "Exception ignored" from the ZIP file XlsxWriter had open."""
    script = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from engine.errors import LantianError\n"
        "from engine.spreadsheet import workbook_bytes\n"
        "try:\n"
        "    workbook_bytes(lambda add_sheet: add_sheet('表').append(['甲']), Path('x.xlsx'))\n"
        "except LantianError as exc:\n"
        "    print(exc.problems[0].code.name)\n"
        "gc.collect()\n"
    )

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (5000, 5000))  # the rows fit; the theme's 7 KB do not
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "TMPDIR": str(temporary)}, preexec_fn=limit_file_size, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "IO_012", done.stderr
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert list(temporary.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=()), max_size=40), min_size=1, max_size=6))
def test_any_text__written_and_read_back_as_it_was_or_escaped(texts: list[str]) -> None:
    """Should write any text a ledger may hold (controls, lone surrogates, characters past
    U+FFFF) without failing, each cell reading back as the text, or with what XLSX cannot
    store written as its escape."""

    def build(add_sheet) -> None:
        add_sheet("表").append(texts)

    (row,) = written(build)["表"].iter_rows()
    # openpyxl leaves OOXML's _xHHHH_ escapes (a carriage return, a literal "_x0041_") as
    # written; Excel reads them as the characters: read back here as Excel does.
    read = [re.sub("_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), cell.value or "") for cell in row]
    assert read == [spreadsheet._cell_text(text) for text in texts]
    assert all(text == escaped for text, escaped in zip(texts, read, strict=True) if not spreadsheet._ILLEGAL.search(text))
