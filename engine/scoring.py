"""Score answers against a checklist: which items apply, which pass, the verdict, the findings.

Pure: no I/O. Scoring never depends on citations: a finding whose legal basis has no provision
in force is still found, with a warning, and only the official documents refuse to print it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from .applicability import applicability
from .citations import choose, joined, transitional_citation
from .errors import ErrorCode, InputError, Location, Problem
from .expressions import LAW_DAY, UNKNOWN, Expression
from .model import (
    Answer,
    Answers,
    Applicability,
    Checklist,
    Citation,
    Finding,
    InspectionResult,
    Item,
    ItemResult,
    LegalLibrary,
    Status,
    TextTemplate,
    Verdict,
)
from .values import chinese_date, display, display_with_unit

#: An item's citations, the references with nothing to cite, and those not compared.
_Cited = tuple[tuple[Citation, ...], tuple[str, ...], tuple[tuple[str, str], ...]]

#: The latest decision after an act: the Code's longest time limit for penalties (art. 1054: five years).
MAX_DECISION_DELAY = dt.timedelta(days=5 * 366)

#: The last decision day whose every later date is still on the calendar: a deadline up to
#: 365 days after it (the schemas' deadline_days) and the written report up to 90 days after
#: that (report_days). A later day is a typo (9999 for 2024), refused as ANSWER_020.
LATEST_DECISION_DAY = dt.date.max - dt.timedelta(days=365 + 90)


def _unanswered_dependencies(expression: Expression | None, answers: Answers, judged: Applicability) -> list[str]:
    """The answers and site facts an expression reads that were left blank.

    An answer left out because its own item does not apply is not waited for: the
    template tells inspectors they may delete such lines.
    """
    if expression is None:
        return []
    missing = []
    for name in sorted(expression.references):
        if name.startswith("site."):
            fact = name[len("site.") :]
            if fact in answers.site.facts and answers.site.facts[fact] is None:
                missing.append(name)
            continue
        if "." in name or name in ("value", "count", "limit", LAW_DAY):
            continue
        answer = answers.answers.get(name)
        if answer is None and judged.applies.get(name) is False:
            continue
        if answer is None or answer.state == "blank":
            missing.append(name)
    return missing


def render_text(template: TextTemplate | None, env: dict[str, Any], item: Item) -> str:
    if template is None:
        return ""
    out = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = part.evaluate(env)
        if value is UNKNOWN:
            out.append("（未填）")
        elif part.references == {"value"} and part.source.strip() == "value":
            out.append(display(value, item.field))
        else:
            out.append(display(value))
    return "".join(out)


#: What citations_for worked out, by the legal library (its identity, held alive in the value
#: so that it cannot be reused), the references and the days: a campaign's findings cite the
#: same few references on the same few days, and working one out is a tenth of scoring.
_CITED: dict[tuple[int, tuple[str, ...], dt.date, dt.date, int | None], tuple[LegalLibrary, _Cited]] = {}
_CITED_MOST = 4096


def citations_for(item: Item, checklist: Checklist, act_day: dt.date, decided: dt.date, units: int | None = 1) -> tuple[tuple[Citation, ...], list[str], list[tuple[str, str]]]:
    """The item's citations for a decision on ``decided`` about an act on ``act_day``; the
    references with nothing to cite; and those whose old and new penalties could not be compared."""
    legal = checklist.legal
    key = (id(legal), item.basis, act_day, decided, units)
    known = _CITED.get(key)
    if known is None or known[0] is not legal:
        if len(_CITED) >= _CITED_MOST:
            _CITED.clear()
        known = _CITED[key] = (legal, _citations(item.basis, legal, act_day, decided, units))
    citations, missing, undecided = known[1]
    return citations, list(missing), list(undecided)


def _citations(basis: tuple[str, ...], legal: LegalLibrary, act_day: dt.date, decided: dt.date, units: int | None) -> _Cited:
    citations = []
    missing: list[str] = []
    undecided: list[tuple[str, str]] = []
    for key in basis:
        ref = legal.refs[key]
        choice = choose(ref, act_day, decided, legal, units)
        provision = choice.provision
        if provision is None:
            missing.append(key)
            continue
        if choice.undecided:
            undecided.append((key, choice.undecided))
        penalty = provision.penalty
        citations.append(
            Citation(
                key=key,
                title=ref.title,
                text=provision.citation(),
                law=provision.law.title,
                article=provision.article,
                paragraph=provision.paragraph,
                item=provision.item,
                penalty=f"{penalty.citation(provision.law)}：{penalty.text}" if penalty else None,
                penalty_min_yuan=penalty.min_yuan if penalty else None,
                penalty_max_yuan=penalty.max_yuan if penalty else None,
                status=provision.status,
                penalty_per_unit=penalty.per_unit if penalty else None,
                units=units if penalty and penalty.per_unit and units else None,
                individual_min_yuan=penalty.individual_min_yuan if penalty else None,
                individual_max_yuan=penalty.individual_max_yuan if penalty else None,
                no_penalty=provision.no_penalty,
                effective_from=provision.effective_from,
                transition=choice.transition,
                penalty_article=penalty.citation(provision.law) if penalty else None,
                enforcer=penalty.enforcer if penalty else None,
            )
        )
    return tuple(citations), tuple(missing), tuple(undecided)


def _decide(item: Item, answer: Answer | None, judged: Applicability, answers: Answers) -> tuple[Status, str | None, dict[str, Any]]:
    """The item's status, why the engine decided it (when it did), and the names its texts read."""
    env = judged.names
    applicable = judged.applies[item.id]
    if applicable is False:
        return "not_applicable", "不符合适用条件", env
    if applicable is UNKNOWN:
        waiting = _unanswered_dependencies(item.when, answers, judged)
        if waiting:
            return "unanswered", "适用与否取决于未填写的 " + "、".join(waiting), env
        return "not_applicable", "适用条件所依据的答案为不适用", env
    if answer is None or answer.state == "blank":
        return "unanswered", None, env
    if answer.state == "not_applicable":
        return "not_applicable", "检查人员填写为不适用", env
    if item.criterion is None:
        return "pass", None, env
    item_env = {**env, "value": answer.value, "count": answer.count if answer.count is not None else UNKNOWN}
    if item.limit is not None:
        item_env["limit"] = item.limit.evaluate(item_env)
    outcome = item.criterion.evaluate(item_env)
    if outcome is UNKNOWN:
        waiting = _unanswered_dependencies(item.criterion, answers, judged)
        if waiting:
            return "unanswered", "判定取决于未填写的 " + "、".join(waiting), item_env
        return "unanswered", "无法判定：合格条件所用的答案不适用、未填处数，或计算无结果（如除以零）", item_env
    return ("pass" if outcome else "fail"), None, item_env


def _points_lost(item: Item, answer: Answer) -> float:
    if not item.deduction:
        return item.points
    # 扣分制: a deduction per place found, never more than the item is worth.
    return float(min(item.points, item.deduction * (answer.count or 1)))


def _finding(item: Item, answer: Answer, item_env: dict[str, Any], checklist: Checklist, act_day: dt.date, decided: dt.date) -> tuple[Finding, list[tuple[str, str]]]:
    text_env = {**item_env, "count": answer.count or 1, "note": answer.note if answer.note else UNKNOWN}
    text = render_text(item.finding, text_env, item)
    # A fine per unit (每辆五千元) is counted at the units the item found: the answer of a
    # count item (how many machines), or the places counted; None when the item counted none.
    units = answer.value if item.kind == "count" and isinstance(answer.value, int) and answer.value > 0 else answer.count
    citations, missing, undecided = citations_for(item, checklist, act_day, decided, units)
    cited = joined(citations)
    finding = Finding(
        item_id=item.id,
        section_id=item.section_id,
        question=item.question,
        severity=item.severity,
        text=text,
        reason=f"{text}（{cited}）" if cited else text,
        rectification=render_text(item.rectification, text_env, item),
        deadline_days=item.deadline_days,
        # Counted from the decision: a notice issued days later still gives the whole period.
        deadline=decided + dt.timedelta(days=item.deadline_days),
        citations=citations,
        count=answer.count,
        note=answer.note,
        photos=answer.photos,
        missing_basis=tuple(missing),
    )
    return finding, undecided


def _verdict(checklist: Checklist, veto_failed: list[str], incomplete: bool, assessed: int, earned: float, max_score: float) -> Verdict:
    if veto_failed:
        return "non_compliant"  # 一票否决 decides, whatever else is missing
    if incomplete or not assessed:
        # Nothing judged (everything 不适用) is no evidence of compliance.
        return "incomplete"
    # Compared before rounding: 84.96 % is below a pass mark of 85.
    if checklist.pass_mark is not None and max_score and earned * 100 < checklist.pass_mark * max_score:
        return "non_compliant"
    return "compliant"


def score(checklist: Checklist, answers: Answers, *, issued: dt.date | None = None) -> InspectionResult:
    """Decide every item, the score and the verdict, and write the findings.

    ``issued`` is the day the decision is made (the notice's date; default the inspection
    day): citations follow the transitional rule for it, and deadlines count from it.
    """
    judged = answers.applicability
    day = answers.inspection.date
    decided = issued or day
    date_location = answers.locations.get("inspection.date") or Location(answers.name)
    refused = _decision_day_problem(day, decided, date_location) or _too_late_problem(day, decided, date_location)
    if refused is not None:
        raise InputError([refused])
    undecided: dict[str, tuple[str, str]] = {}  #: reference → (reason, first item)
    # How the law of the decision day judges the answers, when it differs from the act day's.
    later = _statuses(checklist, answers, decided) if decided > day else {}
    results: list[ItemResult] = []
    findings: list[Finding] = []
    problems: list[Problem] = []
    veto_failed: list[str] = []
    max_score = earned = 0.0
    incomplete = False

    assessed = 0
    warnings: list[Problem] = list(answers.warnings)
    for item in checklist.items:
        answer = answers.answers.get(item.id)
        status, reason, item_env = _decide(item, answer, judged, answers)
        lost = 0.0
        if status in ("pass", "fail") and item.criterion is not None:
            assessed += 1
        ignored = _ignored_answer(item, answer, status, reason, later, judged.names, answers)
        if ignored is not None:
            warnings.append(ignored)
        if status == "fail":
            assert answer is not None
            if answer.count == 0:
                # A failure found in no place contradicts itself; a notice must not print one.
                problems.append(
                    Problem(
                        ErrorCode.ANSWER_003,
                        answers.locations.get(f"answers.{item.id}.count") or _answer_location(answers, item.id),
                        {"reason": "答案为不合格，处数却为 0", "hint": "填写发现问题的处数（至少 1），或更正答案"},
                    )
                )
                continue
            lost = _points_lost(item, answer)
            if item.severity == "veto":
                veto_failed.append(item.id)
            finding, not_compared = _finding(item, answer, item_env, checklist, day, decided)
            findings.append(finding)
            for key, why in not_compared:
                undecided.setdefault(key, (why, item.id))
        # Scored on what was answered; a required item left open makes the verdict say so.
        counted = item.points if status in ("pass", "fail") else 0.0
        incomplete = incomplete or (status == "unanswered" and item.required)
        max_score += counted
        earned += counted - lost
        results.append(_item_result(item, answer, status, reason, counted, lost))
    if problems:
        raise InputError(problems)
    if later:
        findings = _excuse(findings, checklist, decided, results, later)
    warnings.extend(_citation_warnings(findings, undecided, checklist, day, decided, date_location))

    percent = round(earned / max_score * 100, 1) if max_score else None
    site_type_label = next((o.label for o in checklist.site_types if o.code == answers.site.type), answers.site.type)
    return InspectionResult(
        checklist_id=checklist.id,
        checklist_title=checklist.title,
        checklist_version=checklist.version,
        rules_sha256=checklist.sha256,
        legal_sha256=checklist.legal.sha256,
        answers_name=answers.name,
        answers_sha256=answers.sha256,
        site=answers.site,
        site_type_label=site_type_label,
        inspection=answers.inspection,
        verdict=_verdict(checklist, veto_failed, incomplete, assessed, earned, max_score),
        score=round(earned, 2),
        max_score=round(max_score, 2),
        percent=percent,
        pass_mark=checklist.pass_mark,
        veto_failed=tuple(veto_failed),
        items=tuple(results),
        findings=tuple(findings),
        warnings=tuple(warnings),
        issued=issued,
    )


def _too_late_problem(day: dt.date, decided: dt.date, where: Location) -> Problem | None:
    """ANSWER_020: a decision so late that its deadlines would fall after 9999-12-31."""
    if decided <= LATEST_DECISION_DAY:
        return None
    what = "检查日期" if decided == day else "出具文书的日期"
    return Problem(ErrorCode.ANSWER_020, where, {"what": what, "date": decided.isoformat()})


def _decision_day_problem(day: dt.date, decided: dt.date, where: Location) -> Problem | None:
    """A decision before the act, or past the Code's longest time limit (art. 1054), is refused."""
    too_late = decided - day > MAX_DECISION_DELAY  # not day + delay, which overflows in year 9999
    if decided >= day and not too_late:
        return None
    return Problem(
        ErrorCode.ANSWER_003,
        where,
        {
            "reason": f"出具文书的日期 {decided.isoformat()} " + ("距检查日期超过五年" if too_late else f"早于检查日期 {day.isoformat()}"),
            "hint": "超过行政处罚的时效（第一千零五十四条：五年、二年）" if too_late else "--issued 应为检查当天或以后；这份答卷请用它自己的出具日期另行运行",
        },
    )


def _ignored_answer(
    item: Item, answer: Answer | None, status: str, reason: str | None, later: dict[str, str], env: dict[str, Any], answers: Answers
) -> Problem | None:
    """ANSWER_011 for an answer that is not counted because its item does not apply — unless
    the inspector said so, the decision day's law reads it, or another law asks it."""
    if status != "not_applicable" or answer is None or answer.state != "answered" or reason == "检查人员填写为不适用":
        return None
    if later.get(item.id, "not_applicable") != "not_applicable" or _asked_under_another_law(item, env):
        return None
    return Problem(ErrorCode.ANSWER_011, _answer_location(answers, item.id), {"item": item.id, "reason": reason}, severity="warning")


def _item_result(item: Item, answer: Answer | None, status: Status, reason: str | None, counted: float, lost: float) -> ItemResult:
    return ItemResult(
        item_id=item.id,
        section_id=item.section_id,
        question=item.question,
        kind=item.kind,
        required=item.required,
        judged=item.criterion is not None,
        status=status,
        answer=_answer_text(item, answer),
        value=answer.value if answer is not None else None,
        severity=item.severity,
        points=counted,
        lost=lost,
        count=answer.count if answer is not None else None,
        note=answer.note if answer is not None else None,
        photos=answer.photos if answer is not None else (),
        reason=reason,
    )


def _asked_under_another_law(item: Item, env: dict[str, Any]) -> bool:
    """Whether the item applies under some other law than the one judging this act: its
    `when:` reads the law in force, and is true on a day long before or long after."""
    if item.when is None or LAW_DAY not in item.when.references:
        return False
    return any(item.when.evaluate({**env, LAW_DAY: day}) is True for day in (dt.date.min, dt.date.max))


def _statuses(checklist: Checklist, answers: Answers, law_day: dt.date) -> dict[str, str]:
    """Each item's status when the answers are judged under the law of ``law_day``."""
    judged = applicability(checklist, answers.site, answers.inspection, answers.answers, law_day)
    return {item.id: _decide(item, answers.answers.get(item.id), judged, answers)[0] for item in checklist.items}


def _excuse(findings: list[Finding], checklist: Checklist, decided: dt.date, results: list[ItemResult], later: dict[str, str]) -> list[Finding]:
    """Findings the law of the decision day no longer makes unlawful (transitional rule).

    The answers are judged again under that day's law. A finding is excused only when its
    item then applies and passes, and every item that only that law asks was answered and
    passes too: a question the inspector could not answer is never read as innocence.
    """
    before = {result.item_id: result.status for result in results}
    newly_asked = [item_id for item_id, status in later.items() if before[item_id] == "not_applicable" and status != "not_applicable"]
    if any(later[item_id] != "pass" for item_id in newly_asked):
        return findings
    rule = transitional_citation(checklist.legal, decided)
    excused = []
    for finding in findings:
        if later[finding.item_id] == "pass":
            why = f"依照{rule}，作出决定之日（{chinese_date(decided)}）的规定不认为这一行为违法，文书中不列入"
            finding = dataclasses.replace(finding, excused=why)
        excused.append(finding)
    return excused


def _citation_warnings(
    findings: list[Finding], undecided: dict[str, tuple[str, str]], checklist: Checklist, act_day: dt.date, decided: dt.date, where: Location
) -> list[Problem]:
    """One warning per reference with nothing to cite, and per comparison that could not be made."""
    warnings: list[Problem] = []
    seen: set[str] = set()
    for finding in findings:
        if finding.excused:
            continue
        for key in finding.missing_basis:
            if key in seen:
                continue
            seen.add(key)
            warnings.append(
                Problem(
                    ErrorCode.LEGAL_002,
                    where.with_item(finding.item_id),
                    {"key": key, "date": act_day.isoformat(), "legal_file": checklist.legal.path, "effect": "：检查结果照常给出，但不能出具文书"},
                    severity="warning",
                )
            )
    excused = {finding.item_id for finding in findings if finding.excused}
    for key, (why, item_id) in undecided.items():
        if item_id in excused:
            continue
        warnings.append(
            Problem(
                ErrorCode.LEGAL_006,
                where.with_item(item_id),
                {"key": key, "reason": why, "act_day": act_day.isoformat(), "legal_file": checklist.legal.path},
                severity="warning",
            )
        )
    return warnings


def _answer_location(answers: Answers, item_id: str) -> Location:
    return (answers.locations.get(f"answers.{item_id}") or Location(answers.name)).with_item(item_id)


def _answer_text(item: Item, answer: Any) -> str:
    if answer is None or answer.state == "blank":
        return ""
    if answer.state == "not_applicable":
        return "不适用"
    return display_with_unit(answer.value, item.field)
