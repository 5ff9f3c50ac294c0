"""Nothing from a file, a file name or the office settings reaches the terminal raw.

Every hostile text is built here: escape sequences that clear the screen or set the window
title, a bidi override that reverses what follows, a newline that forges a line. Click strips
colour sequences from output it thinks is not a terminal, so the runner keeps colour
(``color=True``) and the tests look at the bytes.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
from engine.check_output import json_text
from engine.errors import Location
from helpers import EXAMPLES, RULES, office_folder, record

NONCOMPLIANT = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
HOSTILE = "x\x1b[2J\x1b]0;PWNED\x07\u202eFAKE"
RAW = ("\x1b", "\x07", "\u202e", "\u200f", "\x85")


def invoke(*args: str) -> tuple[int, bytes, bytes]:
    result = CliRunner().invoke(cli.cli, ["--rules", str(RULES), *args], catch_exceptions=False, color=True, prog_name="lantian")
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def assert_no_raw(data: bytes) -> None:
    text = data.decode("utf-8")
    for char in RAW:
        assert char not in text, f"{char!r} reached the terminal raw"


def hostile_copy(folder: Path, name: str = HOSTILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.yaml"
    shutil.copy(NONCOMPLIANT, target)
    return target


def test_notice__document_number_and_file_name_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should print the written paths and the document number escaped (F4, F5). The settings
    refuse control characters in number_pattern; a number that holds them anyway (an older
    settings file, another pattern source) must still not reach the terminal raw."""
    import dataclasses

    from engine import batch, documents

    real = documents.write_each

    def forged(*args: object, **kwargs: object) -> documents.WriteOutcome:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        number = "\x1b]0;PWNED\x07\x1b[2J结论：合格\nFAKE LINE\r"
        return dataclasses.replace(outcome, written=[dataclasses.replace(w, number=number if w.number else None) for w in outcome.written])

    monkeypatch.setattr(batch, "write_each", forged)
    office = office_folder(tmp_path / "office")
    answers = hostile_copy(tmp_path / "in")
    code, out, err = invoke("notice", str(answers), "-o", str(tmp_path / "out"), "--settings", str(office / "office.yaml"))
    assert code == 1, err.decode()
    assert_no_raw(out + err)
    shown = out.decode("utf-8")
    assert "\\x1b]0;PWNED\\x07" in shown and "\\u202eFAKE" in shown and "\\nFAKE LINE\\r" in shown
    assert all(line.startswith(str(tmp_path / "out")) for line in shown.splitlines())  # no forged line


def test_verify__file_name_is_escaped(tmp_path: Path) -> None:
    """Should print the name of an answers file that does not match the ledger escaped (F5)."""
    office = office_folder(tmp_path / "office")
    answers = hostile_copy(tmp_path / "inbox", "y\x1b[2J\u202e\nFAKE")
    assert len(record(tmp_path / "inbox", office / "office.yaml").recorded) == 1
    answers.write_bytes(answers.read_bytes() + b"# edited\n")
    code, out, err = invoke("verify", str(answers), "--settings", str(office / "office.yaml"))
    assert code == 1
    assert_no_raw(out + err)
    assert "y\\x1b[2J\\u202e\\nFAKE" in err.decode("utf-8")


def test_check_json__file_name_controls_are_escaped_and_json_stays_valid(tmp_path: Path) -> None:
    """Should write a bidi override, DEL, C1 and control characters of a file name as \\uXXXX (F5)."""
    name = "z\u202e\u200f\x85\x7f\x1b"
    answers = hostile_copy(tmp_path, name)
    code, out, err = invoke("check", str(answers), "--format", "json")
    assert code == 1, err.decode()
    assert_no_raw(out)
    assert "\x7f" not in out.decode("utf-8")
    assert "\\u202e\\u200f\\u0085\\u007f\\u001b" in out.decode("utf-8")
    assert json.loads(out)["results"][0]["file"] == str(answers)


def test_json_text__every_invisible_character_escaped_and_the_value_unchanged() -> None:
    document = {"name": "a\u202eb\u2066c\u200bd\ufeffe\x9bf\U000e0001g", "中文": "保持可读", "n": [1, None]}
    text = json_text(document)
    assert json.loads(text) == document
    assert "中文" in text and "保持可读" in text
    assert all(ch == "\n" or 0x20 <= ord(ch) < 0x7F or ord(ch) >= 0x3000 for ch in text), text


def test_ledger_list_json__uses_the_same_escaping(tmp_path: Path) -> None:
    """Should escape an invisible character of a site name in `ledger list --format json` too."""
    office = office_folder(tmp_path / "office")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = NONCOMPLIANT.read_text(encoding="utf-8")
    name = re.search(r"(?m)^  name: (.*)$", text)
    assert name is not None
    (inbox / "a.yaml").write_text(text.replace(name.group(0), '  name: "工地\\u200b\\u00ad反转"', 1), encoding="utf-8")
    assert len(record(inbox, office / "office.yaml").recorded) == 1
    code, out, _ = invoke("ledger", "list", "--settings", str(office / "office.yaml"), "--format", "json")
    assert code == 0
    assert "\u200b" not in out.decode("utf-8") and "工地\\u200b\\u00ad反转" in out.decode("utf-8")
    assert json.loads(out)["findings"][0]["site"] == "工地\u200b\u00ad反转"


def test_template__rule_texts_never_carry_raw_controls() -> None:
    """Should escape control and bidi characters in rule texts of the blank answers (F6). Rules
    with them are refused when loaded (RULE_006); a checklist that holds them anyway, built
    in memory here, must still give a file without them."""
    import dataclasses

    from engine.blank import blank_answers
    from engine.loader import load_rules

    checklist = load_rules(RULES).checklist("straw_ban", Location("test"))
    section = checklist.sections[0]
    first = section.items[0]
    with_options = next(item for s in checklist.sections for item in s.items if item.field.options)
    option = dataclasses.replace(with_options.field.options[0], label="徒步\x9b\rfoot: 1")
    hostile_field = dataclasses.replace(with_options.field, options=(option, *with_options.field.options[1:]), unit="米\u2067")
    items = tuple(
        dataclasses.replace(item, question="火点数\x1b[31m\nFAKE: 1\u2067", guidance="看\x1b]0;PWNED\x07这里") if item is first
        else dataclasses.replace(item, field=hostile_field) if item is with_options
        else item
        for item in section.items
    )
    sections = (dataclasses.replace(section, items=items), *checklist.sections[1:])
    if with_options not in section.items:
        other = next(i for i, s in enumerate(checklist.sections) if with_options in s.items)
        replaced = tuple(dataclasses.replace(item, field=hostile_field) if item is with_options else item for item in checklist.sections[other].items)
        sections = tuple(dataclasses.replace(s, items=replaced) if i == other else s for i, s in enumerate(sections))
    hostile = dataclasses.replace(checklist, title="秸秆\x1b[2J\x1b]0;PWNED\x07禁烧\u202e", sections=sections)
    shown = blank_answers(hostile)
    for char in (*RAW, "\r", "\x9b", "\u2067"):
        assert char not in shown
    assert "秸秆\\x1b[2J\\x1b]0;PWNED\\x07禁烧\\u202e" in shown and "\\x9b" in shown
    assert not re.search(r"(?m)^\s*foot: 1", shown) and not re.search(r"(?m)^FAKE", shown)
    answers = yaml.safe_load(shown)  # still a blank answers file
    assert answers["checklist"] == "straw_ban" and "FAKE" not in answers["answers"]


@pytest.mark.parametrize(
    ("argv", "detail", "command"),
    [
        (["ledger", "list", "--as-of", "2026-02-29"], "2026-02-29", "lantian ledger list"),
        (["ledger", "show", "1e3"], "1e3", "lantian ledger show"),
        (["check"], "FILES", "lantian check"),
        (["check", "a.yaml", "--issued", "2026-13-01"], "2026-13-01", "lantian check"),
        (["check", "--format", "xml", "a.yaml"], "xml", "lantian check"),
        (["no-such-command"], "no-such-command", "lantian"),
        (["--no-such-option", "check"], "--no-such-option", "lantian"),
    ],
)
def test_usage_error__coded_chinese_with_help_hint_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], detail: str, command: str) -> None:
    """Should report a mistake in the command line as USAGE_001 with click's detail and a --help hint (F14)."""
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"{command}: [USAGE_001] 命令写法有误：" in err and detail in err
    assert f"运行 {command} --help" in err
    assert "Usage:" not in err and "Error:" not in err


def test_usage_error__same_through_the_group_as_runners_call_it() -> None:
    code, out, err = invoke("ledger", "show", "1e3")
    assert code == 2 and out == b""
    assert "[USAGE_001]" in err.decode("utf-8") and "lantian ledger show --help" in err.decode("utf-8")


def test_usage_error__detail_from_the_command_line_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", "--format", "x\x1b[2J\u202e", "a.yaml"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "[USAGE_001]" in err and "\x1b" not in err and "\u202e" not in err


def test_tag_characters_and_annotation_marks__escaped_in_text_and_json() -> None:
    """Should escape the characters that hide text without acting on a terminal (tag
    characters, interlinear annotation marks), as json_text and printable promise."""
    from engine.check_output import json_text, printable

    assert printable("工地\U000e0041\ufff9") == "工地\\U000e0041\\ufff9"
    assert "\U000e0041" not in json_text({"site": "工地\U000e0041"}) and "\\udb40\\udc41" in json_text({"site": "工地\U000e0041"})

