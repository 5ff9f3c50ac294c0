"""Score answers against a checklist: which items apply, which pass, the verdict, the findings.

Pure: no I/O. The one way it fails is a finding whose legal basis has no provision in force
on the inspection date; that is an InputError, because a notice must never cite a guess.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import ErrorCode, InputError, Location, Problem
from .expressions import UNKNOWN, Expression
from .model import (
    Answers,
    Checklist,
    Citation,
    Finding,
    InspectionResult,
    Item,
    ItemResult,
    TextTemplate,
)
from .values import display, display_with_unit


def build_env(checklist: Checklist, answers: Answers) -> dict[str, Any]:
    """The names expressions read: every answered item's value, site, inspection, params."""
    env: dict[str, Any] = {}
    for item_id, answer in answers.answers.items():
        if answer.state == "answered":
            env[item_id] = answer.value
    site = answers.site
    env["site"] = {
        "name": site.name,
        "type": site.type,
        "address": site.address,
        "village": site.village,
        "operator": site.operator,
        "contact": site.contact,
        "phone": site.phone,
        **site.facts,
    }
    env["site"] = {key: (UNKNOWN if value is None else value) for key, value in env["site"].items()}
    env["inspection"] = {"date": answers.inspection.date}
    env["params"] = {name: param.value for name, param in checklist.params.items()}
    return env


def applies(item: Item, env: dict[str, Any]) -> Any:
    """True, False, or UNKNOWN when `when:` reads an answer that is missing."""
    if item.when is None:
        return True
    return item.when.evaluate(env)


def _unanswered_dependencies(expression: Expression | None, answers: Answers) -> list[str]:
    if expression is None:
        return []
    missing = []
    for name in sorted(expression.references):
        if "." in name or name in ("value", "count", "limit"):
            continue
        answer = answers.answers.get(name)
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


def citations_for(item: Item, checklist: Checklist, day: dt.date, where: Location) -> tuple[tuple[Citation, ...], list[Problem]]:
    citations = []
    problems = []
    for key in item.basis:
        ref = checklist.legal.refs[key]
        provision = ref.provision_on(day)
        if provision is None:
            problems.append(
                Problem(
                    ErrorCode.LEGAL_002,
                    where.with_item(item.id),
                    {"key": key, "date": day.isoformat(), "legal_file": checklist.legal.path},
                )
            )
            continue
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
            )
        )
    return tuple(citations), problems


def score(checklist: Checklist, answers: Answers) -> InspectionResult:
    """Decide every item, the score and the verdict, and write the findings."""
    env = build_env(checklist, answers)
    day = answers.inspection.date
    date_location = answers.locations.get("inspection.date") or Location(answers.name)
    results: list[ItemResult] = []
    findings: list[Finding] = []
    problems: list[Problem] = []
    veto_failed: list[str] = []
    max_score = earned = 0.0
    incomplete = False

    for item in checklist.items:
        answer = answers.answers.get(item.id)
        status: str
        reason = None
        lost = 0.0
        counted = 0.0
        applicable = applies(item, env)
        if applicable is False:
            status, reason = "not_applicable", "不符合适用条件"
        elif applicable is UNKNOWN:
            waiting = _unanswered_dependencies(item.when, answers)
            if waiting:
                status, reason = "unanswered", "适用与否取决于未填写的 " + "、".join(waiting)
            else:
                status, reason = "not_applicable", "所依据的答案为不适用"
        elif answer is None or answer.state == "blank":
            status = "unanswered"
        elif answer.state == "not_applicable":
            status, reason = "not_applicable", "检查人员填写为不适用"
        elif item.criterion is None:
            status = "pass"
        else:
            item_env = dict(env)
            item_env["value"] = answer.value
            item_env["count"] = answer.count if answer.count is not None else UNKNOWN
            if item.limit is not None:
                item_env["limit"] = item.limit.evaluate(item_env)
            outcome = item.criterion.evaluate(item_env)
            if outcome is UNKNOWN:
                waiting = _unanswered_dependencies(item.criterion, answers)
                status = "unanswered"
                reason = "判定取决于未填写的 " + "、".join(waiting) if waiting else "判定所需的答案为不适用"
            else:
                status = "pass" if outcome else "fail"
            if status == "fail":
                occurrences = answer.count if answer.count else 1
                lost = float(min(item.points, item.deduction * occurrences)) if item.deduction else item.points
                if item.severity == "veto":
                    veto_failed.append(item.id)
                text_env = dict(item_env)
                text_env["count"] = occurrences
                text_env["note"] = answer.note if answer.note else UNKNOWN
                text = render_text(item.finding, text_env, item)
                citations, missing = citations_for(item, checklist, day, date_location)
                problems.extend(missing)
                cited = "；".join(c.text for c in citations)
                findings.append(
                    Finding(
                        item_id=item.id,
                        section_id=item.section_id,
                        question=item.question,
                        severity=item.severity,
                        text=text,
                        reason=f"{text}（{cited}）" if cited else text,
                        rectification=render_text(item.rectification, text_env, item),
                        deadline_days=item.deadline_days,
                        deadline=day + dt.timedelta(days=item.deadline_days),
                        citations=citations,
                        count=answer.count,
                        note=answer.note,
                        photos=answer.photos,
                    )
                )
        if status in ("pass", "fail"):
            counted = item.points
        elif status == "unanswered" and item.required:
            # Scored on what was answered; the verdict says the rest is missing.
            incomplete = True
        max_score += counted
        earned += counted - lost
        results.append(
            ItemResult(
                item_id=item.id,
                section_id=item.section_id,
                question=item.question,
                kind=item.kind,
                required=item.required,
                status=status,  # type: ignore[arg-type]
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
        )
    if problems:
        raise InputError(problems)

    percent = round(earned / max_score * 100, 1) if max_score else None
    if veto_failed:
        verdict = "non_compliant"
    elif incomplete:
        verdict = "incomplete"
    elif checklist.pass_mark is not None and percent is not None and percent < checklist.pass_mark:
        verdict = "non_compliant"
    else:
        verdict = "compliant"
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
        verdict=verdict,  # type: ignore[arg-type]
        score=round(earned, 2),
        max_score=round(max_score, 2),
        percent=percent,
        pass_mark=checklist.pass_mark,
        veto_failed=tuple(veto_failed),
        items=tuple(results),
        findings=tuple(findings),
        warnings=answers.warnings,
    )


def _answer_text(item: Item, answer: Any) -> str:
    if answer is None or answer.state == "blank":
        return ""
    if answer.state == "not_applicable":
        return "不适用"
    return display_with_unit(answer.value, item.field)
