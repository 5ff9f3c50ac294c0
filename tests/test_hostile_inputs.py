"""Hostile input: files and streams built to crash Lantian, hang it, exhaust it, or bend what
it prints. Each test builds its input here and runs both the library and the command line;
a command that could hang runs in a subprocess whose timeout only detects the hang."""

from __future__ import annotations

import os
import socket
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
