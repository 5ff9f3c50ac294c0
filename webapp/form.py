"""A checklist as a web form, and a form's draft as the answers file the CLI reads.

Nothing here has its own idea of the checklist: the fields come from the checklist's items
and site facts, which items apply comes from the engine's own ``when:`` evaluation
(applicability.py), and a submitted draft is checked by ``engine.check`` on the very YAML
that is written to disk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from engine.applicability import applicability
from engine.errors import Problem
from engine.expressions import UNKNOWN
from engine.labels import KIND_LABELS, SITE_FIELD_LABELS
from engine.model import Answer, Checklist, Field, Inspection, Site
from engine.source import reads_as_text
from engine.values import ValueProblem, parse_value

#: The site's own fields, in the order of the blank answers file, with their labels; the name
#: is the one required.
SITE_FIELDS = tuple((key, SITE_FIELD_LABELS[key], key == "name") for key in ("name", "address", "village", "operator", "credit_code", "representative", "contact", "phone"))
INSPECTION_FIELDS = (
    ("date", "检查日期", True),
    ("inspectors", "检查人员（用顿号或逗号分开，不少于两人）", True),
    ("credentials", "执法证号（与检查人员顺序一致）", False),
    ("recorder", "记录人", False),
    ("start_time", "开始时间", False),
    ("end_time", "结束时间", False),
    ("witness", "见证人", False),
    ("follows", "复查时：被复查检查的文号或编号", False),
)
_NAMES = re.compile(r"[、,，;；\s]+")


@dataclass(frozen=True)
class FormItem:
    id: str
    number: str  #: 1.2: section 1, item 2, as the blank answers file numbers it
    question: str
    guidance: str | None
    kind: str
    kind_label: str
    unit: str | None
    options: tuple[tuple[str, str], ...]
    minimum: float | None
    maximum: float | None
    allow_not_applicable: bool
    conditional: bool  #: has a ``when:``: shown only while it applies


def form_sections(checklist: Checklist) -> list[tuple[str, list[FormItem]]]:
    """The checklist's sections, each with its items as form fields."""
    sections = []
    for s_index, section in enumerate(checklist.sections, 1):
        items = [
            FormItem(
                item.id,
                f"{s_index}.{i_index}",
                item.question,
                item.guidance,
                item.kind,
                KIND_LABELS[item.kind],
                item.field.unit,
                tuple((option.code, option.label) for option in item.field.options),
                item.field.minimum,
                item.field.maximum,
                item.allow_not_applicable,
                item.when is not None,
            )
            for i_index, item in enumerate(section.items, 1)
        ]
        sections.append((section.title, items))
    return sections


def empty_draft(checklist: Checklist, now: dt.datetime) -> dict[str, Any]:
    """A new inspection: today's date and the time it starts, which the record prints."""
    return {"checklist": checklist.id, "site": {}, "inspection": {"date": now.date().isoformat(), "start_time": now.strftime("%H:%M")}, "answers": {}}


def draft_from_form(form: Mapping[str, str], checklist: Checklist, lists: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The draft a posted form holds: only the checklist's own fields are kept, as text."""
    draft: dict[str, Any] = {"checklist": checklist.id, "site": {}, "inspection": {}, "answers": {}}
    site_keys = [key for key, _, _ in SITE_FIELDS] + ["type"] + [fact.id for fact in checklist.site_facts]
    for key in site_keys:
        value = form.get(f"site.{key}", "").strip()
        if value:
            draft["site"][key] = value[:500]
    for key, _, _ in INSPECTION_FIELDS:
        value = form.get(f"inspection.{key}", "").strip()
        if value:
            draft["inspection"][key] = value[:500]
    for item in checklist.items:
        entry: dict[str, str | list[str]] = {}
        if form.get(f"answers.{item.id}.na"):
            entry["value"] = "不适用"
        elif item.kind == "multi_choice":
            chosen = [code for code in (lists or {}).get(f"answers.{item.id}.value", []) if code in {o.code for o in item.field.options}]
            if chosen:
                entry["value"] = chosen
        else:
            value = form.get(f"answers.{item.id}.value", "").strip()
            if value:
                entry["value"] = value[:200]
        for part in ("count", "note"):
            value = form.get(f"answers.{item.id}.{part}", "").strip()
            if value:
                entry[part] = value[:1000]
        if entry:
            draft["answers"][item.id] = entry
    return draft


def _number(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def answers_document(draft: Mapping[str, Any], checklist: Checklist, photos: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The answers file of a draft, as the CLI reads it (docs/answers.md); ``photos`` maps each
    uploaded photo to its path beside the answers file."""
    site = dict(draft.get("site", {}))
    inspection: dict[str, Any] = dict(draft.get("inspection", {}))
    for key in ("inspectors", "credentials"):
        if key in inspection:
            inspection[key] = [name for name in _NAMES.split(inspection[key]) if name]
    answers: dict[str, Any] = {}
    for item in checklist.items:
        entry = draft.get("answers", {}).get(item.id)
        if not entry:
            continue
        value = entry.get("value")
        if isinstance(value, str) and item.kind in ("number", "count", "percentage") and value != "不适用":
            value = _number(value)
        extra = {key: (_number(entry[key]) if key == "count" else entry[key]) for key in ("count", "note") if key in entry}
        if entry.get("photos") and photos is not None:
            extra["photos"] = [photos[name] for name in entry["photos"]]
        answers[item.id] = {"value": value, **extra} if extra else value
    return {"checklist": checklist.id, "site": site, "inspection": inspection, "answers": answers}


class _Dumper(yaml.SafeDumper):
    """Writes text the engine would read as a number, a boolean or null ("1e5", "true") in quotes:
    PyYAML quotes by YAML 1.1's rules, the engine reads by its own (engine/source.py)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if reads_as_text(value) else '"')


_Dumper.add_representer(str, _text)


def answers_yaml(document: Mapping[str, Any], submitted_by: str = "", at: dt.datetime | None = None) -> bytes:
    """The answers file's bytes, headed by a comment saying who submitted it and when."""
    by = f"（{' '.join(part for part in (submitted_by, at.isoformat(timespec='minutes') if at else '') if part)}）" if submitted_by or at else ""
    header = f"# 由 lantian serve 的网页表单提交{by}，可用 lantian check 检查。\n"
    return (header + yaml.dump(dict(document), Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False)).encode("utf-8")


def _typed(raw: Any, field: Field) -> Any:
    try:
        return parse_value(raw, field)
    except ValueProblem:
        return None


def applying(draft: Mapping[str, Any], checklist: Checklist, today: dt.date) -> dict[str, bool | None]:
    """Which items apply to the draft as it stands, by the engine's ``when:``: True, False, or
    None while an answer the condition reads is still missing."""
    raw_site = draft.get("site", {})
    types = {option.code: option.code for option in checklist.site_types} | {option.label: option.code for option in checklist.site_types}
    facts = {}
    for fact in checklist.site_facts:
        if raw_site.get(fact.id):
            value = _typed(raw_site[fact.id], fact.field)
            if value is not None:
                facts[fact.id] = value
    site = Site(
        raw_site.get("name", ""),
        types.get(raw_site.get("type", ""), ""),
        raw_site.get("address"),
        raw_site.get("village"),
        raw_site.get("operator"),
        raw_site.get("contact"),
        raw_site.get("phone"),
        facts,
        raw_site.get("credit_code"),
        raw_site.get("representative"),
    )  # every field the engine's Site has: a when: on any of them reads it here as there
    try:
        day = dt.date.fromisoformat(draft.get("inspection", {}).get("date", ""))
    except ValueError:
        day = today
    answered = {}
    for item in checklist.items:
        entry = draft.get("answers", {}).get(item.id) or {}
        value = _typed(entry.get("value"), item.field) if entry.get("value") not in (None, "", "不适用") else None
        if value is not None:
            answered[item.id] = Answer(item.id, "answered", value, None, None, ())
    decided = applicability(checklist, site, Inspection(day, ()), answered)
    return {item_id: (None if applies is UNKNOWN else bool(applies)) for item_id, applies in decided.applies.items()}


def field_of(problem: Problem) -> str:
    """The form field a problem of the answers file is about (answers.<item>.value, site.<key>,
    inspection.<key>), or "" for the whole form."""
    path = problem.location.path
    if len(path) >= 2 and path[0] == "answers":
        return f"answers.{path[1]}.value"
    if len(path) >= 2 and path[0] in ("site", "inspection"):
        return f"{path[0]}.{path[1]}"
    return ""
