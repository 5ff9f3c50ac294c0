"""Every failure mode of a file a person edits: one file each, its first line says what to expect.

A fixture starts with ``# expect: CODE line:col [item]; CODE line:col [item]`` (or keeps that
text in ``<file>.expect`` when the format has no comments). The test asserts the code, the
position and the item of every error, and that nothing else is reported.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine import check, load_rules
from engine.check_output import format_problems
from engine.errors import InputError, Problem
from helpers import DATA, RULES

ANSWER_CASES = sorted(p for p in (DATA / "invalid" / "answers").iterdir() if not p.name.endswith(".expect"))
RULE_CASES = sorted((DATA / "invalid" / "rules").glob("*.yaml"))


def expectations(path: Path) -> set[tuple[str, int, int, str | None]]:
    sidecar = path.with_name(path.name + ".expect")
    header = sidecar.read_text(encoding="utf-8") if sidecar.exists() else path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    header = re.sub(r"^#\s*expect:\s*", "", header.strip())
    expected = set()
    for part in header.split(";"):
        fields = part.split()
        line, column = (int(x) for x in fields[1].split(":"))
        expected.add((fields[0], line, column, fields[2] if len(fields) > 2 else None))
    return expected


def reported(problems: tuple[Problem, ...]) -> set[tuple[str, int | None, int | None, str | None]]:
    return {(p.code.name, p.location.line, p.location.column, p.location.item) for p in problems if p.severity == "error"}


@pytest.mark.parametrize("path", ANSWER_CASES, ids=lambda p: p.stem)
def test_answers_file__invalid__reports_code_position_and_item(path: Path, rules) -> None:
    """Should report each problem of the answers file at its line and column, with the item."""
    with pytest.raises(InputError) as exc:
        check(path, rules)
    assert reported(exc.value.problems) == expectations(path)
    assert all(p.location.file == str(path) for p in exc.value.problems)
    text = format_problems(exc.value.problems)
    assert "Traceback" not in text and "{" not in text.split(" — ")[0]


@pytest.mark.parametrize("path", RULE_CASES, ids=lambda p: p.stem)
def test_rule_file__invalid__reports_code_position_and_item(path: Path, tmp_path: Path) -> None:
    """Should report each problem of the rule file at its line and column, with the item."""
    shutil.copy(RULES / "_legal.yaml", tmp_path / "_legal.yaml")
    shutil.copy(path, tmp_path / path.name)
    with pytest.raises(InputError) as exc:
        load_rules(tmp_path)
    assert reported(exc.value.problems) == expectations(path)


def test_problem_line__has_documented_shape(rules) -> None:
    """Should print file:line:col: [CODE] message (item) — hint, then the line and a caret."""
    path = DATA / "invalid" / "answers" / "percentage_over_100.yaml"
    with pytest.raises(InputError) as exc:
        check(path, rules)
    lines = format_problems(exc.value.problems, lambda name: Path(name).read_text(encoding="utf-8").splitlines()).splitlines()
    assert re.fullmatch(rf"{re.escape(str(path))}:18:25: \[ANSWER_003\] .+ \(bare_soil_cover_rate\) — .+", lines[0])
    assert lines[1] == "   18 |   bare_soil_cover_rate: 150%"
    assert lines[2] == "      |                         ^"
    assert lines[-1] == "共 1 个错误（1 个文件）"


def test_caret__under_chinese_text__counts_display_width(rules, tmp_path: Path) -> None:
    """Should place the caret by terminal cells: a CJK character is two cells wide."""
    path = tmp_path / "a.yaml"
    source = (DATA / "invalid" / "answers" / "percentage_over_100.yaml").read_text(encoding="utf-8")
    path.write_text(source.replace("  bare_soil_cover_rate: 150%", "  bare_soil_cover_rate: 覆盖率150%"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        check(path, rules)
    lines = format_problems(exc.value.problems, lambda name: Path(name).read_text(encoding="utf-8").splitlines()).splitlines()
    assert lines[0].startswith(f"{path}:18:25: [ANSWER_002]")
    assert lines[2].index("^") == lines[1].index("覆")


def test_legal_file__broken__no_cascade_into_checklists(rules_copy: Path) -> None:
    """Should report the legal file's own error, not every basis key that now cannot resolve."""
    legal = rules_copy / "_legal.yaml"
    legal.write_text(legal.read_text(encoding="utf-8").replace("    title: 施工工地公示扬尘污染防治措施", "    title: [未闭合"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    assert [p.code.name for p in exc.value.problems if p.severity == "error"] == ["YAML_001"]


def test_legal_file__overlapping_provisions__legal_003(rules_copy: Path) -> None:
    legal = rules_copy / "_legal.yaml"
    text = legal.read_text(encoding="utf-8")
    overlap = "      - law: air_law_2018\n        article: 69\n        paragraph: 3\n        status: verified\n\n  air_law_art69_filing:"
    legal.write_text(text.replace("  air_law_art69_filing:", overlap, 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    (problem,) = [p for p in exc.value.problems if p.severity == "error"]
    assert problem.code.name == "LEGAL_003" and problem.location.item == "construction_waste_clearing"


def test_legal_file__unverified_status__refused(rules_copy: Path) -> None:
    """Should refuse a provision marked unverified: only checked law may be cited."""
    legal = rules_copy / "_legal.yaml"
    text = legal.read_text(encoding="utf-8")
    legal.write_text(text.replace("        paragraph: 2\n        summary: 从事", "        paragraph: 2\n        status: unverified\n        summary: 从事", 1).replace("        status: verified\n        source: \"[L1]\"\n      - law: eco_code\n        article: 240\n        paragraph: 2", "        source: \"[L1]\"\n      - law: eco_code\n        article: 240\n        paragraph: 2"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rules(rules_copy)
    codes = {(p.code.name, p.location.item) for p in exc.value.problems if p.severity == "error"}
    assert codes == {("SCHEMA_004", "air_law_art69_filing")}


def test_answers_file__problems_in_every_part__reported_in_one_round(rules) -> None:
    """Should report structure, value and item problems of all parts of a file together."""
    raw = "\n".join(
        [
            "checklist: dust_six_100pct",
            "site:",
            "  name: XX工地",
            "  type: construction",
            "  key_area: 可能",
            "  alert_active: 否",
            "  idle_land: 否",
            "inspection:",
            "  date: 2024-11-05",
            "  inspectors: 李明",
            "answers:",
            "  hoarding_base: {value: 否, cnt: 2}",
            "  hoarding_height: 1.5m",
            "  bare_soil_cover_rate: 150%",
            "  wash_log_date: 2024-11-31",
            "  hoarding_closd: 是",
            "  hoarding_closd: 否",
            "",
        ]
    ).encode("utf-8")
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    assert reported(exc.value.problems) == {
        ("ANSWER_002", 5, 13, "key_area"),
        ("SCHEMA_003", 10, 15, None),
        ("SCHEMA_002", 12, 29, "hoarding_base"),
        ("ANSWER_002", 13, 20, "hoarding_height"),
        ("ANSWER_003", 14, 25, "bare_soil_cover_rate"),
        ("ANSWER_003", 15, 18, "wash_log_date"),
        ("ANSWER_001", 16, 3, "hoarding_closd"),
        ("YAML_002", 17, 3, "hoarding_closd"),
    }


def test_answers_file__inspection_times_and_credentials__checked(rules) -> None:
    from helpers import dust_answers

    raw = dust_answers().replace("  inspectors: [李明, 王芳]\n".encode(), "  inspectors: [李明, 王芳]\n  credentials: [甲001]\n  start_time: 25:00\n".encode())
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    assert {(p.code.name, p.location.line) for p in exc.value.problems} == {("SCHEMA_004", 14)}
    raw = dust_answers().replace("  inspectors: [李明, 王芳]\n".encode(), "  inspectors: [李明, 王芳]\n  credentials: [甲001]\n".encode())
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    assert [(p.code.name, p.location.line) for p in exc.value.problems] == [("ANSWER_003", 13)]


@pytest.mark.parametrize(
    "typo, hint",
    [("  hoarding_base：是", "中文冒号"), ("  hoarding_base:是", "冒号“:”后面要有一个空格")],
)
def test_answers_file__colon_typo__points_at_the_typo_not_the_next_line(rules, typo: str, hint: str) -> None:
    """Should put the caret on the line with the typo, though PyYAML notices it one line late."""
    from helpers import dust_answers

    raw = dust_answers().replace("  hoarding_base: 是".encode(), typo.encode())
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.line, problem.location.column) == ("YAML_001", 16, 16)
    assert hint in problem.hint


def test_problem_excerpt__shown_once_per_place(rules) -> None:
    from helpers import dust_answers

    with pytest.raises(InputError) as exc:
        check(dust_answers({"filing": None, "notice_board": None}), rules, name="a.yaml")
    text = format_problems(exc.value.problems, lambda name: dust_answers({"filing": None, "notice_board": None}).decode().splitlines())
    assert text.count("[ANSWER_004]") == 2 and text.count("| answers:") == 1


def test_answers_file__part_of_an_answer_indented_as_an_item__said_to_indent_it(rules) -> None:
    """Should say of a note (or count, value, photos) indented as far as the items, which YAML
    reads as an item, that it belongs under its item, not only that no item has that name."""
    from helpers import dust_answers

    raw = dust_answers({"hoarding_closed": "\n    value: 否\n    count: 2\n  note: 东侧围挡缺口两处"})
    with pytest.raises(InputError) as exc:
        check(raw, rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.item) == ("ANSWER_001", "note")
    assert "“note” 是一个检查项的答案的一部分：在它所属的检查项下面分行写 value: 答案 和 note: …，都比检查项多缩进两个空格" in problem.hint
    # After a plain answer (hoarding_closed: 否) it cannot simply be indented: the way to write both is said too.
    plain = dust_answers({"hoarding_closed": "否\n  note: 东侧围挡缺口两处"})
    with pytest.raises(InputError) as exc:
        check(plain, rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert "或者写成 检查项: {value: 答案, note: …}" in problem.hint
