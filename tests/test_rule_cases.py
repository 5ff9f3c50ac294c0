"""Rule-editor test cases: the bundled ones pass, and a wrong expectation is reported in the editor's words."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from engine import InputError, load_rules
from engine.cases import case_files, run_case_file, run_cases
from helpers import RULES

CASES = [(path, index) for path in case_files(RULES) for index in range(len(__import__("yaml").safe_load(path.read_text(encoding="utf-8"))["cases"]))]


@functools.cache
def _bundled_results(path: Path) -> list:
    """A case file's results, run once for all its parametrized cases."""
    return run_case_file(path, load_rules(RULES))


@pytest.mark.parametrize("path, index", CASES, ids=lambda v: v.stem if isinstance(v, Path) else str(v))
def test_bundled_case__passes(path: Path, index: int) -> None:
    result = _bundled_results(path)[index]
    assert result.passed, "\n".join(result.differences)


def test_every_checklist__has_cases_covering_pass_and_fail(rules) -> None:
    results, problems = run_cases(RULES, rules)
    assert [p for p in problems if p.code.name == "CASE_001"] == []
    assert {r.checklist for r in results} == set(rules.checklists)


@pytest.fixture
def dust_only(tmp_path: Path) -> Path:
    """A rules folder with the legal file and the dust checklist and its cases only."""
    folder = tmp_path / "rules"
    (folder / "cases").mkdir(parents=True)
    for name in ("_legal.yaml", "dust_six_100pct.yaml", "cases/dust_six_100pct.yaml"):
        shutil.copy(RULES / name, folder / name)
    return folder


def write_case(folder: Path, text: str) -> Path:
    (folder / "cases").mkdir(exist_ok=True)
    path = folder / "cases" / "dust_six_100pct.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = (RULES / "cases" / "dust_six_100pct.yaml").read_text(encoding="utf-8").split("\ncases:\n")[0] + "\ncases:\n"


def test_case__wrong_expectation__says_expected_and_actual(dust_only: Path) -> None:
    write_case(dust_only, BASE + "  - name: 写错的预期\n    answers:\n      filing: 否\n    expect:\n      verdict: non_compliant\n      score: 100\n      failing: [notice_board]\n")
    rules = load_rules(dust_only)
    (result,) = run_cases(dust_only, rules)[0]
    assert not result.passed
    assert result.differences == (
        "结论：应为 不合格（non_compliant），实际为 合格（compliant）",
        "得分：应为 100，实际为 120",
        "不合格项：应为 notice_board，实际为 filing（多出 filing；缺少 notice_board）",
    )
    assert result.location.line == BASE.count("\n") + 1


def test_case__answers_refused_unexpectedly__problem_points_into_case_file(dust_only: Path) -> None:
    path = write_case(dust_only, BASE + "  - name: 填错的百分比\n    answers:\n      bare_soil_cover_rate: 150%\n    expect:\n      verdict: compliant\n      failing: []\n")
    (result,) = run_case_file(path, load_rules(dust_only))
    line = BASE.count("\n") + 3
    assert result.differences[0] == "答卷被拒绝，没有得出结论："
    assert result.differences[1].startswith(f"  {path}:{line}:29: [ANSWER_003]")


def test_case__unknown_item_in_expect__that_case_reported_with_suggestion_the_others_run(dust_only: Path) -> None:
    """Should report a typo in one case's expected items with the closest item, count that
    case as not passed, and still run the other cases of the file."""
    path = write_case(dust_only, BASE + "  - name: 拼错\n    expect:\n      verdict: compliant\n      failing: [hoarding_closd]\n  - name: 正确\n    expect:\n      verdict: compliant\n      failing: []\n")
    typo, right = run_case_file(path, load_rules(dust_only))
    (problem,) = typo.problems
    assert problem.code.name == "ANSWER_001" and "hoarding_closed" in problem.hint
    assert problem.location.line == BASE.count("\n") + 4
    assert not typo.passed and typo.name == "拼错"
    assert right.passed and right.name == "正确"


def test_cli_rules_test__one_bad_case__counted_as_failed_and_no_missing_cases_warning(dust_only: Path) -> None:
    """Should count a wrongly written case as failed in the summary, exit 2 for the error,
    and never warn that a checklist whose case file exists has no cases."""
    write_case(dust_only, BASE + "  - name: 拼错\n    expect:\n      verdict: compliant\n      failing: [hoarding_closd]\n  - name: 正确\n    expect:\n      verdict: compliant\n      failing: []\n")
    result = CliRunner().invoke(cli.cli, ["rules", "test", str(dust_only)])
    assert result.exit_code == 2
    assert "共 2 个用例：通过 1，未通过 1" in result.stdout and "用例 “拼错” 未通过" in result.stdout
    assert "[ANSWER_001]" in result.stderr and "是否应为 “hoarding_closed”" in result.stderr
    assert "CASE_001" not in result.stderr


def test_cases_file_that_cannot_be_read__no_missing_cases_warning(dust_only: Path) -> None:
    """Should report a broken case file, not also that its checklist has no cases."""
    write_case(dust_only, BASE.replace("base:", "base:\n bad: [", 1))
    results, problems = run_cases(dust_only, load_rules(dust_only))
    assert results == [] and [p.code.name for p in problems] == ["YAML_001"]


def test_case__expected_error__compared_by_code(dust_only: Path) -> None:
    path = write_case(dust_only, BASE + "  - name: 应报错\n    answers:\n      hoarding_closed: 不适用\n    expect:\n      errors: [ANSWER_004]\n")
    (result,) = run_case_file(path, load_rules(dust_only))
    assert result.differences == ("报错：应为 ANSWER_004，实际为 ANSWER_010",)


def test_checklist_without_cases__warned(dust_only: Path) -> None:
    (dust_only / "cases" / "dust_six_100pct.yaml").unlink()
    results, problems = run_cases(dust_only, load_rules(dust_only))
    assert results == [] and [(p.code.name, p.severity) for p in problems] == [("CASE_001", "warning")]


def test_cli_rules_test__exit_codes(dust_only: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli.cli, ["rules", "test", str(dust_only)])
    assert ok.exit_code == 0 and "全部通过" in ok.stdout
    write_case(dust_only, BASE + "  - name: 不通过\n    expect:\n      verdict: non_compliant\n      failing: []\n")
    failed = runner.invoke(cli.cli, ["rules", "test", str(dust_only), "--format", "json"])
    assert failed.exit_code == 1
    assert '"failed": 1' in failed.stdout
    write_case(dust_only, "checklist: nope\n")
    broken = runner.invoke(cli.cli, ["rules", "test", str(dust_only)])
    assert broken.exit_code == 2 and "[SCHEMA_001]" in broken.stderr
    shutil.rmtree(dust_only / "cases")


def _outcomes(rules, path: Path):
    """Each case of a file as (result or None, refused codes)."""
    from engine.answers import answers_from_document
    from engine.cases import _case_document
    from engine.scoring import score
    from engine.source import load_source

    doc = load_source(path)
    outcomes = []
    for index in range(len(doc.data["cases"])):
        try:
            answers, checklist = answers_from_document(_case_document(doc, index, doc.data), rules)
            outcomes.append(score(checklist, answers))
        except InputError:
            outcomes.append(None)
    return outcomes


@pytest.mark.parametrize("path", case_files(RULES), ids=lambda p: p.stem)
def test_cases__cover_pass_fail_not_applicable_veto_and_deductions(rules, path: Path) -> None:
    """Should prove each checklist with a pass and a fail, and, where the checklist has them,
    items not applicable by their condition, a veto failure and a deduction per occurrence
    (docs/rules.md, 测试用例): nothing is demanded of a checklist that it cannot show."""
    results = [r for r in _outcomes(rules, path) if r is not None]
    checklist = rules.checklists[path.stem]
    items = {item.id: item for item in checklist.items}
    failing = [(r, i) for r in results for i in r.items if i.status == "fail"]
    assert any(r.verdict == "compliant" for r in results)
    assert any(r.verdict == "non_compliant" for r in results)
    if any(item.when is not None for item in checklist.items):
        assert any(i.status == "not_applicable" for r in results for i in r.items)
    if any(item.severity == "veto" for item in checklist.items):
        assert any(r.veto_failed for r in results)
    if any(item.deduction for item in checklist.items):
        assert any(items[i.item_id].deduction and i.lost for _, i in failing)


def test_every_item__has_a_legal_basis_that_resolves(rules) -> None:
    for checklist in rules.checklists.values():
        for item in checklist.items:
            assert item.basis, f"{checklist.id}.{item.id} has no legal basis"
            assert all(key in rules.legal.refs for key in item.basis)
