"""Hostile input: files and streams built to crash Lantian, hang it, exhaust it, or bend what
it prints. Each test builds its input here and runs both the library and the command line;
a command that could hang runs in a subprocess whose timeout only detects the hang."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from engine import check, load_rules
from engine.errors import InputError, LantianError
from engine.source import MAX_BYTES, MAX_INT_DIGITS, load_source, read_bytes
from helpers import EXAMPLES, ROOT, RULES, dust_answers

COMPLIANT = EXAMPLES / "dust_six_100pct_compliant.yaml"
#: Generous: the hang detector of a command that takes a second when it does not hang.
HANG = 60

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def lantian(*args: str, input: bytes | None = None):
    """`lantian --rules RULES ARGS` in this process, stdout and stderr apart."""
    return CliRunner().invoke(cli.cli, ["--rules", str(RULES), *args], input=input, catch_exceptions=False)


def lantian_process(*args: str, stdin: int | None = None, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real `lantian` in a subprocess; a run that outlives HANG fails the test as a hang."""
    command = [sys.executable, str(ROOT / "cli.py"), *args]
    try:
        return subprocess.run(command, stdin=stdin, input=input, capture_output=True, timeout=HANG, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"lantian {' '.join(args)} did not finish: it hangs")


def codes(problems) -> list[tuple[str, str, int | None, int | None]]:
    return [(p.code.name, p.location.file, p.location.line, p.location.column) for p in problems]


def answers_file(tmp_path: Path, text: str | bytes, name: str = "a.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def unchanged(path: Path, before: bytes) -> bool:
    return path.read_bytes() == before


# -- numbers and tags PyYAML cannot construct -----------------------------------------------


def test_integer_of_5000_digits__yaml_006_at_it(tmp_path: Path, rules) -> None:
    """Should refuse a 5,000-digit integer with its place, not crash on Python's digit limit."""
    raw = dust_answers({"hoarding_height": "9" * 5000})
    path = answers_file(tmp_path, raw)
    with pytest.raises(InputError) as exc:
        check(raw, rules, name=str(path))
    line = raw.decode().splitlines().index("  hoarding_height: " + "9" * 5000) + 1
    assert codes(exc.value.problems) == [("YAML_006", str(path), line, 20)]
    assert exc.value.problems[0].context["digits"] == 5000
    result = lantian("check", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:{line}:20: [YAML_006]")
    assert unchanged(path, raw)


def test_integer_of_5000_digits__as_key_site_field_or_hex__yaml_006(rules) -> None:
    """Should refuse an over-long integer wherever it stands: a key, a site field, written in hex."""
    base = dust_answers().decode()
    as_key = base + "  ? " + "1" * 5000 + "\n  : 是\n"
    in_site = base.replace("  village: XX村", "  phone: " + "1" * 5000)
    in_hex = base.replace("hoarding_height: 2.5", "hoarding_height: !!int 0x" + "f" * 5000)
    for text in (as_key, in_site, in_hex):
        with pytest.raises(InputError) as exc:
            check(text.encode(), rules, name="a.yaml")
        assert [p.code.name for p in exc.value.problems] == ["YAML_006"]
        assert exc.value.problems[0].location.line is not None


def test_json_integer_of_5000_digits__json_001_at_it(tmp_path: Path) -> None:
    """Should refuse an over-long JSON integer at its line and column (json.loads would crash)."""
    path = answers_file(tmp_path, '{\n  "checklist": "dust_six_100pct",\n  "site": {"phone": ' + "1" * 5000 + "}\n}\n", "a.json")
    with pytest.raises(InputError) as exc:
        load_source(path)
    assert codes(exc.value.problems) == [("JSON_001", str(path), 3, 21)]
    assert str(MAX_INT_DIGITS) in exc.value.problems[0].message
    result = lantian("check", str(path))
    assert result.exit_code == 2 and f"{path}:3:21: [JSON_001]" in result.stderr


@pytest.mark.parametrize(
    "tagged, shown",
    [("!!float abc", "abc"), ("!!int abc", "abc"), ("!!bool maybe", "maybe"), ("!!timestamp notadate", "notadate"), ("!!null abc", "abc")],
)
def test_tag_with_impossible_value__yaml_005_as_value_and_as_key(tmp_path: Path, rules, tagged: str, shown: str) -> None:
    """Should refuse a value its tag cannot hold, written as a value or as a key, with both places."""
    raw = dust_answers({"hoarding_closed": tagged}).decode() + f"  {tagged}: 是\n"
    path = answers_file(tmp_path, raw)
    lines = raw.splitlines()
    value_line = lines.index(f"  hoarding_closed: {tagged}") + 1
    with pytest.raises(InputError) as exc:
        check(raw.encode(), rules, name=str(path))
    assert codes(exc.value.problems) == [("YAML_005", str(path), value_line, 20), ("YAML_005", str(path), len(lines), 3)]
    assert f"“{shown}”" in exc.value.problems[0].message
    result = lantian("check", str(path))
    assert result.exit_code == 2
    assert f"{path}:{value_line}:20: [YAML_005]" in result.stderr and f"{path}:{len(lines)}:3: [YAML_005]" in result.stderr


def test_tag_with_impossible_value__under_a_duplicate_key__yaml_005_and_yaml_002(tmp_path: Path) -> None:
    """Should check the value of a repeated key too: it is not walked for positions, but the
    later value is the one read."""
    path = answers_file(tmp_path, "a: 1\nb: 2\na: !!float abc\n")
    with pytest.raises(InputError) as exc:
        load_source(path)
    assert codes(exc.value.problems) == [("YAML_002", str(path), 3, 1), ("YAML_005", str(path), 3, 4)]


# -- what is read: regular files only, links kept in their folder, stdin up to the limit -----


@needs_fifo
def test_fifo_as_answers__io_005_without_opening_it(tmp_path: Path) -> None:
    """Should refuse a named pipe given as answers at once: opening it would wait forever."""
    fifo = tmp_path / "a.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as exc:
        read_bytes(fifo)
    assert codes(exc.value.problems) == [("IO_005", str(fifo), None, None)]
    run = lantian_process("--rules", str(RULES), "check", str(fifo))
    assert run.returncode == 2
    assert run.stderr.decode().startswith(f"{fifo}: [IO_005]")


@needs_fifo
def test_fifo_as_rule_file__io_005(tmp_path: Path, rules_copy: Path) -> None:
    """Should refuse a named pipe among the rule files of a --rules folder."""
    fifo = rules_copy / "zz_pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    assert [p.code.name for p in exc.value.problems] == ["IO_005"]
    run = lantian_process("--rules", str(rules_copy), "rules", "check")
    assert run.returncode == 2
    assert f"{fifo}: [IO_005]" in run.stderr.decode()


@needs_fifo
def test_fifo_to_verify__io_005(tmp_path: Path) -> None:
    """Should refuse a named pipe given to `lantian verify` before looking for the ledger."""
    fifo = tmp_path / "a.yaml"
    os.mkfifo(fifo)
    run = lantian_process("verify", str(fifo), "--ledger", str(tmp_path / "ledger.sqlite"))
    assert run.returncode == 2
    assert run.stderr.decode().startswith(f"{fifo}: [IO_005]")
    assert not (tmp_path / "ledger.sqlite").exists()


@needs_fifo
def test_fifo_as_close_out_evidence__io_005(tmp_path: Path) -> None:
    """Should refuse a named pipe as the evidence of a close-out, whose SHA-256 is taken."""
    fifo = tmp_path / "proof.jpg"
    os.mkfifo(fifo)
    run = lantian_process("ledger", "close", "1", "--note", "已整改", "--evidence", str(fifo), "--ledger", str(tmp_path / "ledger.sqlite"))
    assert run.returncode == 2
    assert run.stderr.decode().startswith(f"{fifo}: [IO_005]")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_socket_and_device_as_answers__io_005(tmp_path: Path) -> None:
    """Should name what it refused: a socket, a device that never ends."""
    place = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(place))
        result = lantian("check", str(place), "/dev/zero")
    finally:
        server.close()
    assert result.exit_code == 2
    assert f"{place}: [IO_005] 不是普通文件（套接字）" in result.stderr
    assert "/dev/zero: [IO_005] 不是普通文件（字符设备）" in result.stderr


def test_rule_file_linked_outside_its_folder__io_006_nothing_of_it_shown(tmp_path: Path, rules_copy: Path) -> None:
    """Should refuse a rule file that links out of the rules folder, without showing a line of
    the file it points at (the caret display would print it under a schema error)."""
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("SECRET-FIRST-LINE\n", encoding="utf-8")
    link = rules_copy / "zz_link.yaml"
    link.symlink_to(secret)
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    assert codes(exc.value.problems) == [("IO_006", str(link), None, None)]
    result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "rules", "check"], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"{link}: [IO_006]" in result.stderr
    assert "SECRET" not in result.output + result.stderr


def test_answers_linked_outside_its_folder__io_006_and_inside__read(tmp_path: Path) -> None:
    """Should refuse answers that link out of their folder, and read a link to a file beside it."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "inbox").mkdir()
    real = answers_file(tmp_path / "elsewhere", dust_answers())
    outward = tmp_path / "inbox" / "a.yaml"
    outward.symlink_to(real)
    beside = tmp_path / "elsewhere" / "b.yaml"
    beside.symlink_to(real.name)
    result = lantian("check", str(outward), str(beside))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{outward}: [IO_006]")
    assert str(beside) in result.stdout and "结论：合格" in result.stdout


def test_stdin_endless__io_003_at_the_limit() -> None:
    """Should stop reading standard input at the size limit: `< /dev/zero` ends, with IO_003."""
    with open("/dev/zero", "rb") as zero:
        run = lantian_process("--rules", str(RULES), "check", "-", stdin=zero.fileno())
    assert run.returncode == 2
    assert run.stderr.decode().startswith("<stdin>: [IO_003]")


def test_stdin_just_over_the_limit__io_003_in_process() -> None:
    """Should refuse standard input one byte over the limit, as it refuses such a file."""
    result = lantian("check", "-", input=b"#" * (MAX_BYTES + 1))
    assert result.exit_code == 2
    assert result.stderr.startswith("<stdin>: [IO_003]")
    assert lantian("check", "-", input=dust_answers()).exit_code == 0


def test_library_error_for_special_file__is_a_lantian_error(tmp_path: Path) -> None:
    """Should raise the coded error from the library, whatever calls it."""
    with pytest.raises(LantianError):
        read_bytes(Path("/dev/null"))


# -- sizes: limits checked when the answers are read, so check and batch agree --------------


def unknown_items(count: int) -> bytes:
    """A passing dust inspection followed by ``count`` answers to items no checklist has."""
    return dust_answers() + "".join(f"  x{number:x}: 1\n" for number in range(count)).encode()


def test_400000_unknown_items__too_large_and_the_run_ends(tmp_path: Path) -> None:
    """Should refuse at once, before parsing, the file of 400,000 unknown answers that took
    three minutes and 840 MB; the subprocess only detects a hang."""
    raw = unknown_items(400_000)
    path = answers_file(tmp_path, raw)
    run = lantian_process("--rules", str(RULES), "check", str(path))
    assert run.returncode == 2
    assert run.stderr.decode().startswith(f"{path}: [IO_003]")
    assert unchanged(path, raw)


def test_60000_unknown_items__one_answer_015_without_looking_at_each(tmp_path: Path, rules) -> None:
    """Should refuse an answers mapping of tens of thousands of entries with one problem,
    before the schema and the suggestions look at each entry."""
    raw = unknown_items(60_000)
    assert len(raw) <= MAX_BYTES
    path = answers_file(tmp_path, raw)
    with pytest.raises(InputError) as exc:
        check(raw, rules, name=str(path))
    answers_line = raw.decode().splitlines().index("answers:") + 1
    assert codes(exc.value.problems) == [("ANSWER_015", str(path), answers_line, 1)]
    assert exc.value.problems[0].context["count"] > 60_000
    assert unchanged(path, raw)


def test_500_unknown_items__first_100_listed_then_answer_016_with_the_rest(tmp_path: Path, rules) -> None:
    """Should list the first 100 problems of a file and one line for the other 400, where they begin."""
    raw = unknown_items(500)
    path = answers_file(tmp_path, raw)
    with pytest.raises(InputError) as exc:
        check(raw, rules, name=str(path))
    problems = exc.value.problems
    assert len(problems) == 101 and [p.code.name for p in problems[:100]] == ["ANSWER_001"] * 100
    first_unknown = raw.decode().splitlines().index("  x0: 1") + 1
    assert codes(problems[-1:]) == [("ANSWER_016", str(path), first_unknown + 100, 3)]
    assert problems[-1].context == {"more": 400, "limit": 100}
    result = lantian("check", str(path))
    assert result.exit_code == 2
    assert result.stderr.count("[ANSWER_001]") == 100
    assert f"{path}:{first_unknown + 100}:3: [ANSWER_016] 这份答卷还有 400 个错误未列出" in result.stderr
    assert result.stderr.rstrip().endswith("共 500 个错误（1 个文件）")


def test_note_of_300000_characters__answer_012_in_check_and_batch(tmp_path: Path, rules) -> None:
    """Should refuse a note of 300,000 characters (200,000 took a minute and a 718-page record;
    a million, larger than a file may be now, never finished) where it stands, in check and in
    batch alike, and write no document for it."""
    raw = dust_answers({"paving_clean": "{value: 是, note: " + "很" * 300_000 + "}"})
    assert len(raw) <= MAX_BYTES
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = answers_file(inbox, raw)
    line = raw.decode().splitlines().index(next(text for text in raw.decode().splitlines() if text.startswith("  paving_clean:"))) + 1
    with pytest.raises(InputError) as exc:
        check(raw, rules, name=str(path))
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.line, problem.location.item) == ("ANSWER_012", line, "paving_clean")
    assert problem.context["length"] == 300_000 and problem.context["limit"] == 2000
    run = lantian_process("--rules", str(RULES), "check", str(path))
    assert run.returncode == 2 and f"{path}:{line}:" in run.stderr.decode() and "[ANSWER_012]" in run.stderr.decode()

    from engine.batch import run_batch
    from engine.settings import load_settings
    from helpers import office_folder

    office = office_folder(tmp_path / "office")
    outcome = run_batch(inbox, tmp_path / "out", rules, load_settings(office / "office.yaml"), ledger_path=office / "ledger.sqlite", documents=False)
    assert [p.code.name for p in outcome.problems] == ["ANSWER_012"] and outcome.results == [] and outcome.recorded == []
    assert not (tmp_path / "out").exists()
    assert unchanged(path, raw)


def test_one_line_texts_and_lists__limits(tmp_path: Path, rules) -> None:
    """Should refuse a 201-character site name, 21 photos of one item, 21 inspectors and a
    count of 10,000 places, each at its place; 200 characters and a 2,000-character note pass."""
    base = dust_answers({"paving_clean": "{value: 否, count: 10000, photos: [" + ", ".join(f"p{n}.jpg" for n in range(21)) + "]}"}).decode()
    raw = base.replace("XX建设有限公司XX项目工地", "工" * 201).replace("[李明, 王芳]", "[" + ", ".join(f"人员{n}" for n in range(21)) + "]")
    path = answers_file(tmp_path, raw)
    with pytest.raises(InputError) as exc:
        check(path, rules)
    lines = raw.splitlines()
    site_line = next(n for n, text in enumerate(lines, 1) if "工" * 201 in text)
    people_line = next(n for n, text in enumerate(lines, 1) if "人员0" in text)
    answer_line = next(n for n, text in enumerate(lines, 1) if text.startswith("  paving_clean:"))
    found = [(p.code.name, p.location.line, p.context.get("field") or p.context.get("reason")) for p in exc.value.problems]
    assert found == [
        ("ANSWER_012", site_line, "site.name"),
        ("ANSWER_015", people_line, "inspection.inspectors"),
        ("ANSWER_003", answer_line, "发现问题的处数 10000 超出合理范围（0 至 9999）"),
        ("ANSWER_015", answer_line, "photos"),
    ]
    fine = dust_answers({"paving_clean": "{value: 是, note: " + "很" * 2000 + "}"}).decode().replace("XX建设有限公司XX项目工地", "工" * 200)
    assert check(fine.encode(), rules, name="a.yaml").verdict == "compliant"


# -- control characters: refused in one-line texts, escaped on every terminal line -----------


def test_newline_in_site_name__answer_013_no_fake_verdict_line(tmp_path: Path, rules) -> None:
    """Should refuse a site name that would print a fake “结论：合格” line above the real verdict."""
    raw = dust_answers().decode().replace("XX建设有限公司XX项目工地", '"假工地\\n  结论：合格"').encode()
    path = answers_file(tmp_path, raw)
    line = raw.decode().splitlines().index('  name: "假工地\\n  结论：合格"') + 1
    with pytest.raises(InputError) as exc:
        check(raw, rules, name=str(path))
    assert codes(exc.value.problems) == [("ANSWER_013", str(path), line, 9)]
    assert exc.value.problems[0].context["position"] == 4
    result = lantian("check", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{path}:{line}:9: [ANSWER_013]" in result.stderr and "\n  结论" not in result.stderr


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x08", "\r", "\x9b", "\x7f", "\u202e", "\u2066"])
def test_control_character_in_operator__answer_013(rules, char: str) -> None:
    """Should refuse ESC, BEL, backspace, CR, C1, DEL and bidi overrides in a one-line text."""
    escaped = f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    raw = dust_answers().decode().replace("  operator: XX建设有限公司", f'  operator: "XX{escaped}公司"').encode()
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    assert [(p.code.name, p.context["field"], p.context["position"]) for p in exc.value.problems] == [("ANSWER_013", "site.operator", 3)]


def test_note_may_have_lines_and_tabs__not_escape_sequences(rules) -> None:
    """Should keep line breaks and tabs in a note, and refuse an ESC in it."""
    good = dust_answers({"paving_clean": '{value: 是, note: "东侧一处\\n\\t北侧一处"}'})
    assert check(good, rules, name="a.yaml").verdict == "compliant"
    bad = dust_answers({"paving_clean": '{value: 是, note: "东侧\\e[8m隐藏"}'})
    with pytest.raises(InputError) as exc:
        check(bad, rules, name="a.yaml")
    assert [(p.code.name, p.context["char"]) for p in exc.value.problems] == [("ANSWER_013", "\\x1b")]


def test_printable__escapes_c0_c1_del_and_bidi_keeps_the_rest() -> None:
    from engine.check_output import printable

    assert printable("a\nb\tc\rd\x1b[8m\x07\x08\x00\x7f\x9b\u202e\u2066x") == "a\\nb\\tc\\rd\\x1b[8m\\x07\\x08\\x00\\x7f\\x9b\\u202e\\u2066x"
    assert printable("工地 ①～“合格” 🙂") == "工地 ①～“合格” 🙂"


UNSAFE = ("\n", "\x1b", "\x07", "\x08", "\r", "\x9b", "\x7f", "\u202e")


def terminal_safe(text: str) -> bool:
    """No character of a value may act on the terminal: only the formatter's own line breaks."""
    return not any(char in line for line in text.split("\n") for char in UNSAFE if char != "\n")


def test_every_text_formatter__escapes_what_came_from_files(rules) -> None:
    """Should escape control characters in check's summary, the problems list with its source
    line, and the ledger table, whatever path the text took to get there."""
    import dataclasses

    from engine.check_output import format_problems, format_result
    from engine.errors import ErrorCode, Location, Problem

    hostile = "工地\n  结论：合格\x1b[8m\x07\x08\r\u202e"
    result = check(dust_answers(), rules, name="a.yaml")
    shown = format_result(dataclasses.replace(result, site=dataclasses.replace(result.site, name=hostile, village=hostile)))
    assert terminal_safe(shown) and "\\n  结论：合格\\x1b[8m\\x07\\x08\\r\\u202e" in shown
    assert sum(line.strip().startswith("结论：") for line in shown.splitlines()) == 1
    problem = Problem(ErrorCode.ANSWER_006, Location("a.yaml", 1, 3, (), "x"), {"actual": hostile, "suggestion": "", "allowed": "是"})
    listed = format_problems([problem], lambda name: ["a: " + hostile])
    assert terminal_safe(listed) and listed.count("\n") == 3


def test_raw_escape_in_a_file__error_line_shown_escaped(tmp_path: Path) -> None:
    """Should show the offending line of a file holding a raw ESC with the ESC escaped."""
    path = answers_file(tmp_path, b"checklist: dust_six_100pct\x1b]0;pwned\x07\n")
    result = lantian("check", str(path))
    assert result.exit_code == 2 and "[YAML_001]" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\\x1b]0;pwned\\x07" in result.stderr


def test_ledger_show_and_table__escape_what_people_wrote(tmp_path: Path, rules) -> None:
    """Should escape a close-out note typed with control characters in `ledger show`, and
    hostile cells of the ledger table."""
    import dataclasses
    import datetime as dt

    from engine import ledger
    from engine.batch import run_batch
    from engine.ledger_output import table_text
    from engine.settings import load_settings
    from helpers import office_folder

    office = office_folder(tmp_path / "office")
    (tmp_path / "inbox").mkdir()
    answers_file(tmp_path / "inbox", dust_answers({"stockpile_covered": "否"}))
    ledger_path = office / "office.ledger.sqlite"
    run_batch(tmp_path / "inbox", tmp_path / "out", rules, load_settings(office / "office.yaml"), ledger_path=ledger_path, documents=False)
    (row,) = ledger.findings(ledger_path, ledger.Filter())
    args = ["--ledger", str(ledger_path), "--settings", str(office / "office.yaml")]
    refused = lantian("ledger", "close", str(row.finding_id), "--note", "已整改\n结论：合格\x1b[8m", "--on", "2024-11-20", *args)
    assert refused.exit_code == 2 and "[LEDGER_021]" in refused.stderr and "\\x1b" in refused.stderr
    closed = lantian("ledger", "close", str(row.finding_id), "--note", "已整改\n结论：合格", "--on", "2024-11-20", *args)
    assert closed.exit_code == 0, closed.output
    # A reason written by an older version, which took any text: still shown escaped.
    with sqlite3.connect(ledger_path) as connection:
        connection.execute("UPDATE events SET reason = reason || ? WHERE status = 'closed'", ("\x1b[8m",))
    connection.close()
    shown = lantian("ledger", "show", str(row.finding_id), *args)
    assert shown.exit_code == 0 and terminal_safe(shown.stdout) and "已整改\\n结论：合格\\x1b[8m" in shown.stdout
    table = table_text([dataclasses.replace(row, site="工地\x1b[2J", village="村\r", reason="\u202e问题")], dt.date(2024, 12, 1))
    assert terminal_safe(table) and "工地\\x1b[2J" in table and "\\u202e问题" in table


def test_rules_check_and_list__control_character_in_title_refused_rule_006(rules_copy: Path) -> None:
    """Should refuse a rule file's title holding ESC and a newline (RULE_006, at its line), and
    print nothing of it raw in `rules check` or `rules list`."""
    path = rules_copy / "dust_six_100pct.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: 建筑工地扬尘污染防治“六个百分之百”检查表", 'title: "扬尘\\e[8m检查表\\n结论：合格"', 1), encoding="utf-8")
    line = text.splitlines().index("title: 建筑工地扬尘污染防治“六个百分之百”检查表") + 1
    for command in (["rules", "check"], ["rules", "list"]):
        result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), *command], catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert f"{path}:{line}:8: [RULE_006]" in result.stderr
        assert terminal_safe(result.stdout) and terminal_safe(result.stderr.replace("\n", "").replace("\n", ""))


@pytest.mark.parametrize("field", ["version", "params_source"])
def test_rules_check__control_character_in_any_text_of_a_checklist_refused_rule_006(rules_copy: Path, field: str) -> None:
    """Should refuse control characters in every string of a checklist, not only in the texts
    printed on documents: its version is stored in the ledger, where ledger check then called
    the ledger damaged."""
    path = rules_copy / "dust_six_100pct.yaml"
    text = path.read_text(encoding="utf-8")
    if field == "version":
        line_text = next(line for line in text.splitlines() if line.startswith("version:"))
        hostile = 'version: "2026.1\\e]0;T\\a"'
    else:
        line_text = next(line for line in text.splitlines() if line.strip().startswith("source:"))
        hostile = line_text.split("source:")[0] + 'source: "地方规定\\u202e"'
    path.write_text(text.replace(line_text, hostile, 1), encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "rules", "check"], catch_exceptions=False)
    assert result.exit_code == 2 and "[RULE_006]" in result.stderr, result.output


def test_rules_check__control_character_in_the_legal_file_refused_rule_006(rules_copy: Path) -> None:
    """Should refuse a law's title in _legal.yaml holding ESC, BEL or a bidi override (RULE_006,
    at its line and column): it is printed on notices and stored in the ledger, where it
    reached terminals and made the spreadsheet fail."""
    path = rules_copy / "_legal.yaml"
    text = path.read_text(encoding="utf-8")
    line_text = next(line for line in text.splitlines() if line.strip().startswith("title: 中华人民共和国大气污染防治法"))
    hostile = line_text.replace("title: 中华人民共和国大气污染防治法", 'title: "中华人民共和国大气污染防治法\\e]0;T\\a\\u202e"')
    path.write_text(text.replace(line_text, hostile, 1), encoding="utf-8")
    line = text.splitlines().index(line_text) + 1
    result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "rules", "check"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}:" in result.stderr and "[RULE_006]" in result.stderr and "\\x1b" in result.stderr
    assert terminal_safe(result.stdout) and terminal_safe(result.stderr.replace("\n", ""))


# -- photos: checked with the answers, not left out of the record ----------------------------


def png_header(width: int, height: int, data: bytes | None = None) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels, with ``data`` as its compressed pixels,
    its chunks' checksums right."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64) if data is None else data
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def photo_bytes(kind: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(buffer, {"jpeg": "JPEG", "png": "PNG", "gif": "GIF"}[kind])
    return buffer.getvalue()


HOSTILE_PHOTOS = {
    "empty.jpg": (b"", "PHOTO_004"),
    "cut.jpg": (photo_bytes("jpeg")[:200], "PHOTO_004"),
    "report.jpg": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "PHOTO_004"),
    "page.jpg": (b"<!DOCTYPE html><html><body><img src='file:///etc/passwd'></body></html>", "PHOTO_004"),
    "drawing.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/><image href="http://10.0.0.1/x.png"/></svg>', "PHOTO_005"),
    "moving.gif": (photo_bytes("gif"), "PHOTO_005"),
    "huge.png": (png_header(20000, 20000), "PHOTO_006"),
    # Every checksum right, the pixel data itself no deflate stream: verify() alone passed it.
    "scrambled.png": (png_header(40, 30, b"\x78\x9c" + bytes(range(7, 250, 3))), "PHOTO_004"),
}


def test_hostile_photos__each_its_code_at_its_place(tmp_path: Path, rules) -> None:
    """Should refuse, when the answers are checked, every photo the record could not draw."""
    (tmp_path / "photos").mkdir()
    for name, (content, _) in HOSTILE_PHOTOS.items():
        (tmp_path / "photos" / name).write_bytes(content)
    (tmp_path / "photos" / "good.jpg").write_bytes(photo_bytes("jpeg"))
    (tmp_path / "photos" / "good.png").write_bytes(photo_bytes("png"))
    (tmp_path / "photos" / "folder.jpg").mkdir()
    with open(tmp_path / "photos" / "big.jpg", "wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    names = [*HOSTILE_PHOTOS, "folder.jpg", "big.jpg", "good.jpg", "good.png"]
    raw = dust_answers({"paving_clean": "{value: 是, photos: [" + ", ".join(f"photos/{name}" for name in names) + "]}"})
    path = answers_file(tmp_path, raw)
    with pytest.raises(InputError) as exc:
        check(path, rules)
    expected = [code for _, code in HOSTILE_PHOTOS.values()] + ["PHOTO_002", "PHOTO_003"]
    assert [(p.code.name, p.context["photo"]) for p in exc.value.problems] == [(code, f"photos/{name}") for code, name in zip(expected, names, strict=False)]
    assert {p.location.path[:3] for p in exc.value.problems} == {("answers", "paving_clean", "photos")}
    assert exc.value.problems[6].context["megapixels"] == "40000"
    result = lantian("check", str(path))
    assert result.exit_code == 2 and result.stderr.count("[PHOTO_") == len(expected)


def test_photo_linked_outside__photo_001_in_check_and_batch_goes_on(tmp_path: Path, rules) -> None:
    """Should refuse a photo linking out of the inspection's folder when checked (it passed, then
    stopped every document of the batch), and let the batch record the other inspections."""
    from engine.batch import run_batch
    from engine.settings import load_settings
    from helpers import office_folder

    inbox = tmp_path / "inbox"
    (inbox / "photos").mkdir(parents=True)
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(photo_bytes("jpeg"))
    (inbox / "photos" / "gap.jpg").symlink_to(outside)
    bad = answers_file(inbox, dust_answers({"hoarding_closed": "{value: 否, count: 1, photos: [photos/gap.jpg]}"}), "bad.yaml")
    answers_file(inbox, dust_answers({"stockpile_covered": "否"}, date="2024-11-06"), "good.yaml")
    line = bad.read_text(encoding="utf-8").splitlines().index("  hoarding_closed: {value: 否, count: 1, photos: [photos/gap.jpg]}") + 1
    result = lantian("check", str(bad))
    assert result.exit_code == 2 and result.stderr.startswith(f"{bad}:{line}:")
    assert "[PHOTO_001]" in result.stderr
    office = office_folder(tmp_path / "office")
    outcome = run_batch(inbox, tmp_path / "out", rules, load_settings(office / "office.yaml"), ledger_path=office / "ledger.sqlite", documents=False)
    assert [p.code.name for p in outcome.problems if p.severity == "error"] == ["PHOTO_001"]
    assert [path.name for path, _ in outcome.results] == ["good.yaml"]


def test_damaged_photos__refused_after_weasyprint_was_loaded_too(tmp_path: Path, rules) -> None:
    """Should refuse cut-off and damaged photos also in a process that has rendered before:
    WeasyPrint tells Pillow to accept them, for the whole process."""
    pytest.importorskip("weasyprint")
    import weasyprint.images  # noqa: F401  (sets Pillow's LOAD_TRUNCATED_IMAGES)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    (tmp_path / "photos").mkdir()
    names = ["cut.jpg", "scrambled.png"]
    for name in names:
        (tmp_path / "photos" / name).write_bytes(HOSTILE_PHOTOS[name][0])
    raw = dust_answers({"paving_clean": "{value: 是, photos: [" + ", ".join(f"photos/{name}" for name in names) + "]}"})
    with pytest.raises(InputError) as exc:
        check(answers_file(tmp_path, raw), rules)
    assert [p.code.name for p in exc.value.problems] == ["PHOTO_004", "PHOTO_004"]
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as WeasyPrint wants it for its own drawing


@pytest.mark.parametrize("count", ["10000.0", "1.0e+308", "1e4"])
def test_count_written_as_a_float__limit_still_holds_answer_003(count: str, tmp_path: Path, rules) -> None:
    """Should keep the limit of 9999 places for a count JSON Schema calls an integer because
    its fraction is zero (10000.0, 1e308), instead of printing a 309-digit number."""
    raw = dust_answers({"hoarding_closed": "{value: 否, count: " + count + "}"})
    with pytest.raises(InputError) as exc:
        check(answers_file(tmp_path, raw), rules)
    assert [p.code.name for p in exc.value.problems] == ["ANSWER_003"]
    assert len(exc.value.problems[0].message) < 60


def test_count_written_as_a_whole_float__printed_as_a_whole_number(tmp_path: Path, rules) -> None:
    result = check(answers_file(tmp_path, dust_answers({"hoarding_closed": "{value: 否, count: 3.0}"})), rules)
    assert [f.text for f in result.findings if f.item_id == "hoarding_closed"] == ["工地周边围挡不连续、不封闭，共有缺口 3 处"]


def test_error_on_a_line_of_300000_characters__excerpt_shows_around_the_column(tmp_path: Path) -> None:
    """Should show the part of a very long line around the problem, with the caret under it,
    not the whole line and a line of 300,000 spaces."""
    raw = dust_answers().replace(b"  name: XX", ("  name: " + "x" * 300_000 + ": y").encode(), 1)
    result = lantian("check", str(answers_file(tmp_path, raw)))
    assert result.exit_code == 2 and "[YAML_" in result.stderr
    excerpt, caret = [line for line in result.stderr.splitlines() if " | " in line or line.strip().startswith("|")][:2]
    assert len(result.stderr) < 2000 and excerpt.startswith("    3 | …x")
    assert excerpt[caret.index("^")] == ":"


def test_photo_hard_linked__photo_007(tmp_path: Path, rules) -> None:
    """Should refuse a photo that is a hard link (the same file as one outside the folder,
    which no path can tell), and take a plain copy of it."""
    import shutil

    inbox = tmp_path / "inbox"
    (inbox / "photos").mkdir(parents=True)
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(photo_bytes("jpeg"))
    os.link(outside, inbox / "photos" / "gap.jpg")
    path = answers_file(inbox, dust_answers({"hoarding_closed": "{value: 否, count: 1, photos: [photos/gap.jpg]}"}))
    with pytest.raises(InputError) as exc:
        check(path, rules)
    assert [(p.code.name, p.context["links"]) for p in exc.value.problems] == [("PHOTO_007", 2)]
    (inbox / "photos" / "gap.jpg").unlink()
    shutil.copy(outside, inbox / "photos" / "gap.jpg")
    assert check(path, rules).findings


def test_missing_photo__still_a_warning(tmp_path: Path, rules) -> None:
    """Should keep a missing photo a warning (ANSWER_009), as it was."""
    raw = dust_answers({"paving_clean": "{value: 是, photos: [photos/gone.jpg]}"})
    result = check(answers_file(tmp_path, raw), rules)
    assert [(p.code.name, p.severity) for p in result.warnings] == [("ANSWER_009", "warning")]


# -- dates -------------------------------------------------------------------------------------


def test_inspection_date_after_today__answer_014_warning_only(tmp_path: Path, rules) -> None:
    """Should warn about an inspection dated after today, and still check it."""
    import datetime as dt

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    raw = dust_answers(date=tomorrow.isoformat())
    path = answers_file(tmp_path, raw)
    result = check(path, rules)
    line = raw.decode().splitlines().index(f"  date: {tomorrow.isoformat()}") + 1
    assert [(p.code.name, p.severity, p.location.line) for p in result.warnings] == [("ANSWER_014", "warning", line)]
    shown = lantian("check", str(path))
    assert shown.exit_code == 0 and f"警告 [ANSWER_014] 第 {line} 行，检查日期 {tomorrow.isoformat()} 在今天（{dt.date.today().isoformat()}）之后" in shown.stdout
    assert check(dust_answers(date=dt.date.today().isoformat()), rules, name="a.yaml").warnings == ()


# -- nesting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "depth"),
    [("hoarding_height", 330), ("bare_soil_cover_rate", 330), ("wash_log_date", 330), ("paving_clean", 330), ("key_area", 330), ("hoarding_height", 600)],
)
def test_answer_nested_hundreds_deep__answer_017_at_the_third_bracket(tmp_path: Path, rules, key: str, depth: int) -> None:
    """Should refuse a value nested hundreds of lists deep (which crashed with RecursionError)
    with ANSWER_017 where nesting stops meaning anything, in check and on the command line."""
    lines = dust_answers().decode().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"  {key}: "))
    prefix = f"  {key}: "
    lines[index] = prefix + "[" * depth + "1" + "]" * depth
    raw = ("\n".join(lines) + "\n").encode()
    path = answers_file(tmp_path, raw)
    with pytest.raises(InputError) as exc:
        check(path, rules)
    assert codes(exc.value.problems) == [("ANSWER_017", str(path), index + 1, len(prefix) + 3)]
    result = lantian("check", str(path))
    assert result.exit_code == 2 and f"{path}:{index + 1}:{len(prefix) + 3}: [ANSWER_017]" in result.stderr


def test_json_answer_nested_900_deep__answer_017(tmp_path: Path, rules) -> None:
    """Should refuse a JSON answer of 900 nested empty lists with ANSWER_017, not a crash."""
    raw = (
        '{"checklist":"dust_six_100pct","site":{"name":"x","type":"demolition","key_area":"否","alert_active":"否","idle_land":"否"},'
        '"inspection":{"date":"2026-11-12","inspectors":["a","b"]},"answers":{"hoarding_height":' + "[" * 900 + "]" * 900 + "}}"
    )
    path = answers_file(tmp_path, raw, "a.json")
    with pytest.raises(InputError) as exc:
        check(path, rules)
    assert [p.code.name for p in exc.value.problems] == ["ANSWER_017"]
    assert exc.value.problems[0].context["field"] == "answers.hoarding_height.0.0"


def test_show_of_deep_value__bounded() -> None:
    """Should quote a deeply nested value in a message without recursing through all of it."""
    from engine.values import _show

    value: list = [1]
    for _ in range(5000):
        value = [value]
    assert _show(value) == "…"
    assert _show([[1, 2], {"a": [3]}]) == "1、2、a: 3"


@pytest.mark.parametrize("char", ["\u200e", "\u200f", "\u061c", "\u2028", "\u2029"])
def test_bidi_marks_and_line_separators__answer_013_and_escaped(rules, char: str) -> None:
    """Should refuse the bidi marks and the line and paragraph separators in a one-line text
    and in a note, and printable() should escape them."""
    from engine.check_output import printable

    escaped = f"\\u{ord(char):04x}"
    raw = dust_answers().decode().replace("  operator: XX建设有限公司", f'  operator: "XX{escaped}公司"').encode()
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    assert [(p.code.name, p.context["field"], p.context["position"]) for p in exc.value.problems] == [("ANSWER_013", "site.operator", 3)]
    raw = dust_answers({"paving_clean": f'{{value: 是, note: "甲{escaped}乙"}}'})
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    assert [(p.code.name, p.context["field"]) for p in exc.value.problems] == [("ANSWER_013", "answers.paving_clean.note")]
    assert printable(f"a{char}b") == f"a{escaped}b"


# -- office settings ---------------------------------------------------------------------------


def settings_with(tmp_path: Path, key: str, value: str) -> Path:
    """The example office.yaml with ``key`` set to ``value`` (a YAML scalar as written)."""
    lines = (EXAMPLES / "office" / "office.yaml").read_text(encoding="utf-8").splitlines()
    lines = [f"{key}: {value}" if line.startswith(f"{key}: ") else line for line in lines]
    path = tmp_path / "office.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_settings_office_of_340000_characters__settings_004_at_once(tmp_path: Path) -> None:
    """Should refuse an office name of 340,000 characters (seven minutes of typesetting) with
    SETTINGS_004 at its line and column, and `notice` should stop at once."""
    from engine.settings import load_settings

    path = settings_with(tmp_path, "office", "镇" * 340_000)
    with pytest.raises(InputError) as exc:
        load_settings(path)
    assert codes(exc.value.problems) == [("SETTINGS_004", str(path), 3, 9)]
    assert exc.value.problems[0].context == {"field": "office", "length": 340_000, "limit": 100}
    run = lantian_process("--rules", str(RULES), "notice", str(COMPLIANT), "-o", str(tmp_path / "out"), "--settings", str(path))
    assert run.returncode == 2 and "[SETTINGS_004]" in run.stderr.decode()
    assert not (tmp_path / "out").exists()


def test_settings_address_limit_200_name_limit_100(tmp_path: Path) -> None:
    """Should accept an address of 200 characters and refuse 201; a name of 101 is refused."""
    from engine.settings import load_settings

    assert load_settings(settings_with(tmp_path, "address", "路" * 200)).address == "路" * 200
    with pytest.raises(InputError) as exc:
        load_settings(settings_with(tmp_path, "address", "路" * 201))
    assert [p.code.name for p in exc.value.problems] == ["SETTINGS_004"]
    with pytest.raises(InputError) as exc:
        load_settings(settings_with(tmp_path, "court", "院" * 101))
    assert [(p.code.name, p.context["field"]) for p in exc.value.problems] == [("SETTINGS_004", "court")]


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\n", "\r", "\t", "\x9b", "\u202e", "\u200f", "\u061c", "\u2028"])
def test_settings_control_character__settings_005(tmp_path: Path, char: str) -> None:
    """Should refuse control and bidi characters in the settings' texts (number_pattern was
    printed raw by `notice`), in the number pattern and the office name alike."""
    from engine.settings import load_settings

    escaped = f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    for key, value in (("number_pattern", f'"XX{escaped}〔{{year}}〕{{seq}}号"'), ("office", f'"XX{escaped}镇"')):
        path = settings_with(tmp_path, key, value)
        with pytest.raises(InputError) as exc:
            load_settings(path)
        assert [(p.code.name, p.context["field"], p.context["position"]) for p in exc.value.problems] == [("SETTINGS_005", key, 3)]
        assert exc.value.problems[0].location.line == (3 if key == "office" else 6)


# -- rule files' printed texts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("title: 秸秆禁烧网格化监管检查表（焚烧季）", 'title: "秸秆\\e]0;PWNED\\a禁烧"', "title"),
        ("question: 已发现的火点是否全部及时扑灭、查明责任人并登记处理", 'question: "当日\\u202e网格内是否发现露天焚烧火点"', "question"),
        ("question: 已发现的火点是否全部及时扑灭、查明责任人并登记处理", 'question: "当日\\u200f网格"', "question"),
        ("question: 已发现的火点是否全部及时扑灭、查明责任人并登记处理", 'question: "当日\\L结论：合格"', "question"),
    ],
)
def test_rule_file_printed_text_with_control__rule_006_and_template_refused(rules_copy: Path, old: str, new: str, field: str) -> None:
    """Should refuse ESC, OSC, bidi and line separators in a rule file's printed texts (RULE_006),
    so that `template`, which writes the form as bytes, never prints them."""
    path = rules_copy / "straw_ban.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "rules", "check"], catch_exceptions=False)
    assert result.exit_code == 2 and "[RULE_006]" in result.stderr and field in result.stderr
    assert terminal_safe(result.stderr)
    shown = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "template", "straw_ban"], catch_exceptions=False)
    assert shown.exit_code == 2 and "\x1b" not in shown.stdout and "\u202e" not in shown.stdout


def test_rule_file_title_of_300000_characters__rule_007(rules_copy: Path) -> None:
    """Should refuse a checklist title of 300,000 characters (98 s of work) with RULE_007 at it,
    and a question of 201; a guidance of 2000 characters is accepted."""
    path = rules_copy / "straw_ban.yaml"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index("title: 秸秆禁烧网格化监管检查表（焚烧季）") + 1
    path.write_text(text.replace("title: 秸秆禁烧网格化监管检查表（焚烧季）", "title: " + "秸" * 300_000, 1), encoding="utf-8")
    run = lantian_process("--rules", str(rules_copy), "rules", "check")
    assert run.returncode == 2 and f"{path}:{line}:8: [RULE_007]" in run.stderr.decode()
    path.write_text(text.replace("question: 已发现的火点是否全部及时扑灭、查明责任人并登记处理", "question: " + "火" * 201, 1), encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "rules", "check"], catch_exceptions=False)
    assert result.exit_code == 2 and "[RULE_007]" in result.stderr and "超过上限 200 个字" in result.stderr
    guidance = "guidance: 逐个火点核对处置记录：扑灭时间、所在网格、网格责任人、焚烧责任人及处理情况；未扑灭或未查明责任人的火点数记为 count"
    assert guidance in text
    path.write_text(text.replace(guidance, "guidance: " + "看" * 2000, 1), encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["--rules", str(rules_copy), "rules", "check"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
