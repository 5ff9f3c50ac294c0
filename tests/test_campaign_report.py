"""The campaign summary (整治情况汇总) as a clerk reads it: signed and dated at its end as the
notices are, its list of open problems numbered 1 to n with its header on every page, every
name in its charts in full, and the closure chart readable in black and white."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from engine.batch import run_batch
from engine.campaign_report import LABEL_EMS, _ems, label_lines, summarize
from engine.settings import load_settings
from helpers import EXAMPLES, RULES, dust_answers, office_folder, record
from pdf_text import page_texts

pytest.importorskip("weasyprint")

PT = 25.4 / 72  #: mm in a PDF point
#: GB/T 9704's type area on A4, in mm from the top-left corner (templates/css/official.css).
TEXT_LEFT, TEXT_RIGHT, TEXT_TOP, TEXT_BOTTOM = 28.0, 184.0, 37.0, 297.0 - 35.0
START, END, ISSUED = dt.date(2024, 10, 21), dt.date(2024, 12, 20), dt.date(2024, 12, 23)
LONG_VILLAGE = "XX镇城关街道办事处东关社区居民委员会"
HEADER = "序号村（社区）单位（点位）问题与整改要求期限／状态台账编号"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, list[str], Path]:
    """The example campaign, with two inspections in a village of a long name, recorded in a
    fresh ledger without their documents; its summary, issued three days after the period,
    and each page's text."""
    from engine import load_rules
    from engine.campaign_report import report_document
    from engine.render import write_pdfs

    root = office_folder(tmp_path_factory.mktemp("report"))
    settings = load_settings(root / "office.yaml")
    outcome = run_batch(EXAMPLES / "campaign", root / "out", load_rules(RULES), settings, ledger_path=settings.ledger, documents=False)
    assert not [p for p in outcome.problems if p.severity == "error"]
    inbox = root / "inbox"
    inbox.mkdir()
    for day in ("2024-11-05", "2024-11-06"):
        text = dust_answers({"hoarding_closed": "否", "stockpile_covered": "否"}, date=day).decode("utf-8")
        (inbox / f"{day}.yaml").write_text(text.replace("village: XX村", f"village: {LONG_VILLAGE}").replace("XX项目工地", f"{day}工地"), encoding="utf-8")
    record(inbox, root / "office.yaml")
    target = root / "整治情况汇总.pdf"
    (pdf,) = write_pdfs([report_document(summarize(settings.ledger, START, END), settings, target, today=ISSUED)])
    target.write_bytes(pdf)
    pages = [text.replace(" ", "").replace("\n", "") for text in page_texts(target)]
    return target, pages, settings.ledger


def _lines(path: Path, page: int) -> dict[float, list]:
    """The page's glyphs by line (mm from the top), each line in reading order."""
    from pdf_glyphs import glyphs

    lines: dict[float, list] = {}
    for glyph in glyphs(path, page, transforms=True):
        lines.setdefault(round(glyph.y * PT, 1), []).append(glyph)
    return {y: sorted(line, key=lambda g: g.x) for y, line in sorted(lines.items())}


def test_report__ends_with_the_office_over_the_day_it_is_issued(report) -> None:
    """Should end, as the notices do, with the office name centred over the day the summary
    is issued (not the period's last day: that is in its title), four characters in from the
    right edge of the text area."""
    path, pages, _ = report
    assert "（2024年10月21日至2024年12月20日）" in pages[0]
    text = {y: "".join(g.char for g in line).replace(" ", "") for y, line in _lines(path, len(pages) - 1).items()}
    assert list(text.values())[-4:] == ["XX镇人民政府", "2024年12月23日", "本汇总由整改台账生成。", f"—{len(pages)}—"]
    (date_y,) = [y for y, line in text.items() if line == "2024年12月23日"]
    (office_y,) = [y for y, line in text.items() if line == "XX镇人民政府"]
    assert office_y < date_y
    lines = _lines(path, len(pages) - 1)

    def span(y: float) -> tuple[float, float]:
        return lines[y][0].x * PT, (lines[y][-1].x + lines[y][-1].width) * PT

    (date_left, date_right), (office_left, office_right) = span(date_y), span(office_y)
    assert abs(date_right - (TEXT_RIGHT - 4 * 16 * PT)) < 1.0  # four 16 pt characters in
    assert abs((office_left + office_right) / 2 - (date_left + date_right) / 2) < 0.5


def test_report__open_problems_numbered_1_to_n_with_the_header_on_every_page(report) -> None:
    """Should number the list's rows 1, 2, 3… (the ledger's own number in a column of its own)
    and print the list's header at the top of every page it runs onto."""
    path, pages, ledger_path = report
    unclosed = summarize(ledger_path, START, END).unclosed
    first = next(n for n, text in enumerate(pages) if "四、尚未销号的问题" in text)
    assert len(pages) - first >= 3  # a list long enough to be worth the test
    numbers: list[int] = []
    for page in range(first, len(pages)):
        assert HEADER in pages[page], page
        lines = _lines(path, page)
        (header_y,) = [y for y, line in lines.items() if "".join(g.char for g in line).startswith("序号")]
        for y, line in lines.items():
            # The 序号 column is the table's first 7 %; the page number sits below the text area.
            cell = "".join(g.char for g in line if g.x * PT < TEXT_LEFT + 0.07 * (TEXT_RIGHT - TEXT_LEFT))
            if header_y < y < TEXT_BOTTOM and cell.isdigit():  # not the note after the list
                numbers.append(int(cell))
    assert numbers == list(range(1, len(unclosed) + 1))
    listed = "".join(pages[first:])
    assert all(re.search(rf"{re.escape(row.deadline.isoformat())}.*?{row.finding_id}", listed) for row in unclosed)


def test_report__chart_names_in_full(report) -> None:
    """Should print every checklist's title and every village's name in the charts in full,
    however long, on as many lines as it takes: none cut short with "…"."""
    path, pages, ledger_path = report
    summary = summarize(ledger_path, START, END)
    titles = [title for title, _ in summary.by_checklist]
    assert len(titles) == 7 and max(len(title) for title in titles) > LABEL_EMS  # every checklist, some too long for a line
    assert LONG_VILLAGE in [village for village, _ in summary.by_village]
    charts = "".join(text for text in pages if "图" in text)
    assert "…" not in charts
    for name in [*titles, LONG_VILLAGE]:
        assert name in charts, name


def test_report__closure_chart_has_a_legend_and_fills_told_apart_without_colour(report) -> None:
    """Should draw, with the closure chart, a legend of its three fills, and tell them apart
    in black and white: solid, hatched (a pattern) and empty; the caption names no colour."""
    path, pages, _ = report
    (page,) = [n for n, text in enumerate(pages) if "图4" in text]
    assert "已销号整改中待整改" in pages[page]
    assert not re.search(r"[绿橙灰红]：", pages[page])
    resources = PdfReader(str(path)).pages[page]["/Resources"]
    assert "/Pattern" in str(resources) or _patterns_inside(resources)


def _patterns_inside(resources) -> bool:
    """Whether a form XObject of the page (an SVG is drawn as one) holds a pattern."""
    for xobject in (resources.get("/XObject") or {}).values():
        inner = xobject.get_object().get("/Resources")
        if inner is not None and ("/Pattern" in inner or _patterns_inside(inner)):
            return True
    return False


def test_report__nothing_drawn_outside_the_text_area(report) -> None:
    """Should keep every character (charts and tables included) inside the type area; only
    the page number is below it."""
    path, pages, _ = report
    for page in range(len(pages)):
        for y, line in _lines(path, page).items():
            text = "".join(g.char for g in line).replace(" ", "")
            if re.fullmatch(r"—\d+—", text):
                continue
            assert TEXT_TOP - 0.5 <= y <= TEXT_BOTTOM, (page, text)
            assert TEXT_LEFT - 0.5 <= line[0].x * PT and (line[-1].x + line[-1].width) * PT <= TEXT_RIGHT + 0.5, (page, text)


@given(st.text(alphabet=st.sampled_from("油气回收全链条、“”（）《》，AB12 检查表-"), max_size=60))
def test_label_lines__whole_and_within_the_column(text: str) -> None:
    """Should break a name into lines that together are the name, each within the column."""
    lines = label_lines(text)
    assert "".join(lines) == text
    assert all(_ems(line) <= LABEL_EMS for line in lines)
    assert all(line for line in lines) or text == ""


def test_label_lines__the_bundled_titles_break_where_they_read_well() -> None:
    assert label_lines("建筑工地扬尘污染防治“六个百分之百”检查表") == ["建筑工地扬尘污染防治", "“六个百分之百”检查表"]
    assert label_lines("油气回收“全链条、全环节、全封闭”检查表") == ["油气回收“全链条、", "全环节、全封闭”检查表"]
    assert label_lines("污染源自动监测站房及运维质量检查表") == ["污染源自动监测站房及运维质量检查表"]
    assert label_lines("污染源自动监测站房及运维质量检查表", ems=16) == ["污染源自动监测站房", "及运维质量检查表"]  # before the conjunction
    assert label_lines("汽车、摩托车维修企业挥发性有机物治理检查表") == ["汽车、摩托车维修企业挥发性有机物治理", "检查表"]  # no word cut
    assert label_lines("柴油货车和非道路移动机械排放检查表", ems=16) == ["柴油货车和非道路移动机械排放", "检查表"]
    assert label_lines("工业企业氮氧化物等烟气排放检查表") == ["工业企业氮氧化物等烟气排放检查表"]


def test_count_chart__a_name_pasted_by_mistake_still_fits_a_page() -> None:
    """Should cut only a name longer than six lines, so that its chart fits on a page."""
    from engine.campaign_report import MAX_LABEL_LINES, count_chart

    chart = count_chart([("东关村" * 2000, 3), ("汽车、摩托车维修企业挥发性有机物治理检查表", 2)])
    pasted, whole = chart.rows
    assert len(pasted.lines) == MAX_LABEL_LINES and pasted.lines[-1].endswith("…")
    assert "".join(whole.lines) == "汽车、摩托车维修企业挥发性有机物治理检查表"
    assert chart.height < 225 / 25.4 * 96  # the text area's height in CSS px


def test_status_chart__large_counts_stay_inside_the_chart() -> None:
    """Should shorten the bars to leave room for the widest "closed/all" after the longest."""
    from engine.campaign_report import CHART_WIDTH, FONT_SIZE, status_chart

    chart = status_chart([("东关村", 1234, 2000, 3000), ("西河村", 1, 2, 3)])
    longest = chart.rows[0]
    assert longest.figure == "1234/6234"
    assert longest.figure_x + _ems(longest.figure) * FONT_SIZE <= CHART_WIDTH
    assert longest.segments[-1].x + longest.segments[-1].width > CHART_WIDTH * 0.8  # still a long bar


def test_report__thousands_open__the_longest_overdue_listed_all_in_the_spreadsheet(report, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should, when more findings are open than the PDF lists (LISTED), list the longest
    overdue, say how many there are in all and where the rest are; the spreadsheet beside
    it lists every one."""
    import io

    from openpyxl import load_workbook

    from engine import campaign_report
    from engine.campaign_report import report_document, summary_spreadsheet

    _, _, ledger_path = report
    settings = load_settings(ledger_path.parent / "office.yaml")
    everything = summarize(ledger_path, START, END)
    assert len(everything.unclosed) > 3
    monkeypatch.setattr(campaign_report, "LISTED", 3)
    summary = summarize(ledger_path, START, END)
    html = report_document(summary, settings, ledger_path.parent / "r.pdf", today=ISSUED).html
    assert f"尚未销号的问题共 {len(summary.unclosed)} 个，下表列出逾期最久的 3 个" in html
    longest = sorted(row.overdue_days(END) for row in summary.unclosed)[-3:]
    assert sorted(row.overdue_days(END) for row in summary.listed) == longest
    table = html[html.index("四、尚未销号的问题") :]
    assert [int(n) for n in re.findall(r'<td class="center">(\d+)</td></tr>', table)] == [row.finding_id for row in summary.listed]
    book = load_workbook(io.BytesIO(summary_spreadsheet(summary, settings, ledger_path.parent / "r.xlsx")))
    assert book["尚未销号的问题"].max_row == 1 + len(summary.unclosed)


def test_report_command__to_before_from__usage_001_naming_both_days(tmp_path: Path) -> None:
    """Should refuse a period that ends before it begins as a usage error, with both days,
    before any ledger is read."""
    from helpers import lantian

    root = office_folder(tmp_path / "office")
    result = lantian("report", "--from", "2024-12-01", "--to", "2024-11-01", "-o", str(tmp_path / "out"), "--settings", str(root / "office.yaml"))
    assert result.exit_code == 2 and "[USAGE_001] 命令写法有误：--to 2024-11-01 早于 --from 2024-12-01" in result.stderr
    assert not (tmp_path / "out").exists() and not (root / "office.ledger.sqlite").exists()
