"""One error path: whatever a user, a disk or a damaged file does, the command prints the
problem with its code, message and hint, and exits with 2 — never a traceback, never exit 3."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from engine.errors import ErrorCode, LantianError
from helpers import EXAMPLES, lantian, office_folder, record

pytest.importorskip("weasyprint")


def _refused(result, code: ErrorCode) -> str:
    """The command exited with 2 and named the code once, with its hint."""
    assert result.exit_code == 2, result.output
    line = next(line for line in result.output.splitlines() if f"[{code.name}]" in line)
    assert " — " in line  # every problem carries its hint
    return line


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """A ledger with the findings of one non-compliant inspection."""
    root = office_folder(tmp_path_factory.mktemp("errors"))
    inbox = root / "inbox"
    inbox.mkdir()
    shutil.copy(EXAMPLES / "dust_six_100pct_noncompliant.yaml", inbox / "site.yaml")
    assert len(record(inbox, root / "office.yaml").recorded) == 1
    return root


def _ids(office: Path) -> list[int]:
    return [row["id"] for row in json.loads(lantian("ledger", "list", "--settings", str(office / "office.yaml"), "--format", "json").stdout)["findings"]]


def test_output_folder_under_a_file__io_004(tmp_path: Path) -> None:
    office_folder(tmp_path)
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    result = lantian("notice", str(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), "-o", str(tmp_path / "plain" / "out"), "--settings", str(tmp_path / "office.yaml"))
    assert "路径中有一段不是文件夹" in _refused(result, ErrorCode.IO_004)


def test_no_office_settings__settings_001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANTIAN_SETTINGS", raising=False)
    shutil.copy(EXAMPLES / "dust_six_100pct_noncompliant.yaml", tmp_path / "site.yaml")
    _refused(lantian("notice", "site.yaml", "-o", "out"), ErrorCode.SETTINGS_001)
    assert not (tmp_path / "out").exists()


def test_damaged_numbers_file__number_001(tmp_path: Path) -> None:
    office_folder(tmp_path)
    (tmp_path / "office.numbers.sqlite").write_bytes(b"this is not a database" * 100)
    result = lantian("notice", str(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"))
    _refused(result, ErrorCode.NUMBER_001)


def test_no_chinese_font__font_001_and_font_002(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import fonts

    monkeypatch.setattr(fonts, "CANDIDATES", ())
    monkeypatch.setattr(fonts, "_fontconfig_candidate", lambda: None)
    with pytest.raises(LantianError) as exc:
        fonts.find_cjk_font()
    (problem,) = exc.value.problems
    assert problem.code is ErrorCode.FONT_001 and "fonts-noto-cjk" in problem.hint
    with pytest.raises(LantianError) as exc:
        fonts.find_cjk_font("/nonexistent/font.ttf")
    assert exc.value.problems[0].code is ErrorCode.FONT_002


def _notice_with_font(tmp_path: Path, font: str):
    """`lantian notice` with office settings whose font: is ``font``."""
    office_folder(tmp_path)
    settings = tmp_path / "office.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"font: {font}\n", encoding="utf-8")
    return lantian("notice", str(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), "-o", str(tmp_path / "out"), "--settings", str(settings))


def test_font_in_settings_missing__font_002_from_the_command(tmp_path: Path) -> None:
    assert "不存在的字体.ttf" in _refused(_notice_with_font(tmp_path, "不存在的字体.ttf"), ErrorCode.FONT_002)


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_font_in_settings_not_a_regular_file__font_002_names_what_it_is(tmp_path: Path, kind: str) -> None:
    from engine import fonts

    target = {"folder": tmp_path / "字体", "fifo": tmp_path / "字体.ttf", "device": Path("/dev/zero")}[kind]
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    with pytest.raises(LantianError) as exc:
        fonts.find_cjk_font(target)
    (problem,) = exc.value.problems
    assert problem.code is ErrorCode.FONT_002 and {"folder": "文件夹", "fifo": "命名管道", "device": "字符设备"}[kind] in problem.message


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_font_in_settings_that_cannot_be_read__font_004_not_an_internal_error(tmp_path: Path) -> None:
    """Should name a font file the disk or the permissions do not let be read (FONT_004)."""
    assert "/proc/self/mem" in _refused(_notice_with_font(tmp_path, "/proc/self/mem"), ErrorCode.FONT_004)


def test_font_in_settings_not_a_font__font_003_from_the_command(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "仿宋.ttf").write_text("这不是字体\n", encoding="utf-8")
    assert "仿宋.ttf" in _refused(_notice_with_font(tmp_path, "仿宋.ttf"), ErrorCode.FONT_003)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_document_asking_for_a_file_outside__render_001(tmp_path: Path) -> None:
    from engine.render import Document, write_pdfs

    html = '<html><body><p>检查</p><img src="file:///etc/hostname"></body></html>'
    with pytest.raises(LantianError) as exc:
        write_pdfs([Document(tmp_path / "x.pdf", "record", html, tmp_path)])
    (problem,) = exc.value.problems
    assert problem.code is ErrorCode.RENDER_001 and "x.pdf" in problem.message


def test_ledger_from_a_newer_lantian__ledger_004(office: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    shutil.copy(office / "office.ledger.sqlite", newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("PRAGMA user_version = 99")
    _refused(lantian("ledger", "list", "--ledger", str(newer), "--settings", str(office / "office.yaml")), ErrorCode.LEDGER_004)


def test_unknown_finding__ledger_005(office: Path) -> None:
    settings = ["--settings", str(office / "office.yaml")]
    _refused(lantian("ledger", "show", "99999", *settings), ErrorCode.LEDGER_005)
    _refused(lantian("ledger", "close", "99999", "--note", "已整改", *settings), ErrorCode.LEDGER_005)


def test_closing_twice__ledger_006(office: Path) -> None:
    settings = ["--settings", str(office / "office.yaml")]
    first = _ids(office)[0]
    assert lantian("ledger", "close", str(first), "--note", "已加高围挡", *settings).exit_code == 0
    _refused(lantian("ledger", "close", str(first), "--note", "再销一次", *settings), ErrorCode.LEDGER_006)


def test_closing_before_the_finding__ledger_007(office: Path) -> None:
    settings = ["--settings", str(office / "office.yaml")]
    finding = _ids(office)[1]
    _refused(lantian("ledger", "close", str(finding), "--note", "已整改", "--on", "2020-01-01", *settings), ErrorCode.LEDGER_007)


def test_closing_without_a_reason__ledger_008(office: Path) -> None:
    settings = ["--settings", str(office / "office.yaml")]
    _refused(lantian("ledger", "close", str(_ids(office)[2]), "--note", "   ", *settings), ErrorCode.LEDGER_008)


def test_not_a_ledger__ledger_009(office: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.sqlite"
    fake.write_bytes(b"not a database at all\n" * 50)
    result = lantian("ledger", "list", "--ledger", str(fake), "--settings", str(office / "office.yaml"))
    _refused(result, ErrorCode.LEDGER_009)
    assert fake.read_bytes() == b"not a database at all\n" * 50  # left as it was


def test_no_ledger__ledger_010(office: Path, tmp_path: Path) -> None:
    result = lantian("ledger", "list", "--ledger", str(tmp_path / "none.sqlite"), "--settings", str(office / "office.yaml"))
    _refused(result, ErrorCode.LEDGER_010)
    assert not (tmp_path / "none.sqlite").exists()


def test_command_bodies__catch_nothing() -> None:
    """Should leave every error to the one place that turns it into output and an exit code
    (cli.main and the group): no command body of cli.py catches an exception."""
    import ast

    import cli

    tree = ast.parse(Path(cli.__file__).read_text(encoding="utf-8"))
    commands = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("command", "group") for d in node.decorator_list)
    ]
    assert len(commands) >= 20  # every command and group of lantian
    catching = [(node.name, handler.lineno) for node in commands for handler in ast.walk(node) if isinstance(handler, ast.ExceptHandler)]
    assert catching == []
