"""Rule loading beyond single-fixture failures: warnings, dates, scopes, and what a folder holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import InputError, check, load_rules
from engine.loader import rule_files
from helpers import DATA, RULES, dust_answers


def error_codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [p.code.name for p in exc.value.problems if p.severity == "error"]


def test_rules__bundled__load_without_warnings(rules) -> None:
    """Should load the bundled rules with a provision in force for every reference, before and after 2026-08-15."""
    assert rules.warnings == ()


def test_rules__effective_to_before_from__rule_005(rules_copy: Path) -> None:
    path = rules_copy / "dust_six_100pct.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("effective_from: 2024-10-01", "effective_from: 2024-10-01\neffective_to: 2024-01-01"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    assert error_codes(exc) == ["RULE_005"]
    (problem,) = [p for p in exc.value.problems if p.severity == "error"]
    assert (problem.location.line, problem.location.column) == (12, 15)


def test_rules__underscore_and_hidden_files__not_checklists(rules_copy: Path) -> None:
    (rules_copy / ".draft.yaml").write_text("not: a checklist", encoding="utf-8")
    assert ".draft.yaml" not in [p.name for p in rule_files(rules_copy)]
    assert "_legal.yaml" not in [p.name for p in rule_files(rules_copy)]


def test_rules__every_problem_of_every_file_at_once(rules_copy: Path) -> None:
    """Should gather the problems of all files before reporting."""
    for name in ("expr_syntax.yaml", "duplicate_id.yaml", "text_placeholder.yaml"):
        (rules_copy / name).write_bytes((DATA / "invalid" / "rules" / name).read_bytes())
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    assert sorted(error_codes(exc)) == ["EXPR_001", "RULE_002", "TEXT_001"]


@pytest.mark.parametrize("names", ['["李明", "李明\u200b"]', '["李明", "李 明"]', '["李明", "\u3164"]', '["李明", "\u2800"]'])
def test_answers__second_inspector_only_in_appearance__answer_008_warning(rules, names: str) -> None:
    """Should count as one the names a person reads as one, and not count a blank one."""
    raw = dust_answers().replace("[李明, 王芳]".encode(), names.encode())
    result = check(raw, rules, name="a.yaml")
    assert [(w.code.name, w.context["count"]) for w in result.warnings] == [("ANSWER_008", 1)]


def test_answers__one_inspector__answer_008_warning(rules) -> None:
    raw = dust_answers().replace("[李明, 王芳]".encode(), "[李明, 李明]".encode())
    result = check(raw, rules, name="a.yaml")
    assert [w.code.name for w in result.warnings] == ["ANSWER_008"]


def test_answers__photo_not_found__answer_009_warning(rules, tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(dust_answers({"filing": "{value: 是, photos: [photos/x.jpg]}"}))
    result = check(path, rules)
    (warning,) = result.warnings
    assert warning.code.name == "ANSWER_009" and warning.location.item == "filing"


@pytest.mark.parametrize(
    "photo, reason",
    [("/etc/passwd", "绝对路径"), ("C:\\Windows\\x.jpg", "绝对路径"), ("file:///etc/passwd", "网址"), ("photos/../../x.jpg", "..")],
)
def test_answers__unsafe_photo_paths__refused(rules, photo: str, reason: str) -> None:
    with pytest.raises(InputError) as exc:
        check(dust_answers({"filing": f"{{value: 是, photos: ['{photo}']}}"}), rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert problem.code.name == "ANSWER_007" and reason in problem.message


def test_rules__env_var__chooses_folder(rules_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.bundled import default_rules_dir

    monkeypatch.setenv("LANTIAN_RULES", str(rules_copy))
    assert default_rules_dir() == rules_copy
    monkeypatch.delenv("LANTIAN_RULES")
    assert (default_rules_dir() / "dust_six_100pct.yaml").is_file()


def test_rules__yml_extension__loaded_too(rules_copy: Path) -> None:
    (rules_copy / "dust_six_100pct.yaml").rename(rules_copy / "dust_six_100pct.yml")
    assert "dust_six_100pct" in load_rules(rules_copy).checklists


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("        kind: yes_no\n", "        kind: [yes_no]\n", ("SCHEMA_004", 21, "closed")),
        ("        kind: yes_no\n", "        kind: choice\n        options: 5\n", ("SCHEMA_003", 22, "closed")),
        ("      - id: closed\n", "      - closed\n      - id: closed\n", ("SCHEMA_003", 19, "main")),
    ],
    ids=["kind_a_list", "options_a_number", "item_not_a_mapping"],
)
def test_rules__item_shape_refused_by_schema__reported_not_crash(tmp_path: Path, old: str, new: str, expected: tuple) -> None:
    """Should report the schema's problem with an item that cannot be named by the others, not fail inside the loader."""
    source = (DATA / "invalid" / "rules" / "expr_syntax.yaml").read_text(encoding="utf-8")
    text = source.replace("id: expr_syntax", "id: sample").replace("value >== 1.8", "value >= 1.8")
    (tmp_path / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (tmp_path / "sample.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(tmp_path)
    assert [(p.code.name, p.location.line, p.location.item) for p in exc.value.problems] == [expected]


def test_rules__copy_with_one_file_changed__only_it_built_again_all_named_in_the_copy(rules_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Should rebuild, in a folder whose files other folders also hold, only the file that
    differs, and name every checklist, the legal file and each problem in the folder loaded."""
    import shutil

    from engine import loader

    load_rules(rules_copy)
    built: list[str] = []
    build = loader.build_checklist
    monkeypatch.setattr(loader, "build_checklist", lambda doc, *args, **kwargs: built.append(doc.name) or build(doc, *args, **kwargs))
    other = tmp_path / "other"
    shutil.copytree(rules_copy, other)
    path = other / "straw_ban.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("deadline_days:", "deadline_days: 2\n#", 1), encoding="utf-8")
    rules = load_rules(other)
    assert built == [str(path)]
    assert all(checklist.path == str(other / Path(checklist.path).name) for checklist in rules.checklists.values())
    assert rules.legal.path == str(other / "_legal.yaml") and all(where.file == rules.legal.path for where in rules.legal.locations.values())
    assert all(checklist.legal is rules.legal for checklist in rules.checklists.values())
    assert rules.checklists["straw_ban"].deadline_days == 2
    path.write_text(path.read_text(encoding="utf-8").replace("deadline_days: 2", "deadline_days: -2"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(other)
    assert {p.location.file for p in exc.value.problems if p.severity == "error"} == {str(path)}


FUMES = """\
id: fumes
title: 餐饮油烟检查表
version: "1"
site_types:
  restaurant: 餐饮单位
basis: [air_law_art18_standards]
sections:
  - id: purifier
    title: 油烟净化
    items:
      - id: purifier_installed
        question: 是否安装油烟净化器
        kind: yes_no
        finding: 未安装油烟净化器
        rectification: 安装油烟净化器
      - id: purifier_in_use
        question: 油烟净化器是否正常使用
        kind: yes_no
        when: purifier_installed == true
        finding: 油烟净化器未正常使用
        rectification: 正常使用油烟净化器
      - id: clean_rate
        question: 净化效率
        kind: percentage
        when: purifier_installed
        limit: "75"
        pass: value >= limit
        finding: 净化效率 {value}%，低于 {limit}%
        rectification: 维护净化器，使效率不低于 {limit}%
      - id: cleaning_date
        question: 最近一次清洗日期
        kind: date
        when: purifier_installed == true and purifier_in_use == true
        pass: days_between(value, inspection.date) <= 90
        finding: 超过 90 天未清洗
        rectification: 清洗净化器
"""


def fumes_problems(tmp_path: Path, *replacements: tuple[str, str]) -> list[tuple[str, int | None, str | None]]:
    text = FUMES
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    (tmp_path / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (tmp_path / "fumes.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(tmp_path)
    return [(p.code.name, p.location.line, p.location.item) for p in exc.value.problems if p.severity == "error"]


@pytest.mark.parametrize("kind", ["yesno", "flag"])
def test_rules__item_of_unknown_kind__still_named_by_the_others(tmp_path: Path, kind: str) -> None:
    """Should report a mistyped kind once: the conditions that read the item are not refused as
    naming an unknown item (with another item offered in its place)."""
    assert fumes_problems(tmp_path, ("kind: yes_no", f"kind: {kind}")) == [("SCHEMA_004", 13, "purifier_installed")]


def test_rules__item_of_mistyped_kind__read_as_the_kind_meant(tmp_path: Path) -> None:
    """Should still check what reads an item whose kind is a near miss, as the kind it means."""
    problems = fumes_problems(tmp_path, ("kind: yes_no", "kind: yesno"), ("when: purifier_installed == true\n", "when: purifier_installed == 1\n"))
    assert problems == [("SCHEMA_004", 13, "purifier_installed"), ("EXPR_004", 19, "purifier_in_use")]


@pytest.mark.parametrize("limit", ['"80 if purifier_installed == 1 else 75"', '"valu"', '"75 if"'])
def test_rules__bad_limit__one_error_not_one_more_per_use(tmp_path: Path, limit: str) -> None:
    """Should report a limit that does not compile once, not again in the pass condition and in
    each text that shows it."""
    ((code, line, item),) = fumes_problems(tmp_path, ('limit: "75"', f"limit: {limit}"))
    assert code.startswith("EXPR_") and (line, item) == (26, "clean_rate")


def test_rules__bad_limit__other_mistakes_of_the_texts_still_reported(tmp_path: Path) -> None:
    """Should still report a placeholder of the same text that is wrong on its own."""
    problems = fumes_problems(tmp_path, ('limit: "75"', 'limit: "valu"'), ("低于 {limit}%", "低于 {limit}%，{valeu}"))
    assert [code for code, _, _ in problems] == ["EXPR_002", "TEXT_001"]


@pytest.mark.parametrize(
    ("replacements", "where"),
    [
        pytest.param((('limit: "75"', 'limit: "0.75"'),), (26, 17), id="limit"),
        pytest.param((('limit: "75"', 'limit: "80 if purifier_installed else 0.75"'),), (26, 47), id="limit-branch"),
        pytest.param((("pass: value >= limit", "pass: value >= 0.75"),), (27, 24), id="pass"),
        pytest.param((("basis: [air_law_art18_standards]\n", "basis: [air_law_art18_standards]\nparams:\n  rate:\n    value: 0.75\n    unit: \"%\"\n"),), (9, 12), id="param"),
    ],
)
def test_rules__percentage_written_as_a_fraction__warned_and_loaded(tmp_path: Path, replacements: tuple, where: tuple[int, int]) -> None:
    """Should warn (not refuse) when a percentage bound is written as a fraction, which would
    pass nearly every answer, and say how to write it."""
    text = FUMES
    for old, new in replacements:
        text = text.replace(old, new, 1)
    (tmp_path / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (tmp_path / "fumes.yaml").write_text(text, encoding="utf-8")
    rules = load_rules(tmp_path)
    assert "fumes" in rules.checklists
    (warning,) = rules.warnings
    assert (warning.code.name, warning.severity, (warning.location.line, warning.location.column)) == ("RULE_008", "warning", where)
    assert "百分比写作 75，不是 0.75" in warning.hint


def test_rules__percentage_written_as_a_number__no_warning(tmp_path: Path) -> None:
    """Should not warn on a fraction that is not a percentage bound (a ratio in arithmetic of a number item)."""
    (tmp_path / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (tmp_path / "fumes.yaml").write_text(FUMES.replace("pass: value >= limit", "pass: value * 0.5 <= limit"), encoding="utf-8")
    assert load_rules(tmp_path).warnings == ()


def test_cli_rules_check__percentage_fraction__warning_exit_0(tmp_path: Path) -> None:
    from click.testing import CliRunner

    import cli

    (tmp_path / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (tmp_path / "fumes.yaml").write_text(FUMES.replace('limit: "75"', 'limit: "0.75"'), encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 0
    assert "警告 [RULE_008]" in result.stderr and "百分比写作 75，不是 0.75" in result.stderr


def test_rules__limit_written_as_a_number__hint_is_to_quote_it(tmp_path: Path) -> None:
    """Should tell a rule editor who writes limit: 75 to quote it, not offer a comparison."""
    (tmp_path / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (tmp_path / "fumes.yaml").write_text(FUMES.replace('limit: "75"', "limit: 75"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(tmp_path)
    (problem,) = exc.value.problems
    assert problem.code.name == "SCHEMA_003" and problem.hint == '加上引号，写成文字：limit: "75"'


@pytest.mark.parametrize(
    ("written", "warned"),
    [("0.8", True), ('"0.8"', True), ("0.05", True), ('"0.8%"', False), ("80", False), ("0", False), ("1", False), ('"80%"', False)],
)
def test_answers__percentage_written_as_a_fraction__answer_018_warning_counted_as_written(rules, written: str, warned: bool) -> None:
    """Should warn at its line that 0.8 for a percentage counts as 0.8 % (80 % copied from a
    spreadsheet, most likely), and not warn for 0.8% written with its sign, 80, 0 or 1."""
    raw = dust_answers({"bare_soil_cover_rate": written})
    result = check(raw, rules, name="a.yaml")
    line = next(n for n, text in enumerate(raw.decode("utf-8").splitlines(), 1) if text.strip().startswith("bare_soil_cover_rate:"))
    found = [(w.code.name, w.location.line, w.context) for w in result.warnings if w.code.name == "ANSWER_018"]
    value = written.strip('"').rstrip("%")
    expected = [("ANSWER_018", line, {"value": value, "percent": f"{float(value) * 100:g}"})] if warned else []
    assert found == expected
    assert next(item for item in result.items if item.item_id == "bare_soil_cover_rate").value == float(value)  # counted as written
