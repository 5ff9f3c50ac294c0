"""The typeset rectification list: line breaking, columns where they belong in the real PDF,
pages that hold what was set for them, and the rules image."""

from __future__ import annotations

import datetime as dt
import io
import random
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.fonts import FontError, find_cjk_font, smallest_copy
from engine.rectification import PAGE_PX, PDF_COLUMNS, SPARE_PX, Row, list_document, pdf_cells
from engine.settings import load_settings
from engine.typeset import EM, EN, LINE, PAD_X, Column, break_lines, compose, metrics_for, rules_svg, set_table
from helpers import EXAMPLES

try:
    FONT = find_cjk_font()
except FontError:  # no CJK font: the PDF tests are skipped below
    FONT = None
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font on this machine")


@pytest.fixture(scope="module")
def metrics():
    if FONT is None:
        pytest.skip("no CJK font on this machine")
    return metrics_for(smallest_copy(FONT))


def test_break_lines__chinese_breaks_anywhere_within_the_width(metrics) -> None:
    """Should fill each line up to the width, a Chinese character being one em (12 px)."""
    lines = break_lines("一二三四五六七八九十", 12 * 4, metrics)
    assert lines == ["一二三四", "五六七八", "九十"]


def test_break_lines__no_line_starts_with_closing_punctuation(metrics) -> None:
    """Should carry the character before a comma down with it, never leave the comma first."""
    lines = break_lines("一二三四，五六", 12 * 4, metrics)
    assert lines == ["一二三", "四，五六"]
    assert all(not line.startswith("，") for line in lines)


def test_break_lines__no_line_ends_with_an_opening_bracket(metrics) -> None:
    """Should move an opening bracket to the next line with what it opens."""
    lines = break_lines("一二三《四五六》", 12 * 4, metrics)
    assert lines[0] == "一二三" and lines[1].startswith("《")


def test_break_lines__numbers_and_codes_stay_whole(metrics) -> None:
    """Should not split 1.8 or GB20952-2020 when the line can hold them whole."""
    lines = break_lines("高度低于1.8米，不符合GB20952-2020", 12 * 8, metrics)
    assert any("1.8" in line for line in lines)
    assert any("GB20952-2020" in line for line in lines)
    assert all(metrics.width(line) <= 12 * 8 for line in lines)


def test_break_lines__a_run_longer_than_the_line_is_split(metrics) -> None:
    """Should split a run of letters that no line can hold, rather than overflow."""
    lines = break_lines("A" * 40, 60, metrics)
    assert len(lines) > 1 and all(metrics.width(line) <= 60 for line in lines)
    assert "".join(lines) == "A" * 40


def test_break_lines__keeps_the_writer_s_line_breaks(metrics) -> None:
    """Should start a new line where the text has one."""
    assert break_lines("严重\n程度", 100, metrics) == ["严重", "程度"]


def test_compose__cells_start_at_their_column_edges(metrics) -> None:
    """Should bring each cell's text to its column's edge with spaces and tabs only."""
    columns = (Column("甲", 60), Column("乙", 90), Column("丙", 48, "center"))
    lines = compose([["1.8米"], ["东关村"], ["重要"]], columns, metrics)
    assert len(lines) == 1
    text = lines[0]
    assert set(text) - set("1.8米东关村重要") <= {EM, EN, "\t"}, text
    assert text.index("1.8米") > 0 and text.index("东关村") > text.index("米")


def _sheet_lines(path: Path, page: int) -> list[list]:
    from pdf_glyphs import glyphs

    rows: dict[float, list] = {}
    for glyph in glyphs(path, page):
        rows.setdefault(round(glyph.y, 1), []).append(glyph)
    return [sorted(line, key=lambda g: g.x) for _, line in sorted(rows.items())]


def _segment_starts(line: list) -> list[tuple[float, str]]:
    """Where each run of text after a gap begins: a cell's first character."""
    starts = []
    after_gap = True
    for glyph in line:
        if glyph.char.isspace():
            after_gap = True
            continue
        if after_gap:
            starts.append((glyph.x, glyph.char))
        after_gap = False
    return starts


def _rows(count: int, seed: int) -> list[Row]:
    rng = random.Random(seed)
    words = ["围挡", "高度", "1.6米", "低于", "GB20952-2020", "（《中华人民共和国大气污染防治法》第六十九条）", "喷淋", "XX建设有限公司", "覆盖", "2处"]
    day = dt.date(2024, 11, 1)
    rows = []
    for number in range(1, count + 1):
        text = lambda low, high: "".join(rng.choice(words) for _ in range(rng.randint(low, high)))  # noqa: E731
        rows.append(Row(number, rng.choice(["东关村", "城关社区", "XX村"]), text(1, 3), "检查表", day, text(2, 8), rng.choice(["一般", "重要", "一票否决"]), text(1, 5), text(1, 2), rng.choice(["王工", "李XX"]), day + dt.timedelta(days=rng.randint(0, 40)), "待整改"))
    return rows


@pytest.fixture
def settings(tmp_path: Path):
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    return load_settings(tmp_path / "office.yaml")


@needs_font
def test_list_pdf__every_left_aligned_cell_starts_within_a_px_of_its_edge(tmp_path: Path, settings) -> None:
    """Should draw each left-aligned cell's text where its column begins, in the real PDF."""
    pytest.importorskip("weasyprint")
    from engine.render import write_pdfs

    document = list_document(_rows(40, 3), settings, tmp_path / "list.pdf", sites=40, today=dt.date(2024, 11, 30))
    (tmp_path / "list.pdf").write_bytes(write_pdfs([document])[0])
    edges, centred, left = [], [], 0
    for column in PDF_COLUMNS:
        (edges if column.align == "left" else centred).append((left + PAD_X, left, left + column.width))
        left += column.width
    hits = {edge: 0 for edge, _, _ in edges}
    checked = 0
    for page in range(len(PdfReader(str(tmp_path / "list.pdf")).pages)):
        lines = _sheet_lines(tmp_path / "list.pdf", page)
        heads = [index for index, line in enumerate(lines) if "".join(g.char for g in line).strip().startswith("序号")]
        if not heads:
            continue  # a page of totals
        origin = lines[heads[0]][0].x  # every line of the table starts at its left edge, with spaces
        for line in lines[heads[0] :]:
            if abs(line[0].x - origin) > 0.01:
                break  # the totals after the table
            for x, char in _segment_starts(line):
                offset = x - origin
                near = [edge for edge, _, _ in edges if abs(offset - edge) <= 0.6]
                inside_centred = any(start <= offset < end for _, start, end in centred)
                assert near or inside_centred, f"{char!r} drawn at {offset:.2f} px, on no column edge"
                for edge in near:
                    hits[edge] += 1
                checked += 1
    assert checked > 200
    assert all(count >= 40 for count in hits.values()), hits  # every left column, on every row


@needs_font
def test_list_pdf__each_set_page_is_one_pdf_page(tmp_path: Path, settings) -> None:
    """Should lay out every page exactly as set: no page's rows spill onto another."""
    pytest.importorskip("weasyprint")
    from engine.render import write_pdfs

    rows = _rows(50, 5)  # six pages
    document = list_document(rows, settings, tmp_path / "list.pdf", sites=50, today=dt.date(2024, 11, 30))
    (tmp_path / "list.pdf").write_bytes(write_pdfs([document])[0])
    table = set_table(PDF_COLUMNS, [pdf_cells(r) for r in rows], metrics_for(smallest_copy(FONT)), first_page=10**6, page=10**6)
    assert len(table.pages) == 1  # the same rows on one endless page: nothing lost in setting
    reader = PdfReader(str(tmp_path / "list.pdf"))
    pages = [page.extract_text() for page in reader.pages]
    set_pages = document.html.count('class="sheet')
    assert set_pages > 3
    assert len(pages) in (set_pages, set_pages + 1)  # the totals may need a page of their own
    for number, text in enumerate(pages[:set_pages]):
        assert "序号" in text, f"page {number + 1} has no column heads"


def test_set_table__a_row_taller_than_a_page_is_split(metrics) -> None:
    """Should split only a row that no page can hold, and keep every line of it."""
    columns = (Column("甲", 60), Column("乙", 120))
    long_text = "一" * 9 * 100  # 100 lines of nine characters
    table = set_table(columns, [["1", "短"], ["2", long_text], ["3", "短"]], metrics, first_page=PAGE_PX - SPARE_PX, page=PAGE_PX - SPARE_PX)
    assert len(table.pages) >= 3
    lines = sum(len(row.lines) for page in table.pages for row in page.rows)
    assert lines == 1 + 100 + 1
    assert all(page.height <= PAGE_PX - SPARE_PX for page in table.pages)


def test_set_table__a_row_that_does_not_fit_starts_the_next_page(metrics) -> None:
    """Should move a whole row to the next page rather than cut it."""
    columns = (Column("甲", 60),)
    head_lines = 1
    per_page = (200 // LINE) - head_lines
    rows = [["一" * 4 * (per_page - 1)]] + [["一" * 4 * 3]]  # the second cannot fit beside the first
    table = set_table(columns, rows, metrics, first_page=200, page=200)
    assert [len(page.rows) for page in table.pages] == [1, 1]


def test_rules_svg__draws_the_grid_and_refuses_anything_else() -> None:
    """Should make the rules image from its own URL only."""
    svg = rules_svg("lantian-rules:100x40:0,50,100:0,19,40")
    assert svg is not None and svg.startswith(b"<svg") and b"M50 0h1v40" in svg
    assert rules_svg("lantian-rules:100x40:0,50,100:0,19,40<script>") is None
    assert rules_svg("file:///etc/passwd") is None


@needs_font
@pytest.mark.parametrize("per_part", [1, 2])
def test_list_parts__each_page_once_no_part_empty(tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch, per_part: int) -> None:
    """Should cut a list into parts that hold every page once, in order, the head in the first
    part and the totals in the last only, whatever the run length (rounding to even pages
    once made an empty first part and the totals twice)."""
    from engine import rectification

    monkeypatch.setattr(rectification, "PAGES_PER_PART", per_part)
    document = list_document(_rows(40, 11), settings, tmp_path / "list.pdf", sites=40, today=dt.date(2024, 11, 30))
    sheets = document.html.count('class="sheet')
    assert document.parts and all('class="sheet' in part for part in document.parts)
    assert sum(part.count('class="sheet') for part in document.parts) == sheets
    totals = [part for part in document.parts if "问题数" in part]
    assert totals == [document.parts[-1]]


@needs_font
def test_list_pdf__rendered_in_parts_is_the_same_document(tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should give a long list rendered by two workers, part by part, the same pages and the
    same page numbers as one worker, with each font embedded once."""
    pytest.importorskip("weasyprint")
    from engine import rectification, render
    from engine.render import write_pdfs, write_pdfs_parallel

    # Parts of a page or two: the same cutting and joining as for a long list, in a fraction
    # of the pages, and so little work that the workers are started only when told to.
    monkeypatch.setattr(rectification, "PAGES_PER_PART", 1)
    monkeypatch.setattr(render, "PARALLEL_MINIMUM", 2)
    joins = []
    monkeypatch.setattr(render, "_join", lambda parts, title, join=render._join: joins.append(len(parts)) or join(parts, title))
    document = list_document(_rows(40, 11), settings, tmp_path / "list.pdf", sites=40, today=dt.date(2024, 11, 30))
    assert len(document.parts) >= 2
    whole = PdfReader(io.BytesIO(write_pdfs([document])[0]))
    (tmp_path / "parts.pdf").write_bytes(write_pdfs_parallel([document], workers=2)[0])
    joined = PdfReader(str(tmp_path / "parts.pdf"))
    assert joins == [len(document.parts)]
    assert len(joined.pages) == len(whole.pages)
    for number, (one, other) in enumerate(zip(whole.pages, joined.pages, strict=True), 1):
        assert one.extract_text() == other.extract_text()
        assert other.extract_text().rstrip().endswith(f"— {number} —")
    embedded: dict[str, set[int]] = {}
    for page in joined.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            embedded.setdefault(str(font.get_object()["/BaseFont"]), set()).add(descriptor.raw_get("/FontFile3").idnum)
    # The parts' copies of each font (the body's; the title's, of the list's head) were merged.
    assert embedded and all(len(files) == 1 for files in embedded.values()), embedded


def test_list_columns__headings_severity_and_status_on_one_line_each(metrics) -> None:
    """Should give the list's narrow columns room for what they hold without a break:
    村（社区）, 一票否决, and a status's second line 逾期102天."""
    from engine.rectification import PDF_COLUMNS

    width = {column.title: column.width - 2 * PAD_X for column in PDF_COLUMNS}
    for title, text in (("村（社区）", "村（社区）"), ("严重\n程度", "一票否决"), ("状态", "逾期102天"), ("序号", "序号"), ("整改期限", "2026-08-20")):
        assert break_lines(text, width[title], metrics) == [text], title
