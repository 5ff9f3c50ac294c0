"""The `lantian` command as a person uses it: output, streams and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

import cli
from engine.source import load_source
from helpers import DATA, EXAMPLES, RULES, dust_answers

COMPLIANT = str(EXAMPLES / "dust_six_100pct_compliant.yaml")
NONCOMPLIANT = str(EXAMPLES / "dust_six_100pct_noncompliant.yaml")
BAD = str(DATA / "invalid" / "answers" / "percentage_over_100.yaml")


def run(runner: CliRunner, *args: str, input: bytes | None = None):
    return runner.invoke(cli.cli, ["--rules", str(RULES), *args], input=input, catch_exceptions=False)


def test_check__compliant__exit_0_summary_in_chinese(runner: CliRunner) -> None:
    result = run(runner, "check", COMPLIANT)
    assert result.exit_code == 0
    assert "结论：合格" in result.stdout and "XX花园二期项目工地" in result.stdout
    assert result.stderr == ""


def test_check__noncompliant__exit_1_lists_findings(runner: CliRunner) -> None:
    result = run(runner, "check", NONCOMPLIANT)
    assert result.exit_code == 1
    assert "结论：不合格" in result.stdout
    assert "围挡高度 1.6 米，低于要求的 1.8 米（《中华人民共和国生态环境法典》第二百四十条第三款）" in result.stdout
    assert "整改期限：2026年11月15日前（3 天）" in result.stdout


def test_check__incomplete__exit_1(runner: CliRunner) -> None:
    result = run(runner, "check", "-", input=dust_answers({"paving_clean": ""}))
    assert result.exit_code == 1
    assert "结论：未完成" in result.stdout and "paving_clean" in result.stdout


def test_check__bad_file__exit_2_errors_on_stderr_no_traceback(runner: CliRunner) -> None:
    result = run(runner, "check", BAD)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{BAD}:18:25: [ANSWER_003]" in result.stderr
    assert "Traceback" not in result.stderr


def test_check__one_bad_among_good__others_still_checked_exit_2(runner: CliRunner) -> None:
    result = run(runner, "check", COMPLIANT, BAD, NONCOMPLIANT)
    assert result.exit_code == 2
    assert "结论：合格" in result.stdout and "结论：不合格" in result.stdout
    assert "共 3 份答卷：合格 1，不合格 1，未完成 0，有错误无法检查 1" in result.stdout


def test_check__stdin_dash__reads_answers_named_stdin(runner: CliRunner) -> None:
    result = run(runner, "check", "-", input=b"checklist: nope\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("<stdin>:1:1: [SCHEMA_001]")


def test_check__stdin_json__accepted(runner: CliRunner) -> None:
    data = yaml.safe_load(Path(COMPLIANT).read_text(encoding="utf-8"))
    data["inspection"]["date"] = "2026-11-06"
    data["answers"]["wash_log_date"] = "2026-11-06"
    result = run(runner, "check", "-", input=json.dumps(data, ensure_ascii=False).encode())
    assert result.exit_code == 0, result.stderr


def test_check__missing_file__exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "[IO_001]" in result.stderr


def _whole_document(files: list[str]) -> str:
    """`lantian check --format json FILES` as docs/json.md describes it, made at once: the
    envelope around every result, then every file's errors and warnings."""
    import engine
    from engine import InputError, check, load_rules
    from engine.check_output import json_text, problem_dict, result_dict

    rules = load_rules(RULES)
    results, problems = [], []
    for file in files:
        try:
            result = check(Path(file).read_bytes(), rules, name=file)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        results.append(result)
        problems.extend(result.warnings)
    invalid = len({p.location.file for p in problems if p.severity == "error"})
    counts = {verdict: sum(r.verdict == verdict for r in results) for verdict in ("compliant", "non_compliant", "incomplete")}
    document = {
        "lantian": engine.__version__,
        "format_version": 2,
        "ok": invalid == 0,
        "summary": {**counts, "invalid": invalid},
        "results": [result_dict(r, 2) for r in results],
        "errors": [problem_dict(p) for p in problems],
    }
    return json_text(document) + "\n"


@pytest.mark.parametrize("in_memory", [1 << 20, 64], ids=["spooled_in_memory", "spooled_to_disk"])
def test_check__json__written_as_checked__the_same_bytes_as_the_whole_document(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, in_memory: int) -> None:
    """Should write each result as its file is checked (held in a spool, not as objects), and
    print the very bytes of the document made at the end: every example, a bad file, none."""
    from engine.check_output import CheckDocument

    monkeypatch.setattr(CheckDocument, "SPOOLED_IN_MEMORY", in_memory)
    files = [str(path) for path in sorted(EXAMPLES.glob("*.yaml"))] + [BAD]
    assert run(runner, "check", *files, "--format", "json").stdout == _whole_document(files)
    assert run(runner, "check", BAD, "--format", "json").stdout == _whole_document([BAD])  # no results at all


def test_check__json__no_room_for_the_spool__io_012(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Should name the temporary folder (IO_012, exit 2), not fail inside, when the results
    outgrow memory and no temporary file can be written."""
    import tempfile

    from engine.check_output import CheckDocument

    monkeypatch.setattr(CheckDocument, "SPOOLED_IN_MEMORY", 64)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    result = run(runner, "check", COMPLIANT, NONCOMPLIANT, "--format", "json")
    assert result.exit_code == 2 and "[IO_012]" in result.stderr and result.stdout == ""


def test_check__json__one_document_on_stdout(runner: CliRunner) -> None:
    result = run(runner, "check", COMPLIANT, NONCOMPLIANT, BAD, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["format_version"] == 2 and document["ok"] is False
    assert document["summary"] == {"compliant": 1, "non_compliant": 1, "incomplete": 0, "invalid": 1}
    assert [r["verdict"] for r in document["results"]] == ["compliant", "non_compliant"]
    (error,) = document["errors"]
    assert error == {
        "file": BAD,
        "line": 18,
        "column": 25,
        "path": "$.answers.bare_soil_cover_rate",
        "item": "bare_soil_cover_rate",
        "code": "ANSWER_003",
        "severity": "error",
        "message": error["message"],
        "hint": error["hint"],
    }
    assert "150%" in error["message"]


def test_check__json__chinese_not_escaped(runner: CliRunner) -> None:
    result = run(runner, "check", NONCOMPLIANT, "--format", "json")
    assert "围挡高度" in result.stdout and "\\u" not in result.stdout


def test_check__one_inspector__warning_but_checked(runner: CliRunner) -> None:
    raw = dust_answers().replace("inspectors: [李明, 王芳]".encode(), "inspectors: [李明]".encode())
    result = run(runner, "check", "-", input=raw)
    assert result.exit_code == 0
    line = raw.decode().splitlines().index("  inspectors: [李明]") + 1
    assert f"警告 [ANSWER_008] 第 {line} 行，只填写了 1 名检查人员" in result.stdout  # code and line, as notice and batch say it


def test_template__lists_every_item_in_order(runner: CliRunner, rules) -> None:
    result = run(runner, "template", "dust_six_100pct")
    assert result.exit_code == 0
    data = yaml.safe_load(result.stdout)
    checklist = rules.checklists["dust_six_100pct"]
    assert list(data["answers"]) == [item.id for item in checklist.items]
    assert all(value is None for value in data["answers"].values())
    assert "# 1.2 围挡高度（米）" in result.stdout
    assert "数值，单位：米" in result.stdout
    assert "online（已安装并联网）" in result.stdout


CHECKLISTS = sorted(p.stem for p in RULES.glob("*.yaml") if not p.name.startswith("_"))


@pytest.mark.parametrize("checklist", CHECKLISTS)
def test_template__filled_in_like_the_example__checks_the_same(runner: CliRunner, tmp_path: Path, checklist: str) -> None:
    """Should give, for every checklist, a blank file that filled in like its example checks the
    same; a checklist without an example in examples/ is filled in like its cases' base."""
    target = tmp_path / "new.yaml"
    assert run(runner, "template", checklist, "-o", str(target)).exit_code == 0
    example_path = EXAMPLES / f"{checklist}_noncompliant.yaml"
    if not example_path.exists():
        base = load_source(RULES / "cases" / f"{checklist}.yaml").data["base"]
        example_path = tmp_path / "base.json"
        example_path.write_text(json.dumps({"checklist": checklist, **base}, ensure_ascii=False, default=str), encoding="utf-8")
    example = load_source(example_path).data
    filled = []
    section = None
    for line in target.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            section = line.split(":")[0]
        key = line.strip().split(":")[0]
        if section in ("site", "answers") and not line.lstrip().startswith("#") and ":" in line:
            source = example[section]
            if key in source:
                line = line.split(":")[0] + ": " + json.dumps(source[key], ensure_ascii=False)
        elif section == "inspection" and key in ("date", "inspectors"):
            line = f"  {key}: " + json.dumps(example["inspection"][key], ensure_ascii=False)
        filled.append(line)
    target.write_text("\n".join(filled) + "\n", encoding="utf-8")
    result = run(runner, "check", str(target), "--format", "json")
    expected = run(runner, "check", str(example_path), "--format", "json")
    assert result.exit_code == expected.exit_code != 2, result.stdout + result.stderr
    got, want = json.loads(result.stdout)["results"][0], json.loads(expected.stdout)["results"][0]
    assert (got["verdict"], got["score"], [f["item"] for f in got["findings"]]) == (want["verdict"], want["score"], [f["item"] for f in want["findings"]])


def test_template__unfilled__check_says_what_is_missing(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "blank.yaml"
    run(runner, "template", "dust_six_100pct", "-o", str(target))
    result = run(runner, "check", str(target))
    assert result.exit_code == 2
    assert f"{target}:11:8: [SCHEMA_003] “name” 应为文字，实际为 空" in result.stderr


def test_template__existing_file__refused_without_force(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "a.yaml"
    target.write_text("keep me", encoding="utf-8")
    result = run(runner, "template", "dust_six_100pct", "-o", str(target))
    assert result.exit_code == 2 and target.read_text(encoding="utf-8") == "keep me"
    assert run(runner, "template", "dust_six_100pct", "-o", str(target), "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# 建筑工地扬尘污染防治")


def test_template__unknown_checklist__suggests(runner: CliRunner) -> None:
    result = run(runner, "template", "dust_six")
    assert result.exit_code == 2
    assert "[CHECKLIST_001]" in result.stderr and "dust_six_100pct" in result.stderr


def test_rules_check__bundled__clean_exit_0(runner: CliRunner) -> None:
    result = run(runner, "rules", "check", str(RULES))
    assert result.exit_code == 0
    from engine.loader import rule_files

    assert f"{len(rule_files(RULES))} 个检查表" in result.stdout and "没有错误" in result.stdout


def test_rules_check__broken_rules__exit_2_all_problems(runner: CliRunner, tmp_path: Path) -> None:
    import shutil

    shutil.copy(RULES / "_legal.yaml", tmp_path)
    for name in ("expr_syntax.yaml", "unknown_field.yaml"):
        shutil.copy(DATA / "invalid" / "rules" / name, tmp_path)
    result = run(runner, "rules", "check", str(tmp_path), "--format", "json")
    assert result.exit_code == 2
    codes = sorted(e["code"] for e in json.loads(result.stdout)["errors"] if e["severity"] == "error")
    assert codes == ["EXPR_001", "SCHEMA_002"]


def test_rules_list__names_checklists(runner: CliRunner) -> None:
    result = run(runner, "rules", "list")
    assert result.exit_code == 0 and "dust_six_100pct\t建筑工地扬尘污染防治" in result.stdout


def test_bad_rules_dir__check_stops_with_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli.cli, ["--rules", str(tmp_path / "none"), "check", COMPLIANT])
    assert result.exit_code == 2 and "规则目录不存在" in result.stderr


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and group of the CLI, read from the click group itself."""
    paths = [list(prefix)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += _command_paths(command, (*prefix, name))
        else:
            paths.append([*prefix, name])
    return paths


@pytest.mark.parametrize("args", _command_paths(cli.cli), ids=lambda args: " ".join(args) or "lantian")
def test_help__every_command(runner: CliRunner, args: list[str]) -> None:
    """Every command explains itself in Chinese, with its options."""
    result = runner.invoke(cli.cli, [*args, "--help"])
    assert result.exit_code == 0 and "用法：" in result.stdout and "Show this message" not in result.stdout
    command = cli.cli
    for name in args:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help and any("\u4e00" <= char <= "\u9fff" for char in command.help)
    for option in command.params:
        if isinstance(option, click.Option):
            assert option.help, f"{' '.join(args)} {option.opts[0]} has no help"


def test_help__lists_every_command() -> None:
    names = {" ".join(args) for args in _command_paths(cli.cli)}
    assert {"ledger list", "ledger show", "ledger close", "verify", "report", "notice", "batch", "rules check"} <= names


def test_usage_error__exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["check"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "[USAGE_001] 命令写法有误：缺少参数 FILES..." in err and "lantian check --help" in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["ledger", "close", "1"], "lantian ledger close: [USAGE_001] 命令写法有误：缺少选项 --note — "),
        (["report", "--from", "2026-12-01", "--to", "2026-12-31"], "缺少选项 -o / --output — "),
        (["report", "--from", "2026/12/01", "-o", "x"], "--from 的值不对：“2026/12/01” 不是 YYYY-MM-DD 写法的实际存在的日期 — "),
        (["ledger", "show", "abc"], "FINDING_ID 的值不对：“abc” 不是整数 — "),
        (["chek"], "lantian: [USAGE_001] 命令写法有误：没有命令 chek；是否应为 check？ — "),
        (["ledger", "list", "--status", "foo"], "--status 的值不对：“foo” 不是可选的值，可选：open, rectifying, closed, unclosed — "),
        (["batch", "examples", "-o", "x", "-j", "0"], "-j / --workers 的值不对：0 不在允许的范围（1<=x<=16）内 — "),
        (["check", "--settin", "x", "a.yaml"], "没有选项 --settin；是否应为 --settings？ — "),
        (["template", "a", "b", "c"], "多写了参数：b c — "),
        (["batch", "no-such-folder", "-o", "x"], "DIRECTORY 的值不对：“no-such-folder” 不存在 — "),
        (["batch", "O'Brien", "-o", "x"], "DIRECTORY 的值不对：“O'Brien” 不存在 — "),
        (["batch", "D:\\检查\\inbox", "-o", "x"], "DIRECTORY 的值不对：“D:\\检查\\inbox” 不存在 — "),
        (["batch", "examples", "-o", "x", "-j", "abc"], "-j / --workers 的值不对：“abc” 不是整数 — "),
        (["ledger", "list", "--fo"], "没有选项 --fo；可能是：--force, --format — "),
        (["check", "x.yaml", "--issued"], "lantian check: [USAGE_001] 命令写法有误：选项 --issued 后面要写值 — 运行 lantian check --help"),
        (["ledger", "list", "--overdue=3"], "lantian ledger list: [USAGE_001] 命令写法有误：选项 --overdue 后面不带值 — 运行 lantian ledger list --help"),
    ],
)
def test_usage_error__common_mistakes_said_in_chinese(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Should say the common mistakes of a command line (a missing option, a value of the
    wrong kind, a misspelt command or option) in Chinese, not in click's English."""
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and said in err, err
    assert not any(word in err for word in ("Missing", "Invalid value", "No such", "Did you mean", "is not", "does not"))


@pytest.mark.parametrize("value", ["0", "abc", "99"])
def test_batch__workers_from_the_environment_checked_like_j(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Should read the default of -j from LANTIAN_WORKERS and refuse a value -j would refuse."""
    monkeypatch.setenv("LANTIAN_WORKERS", value)
    with pytest.raises(SystemExit) as exc:
        cli.main(["--rules", str(RULES), "batch", str(tmp_path), "-o", str(tmp_path / "out")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "[USAGE_001] 命令写法有误：环境变量 LANTIAN_WORKERS（即 -j / --workers） 的值不对：" in err and not (tmp_path / "out").exists()  # where the value came from


def test_main__exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, code in ([["--rules", str(RULES), "check", COMPLIANT], 0], [["--rules", str(RULES), "check", NONCOMPLIANT], 1], [["--rules", str(RULES), "check", BAD], 2]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == code


def test_main__internal_error__exit_3_one_sentence(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Should turn a bug into exit 3 and one sentence; the traceback only with --debug."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.engine, "check", broken)
    with pytest.raises(SystemExit) as exc:
        cli.main(["--rules", str(RULES), "check", COMPLIANT])
    err = capsys.readouterr().err
    assert exc.value.code == 3 and "内部错误" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        cli.main(["--rules", str(RULES), "--debug", "check", COMPLIANT])
    assert exc.value.code == 3 and "RuntimeError: boom" in capsys.readouterr().err


def test_check__photo_missing__warning(runner: CliRunner, tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "photos").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "photos" / "ok.jpg")  # photos are read when checked: a real one
    raw = dust_answers({"notice_board": "{value: 否, photos: [photos/ok.jpg, photos/gone.jpg]}"})
    path = tmp_path / "a.yaml"
    path.write_bytes(raw)
    result = run(runner, "check", str(path))
    assert result.exit_code == 0
    assert re.search(r"警告 \[ANSWER_009\] 第 \d+ 行，照片 “photos/gone.jpg” 不存在", result.stdout) and "ok.jpg" not in result.stdout


def test_check__gbk_console__no_crash(tmp_path: Path) -> None:
    """Should print on a GBK console (Chinese Windows) without crashing, and keep templates UTF-8."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    code = "import cli; cli.main()"
    checked = subprocess.run([sys.executable, "-c", code, "--rules", str(RULES), "check", NONCOMPLIANT], env=env, capture_output=True, cwd=str(RULES.parent))
    assert checked.returncode == 1, checked.stderr.decode("gbk", "replace")
    assert "结论：不合格" in checked.stdout.decode("gbk")
    template = subprocess.run([sys.executable, "-c", code, "--rules", str(RULES), "template", "dust_six_100pct"], env=env, capture_output=True, cwd=str(RULES.parent))
    assert template.returncode == 0
    assert template.stdout.decode("utf-8").startswith("# 建筑工地扬尘污染防治")


def test_check__json_lone_surrogate__refused(runner: CliRunner) -> None:
    raw = b'{"checklist": "dust_six_100pct", "site": {"name": "\\ud800", "type": "construction"}}'
    result = run(runner, "check", "-", "--format", "json", input=raw)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["code"] == "JSON_001"


def test_check_json__re_inspection_names_what_it_follows(runner: CliRunner) -> None:
    path = next((EXAMPLES / "campaign_2026").rglob("*复查.yaml"))
    result = run(runner, "check", str(path), "--format", "json")
    (checked,) = json.loads(result.stdout)["results"]
    assert checked["inspection"]["follows"] and path.stem.startswith(checked["inspection"]["date"])


def test_global_options__after_the_command__accepted_and_shown_in_its_help(tmp_path) -> None:
    """Should accept --rules and --debug after a command's name as before it, and list them in
    every command's help; the one after the name wins."""
    import shutil

    import click
    from click.testing import CliRunner

    import cli
    from helpers import RULES

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "dust_six_100pct.yaml").rename(rules / "only_here.yaml")
    text = (rules / "only_here.yaml").read_text(encoding="utf-8").replace("id: dust_six_100pct", "id: only_here", 1)
    (rules / "only_here.yaml").write_text(text, encoding="utf-8")
    (rules / "cases" / "dust_six_100pct.yaml").unlink()
    runner = CliRunner()
    after = runner.invoke(cli.cli, ["template", "only_here", "--rules", str(rules), "--debug"])
    assert after.exit_code == 0, after.stderr
    assert "only_here" in after.stdout
    both = runner.invoke(cli.cli, ["--rules", "no-such-folder", "rules", "list", "--rules", str(rules)])
    assert both.exit_code == 0 and "only_here" in both.stdout
    def every_command(group: click.Group, path: list[str]):
        for name, command in group.commands.items():
            yield [*path, name]
            if isinstance(command, click.Group):
                yield from every_command(command, [*path, name])

    commands = list(every_command(cli.cli, []))
    assert ["serve"] in commands and ["users", "add"] in commands
    for args in commands:
        shown = runner.invoke(cli.cli, [*args, "--help"])
        assert "--rules DIRECTORY" in shown.stdout and "--debug" in shown.stdout, args
        assert runner.invoke(cli.cli, [*args, "--debug", "--help"]).exit_code == 0, args


def test_check__standard_input_named_twice__usage_error_before_any_result(runner: CliRunner) -> None:
    """Should refuse `- -` before checking or printing anything, not after the files before it."""
    result = run(runner, "check", COMPLIANT, "-", "-", input=b"")
    assert result.exit_code == 2 and "只能使用一次" in result.output and "结论" not in result.stdout


def test_help__every_group_lists_its_commands_without_cutting_their_descriptions() -> None:
    """Should show each command's one-line description whole in its group's help in a
    terminal of 80 columns (78 for the text), where click cuts a long one at "...", for every
    group of the command."""
    import click

    import cli

    def groups(group: click.Group):
        yield group
        for command in group.commands.values():
            if isinstance(command, click.Group):
                yield from groups(command)

    for group in groups(cli.cli):
        limit = 78 - 6 - max(map(len, group.commands))  # as click's Group.format_commands sets it
        cut = [name for name, command in group.commands.items() if command.get_short_help_str(limit).endswith("...")]
        assert cut == [], (group.name, cut)


def test_ledger_list__format_versions_offered__the_ones_written_and_the_newest_by_default() -> None:
    """Should offer in `ledger list --format-version` exactly the ledger JSON and CSV versions
    the program writes (the option is declared where the ledger's module is not imported)."""
    import cli
    from engine.ledger_output import FORMAT_VERSION, FORMAT_VERSIONS

    option = next(param for param in cli.ledger_list.params if param.name == "format_version")
    assert (option.type.min, option.type.max, option.default) == (min(FORMAT_VERSIONS), max(FORMAT_VERSIONS), FORMAT_VERSION)
    assert list(FORMAT_VERSIONS) == list(range(min(FORMAT_VERSIONS), max(FORMAT_VERSIONS) + 1))


def test_template__unknown_checklist__counted_as_an_error_of_no_file(runner: CliRunner) -> None:
    """Should name the closest checklist and count one error, not "1 个文件": no file was read."""
    result = runner.invoke(cli.cli, ["template", "dust_six"])
    assert result.exit_code == 2
    assert "[CHECKLIST_001] 检查表 “dust_six” 不存在 — 是否应为 “dust_six_100pct”？" in result.stderr
    assert result.stderr.rstrip().endswith("共 1 个错误") and "个文件" not in result.stderr
