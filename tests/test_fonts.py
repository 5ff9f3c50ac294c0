"""A font for each role of a document (GB/T 9704: 小标宋 titles, 仿宋 text, 黑体 and 楷体
headings): named in the office settings, checked there, found on the system or replaced with
a warning, and each embedded where the PDF draws that role's text."""

from __future__ import annotations

import io
import shutil
import textwrap
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

pytest.importorskip("weasyprint")

from engine import check, fonts
from engine.documents import plan_documents, write_documents
from engine.errors import ErrorCode, InputError
from engine.fonts import FAMILIES, FILL_FAMILY, document_fonts, find_installed
from engine.settings import load_settings
from helpers import EXAMPLES

NOTICE_ANSWERS = EXAMPLES / "dust_six_100pct_noncompliant.yaml"


def office(tmp_path: Path, fonts_block: str) -> Path:
    """The example office's settings with ``fonts_block`` added, in ``tmp_path``."""
    path = tmp_path / "office.yaml"
    path.write_text((EXAMPLES / "office" / "office.yaml").read_text(encoding="utf-8") + textwrap.dedent(fonts_block), encoding="utf-8")
    return path


def position(path: Path, text: str) -> tuple[int, int]:
    """Line and column (from 1) where ``text`` last stands in the file (in the lines a test
    added, not the example's comments): where a problem about the value there is expected."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number in range(len(lines), 0, -1):
        if text in lines[number - 1]:
            return number, lines[number - 1].index(text) + 1
    raise AssertionError(f"{text} not in {path}")


def embedded_families(path: Path) -> dict[str, str]:
    """Each font of the PDF by its /BaseFont: the family its embedded file names itself."""
    families = {}
    for page in PdfReader(str(path)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            (key,) = [key for key in descriptor if key.startswith("/FontFile")]
            data = descriptor[key].get_object().get_data()
            families[str(font["/BaseFont"]).lstrip("/")] = TTFont(io.BytesIO(data))["name"].getDebugName(1)
    return families


def notice_of(settings_path: Path, tmp_path: Path, rules) -> Path:
    settings = load_settings(settings_path)
    planned = [plan for plan in plan_documents(check(NOTICE_ANSWERS, rules), NOTICE_ANSWERS, settings, tmp_path / "out") if plan[0].kind == "notice"]
    (notice,) = [w.path for w in write_documents(planned, settings)]
    return notice


def test_notice__title_and_body_fonts_configured__each_text_drawn_in_its_own(rules, tmp_path: Path) -> None:
    """Should draw the office name and the document's title in the title font and the body in
    the body font, each embedded: two families of fonts-noto-cjk stand for 小标宋 and 仿宋."""
    from pdf_glyphs import glyphs

    settings_path = office(tmp_path, """
        fonts:
          title: Noto Sans CJK SC
          body: Noto Serif CJK SC
    """)
    notice = notice_of(settings_path, tmp_path, rules)
    families = embedded_families(notice)
    page = glyphs(notice, 0)

    def drawn_in(text: str) -> set[str]:
        line = "".join(g.char for g in page)
        start = line.index(text)
        return {families[g.font] for g in page[start : start + len(text)]}

    assert drawn_in("责令整改通知书") == {"Noto Sans CJK SC"}
    assert drawn_in("XX镇人民政府") == {"Noto Sans CJK SC"}  # 发文机关标志, in 小标宋 too
    assert drawn_in("你单位存在以下问题") == {"Noto Serif CJK SC"}
    assert drawn_in("XX镇环〔2026〕") == {"Noto Serif CJK SC"}  # the number is body text (仿宋)
    assert {name.split("+")[1] for name in families} == {FAMILIES["title"], FAMILIES["body"]}


def test_notice__no_fonts_set__free_fallbacks_embedded(rules, tmp_path: Path) -> None:
    """Should set the title in the bold Noto Serif (nearest 小标宋 among free fonts) and the
    body in the regular one when the settings name no fonts."""
    from pdf_glyphs import glyphs

    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    notice = notice_of(tmp_path / "office.yaml", tmp_path, rules)
    families = embedded_families(notice)
    page = glyphs(notice, 0)
    by_char = {g.char: g.font for g in page}
    title, body = by_char["责"], by_char["你"]
    assert title != body and families[title] == families[body] == "Noto Serif CJK SC"
    assert find_installed("Noto Serif CJK SC", fonts.BOLD) is not None


def test_document_fonts__family_not_installed__warning_names_the_fallback(tmp_path: Path) -> None:
    """Should warn (not stop) when a named font is not installed, at its place in the
    settings, naming the font used instead; the document is still made."""
    settings_path = office(tmp_path, """
        fonts:
          title: 方正小标宋简体（本机未安装）
          body: Noto Serif CJK SC
    """)
    settings = load_settings(settings_path)
    chosen, warnings = document_fonts(settings.font, settings.fonts)
    (warning,) = warnings
    assert (warning.code, warning.severity) == (ErrorCode.FONT_005, "warning")
    assert (warning.location.file, warning.location.line, warning.location.column) == (str(settings_path), *position(settings_path, "方正小标宋简体"))
    assert warning.context["fallback"] == "Noto Serif CJK SC Bold" and warning.context["fallback"] in warning.message
    bold = find_installed("Noto Serif CJK SC", fonts.BOLD)
    assert bold is not None and (chosen.title.path, chosen.title.index) == (bold.path, bold.index)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        pytest.param(None, "不存在", id="missing"),
        pytest.param(b"not a font at all", "不是可用的字体", id="not_a_font"),
    ],
)
def test_document_fonts__file_unusable__warning_and_fallback(tmp_path: Path, written: bytes | None, reason: str) -> None:
    """Should warn of a font file that is missing or no font, with the path taken from the
    settings file's folder, and use the role's free fallback."""
    if written is not None:
        (tmp_path / "fonts").mkdir()
        (tmp_path / "fonts" / "simhei.ttf").write_bytes(written)
    settings_path = office(tmp_path, """
        fonts:
          heading: fonts/simhei.ttf
    """)
    settings = load_settings(settings_path)
    (choice,) = settings.fonts
    assert choice.path == tmp_path / "fonts" / "simhei.ttf"
    chosen, (warning,) = document_fonts(settings.font, settings.fonts)
    assert warning.code is ErrorCode.FONT_006 and reason in warning.message
    assert (warning.location.line, warning.location.column) == position(settings_path, "fonts/simhei.ttf")
    sans_bold = find_installed("Noto Sans CJK SC", fonts.BOLD)
    assert sans_bold is not None and chosen.heading.path == sans_bold.path
    assert "Noto Sans CJK SC Bold" in warning.message


def test_cli_notice__font_not_installed__warning_on_stderr_and_documents_written(tmp_path: Path) -> None:
    """Should print the warning with the settings file's line and column and still write the
    notice, its title in the fallback."""
    from click.testing import CliRunner

    from cli import cli

    settings_path = office(tmp_path, """
        fonts:
          title: 方正小标宋简体（本机未安装）
    """)
    result = CliRunner().invoke(cli, ["notice", str(NOTICE_ANSWERS), "-o", str(tmp_path / "out"), "--settings", str(settings_path)])
    assert result.exit_code == 1, result.output  # non-compliant, documents made
    assert "{}:{}:{}: 警告 [FONT_005]".format(settings_path, *position(settings_path, "方正小标宋简体")) in result.stderr
    assert "Noto Serif CJK SC Bold" in result.stderr
    (notice,) = (tmp_path / "out").glob("*通知书.pdf")
    assert "Noto Serif CJK SC" in embedded_families(notice).values()


@pytest.mark.parametrize(
    ("block", "code", "at"),
    [
        pytest.param("fonts:\n  titel: 方正小标宋简体\n", ErrorCode.SCHEMA_002, "titel", id="unknown_role"),
        pytest.param("fonts:\n  body: 12\n", ErrorCode.SCHEMA_003, "body: 12", id="not_text"),
        pytest.param("fonts: 仿宋\n", ErrorCode.SCHEMA_003, "仿宋", id="not_a_mapping"),
        pytest.param('fonts:\n  body: "仿宋\\u0007GB2312"\n', ErrorCode.SETTINGS_005, '"仿宋', id="control_character"),
        pytest.param("fonts:\n  body: " + "仿" * 300 + "\n", ErrorCode.SETTINGS_004, "仿仿", id="too_long"),
    ],
)
def test_settings__fonts_wrong__reported_with_code_and_position(tmp_path: Path, block: str, code: ErrorCode, at: str) -> None:
    """Should report a mistake under fonts: as every settings mistake, file:line:col and code."""
    settings_path = office(tmp_path, block)
    with pytest.raises(InputError) as caught:
        load_settings(settings_path)
    (problem,) = caught.value.problems
    line, column = position(settings_path, at)
    column += at.index(": ") + 2 if at.startswith("body: ") else 0
    assert (problem.code, problem.location.line, problem.location.column) == (code, line, column), problem


def test_notice__body_font_lacks_characters__drawn_from_the_cut_fill_font(rules, tmp_path: Path) -> None:
    """Should draw what the office's body font lacks from a cut of the system's Noto CJK, not
    from a whole system font: a 仿宋_GB2312 has no rarer characters."""
    from pdf_glyphs import glyphs

    system = fonts.find_cjk_font()
    # A body font with a few characters only, as a GB 2312 font lacks those outside it.
    fonts._subset(system.path, system.index, sorted(map(ord, "你单位存在以下问题0123456789")), tmp_path / "narrow.otf")
    settings_path = office(tmp_path, """
        fonts:
          body: narrow.otf
    """)
    notice = notice_of(settings_path, tmp_path, rules)
    page = glyphs(notice, 0)
    by_char = {g.char: g.font for g in page}
    assert by_char["你"].endswith("+" + FAMILIES["body"])
    assert by_char["检"].endswith("+" + FILL_FAMILY)
    assert notice.stat().st_size < 1_000_000  # cut, not a whole system font


def test_find_installed__family_or_full_name__case_and_blanks_ignored() -> None:
    """Should find a face by its family (upright, nearest regular) or by its full name, as
    fontconfig compares names."""
    regular = find_installed("noto serif cjk sc")
    bold = find_installed("NotoSerif CJK SC Bold")
    assert regular is not None and regular.weight == fonts.REGULAR
    assert bold is not None and bold.weight == fonts.BOLD
    assert find_installed("方正小标宋简体（本机未安装）") is None


def test_installed_faces__no_fontconfig__read_from_font_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Should find a font by the names in its own tables where fontconfig is missing (Windows)."""
    system = fonts.find_cjk_font()
    folder = tmp_path / "Fonts"
    folder.mkdir()
    fonts._subset(system.path, system.index, sorted(map(ord, "责令整改")), folder / "own.otf")
    monkeypatch.setattr(fonts, "_fontconfig_faces", lambda: None)
    monkeypatch.setattr(fonts, "_font_folders", lambda: [folder])
    monkeypatch.setenv("LANTIAN_CACHE", str(tmp_path / "cache"))
    fonts.installed_faces.cache_clear()
    try:
        face = find_installed("Noto Serif CJK SC")
        assert face is not None and face.path == folder / "own.otf"
        # Read once, then from the cache; a cache damaged or out of date is read again.
        index = fonts.cache_dir() / "installed-faces.json"
        assert index.is_file()
        monkeypatch.setattr(fonts, "_read_faces", lambda path: pytest.fail(f"{path} read again"))
        assert fonts._scanned_faces() == (face,)
        monkeypatch.undo()
        monkeypatch.setattr(fonts, "_font_folders", lambda: [folder])
        monkeypatch.setenv("LANTIAN_CACHE", str(tmp_path / "cache"))
        index.write_text('{"%s": {"stamp": 1, "faces": 2}}' % (folder / "own.otf"), encoding="utf-8")
        assert fonts._scanned_faces() == (face,)
    finally:
        fonts.installed_faces.cache_clear()


def test_document_fonts__font_setting_without_fonts__every_role_in_it(tmp_path: Path) -> None:
    """Should keep the older single font: setting meaning every role, as before."""
    system = fonts.find_cjk_font()
    chosen, warnings = document_fonts(str(system.path))
    assert not warnings and {chosen.of(role).path for role in fonts.FONT_ROLES} == {system.path}


def test_is_font_path__a_file_or_a_family_name() -> None:
    """Should take a value with a folder separator or a font file's ending for a file."""
    assert fonts.is_font_path("fonts/FZXBSJW.TTF") and fonts.is_font_path("simfang.ttf") and fonts.is_font_path("C:\\Windows\\Fonts\\simkai.ttf")
    assert not fonts.is_font_path("方正小标宋简体") and not fonts.is_font_path("仿宋_GB2312")


def test_role_elements__the_ones_the_stylesheets_give_each_role_font() -> None:
    """Should cut each role's font to the text of exactly the elements the stylesheets set in
    it: an element styled there but not listed would be drawn in the body's font."""
    import re

    from engine.bundled import templates_dir
    from engine.render import ROLE_ELEMENTS

    styled: dict[str, set[str]] = {}
    for sheet in sorted((templates_dir() / "css").glob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for selectors, family in re.findall(r"([^{}]+)\{[^{}]*font-family:\s*(LantianCJK\w+)", text):
            role = next(role for role, name in FAMILIES.items() if name == family)
            styled.setdefault(role, set()).update(selector.strip() for selector in selectors.split(","))
    assert styled == {role: set(selectors) for role, selectors in ROLE_ELEMENTS.items()}


def test_notice__title_font__cut_to_the_titles_text_only(rules, tmp_path: Path) -> None:
    """Should embed the title's font cut to the few characters titles print, not to every
    character of the batch as the body's: the PDF stays about as small as with one font."""
    settings_path = office(tmp_path, """
        fonts:
          title: Noto Sans CJK SC
    """)
    notice = notice_of(settings_path, tmp_path, rules)
    reader = PdfReader(str(notice))
    glyph_counts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            data = descriptor["/FontFile3"].get_object().get_data()
            glyph_counts[str(font["/BaseFont"]).split("+")[1]] = len(TTFont(io.BytesIO(data)).getGlyphOrder())
    titles = set("XX镇人民政府责令整改通知书送达回证")
    assert len(titles) < glyph_counts[FAMILIES["title"]] <= len(titles) + 10  # and .notdef and what shaping needs
    assert glyph_counts[FAMILIES["body"]] > 300


def test_document_fonts__windows_fonts_installed__preferred_to_the_free_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Should set the body in 仿宋 and the headings in 黑体 and 楷体 where the fonts Chinese
    Windows comes with are installed, with no fonts: in the settings."""
    system = fonts.find_cjk_font()
    own = {}
    for name in ("FangSong", "SimHei", "KaiTi"):
        own[name] = tmp_path / f"{name}.otf"
        fonts._subset(system.path, system.index, sorted(map(ord, "正文标题")), own[name])
    windows = tuple(fonts.InstalledFace((name, "仿宋黑体楷体"[i * 2 : i * 2 + 2]), (name,), fonts.REGULAR, False, path, 0) for i, (name, path) in enumerate(own.items()))
    installed = windows + fonts.installed_faces()
    monkeypatch.setattr(fonts, "installed_faces", lambda: installed)
    document_fonts.cache_clear()
    try:
        chosen, warnings = document_fonts(None)
    finally:
        document_fonts.cache_clear()
    assert not warnings
    assert (chosen.body.path, chosen.heading.path, chosen.subheading.path) == (own["FangSong"], own["SimHei"], own["KaiTi"])
    assert chosen.title.path != own["FangSong"]  # 小标宋's stand-in is a 宋体, not the body's 仿宋
    found = find_installed("仿宋")  # a font's Chinese name names it as well as its English one
    assert found is not None and found.path == own["FangSong"]


def test_cli_batch__font_file_unusable__warning_on_stderr_and_documents_written(tmp_path: Path) -> None:
    """Should warn in a batch as in a notice, once, and still record and write everything."""
    from click.testing import CliRunner

    from cli import cli

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(NOTICE_ANSWERS, inbox)
    settings_path = office(tmp_path, """
        fonts:
          subheading: fonts/楷体_GB2312.ttf
    """)
    result = CliRunner().invoke(cli, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings_path), "--ledger", str(tmp_path / "ledger.sqlite")])
    assert result.exit_code == 1, result.output  # non-compliant, documents made
    assert result.stderr.count("[FONT_006]") == 1
    assert "{}:{}:{}: 警告 [FONT_006]".format(settings_path, *position(settings_path, "fonts/楷体")) in result.stderr
    assert len(list((tmp_path / "out").glob("*通知书.pdf"))) == 1


def test_document_fonts__installed_font_unreadable__warning_and_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Should warn of an installed font the subsetter cannot read (a damaged file), not stop
    every document at rendering."""
    broken = tmp_path / "damaged.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 64)
    installed = (fonts.InstalledFace(("黑体", "SimHei"), ("SimHei",), fonts.REGULAR, False, broken, 0), *fonts.installed_faces())
    monkeypatch.setattr(fonts, "installed_faces", lambda: installed)
    choice = fonts.FontChoice("heading", "黑体", None, fonts.Location("office.yaml", 3, 12))
    document_fonts.cache_clear()
    try:
        chosen, (warning,) = document_fonts(None, (choice,))
    finally:
        document_fonts.cache_clear()
    assert warning.code is ErrorCode.FONT_006 and str(broken) in warning.message
    assert chosen.heading.path != broken


def test_report__body_font_lacks_characters__every_font_a_cut_headings_in_the_heading_font(tmp_path: Path) -> None:
    """Should draw the summary's charts, whose labels are set in the body's family, and its
    text from our cuts alone, falling back to the cut Noto for what the office's body font
    lacks (a whole system font once made a 16 MB report), and its 一、二、 headings in 黑体."""
    from click.testing import CliRunner

    from cli import cli
    from helpers import record

    system = fonts.find_cjk_font()
    fonts._subset(system.path, system.index, sorted(map(ord, "一二三检查情况期间共开展现场0123456789")), tmp_path / "narrow.otf")
    settings_path = office(tmp_path, """
        fonts:
          body: narrow.otf
    """)
    record(EXAMPLES / "campaign", settings_path)
    result = CliRunner().invoke(cli, ["report", "--from", "2024-10-21", "--to", "2024-12-20", "-o", str(tmp_path / "report"), "--settings", str(settings_path)])
    assert result.exit_code == 0, result.output
    (pdf,) = (tmp_path / "report").glob("*.pdf")
    families = embedded_families(pdf)
    assert all("+LantianCJK" in name for name in families), families
    assert pdf.stat().st_size < 1_000_000
    from pdf_glyphs import glyphs

    page = glyphs(pdf, 0)
    line = "".join(g.char for g in page)
    start = line.index("一、检查情况")
    assert {families[g.font] for g in page[start : start + 6]} == {"Noto Sans CJK SC"}
