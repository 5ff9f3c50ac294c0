"""Rule-editor test cases: YAML files that prove a checklist does what its editor means.

``rules/cases/<checklist>.yaml`` holds a ``base`` answers file (usually a site that passes
everything) and ``cases`` that each change a few answers and say what must come out: the
verdict, the failing items, and optionally the score, the items that do not apply or are
unanswered, or the error codes the answers must be refused with. No Python is needed.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answers import answers_from_document
from .errors import ErrorCode, InputError, Location, Problem, format_problem_line, listing, suggestion
from .labels import VERDICT_LABELS
from .model import RuleSet
from .schema import validate
from .scoring import score
from .source import SourceDocument, load_source

CASES_FOLDER = "cases"


@dataclass(frozen=True)
class CaseResult:
    file: str
    checklist: str
    name: str
    location: Location  #: where the case starts in its file
    differences: tuple[str, ...]  #: what came out otherwise than expected, in the editor's words
    #: what is wrong in the case as written (an unknown item in ``expect``): it was not run
    problems: tuple[Problem, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.differences and not self.problems


def case_files(rules_dir: Path) -> list[Path]:
    folder = rules_dir / CASES_FOLDER
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []


def _case_document(doc: SourceDocument, index: int, data: dict[str, Any]) -> SourceDocument:
    """The answers one case stands for, keeping the positions of the lines they came from."""
    merged: dict[str, Any] = copy.deepcopy({"checklist": data["checklist"], **data["base"]})
    case = data["cases"][index]
    for part in ("site", "inspection", "answers"):
        if isinstance(case.get(part), dict):
            if not isinstance(merged.get(part), dict):
                merged[part] = {}
            merged[part].update(copy.deepcopy(case[part]))
    for item_id in case.get("remove") or ():
        if isinstance(merged.get("answers"), dict):
            merged["answers"].pop(item_id, None)
    answers_doc = SourceDocument(name=doc.name, text=doc.text, data=merged, sha256=doc.sha256)
    for source, target in ((doc.positions, answers_doc.positions), (doc.key_positions, answers_doc.key_positions)):
        target[("checklist",)] = source.get(("checklist",), (1, 1))
        for path, position in source.items():
            if path[:1] == ("base",) and len(path) > 1:
                target[path[1:]] = position
        for path, position in source.items():
            if path[:2] == ("cases", index) and len(path) > 2 and path[2] in ("site", "inspection", "answers"):
                target[path[2:]] = position
        # Parts the case does not change point at the case itself, not at base.
        target[()] = source.get(("cases", index), (1, 1))
    return answers_doc


def _compare_ids(label: str, expected: list[str] | None, actual: list[str]) -> list[str]:
    if expected is None or set(expected) == set(actual):
        return []
    extra = sorted(set(actual) - set(expected))
    missing = sorted(set(expected) - set(actual))
    detail = "；".join(part for part in (f"多出 {listing(extra)}" if extra else "", f"缺少 {listing(missing)}" if missing else "") if part)
    return [f"{label}：应为 {listing(sorted(expected)) if expected else '（无）'}，实际为 {listing(actual) if actual else '（无）'}（{detail}）"]


def _run_case(doc: SourceDocument, index: int, data: dict[str, Any], rules: RuleSet) -> CaseResult:
    case = data["cases"][index]
    expect = case["expect"]
    location = doc.location(("cases", index))
    differences: list[str] = []
    try:
        answers, checklist = answers_from_document(_case_document(doc, index, data), rules)
        issued = dt.date.fromisoformat(case["issued"]) if case.get("issued") else None
        result = score(checklist, answers, issued=issued)
    except InputError as exc:
        codes = sorted({p.code.name for p in exc.problems if p.severity == "error"})
        if "errors" in expect:
            if set(codes) != set(expect["errors"]):
                differences.append(f"报错：应为 {listing(sorted(expect['errors']))}，实际为 {listing(codes)}")
        else:
            differences.append("答卷被拒绝，没有得出结论：")
            differences.extend("  " + format_problem_line(p) for p in exc.problems if p.severity == "error")
        return CaseResult(doc.name, data["checklist"], case["name"], location, tuple(differences))
    if "errors" in expect:
        differences.append(f"报错：应为 {listing(sorted(expect['errors']))}，实际没有报错，结论为 {VERDICT_LABELS[result.verdict]}")
    if "verdict" in expect and expect["verdict"] != result.verdict:
        differences.append(
            f"结论：应为 {VERDICT_LABELS[expect['verdict']]}（{expect['verdict']}），实际为 {VERDICT_LABELS[result.verdict]}（{result.verdict}）"
        )
    for key, label in (("score", "得分"), ("max_score", "满分")):
        if key in expect and float(expect[key]) != float(getattr(result, key)):
            differences.append(f"{label}：应为 {expect[key]:g}，实际为 {getattr(result, key):g}")
    by_status: dict[str, list[str]] = {}
    for item in result.items:
        # Optional items left open are not the editor's concern here; required ones are.
        if item.status != "unanswered" or item.required:
            by_status.setdefault(item.status, []).append(item.item_id)
    differences += _compare_ids("不合格项", expect.get("failing"), by_status.get("fail", []))
    differences += _compare_ids("不适用项", expect.get("not_applicable"), by_status.get("not_applicable", []))
    differences += _compare_ids("未填写的必答项", expect.get("unanswered"), by_status.get("unanswered", []))
    differences += _compare_ids("依照从旧兼从轻不列入文书的问题", expect.get("excused"), [f.item_id for f in result.findings if f.excused])
    differences += _compare_citations(result, expect)
    return CaseResult(doc.name, data["checklist"], case["name"], location, tuple(differences))


def _compare_citations(result: Any, expect: dict[str, Any]) -> list[str]:
    """The provisions and penalty articles each finding cites, against the case's expectations."""
    differences = []
    cited = {f.item_id: [c.text for c in f.citations] for f in result.findings}
    # A penalty is "《…》第X条：text"; the case names the article, the part before the colon.
    punished = {f.item_id: [c.penalty.split("：", 1)[0] for c in f.citations if c.penalty] for f in result.findings}
    for key, label, actual in (("citations", "引用", cited), ("penalties", "罚则", punished)):
        for item_id, texts in (expect.get(key) or {}).items():
            if item_id not in actual:
                differences.append(f"{label}（{item_id}）：应为 {listing(texts)}，实际该项不是问题")
            elif actual[item_id] != texts:
                differences.append(f"{label}（{item_id}）：应为 {listing(texts)}，实际为 {listing(actual[item_id]) if actual[item_id] else '（无）'}")
    return differences


def _unknown_items(doc: SourceDocument, data: dict[str, Any], rules: RuleSet, index: int) -> list[Problem]:
    """Item ids in the case's `expect` and `remove` that the checklist does not have: a typo
    there would make the case pass for the wrong reason."""
    checklist = rules.checklists[data["checklist"]]
    known = [item.id for item in checklist.items]
    problems = []
    case = data["cases"][index]
    lists = [("remove", case.get("remove"))] + [(key, case["expect"].get(key)) for key in ("failing", "not_applicable", "unanswered", "excused")]
    lists.append(("citations", list(case["expect"].get("citations") or {})))
    lists.append(("penalties", list(case["expect"].get("penalties") or {})))
    for key, ids in lists:
        for position, item_id in enumerate(ids or ()):
            if item_id not in known:
                if key == "remove":
                    path: tuple = ("cases", index, key, position)
                elif key in ("citations", "penalties"):
                    path = ("cases", index, "expect", key, item_id)
                else:
                    path = ("cases", index, "expect", key, position)
                problems.append(
                    Problem(
                        ErrorCode.ANSWER_001,
                        doc.location(path, item=item_id),
                        {"checklist": checklist.id, "item": item_id, "suggestion": suggestion(item_id, known)},
                    )
                )
    for position, code in enumerate(case["expect"].get("errors") or ()):
        if code not in ErrorCode.__members__:
            problems.append(
                Problem(
                    ErrorCode.SCHEMA_004,
                    doc.location(("cases", index, "expect", "errors", position)),
                    {"field": "errors", "actual": f"“{code}”", "reason": "没有这个错误代码", "hint": suggestion(code, list(ErrorCode.__members__)) + "错误代码见 docs/errors.md"},
                )
            )
    return problems


def _case_index(problem: Problem) -> int | None:
    """The case a problem lies inside, or None when it is in the file's shared parts."""
    path = problem.location.path
    return path[1] if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int) else None


def _not_run(doc: SourceDocument, index: int, data: dict[str, Any], problems: list[Problem]) -> CaseResult:
    """A case written wrongly: reported with its problems, counted as not passed."""
    case = data["cases"][index]
    written = case.get("name") if isinstance(case, dict) else None
    name = written if isinstance(written, str) else f"第 {index + 1} 个用例"
    checklist = str(data.get("checklist", ""))
    where = "；".join(f"第 {p.location.line} 行 {p.code.name}" for p in problems)
    return CaseResult(doc.name, checklist, name, doc.location(("cases", index)), (f"用例写错了，没有运行（{where}）",), tuple(problems))


def run_case_file(path: str | Path, rules: RuleSet, *, name: str | None = None) -> list[CaseResult]:
    """Run every case of one file; raise InputError when the file itself is wrong (its YAML,
    its checklist, its base). A case written wrongly is not run: its result carries its
    problems, and the other cases run."""
    doc = load_source(path, name, strict=False)
    problems = list(doc.problems) + validate(doc, "cases")
    if any(_case_index(p) is None for p in problems):
        raise InputError(problems)
    data = doc.data
    rules.checklist(str(data["checklist"]), doc.location(("checklist",)))
    results = []
    for index in range(len(data["cases"])):
        own = [p for p in problems if _case_index(p) == index]
        own += [] if own else _unknown_items(doc, data, rules, index)
        results.append(_not_run(doc, index, data, own) if own else _run_case(doc, index, data, rules))
    return results


def run_cases(rules_dir: str | Path, rules: RuleSet, *, shown: str | None = None) -> tuple[list[CaseResult], list[Problem]]:
    """Run the cases of every checklist in a rules folder.

    Returns the results and the problems: files that could not be run, and a warning for
    each checklist without cases.
    """
    folder = Path(rules_dir)
    display = Path(shown) if shown else folder
    results: list[CaseResult] = []
    problems: list[Problem] = []
    covered: set[str] = set()
    for path in case_files(folder):
        # A file named after a checklist holds its cases even when it cannot be run.
        covered.add(path.stem)
        try:
            file_results = run_case_file(path, rules, name=str(display / CASES_FOLDER / path.name))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        results.extend(file_results)
        problems.extend(p for r in file_results for p in r.problems)
        covered.update(r.checklist for r in file_results)
    for checklist in rules.checklists.values():
        if checklist.id not in covered:
            problems.append(
                Problem(
                    ErrorCode.CASE_001,
                    Location(checklist.path, 1, 1),
                    {"id": checklist.id, "file": str(display / CASES_FOLDER / f"{checklist.id}.yaml")},
                    severity="warning",
                )
            )
    return results, problems
