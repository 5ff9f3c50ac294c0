"""Mutated answers files and rule files, fed to the CLI and the library: the answer is always a
verdict or coded problems (exit 0, 1 or 2, never 3), no run hangs, and a refused inspection
leaves the ledger exactly as it was.

The mutations start from the bundled examples and splice in what careless and hostile users
type: YAML tags with impossible content, huge numbers, control and bidi characters, anchors,
unbalanced brackets, NUL bytes, lines duplicated or cut.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from engine import load_rules
from engine.batch import run_batch
from engine.model import RuleSet
from engine.settings import load_settings
from helpers import EXAMPLES, RULES, office_folder

#: A run that takes longer than this is taken for a hang (a bound on runaway work, not a speed test).
HANG_SECONDS = 60

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

HOSTILE = [
    "!!float abc", "!!int abc", "!!bool maybe", "!!timestamp notadate", "!!binary ###", "!!python/object:os.system x",
    "9" * 5000, "-" + "9" * 400, "1e999", "nan", ".inf", "0x1F", "0o17", "1_000",
    "&a x", "*a", "<<: *a", "{", "[", "}", "]", "'", '"', "|", ">", "? x", ": :", "- - -", "---", "...",
    "\x00", "\x1b[8m", "\x1b]0;title\x07", "\r", "\b", "\u202e", "\u200b", "\ufeff", "\t",
    "不适用", "是", "否", "", "~", "null", "[]", "{}", "2026-02-30", "9999-12-31", "0001-01-01", "25:61",
    "photos/../../etc/passwd", "/etc/hostname", "file:///etc/hostname", "x" * 3000,
    # Nesting hundreds deep (RecursionError once) and the bidi marks and separators.
    "[" * 400 + "1" + "]" * 400, "[" * 900 + "]" * 900, "{a: " * 300 + "1" + "}" * 300, '"\\u200f\\u061c\\L"', "\u200e",
]

EXAMPLE_FILES = sorted(path.name for path in EXAMPLES.glob("*.yaml"))


@contextlib.contextmanager
def hang_guard() -> Iterator[None]:
    """Fail the example instead of waiting forever when a run does not end."""

    def expired(signum: int, frame: object) -> None:
        raise AssertionError(f"no answer after {HANG_SECONDS} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few lines replaced, cut, repeated, or spliced with hostile text."""
    lines = original.decode("utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "insert", "cut", "repeat", "truncate", "bytes"]))
        line = lines[at]
        if action == "value":
            key, colon, _ = line.partition(":")
            lines[at] = f"{key}{colon} {draw(st.sampled_from(HOSTILE))}\n" if colon else draw(st.sampled_from(HOSTILE)) + "\n"
        elif action == "insert":
            indent = line[: len(line) - len(line.lstrip(" "))]
            lines.insert(at, f"{indent}{draw(st.sampled_from(HOSTILE))}: {draw(st.sampled_from(HOSTILE))}\n")
        elif action == "cut":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, line)
        elif action == "truncate":
            lines[at] = line[: draw(st.integers(0, len(line)))]
        else:
            lines[at] = draw(st.text(max_size=20)) + line
    return "".join(lines).encode("utf-8", "surrogatepass")


def _answers_case() -> st.SearchStrategy[tuple[str, bytes]]:
    return st.sampled_from(EXAMPLE_FILES).flatmap(lambda name: st.tuples(st.just(name), mutated((EXAMPLES / name).read_bytes())))


def _assert_answered(result: Result) -> None:
    """Exit 0, 1 or 2, and no exception escaped (the CLI would have made it exit 3)."""
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None and result.exit_code in (0, 1, 2), (result.exit_code, repr(escaped), result.output[-2000:])


@_SETTINGS
@given(case=_answers_case())
def test_check__mutated_answers__verdict_or_coded_problems(tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes]) -> None:
    name, raw = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(raw)
    with hang_guard():
        result = CliRunner().invoke(cli.cli, ["check", str(path)])
    _assert_answered(result)
    if result.exit_code == 2:
        assert "[" in result.stderr and path.name in result.stderr  # coded, and names the file
    assert path.read_bytes() == raw  # inputs are never modified


@_SETTINGS
@given(raw=mutated((RULES / "dust_six_100pct.yaml").read_bytes()))
def test_rules_check__mutated_checklist__loads_or_coded_problems(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    folder = tmp_path_factory.mktemp("rules")
    shutil.copy(RULES / "_legal.yaml", folder)
    (folder / "dust_six_100pct.yaml").write_bytes(raw)
    with hang_guard():
        result = CliRunner().invoke(cli.cli, ["--rules", str(folder), "rules", "check"])
    _assert_answered(result)
    assert (folder / "dust_six_100pct.yaml").read_bytes() == raw


@functools.cache
def _bundled_rules() -> RuleSet:
    return load_rules(RULES)


def _ledger_content(path: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(table, *row) for table in tables for row in connection.execute(f"SELECT * FROM {table} ORDER BY rowid")]


@pytest.fixture(scope="module")
def recorded_office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office whose ledger already holds the examples, as a refused file would find it."""
    root = office_folder(tmp_path_factory.mktemp("office"))
    folder = root / "first"
    folder.mkdir()
    for name in EXAMPLE_FILES:
        shutil.copy(EXAMPLES / name, folder / name)
    settings = load_settings(root / "office.yaml")
    outcome = run_batch(folder, root / "out", _bundled_rules(), settings, ledger_path=settings.ledger, documents=False)
    assert outcome.recorded and not [p for p in outcome.problems if p.severity == "error"]
    return root


@_SETTINGS
@given(case=_answers_case())
def test_batch__refused_inspection__ledger_unchanged(recorded_office: Path, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes]) -> None:
    name, raw = case
    root = tmp_path_factory.mktemp("office")
    shutil.copy(recorded_office / "office.yaml", root / "office.yaml")
    settings = load_settings(root / "office.yaml")
    shutil.copy(load_settings(recorded_office / "office.yaml").ledger, settings.ledger)
    before = _ledger_content(settings.ledger)
    folder = root / "in"
    folder.mkdir()
    (folder / ("mutated-" + name)).write_bytes(raw)
    with hang_guard():
        outcome = run_batch(folder, root / "out", _bundled_rules(), settings, ledger_path=settings.ledger, documents=False)
    if not outcome.recorded:
        assert _ledger_content(settings.ledger) == before


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ledger", "list", "close", "show", "check", "batch", "report", "notice", "--status", "--format", "--as-of", "--from", "--to", "-o", "-j", "--note", "--ledger", "2026-02-30", "abc", "'", '"', "\\", "9", "0", "x.yaml", "--", "-", "--county", "--format-version", "用户", "serve", "--port", "users", "add", "--role", "chek"]), min_size=1, max_size=6))
def test_command_line__any_mistake__usage_001_with_no_click_english_in_the_common_cases(argv: list[str]) -> None:
    """Should answer any jumble of commands, options and values with exit 0, 1 or 2, never 3,
    and say a usage mistake as USAGE_001 with the command's help to read."""
    result = CliRunner().invoke(cli.cli, ["--rules", str(RULES), *argv], input="", prog_name="lantian")
    code = result.exit_code
    assert code in (0, 1, 2), (argv, result.output, result.exception)
    if "[USAGE_001]" in result.stderr:
        assert " — 运行 lantian" in result.stderr and "--help" in result.stderr
        assert not any(word in result.stderr for word in ("Missing option", "Missing argument", "No such command", "No such option", "is not a valid integer"))
