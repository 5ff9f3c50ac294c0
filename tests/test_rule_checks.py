"""Every check of a checklist file, with a checklist it accepts and one it refuses.

The checks are the functions in engine.loader's CHECKLIST_CHECKS, FIELD_CHECKS and
ITEM_CHECKS. Each has an entry in EXAMPLES below: two small checklists, loaded as
``sample.yaml`` with the real loader beside a copy of the bundled rules. The refused one
marks with ``# ←`` the line its problem is reported on. A check without examples fails
test_every_check__has_examples, so none is added without them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import InputError, load_rules
from engine.errors import Problem
from engine.loader import CHECKLIST_CHECKS, FIELD_CHECKS, ITEM_CHECKS, _build_legal, _ChecklistBuilder
from engine.source import load_source
from helpers import ROOT, RULES, dedent

CHECKS = (*CHECKLIST_CHECKS, *FIELD_CHECKS, *ITEM_CHECKS)
MARK = "# ←"

HEIGHT = """\
      - id: height
        question: 围挡高度
        kind: number
        unit: 米
        pass: value >= 1.8
        finding: 围挡高度 {value} 米
        rectification: 加高围挡
"""
CLOSED = """\
      - id: closed
        question: 围挡是否封闭
        kind: yes_no
        finding: 围挡不封闭
        rectification: 封闭围挡
"""


def sample(items: str = HEIGHT, *, top: str = "", basis: str | None = "[air_law_art69]") -> str:
    """A checklist ``sample`` with one section of ``items``; ``top`` goes among its own fields."""
    head = 'id: sample\ntitle: 测试检查表\nversion: "1"\nsite_types:\n  construction: 房屋建筑工地\n'
    head += f"basis: {basis}\n" if basis else ""
    return head + top + "sections:\n  - id: main\n    title: 主要检查项\n    items:\n" + items


def item(text: str) -> str:
    """An item written flush left, indented to sit under ``items:``."""
    return "".join("      " + line + "\n" for line in dedent(text).splitlines())


@dataclass(frozen=True)
class Example:
    passing: str
    failing: str  #: with MARK on the line the problem is reported on
    code: str


EXAMPLES = {
    "check_id_matches_file_name": Example(
        sample(),
        sample().replace("id: sample\n", f"id: sample_v2  {MARK}\n", 1),
        "RULE_001",
    ),
    "check_effective_dates_in_order": Example(
        sample(top="effective_from: 2024-10-01\neffective_to: 2025-12-31\n"),
        sample(top=f"effective_from: 2024-10-01\neffective_to: 2024-01-01  {MARK}\n"),
        "RULE_005",
    ),
    "check_numbers_finite": Example(
        sample(top="pass_mark: 85\n"),
        sample(top=f"pass_mark: .nan  {MARK}\n"),
        "RULE_003",
    ),
    "check_site_fact_ids_not_reserved": Example(
        sample(top="site_facts:\n  - id: key_area\n    question: 是否位于主干道两侧\n    kind: yes_no\n"),
        sample(top=f"site_facts:\n  - id: village  {MARK}\n    question: 所在村\n    kind: text\n"),
        "RULE_003",
    ),
    "check_basis_known": Example(
        sample(basis="[air_law_art69]"),
        sample(basis=f"[air_law_art96]  {MARK}"),
        "LEGAL_001",
    ),
    "check_ids_unique": Example(
        sample(HEIGHT + CLOSED),
        sample(HEIGHT + CLOSED.replace("- id: closed", f"- id: height  {MARK}")),
        "RULE_002",
    ),
    "check_item_ids_not_reserved": Example(
        sample(HEIGHT + CLOSED),
        sample(HEIGHT + CLOSED.replace("- id: closed", f"- id: class  {MARK}")),
        "RULE_003",
    ),
    "check_when_not_circular": Example(
        sample(HEIGHT.replace("unit: 米\n", "unit: 米\n        when: closed == true\n") + CLOSED),
        sample(HEIGHT.replace("unit: 米\n", f"unit: 米\n        when: height > 1  {MARK}\n") + CLOSED),
        "RULE_003",
    ),
    "check_texts_printable": Example(
        sample(HEIGHT),
        sample(HEIGHT.replace("question: 围挡高度\n", f'question: "围挡\\e[2J高度"  {MARK}\n', 1)),
        "RULE_006",
    ),
    "check_options_only_for_choices": Example(
        sample(
            item(
                """
                - id: monitor
                  question: 扬尘在线监测设备情况
                  kind: choice
                  options: {online: 已安装并联网, none: 未安装}
                  pass: value == "online"
                  finding: 扬尘在线监测设备{value}
                  rectification: 安装在线监测设备并联网
                """
            )
        ),
        sample(CLOSED.replace("kind: yes_no\n", f"kind: yes_no\n        options: {{a: 甲}}  {MARK}\n")),
        "RULE_003",
    ),
    "check_range_only_for_numbers": Example(
        sample(HEIGHT.replace("unit: 米\n", "unit: 米\n        min: 0\n")),
        sample(item(f"- id: overview\n  question: 工地概况\n  kind: text\n  min: 0  {MARK}\n")),
        "RULE_003",
    ),
    "check_range_in_order": Example(
        sample(HEIGHT.replace("unit: 米\n", "unit: 米\n        min: 1\n        max: 5\n")),
        sample(HEIGHT.replace("unit: 米\n", f"unit: 米\n        min: 5\n        max: 1  {MARK}\n")),
        "RULE_003",
    ),
    "check_when_expression": Example(
        sample(HEIGHT.replace("unit: 米\n", 'unit: 米\n        when: site.type == "construction"\n')),
        sample(HEIGHT.replace("unit: 米\n", f'unit: 米\n        when: site.typ == "construction"  {MARK}\n')),
        "EXPR_002",
    ),
    "check_limit_expression": Example(
        sample(HEIGHT.replace("pass: value >= 1.8", 'limit: 2.5 if site.type == "construction" else 1.8\n        pass: value >= limit')),
        sample(HEIGHT.replace("pass: value >= 1.8", f'limit: 2.5 if site.type == "construction"  {MARK}\n        pass: value >= 1.8')),
        "EXPR_001",
    ),
    "check_pass_expression": Example(
        sample(HEIGHT),
        sample(HEIGHT.replace("pass: value >= 1.8", f'pass: value >= "高"  {MARK}')),
        "EXPR_004",
    ),
    "check_text_placeholders": Example(
        sample(HEIGHT.replace("加高围挡", "加高围挡（{{原文}}：{note}）")),
        sample(HEIGHT.replace("围挡高度 {value} 米", f"围挡高度 {{valu}} 米  {MARK}")),
        "TEXT_001",
    ),
    "check_points_need_pass": Example(
        sample(HEIGHT.replace("unit: 米\n", "unit: 米\n        points: 10\n")),
        sample(HEIGHT.replace("- id: height", f"- id: height  {MARK}").replace("pass: value >= 1.8", "points: 10")),
        "RULE_004",
    ),
    "check_deduction_needs_points": Example(
        sample(HEIGHT.replace("unit: 米\n", "unit: 米\n        points: 10\n        deduction: 5\n")),
        sample(HEIGHT.replace("unit: 米\n", f"unit: 米\n        deduction: 5  {MARK}\n")),
        "RULE_004",
    ),
    "check_deduction_within_points": Example(
        sample(HEIGHT.replace("unit: 米\n", "unit: 米\n        points: 10\n        deduction: 10\n")),
        sample(HEIGHT.replace("unit: 米\n", f"unit: 米\n        points: 10\n        deduction: 15  {MARK}\n")),
        "RULE_004",
    ),
    "check_item_basis_known": Example(
        sample(CLOSED + "        basis: [air_law_art70_transport]\n"),
        sample(CLOSED + f"        basis: [no_such_ref]  {MARK}\n"),
        "LEGAL_001",
    ),
    "check_judged_item_has_basis": Example(
        sample(CLOSED + "        basis: [air_law_art69]\n", basis=None),
        sample(CLOSED.replace("- id: closed", f"- id: closed  {MARK}"), basis=None),
        "SCHEMA_001",
    ),
}


@pytest.fixture
def legal_only(tmp_path: Path) -> Path:
    """A rules folder with the bundled legal file and no checklist: sample.yaml is loaded
    against the real legal references without rebuilding the seven bundled checklists."""
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / "_legal.yaml", folder / "_legal.yaml")
    return folder


def load_sample(folder: Path, text: str) -> list[Problem]:
    """The errors in sample.yaml when the rules folder is loaded with it; [] when it loads."""
    (folder / "sample.yaml").write_text(text, encoding="utf-8")
    try:
        rules = load_rules(folder)
    except InputError as exc:
        return [p for p in exc.problems if p.severity == "error"]
    assert "sample" in rules.checklists
    return []


def marked_line(text: str) -> int:
    (line,) = [number for number, content in enumerate(text.splitlines(), 1) if MARK in content]
    return line


def problems_of_check(check, text: str, tmp_path: Path) -> list[Problem]:
    """What the one check says of ``text``, run on its own."""
    path = tmp_path / "alone" / "sample.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    legal, _ = _build_legal(load_source(RULES / "_legal.yaml"))
    builder = _ChecklistBuilder(load_source(path, strict=False), legal)
    if check in CHECKLIST_CHECKS:
        return list(check(builder))
    entries = builder.facts + builder.items if check in FIELD_CHECKS else builder.items
    return [problem for entry in entries for problem in check(builder, entry)]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_every_check__has_examples(check) -> None:
    """Should give every registered check a passing and a failing example, and a docstring naming its code."""
    assert check.__name__ in EXAMPLES, f"{check.__name__}: add a passing and a failing checklist to EXAMPLES"
    assert EXAMPLES[check.__name__].code in (check.__doc__ or "")


def test_examples__name_only_registered_checks() -> None:
    assert sorted(EXAMPLES) == sorted(check.__name__ for check in CHECKS)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_check__passing_example__loads(check, legal_only: Path) -> None:
    assert load_sample(legal_only, EXAMPLES[check.__name__].passing) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_check__failing_example__refused_with_code_at_line(check, legal_only: Path) -> None:
    example = EXAMPLES[check.__name__]
    problems = load_sample(legal_only, example.failing)
    assert {(p.code.name, p.location.line) for p in problems} == {(example.code, marked_line(example.failing))}
    assert all(p.location.file.endswith("sample.yaml") for p in problems)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_check__on_its_own__refuses_only_the_failing_example(check, tmp_path: Path) -> None:
    """Should be the check named that refuses the failing example, not another one."""
    example = EXAMPLES[check.__name__]
    assert problems_of_check(check, example.passing, tmp_path / "passing") == []
    (problem,) = problems_of_check(check, example.failing, tmp_path / "failing")
    assert (problem.code.name, problem.location.line) == (example.code, marked_line(example.failing))


@pytest.mark.parametrize("check", FIELD_CHECKS, ids=lambda check: check.__name__)
def test_field_checks__site_facts__checked_like_items(check, legal_only: Path) -> None:
    """Should refuse in a site fact the answer settings it refuses in an item."""
    fact = {
        "check_options_only_for_choices": "kind: yes_no\n    options: {a: 甲}",
        "check_range_only_for_numbers": "kind: text\n    min: 0",
        "check_range_in_order": "kind: number\n    min: 5\n    max: 1",
    }[check.__name__]
    text = sample(top=f"site_facts:\n  - id: distance\n    question: 与居民区的距离\n    {fact}  {MARK}\n")
    problems = load_sample(legal_only, text)
    assert [(p.code.name, p.location.line, p.location.item) for p in problems] == [(EXAMPLES[check.__name__].code, marked_line(text), "distance")]


def test_rules_doc__lists_every_check() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert [check.__name__ for check in CHECKS if f"`{check.__name__}`" not in text] == []
