"""The on-site inspection record (现场检查记录) as a clerk reads it: photos inside the text area
in their own captioned section, the table's header and the signature line on every page, the
conclusion never alone, the recusal and the witness."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine import check
from engine.documents import plan_documents, write_documents
from engine.photos import PhotoFacts, photo_facts, position_text
from engine.settings import load_settings
from helpers import EXAMPLES
from pdf_geometry import image_boxes
from pdf_text import page_texts, pdf_text

#: GB/T 9704's type area on A4, in mm from the top-left corner (templates/css/official.css).
TEXT_LEFT, TEXT_RIGHT, TEXT_BOTTOM = 28.0, 184.0, 297.0 - 35.0


def _photo(path: Path, size: tuple[int, int], *, taken: str | None = None, north_east: bool = False) -> None:
    from PIL import Image

    image = Image.new("RGB", size, (120, 140, 90))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    if north_east:
        gps = exif.get_ifd(0x8825)
        gps.update({1: "N", 2: (34.0, 45.0, 30.5), 3: "E", 4: (113.0, 37.0, 12.25)})
    image.save(path, exif=exif.tobytes() if len(exif) or taken or north_east else b"")


@pytest.fixture(scope="module")
def record(tmp_path_factory, rules) -> tuple[Path, list[str]]:
    """The bundled non-compliant dust inspection with three photos (two on its first item,
    one on its second), a witness and the party's answer on recusal: its record and each
    page's text."""
    folder = tmp_path_factory.mktemp("record")
    (folder / "photos").mkdir()
    _photo(folder / "photos" / "east.jpg", (1600, 1200), taken="2026:11:12 09:32:10", north_east=True)
    _photo(folder / "photos" / "gap.jpg", (1600, 900))
    _photo(folder / "photos" / "north.jpg", (1200, 1600), taken="2026:11:12 09:41:00")
    text = (EXAMPLES / "dust_six_100pct_noncompliant.yaml").read_text(encoding="utf-8")
    text = text.replace("    note: 东侧、北侧围挡各有一处缺口，宽约 3 米\n", "    note: 东侧、北侧围挡各有一处缺口，宽约 3 米\n    photos: [photos/east.jpg, photos/gap.jpg]\n", 1)
    text = text.replace("  hoarding_height: 1.6\n", "  hoarding_height:\n    value: 1.6\n    photos: [photos/north.jpg]\n", 1)
    text = text.replace("  recorder: 孙强\n", "  recorder: 孙强\n  witness: 赵六\n  recusal: 否\n", 1)
    answers = folder / "site.yaml"
    answers.write_text(text, encoding="utf-8")
    shutil.copy(EXAMPLES / "office" / "office.yaml", folder / "office.yaml")
    settings = load_settings(folder / "office.yaml")
    planned = [plan for plan in plan_documents(check(answers, rules), answers, settings, folder / "out") if plan[0].kind == "record"]
    (written,) = write_documents(planned, settings)
    pages = [text.replace(" ", "").replace("\n", "") for text in page_texts(written.path)]
    return written.path, pages


def test_record__photos_inside_the_text_area_two_a_row(record) -> None:
    path, pages = record
    boxes = [(number, box) for number in range(len(pages)) for box in image_boxes(path, number)]
    assert len(boxes) == 3
    for _, box in boxes:
        assert TEXT_LEFT - 0.5 <= box.left and box.right <= TEXT_RIGHT + 0.5 and box.bottom <= TEXT_BOTTOM, box
        assert box.right - box.left <= 74.5 and box.bottom - box.top <= 55.5  # each within its slot
    (first_page, first), (_, second), (_, third) = boxes
    assert abs(first.top - second.top) < 0.5 and second.left > first.right  # side by side
    assert third.top > first.bottom  # the third begins the next row
    assert "附：现场照片" in pages[first_page]


def test_record__each_photo_captioned_with_its_item_time_and_place(record) -> None:
    _, pages = record
    text = "".join(pages)
    assert "照片1第1项工地周边是否设置连续、封闭的硬质围挡，无缺口2026年11月12日09:32北纬34.75847°，东经113.62007°" in text
    assert "照片2第1项工地周边是否设置连续、封闭的硬质围挡，无缺口2026年11月12日09:20–10:35（检查时拍摄）XX镇XX村工业路6号" in text
    assert "照片3第2项围挡高度（米）2026年11月12日09:41XX镇XX村工业路6号" in text
    assert "宽约3米；见照片1、2" in text and "见照片3" in text  # each item's row names its photos
    assert "现场照片3张（附后）" in text


def test_record__every_page_has_the_header_signature_line_and_page_of_pages(record) -> None:
    _, pages = record
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"第{number}页共{len(pages)}页" in text
        assert "被检查单位签名：" in text and "检查人员签名：" in text
    item_pages = [text for text in pages if "检查结论" in text or re.search(r"序号检查内容检查情况结论说明", text)]
    assert all("序号检查内容检查情况结论说明" in text for text in item_pages[1:])  # the header again on each


def test_record__conclusion_and_signatures_never_alone_on_their_page(record) -> None:
    _, pages = record
    (ending,) = [text for text in pages if "检查结论" in text]
    assert "现场概况" in ending  # the last item's row came along


def test_record__recusal_answer_and_witness(record) -> None:
    text = "".join(record[1])
    assert "被检查单位是否申请回避：□申请■不申请" in text
    assert "见证人签名赵六" in text


def test_record__no_recusal_on_file__boxes_to_tick(rules, tmp_path: Path) -> None:
    from engine.render import record_context

    result = check(EXAMPLES / "dust_six_100pct_noncompliant.yaml", rules)
    assert result.inspection.recusal is None and record_context(result, load_settings(EXAMPLES / "office" / "office.yaml"), None)["photos"] == []


def test_answers__recusal_not_a_yes_or_no__answer_002_at_its_place(rules) -> None:
    from engine.errors import InputError

    raw = (EXAMPLES / "dust_six_100pct_noncompliant.yaml").read_bytes().replace("  recorder: 孙强\n".encode(), "  recorder: 孙强\n  recusal: 也许\n".encode())
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert problem.code.name == "ANSWER_002" and problem.location.line == raw.decode().splitlines().index("  recusal: 也许") + 1


def test_photo_facts__time_and_position_from_the_tags(tmp_path: Path) -> None:
    _photo(tmp_path / "a.jpg", (40, 30), taken="2026:11:12 09:32:10", north_east=True)
    facts = photo_facts(tmp_path / "a.jpg")
    assert facts.taken == dt.datetime(2026, 11, 12, 9, 32, 10)
    assert position_text(facts.latitude, facts.longitude) == "北纬34.75847°，东经113.62007°"  # type: ignore[arg-type]
    assert position_text(-33.5, -70.25) == "南纬33.50000°，西经70.25000°"
    assert position_text(34.75, 113.62, 12.4) == "北纬34.75000°，东经113.62000°（误差约 12 米）"


@pytest.mark.parametrize("content", [b"", b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage", b"not a photo"], ids=["empty", "broken_exif", "text"])
def test_photo_facts__unreadable_tags__none_never_an_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "a.jpg").write_bytes(content)
    assert photo_facts(tmp_path / "a.jpg") == PhotoFacts()


def test_record__only_the_cut_font__not_a_system_font_for_the_page_lines(record) -> None:
    """Should draw the text the stylesheet adds to each page (the signature line, 第 n 页 共 m 页)
    in the document's own cut font: it fell back to a system font, embedded whole (16 MB)."""
    path, _ = record
    fonts = {str(font.get_object()["/BaseFont"]) for page in PdfReader(str(path)).pages for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("LantianCJK" in name for name in fonts), fonts
    assert path.stat().st_size < 1_000_000


def test_record__site_that_passed_with_problems__states_them_with_the_ledger_s_deadlines(rules, tmp_path: Path) -> None:
    """Should state, on the record of a site that passed with problems (no notice goes out), each
    problem, its measure and the deadline the ledger counts it overdue from; and not on the
    record of a site that failed, whose notice states them."""
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    settings = load_settings(tmp_path / "office.yaml")
    passed = EXAMPLES / "campaign_2026" / "法典施行前" / "东关村" / "2026-08-11_26QX-06.yaml"
    result = check(passed, rules, issued=dt.date(2026, 8, 20))
    assert result.verdict == "compliant" and result.notice_findings
    (written,) = write_documents(plan_documents(result, passed, settings, tmp_path / "passed"), settings)
    text = pdf_text(written.path)
    told = text[text.index("现场发现的问题及整改要求") :]
    for number, finding in enumerate(result.stated_findings, 1):
        deadline = f"{finding.deadline.year}年{finding.deadline.month}月{finding.deadline.day}日"
        assert "整改完毕" in told and deadline in told and finding.rectification.replace(" ", "")[:12] in told, number
    assert "于2026年9月4日前整改完毕" in told  # the ledger's deadline: 15 days from the 20th
    failed = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
    documents = write_documents(plan_documents(check(failed, rules), failed, settings, tmp_path / "failed"), settings)
    record_path = next(w.path for w in documents if w.kind == "record")
    assert "现场发现的问题及整改要求" not in pdf_text(record_path)
