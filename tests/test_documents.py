"""Official documents rendered to real PDFs, read back as text: party, findings, law, deadlines, fonts."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

pytest.importorskip("weasyprint")

from engine import check
from engine.documents import plan_documents, write_documents
from engine.render import _fetcher
from engine.settings import load_settings
from helpers import EXAMPLES, dust_answers
from pdf_text import page_texts, pdf_text


@pytest.fixture
def settings(tmp_path: Path):
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    return load_settings(tmp_path / "office.yaml")


def fonts_of(path: Path) -> set[str]:
    names = set()
    for page in PdfReader(str(path)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"
            names.add(str(font["/BaseFont"]))
    return names


def test_notice__markup_in_answers__printed_as_text(rules, settings, tmp_path: Path) -> None:
    """Should print a site name holding HTML as text, never fetch what it names."""
    evil = '<img src="file:///etc/passwd">'
    raw = dust_answers({"hoarding_height": "1.0"}).replace("XX建设有限公司XX项目工地".encode(), evil.encode())
    path = tmp_path / "evil.yaml"
    path.write_bytes(raw)
    result = check(path, rules)
    written = write_documents(plan_documents(result, path, settings, tmp_path / "out"), settings)
    assert evil.replace(" ", "") in pdf_text(written[-1].path)


def test_fetcher__refuses_anything_outside_templates_and_inspection_folder(tmp_path: Path) -> None:
    from weasyprint.urls import FatalURLFetchingError

    font = tmp_path / "f.otf"
    font.write_bytes(b"x")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"jpeg")
    fetch = _fetcher({"LantianCJK": font}, tmp_path / "photos")
    assert fetch.fetch("lantian-font:LantianCJK").read() == b"x"
    assert fetch.fetch((tmp_path / "photos" / "a.jpg").as_uri()).read() == b"jpeg"
    for url in ("file:///etc/passwd", (tmp_path / "photos" / ".." / "f.otf").as_uri(), "http://127.0.0.1/x", "data:text/plain,hi"):
        with pytest.raises(FatalURLFetchingError):
            fetch.fetch(url)


def test_notice__same_inspection_twice__same_number(rules, settings, tmp_path: Path) -> None:
    answers = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
    result = check(answers, rules)
    first = plan_documents(result, answers, settings, tmp_path)[0][1]
    again = plan_documents(result, answers, settings, tmp_path)[0][1]
    assert first == again


@pytest.fixture(scope="module")
def examples_batch(tmp_path_factory) -> tuple[Path, object]:
    """`lantian batch` on a copy of the bundled examples with their own office (numbers and
    ledger), plus one broken file: rendered once for the tests that read its documents. Of
    the compliant examples only one is taken: their records are laid out as those of the
    non-compliant example of the same checklist are."""
    from click.testing import CliRunner

    import cli

    def left_out(_folder: str, names: list[str]) -> set[str]:
        return {name for name in names if name.startswith("campaign") or (name.endswith("_compliant.yaml") and not name.startswith("dust_"))}

    folder = tmp_path_factory.mktemp("examples")
    shutil.copytree(EXAMPLES, folder / "examples", ignore=left_out)
    (folder / "examples" / "broken.yaml").write_text("checklist: dust_six_100pct\nsite: [\n", encoding="utf-8")
    out = folder / "out"
    return out, CliRunner().invoke(cli.cli, ["batch", str(folder / "examples"), "-o", str(out)])


def test_batch__examples__notices_records_and_list(examples_batch) -> None:
    """Should write a notice per non-compliant example, a record per example, the list as PDF and XLSX."""
    import datetime as dt
    import json
    import re

    from click.testing import CliRunner
    from openpyxl import load_workbook

    import cli

    out, result = examples_batch
    checked = json.loads(CliRunner().invoke(cli.cli, ["check", *map(str, sorted((out.parent / "examples").glob("*compliant.yaml"))), "--format", "json"]).stdout)
    noncompliant = [Path(r["file"]).stem for r in checked["results"] if r["verdict"] == "non_compliant"]
    findings = sum(len(r["findings"]) for r in checked["results"])
    assert result.exit_code == 2, result.stdout + result.stderr  # the broken file, listed at the end
    assert "broken.yaml" in result.stderr and "[YAML_001]" in result.stderr
    assert sorted(p.name.split(".")[0] for p in out.glob("*.通知书.pdf")) == sorted(noncompliant)
    assert len(list(out.glob("*.检查记录.pdf"))) == len(checked["results"])
    list_text = pdf_text(out / "整改清单.pdf")
    assert "整改清单" in list_text and f"共{findings}个问题" in list_text
    sheet = load_workbook(out / "整改清单.xlsx")["整改清单"]
    assert sheet.freeze_panes == "A2" and sheet.max_row == findings + 1
    assert [cell.value for cell in sheet[1]][:3] == ["序号", "村（社区）", "单位（点位）"]
    deadlines = [row[10].value for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(value, dt.datetime) for value in deadlines) and deadlines == sorted(deadlines)
    # The progress bar goes to stderr; not on a terminal it is its label alone, with the count.
    assert re.search(r"生成文书 \d+ 份……", result.stderr), result.stderr


def test_notice__department_order_form__decision_wording_and_remedies(rules, tmp_path: Path) -> None:
    settings_file = tmp_path / "office.yaml"
    text = (EXAMPLES / "office" / "office.yaml").read_text(encoding="utf-8")
    settings_file.write_text(text.replace("document_kind: town_notice", "document_kind: department_order").replace("office: XX镇人民政府", "office: XX市生态环境局XX分局"), encoding="utf-8")
    settings = load_settings(settings_file)
    answers = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
    written = write_documents(plan_documents(check(answers, rules), answers, settings, tmp_path / "out"), settings)
    text = pdf_text(written[0].path)
    assert "责令改正违法行为决定书" in text and "现责令你单位按上述要求改正违法行为" in text
    assert "不服本决定" in text and "XX县人民政府申请行政复议" in text and "本决定不停止执行" in text


def test_font__none_found__clear_message_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import fonts

    monkeypatch.setattr(fonts, "CANDIDATES", ())
    monkeypatch.setattr(fonts, "_fontconfig_candidate", lambda: None)
    with pytest.raises(fonts.FontError) as exc:
        fonts.find_cjk_font()
    assert "fonts-noto-cjk" in str(exc.value)
    with pytest.raises(fonts.FontError):
        fonts.find_cjk_font("/nonexistent/font.ttf")


def test_record__photo_in_inspection_folder__embedded(rules, settings, tmp_path: Path) -> None:
    import struct
    import zlib

    def png(width: int, height: int) -> bytes:
        raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
        chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "gap.png").write_bytes(png(40, 30))
    path = tmp_path / "a.yaml"
    path.write_bytes(dust_answers({"hoarding_closed": "{value: 否, count: 1, photos: [photos/gap.png]}"}))
    result = check(path, rules)
    written = write_documents(plan_documents(result, path, settings, tmp_path / "out"), settings)
    record = PdfReader(str(written[-1].path))
    images = [image for page in record.pages for image in page.images]
    assert images and len({image.name for image in images}) == 1  # one photo, referenced from the pages it is on


def _chunk_marking_its_process(args):
    """render._render_chunk that leaves its process id behind, to show where it ran."""
    from engine import render

    (Path(os.environ["LANTIAN_TEST_WORKERS"]) / str(os.getpid())).touch()
    return render.__dict__["_render_chunk_unmarked"](args)


def test_render_each__two_workers__same_documents(rules, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two worker processes make the same documents, page for page, as one."""
    from engine import render

    # So few documents are rendered in this process unless the threshold is lowered.
    monkeypatch.setattr(render, "PARALLEL_MINIMUM", 2)
    monkeypatch.setattr(render, "_render_chunk_unmarked", render._render_chunk, raising=False)
    monkeypatch.setattr(render, "_render_chunk", _chunk_marking_its_process)
    workers = tmp_path / "workers"
    workers.mkdir()
    monkeypatch.setenv("LANTIAN_TEST_WORKERS", str(workers))
    answers = EXAMPLES / "straw_ban_noncompliant.yaml"
    documents = [document for document, _ in plan_documents(check(answers, rules), answers, settings, tmp_path / "out")]
    assert sorted(document.kind for document in documents) == ["notice", "record"]

    def pages(count: int) -> list[list[str]]:
        made = dict(render.render_each(documents, workers=count))
        assert all(isinstance(pdf, bytes) for pdf in made.values()), made
        return [page_texts(made[index]) for index in range(len(documents))]

    one = pages(1)
    assert not list(workers.iterdir())  # one worker: all in this process
    two = pages(2)
    ran_in = {int(path.name) for path in workers.iterdir()}
    assert ran_in and os.getpid() not in ran_in  # made by worker processes
    assert two == one and all(one)


def test_notice_and_record__noncompliant__text_fonts_and_number(examples_batch, rules) -> None:
    """Should print the findings, their citations and deadlines, the number and the file's
    fingerprint in the notice, the answers in the record, both in the embedded font."""
    import re

    out = examples_batch[0]
    result = check(EXAMPLES / "dust_six_100pct_noncompliant.yaml", rules)
    notice, record = out / "dust_six_100pct_noncompliant.通知书.pdf", out / "dust_six_100pct_noncompliant.检查记录.pdf"
    text = pdf_text(notice)
    assert "XX拆除工程有限公司" in text and "责令整改通知书" in text and re.search(r"XX镇环〔2026〕[1-9]\d*号", text)
    for finding in result.findings:
        assert finding.text.replace(" ", "") in text
    assert "《中华人民共和国生态环境法典》第二百四十条第三款" in text
    assert "2026年11月15日前整改完毕" in text  # hoarding gaps: 3 days after 2026-11-12
    assert "六十日内" in text and "六个月内" in text and "送达回证" in text
    assert result.answers_sha256 in text
    record_text = pdf_text(record)
    assert "现场检查记录" in record_text and "围挡高度（米）" in record_text and "1.6米" in record_text
    for path in (notice, record):
        fonts = fonts_of(path)
        assert fonts and all("LantianCJK" in name for name in fonts), fonts
        assert len(PdfReader(str(path)).pages) >= 1


def test_record__times_recorder_and_credentials_printed(examples_batch) -> None:
    text = pdf_text(examples_batch[0] / "dust_six_100pct_noncompliant.检查记录.pdf")
    assert "2026年11月12日09:20–10:35" in text and "记录人孙强" in text
    assert "李明（执法证号XX环执0101）、孙强（执法证号XX环执0117）" in text


def test_batch__notice_number_allocated_once_for_ledger_and_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One write transaction a notice: the number the ledger records is the one printed."""
    from engine import documents, load_rules
    from engine.batch import run_batch
    from helpers import RULES

    calls: list[str] = []
    allocate = documents.allocate
    monkeypatch.setattr(documents, "allocate", lambda *args, **kwargs: calls.append(args[1]) or allocate(*args, **kwargs))
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "dust_six_100pct_noncompliant.yaml", folder / "site.yaml")
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    settings = load_settings(tmp_path / "office.yaml")
    outcome = run_batch(folder, tmp_path / "out", load_rules(RULES), settings, ledger_path=settings.ledger)
    (notice,) = [w for w in outcome.written if w.kind == "notice"]
    assert len(calls) == 1 and notice.number and notice.number in pdf_text(notice.path)


def test_notice__date_office_and_room_for_the_seal_as_gb_t_9704_sets_them(examples_batch) -> None:
    """Should set the date four characters in from the text area's right edge, the office
    name centred over it, a seal's radius below the last line, and draw nothing where the
    seal goes (a printed ring stays visible under a real stamp)."""
    from pypdf.generic import ContentStream

    from pdf_glyphs import glyphs

    pt = 25.4 / 72
    path = examples_batch[0] / "dust_six_100pct_noncompliant.通知书.pdf"
    reader = PdfReader(str(path))
    assert "印章" not in pdf_text(path)
    lines: dict[float, list] = {}
    page_number = next(n for n, page in enumerate(reader.pages) if "校验码" in page.extract_text())
    for glyph in glyphs(path, page_number, transforms=True):
        lines.setdefault(round(glyph.y, 1), []).append(glyph)
    text = {y: "".join(g.char for g in sorted(line, key=lambda g: g.x)) for y, line in lines.items()}
    (date_y,) = [y for y, line in text.items() if line == "2026年11月12日"]
    (office_y,) = [y for y, line in text.items() if line == "XX镇人民政府"]
    body = max(y for y in text if y < office_y)

    def span(y: float) -> tuple[float, float]:
        xs = sorted(g.x for g in lines[y])
        return xs[0] * pt, (xs[-1] + 16) * pt  # a full-width character is 16 pt wide

    date_left, date_right = span(date_y)
    office_left, office_right = span(office_y)
    assert abs(date_right - (184 - 4 * 16 * pt)) < 1.0  # four characters in from the right edge
    assert abs((office_left + office_right) / 2 - (date_left + date_right) / 2) < 0.5
    assert 30 <= (office_y - body) * pt <= 38  # the seal's top comes within a line of the text
    dashes = [operands for operands, operator in ContentStream(reader.pages[page_number].get_contents(), reader).operations if operator == b"d" and list(operands[0])]
    assert not dashes  # no dashed ring


def test_notice__letterhead_28_characters_a_line_and_page_number_where_gb_t_9704_puts_them(examples_batch) -> None:
    """Should put the mark's top 35 mm below the type area's top (72 mm from the sheet's), the
    red rule 4 mm below the number, 28 full-width characters on a full line reaching the type
    area's right edge (184 mm), and the page number's dash 7 mm below the type area (269 mm)."""
    from pypdf.generic import ContentStream

    from pdf_glyphs import glyphs

    pt = 25.4 / 72
    path = examples_batch[0] / "dust_six_100pct_noncompliant.通知书.pdf"
    reader = PdfReader(str(path))

    def lines_of(page_number: int) -> dict[float, list]:
        lines: dict[float, list] = {}
        for glyph in glyphs(path, page_number, transforms=True):
            lines.setdefault(round(glyph.y * pt, 2), []).append(glyph)
        return {y: sorted(line, key=lambda g: g.x) for y, line in sorted(lines.items())}

    first = lines_of(0)
    (mark_y, mark), (number_y, number) = list(first.items())[:2]
    assert "".join(g.char for g in mark) == "XX镇人民政府" and "〔2026〕" in "".join(g.char for g in number)
    assert abs(mark_y - 0.84 * 26 * pt - 72) < 1.0  # an ideograph's top is 0.84 em above its baseline
    red = False
    rules = []
    for operands, operator in ContentStream(reader.pages[0].get_contents(), reader).operations:
        if operator == b"rg":
            red = [round(float(v), 2) for v in operands] == [0.78, 0.09, 0.11]
        elif operator == b"re" and red and float(operands[2]) > 500:  # px: the type area's width
            rules.append(float(operands[1]) * 0.75 * pt)
    assert rules and 3.5 <= min(rules) - number_y <= 4.8  # the characters reach 0.2 mm below their baseline
    full = []
    for page_number in range(len(reader.pages)):
        if "送达回证" in reader.pages[page_number].extract_text():
            break
        for y, line in lines_of(page_number).items():
            text = "".join(g.char for g in line)
            if y < 262 and all(ord(c) >= 0x2E80 for c in text):  # body lines of full-width characters only
                full.append((len(line), line[-1].x * pt + 156 / 28))
        page_line = list(lines_of(page_number).items())[-1]
        assert "".join(g.char for g in page_line[1]).replace(" ", "") == f"—{page_number + 1}—"
        for y, line in list(lines_of(page_number).items())[:-1]:  # all but the page number: inside the type area
            assert 37 < y < 262 and 28 - 0.1 <= line[0].x * pt and line[-1].x * pt <= 184 - 2, (page_number, y)
        assert abs(page_line[0] - 0.3 * 14 * pt - 269) < 0.6  # the dash's top, 0.3 em above the baseline
    assert max(count for count, _ in full) == 28
    assert all(abs(right - 184) < 0.5 for count, right in full if count == 28)


def test_notice__receipt_has_the_time_of_service_two_servers_and_a_witness(examples_batch) -> None:
    text = pdf_text(examples_batch[0] / "dust_six_100pct_noncompliant.通知书.pdf")
    receipt = text[text.index("送达回证") :]
    assert "签收时间年月日时分送达人签名送达人签名见证人签名" in receipt


def test_whole_codes__standard_numbers_kept_whole_and_text_escaped() -> None:
    """Should wrap each standard's number in a box justification cannot widen, and escape the rest."""
    from engine.bundled import whole_codes

    assert str(whole_codes("《加油站大气污染物排放标准》（GB 20952-2020）、GB/T 9704-2012、DB11/ 501-2017")) == (
        '《加油站大气污染物排放标准》（<span class="code">GB 20952-2020</span>）、<span class="code">GB/T 9704-2012</span>、<span class="code">DB11/ 501-2017</span>'
    )
    assert str(whole_codes("<b>GB 1-2000</b>")) == '&lt;b&gt;<span class="code">GB 1-2000</span>&lt;/b&gt;'
    assert str(whole_codes("ABGB 1-2000")) == "ABGB 1-2000"  # not a code standing alone


def test_notice__standard_number_not_widened_by_justification(examples_batch) -> None:
    """Should keep the space in "GB 20952-2020" one space wide on every line of the notice."""
    from pdf_glyphs import glyphs

    path = examples_batch[0] / "vapor_recovery_noncompliant.通知书.pdf"
    gaps = []
    for page_number in range(len(PdfReader(str(path)).pages)):
        found = glyphs(path, page_number, transforms=True)
        for index, glyph in enumerate(found[1:], 1):
            if glyph.char == "B" and found[index - 1].char == "G":
                digit = next(g for g in found[index + 1 :] if g.char.strip())
                assert digit.char == "2" and digit.y == glyph.y  # on the same line
                gaps.append(round(digit.x - glyph.x, 1))
    assert len(gaps) >= 3 and len(set(gaps)) == 1


_STARTED_ON_LOAD = """
import ctypes.util, subprocess, sys
started = []
real = subprocess.Popen.__init__
def recorded(self, *args, **kwargs):
    started.append(args[0] if args else kwargs.get("args"))
    real(self, *args, **kwargs)
subprocess.Popen.__init__ = recorded
search = ctypes.util.find_library
from engine import _weasyprint
_weasyprint.load()
from weasyprint import HTML
assert HTML(string="<p>蓝天</p>").write_pdf().startswith(b"%PDF")
assert ctypes.util.find_library is search
print(len(started))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sonames are how Linux finds the libraries")
def test_weasyprint__loaded_without_a_process_searching_for_its_libraries() -> None:
    """Should open Pango and the others by their sonames: ctypes' search ran ldconfig, gcc and
    ld some 200 times, a quarter of a second on every command that makes a document."""
    import subprocess

    from helpers import ROOT

    done = subprocess.run([sys.executable, "-c", _STARTED_ON_LOAD], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_plan_documents__number_given_for_a_compliant_inspection__the_record_alone(tmp_path: Path, rules, settings) -> None:
    """Should plan the record alone, and number nothing, when a caller hands a number to an
    inspection that calls for no notice (it raised KeyError)."""
    answers = EXAMPLES / "dust_six_100pct_compliant.yaml"
    planned = plan_documents(check(answers, rules), answers, settings, tmp_path / "out", number="XX镇环〔2026〕9号")
    assert [(document.kind, number) for document, number in planned] == [("record", None)]


def test_notice_and_batch__the_answers_warnings_said_where_the_documents_are_made(tmp_path: Path) -> None:
    """Should say, when issuing, what `check` warns of the answers the documents are made
    from (one inspector, an answer to an item that does not apply), each at its line, and
    still make the documents, as `check` still gives the result."""
    from helpers import lantian, office_folder

    office = office_folder(tmp_path / "office")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw = dust_answers({"wet_demolition": "是"}).replace("  inspectors: [李明, 王芳]\n".encode(), "  inspectors: [李明]\n".encode())
    (inbox / "site.yaml").write_bytes(raw)
    line = raw.decode("utf-8").splitlines().index("  inspectors: [李明]") + 1
    for command in (["notice", str(inbox / "site.yaml"), "-o", str(tmp_path / "notice")], ["batch", str(inbox), "-o", str(tmp_path / "batch")]):
        result = lantian(*command, "--settings", str(office / "office.yaml"))
        assert result.exit_code == 0, result.output
        assert f"site.yaml:{line}:15: 警告 [ANSWER_008] 只填写了 1 名检查人员" in result.stderr
        assert "[ANSWER_011]" in result.stderr and "wet_demolition" in result.stderr
        assert "共 0 个错误、2 个警告（1 个文件）" in result.stderr
    assert [path.name for path in (tmp_path / "notice").iterdir()] == ["site.检查记录.pdf"]
    assert "site.检查记录.pdf" in [path.name for path in (tmp_path / "batch").iterdir()]
    # A copy refused as the same inspection (LEDGER_018) is said to be refused, not warned of.
    (inbox / "copy.yaml").write_bytes(raw)
    both = lantian("notice", str(inbox / "site.yaml"), str(inbox / "copy.yaml"), "-o", str(tmp_path / "again"), "--settings", str(office / "office.yaml"))
    assert both.exit_code == 2 and "copy.yaml: [LEDGER_018]" in both.stderr
    assert "site.yaml:" in both.stderr and "copy.yaml:" + str(line) not in both.stderr and both.stderr.count("[ANSWER_008]") == 1


def test_notice__settings_found_by_itself__named_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should say which office settings `lantian notice` found by itself (their letterhead and
    numbering go on every document), and say nothing of it when they are named."""
    from helpers import lantian, office_folder

    monkeypatch.delenv("LANTIAN_SETTINGS", raising=False)
    office = office_folder(tmp_path / "office")
    (office / "site.yaml").write_bytes(dust_answers())
    found = lantian("notice", str(office / "site.yaml"), "-o", str(tmp_path / "out"))
    assert found.exit_code == 0 and f"办公室设置：{office / 'office.yaml'}（没有写 --settings，自动找到" in found.stderr
    named = lantian("notice", str(office / "site.yaml"), "-o", str(tmp_path / "out"), "--force", "--settings", str(office / "office.yaml"))
    assert named.exit_code == 0 and "办公室设置" not in named.stderr


def test_notice__no_review_body_in_the_settings__general_words_and_settings_006_once(tmp_path: Path) -> None:
    """Should not print a town's notice telling the party to seek review from "本级人民政府"
    (the town itself) when the settings name no review body: the notice says 有管辖权的行政复议机关
    and the command warns once (SETTINGS_006); with one named, the notice names it and says nothing."""
    from helpers import lantian, office_folder

    office = office_folder(tmp_path / "office")
    settings = office / "office.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("review_body: XX县人民政府\n", ""), encoding="utf-8")
    for name in ("a", "b"):
        (office / f"{name}.yaml").write_bytes(dust_answers({"hoarding_closed": "否"}, date=f"2024-11-0{5 if name == 'a' else 6}"))
    result = lantian("notice", str(office / "a.yaml"), str(office / "b.yaml"), "-o", str(tmp_path / "out"), "--settings", str(settings))
    assert result.exit_code == 1, result.output
    assert result.stderr.count("[SETTINGS_006]") == 1 and f"{settings}: 警告 [SETTINGS_006] 办公室设置没有写 review_body" in result.stderr
    text = pdf_text(tmp_path / "out" / "a.通知书.pdf")
    assert "向有管辖权的行政复议机关申请行政复议" in text and "本级人民政府" not in text
    named = office_folder(tmp_path / "named")
    (named / "a.yaml").write_bytes(dust_answers({"hoarding_closed": "否"}))
    again = lantian("notice", str(named / "a.yaml"), "-o", str(tmp_path / "named_out"), "--settings", str(named / "office.yaml"))
    assert again.exit_code == 1 and "SETTINGS_006" not in again.stderr
    assert "向XX县人民政府申请行政复议" in pdf_text(tmp_path / "named_out" / "a.通知书.pdf")
