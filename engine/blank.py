"""A blank answers file for a checklist, ready for an inspector to fill in."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2

from .labels import KIND_LABELS, SEVERITY_LABELS
from .model import Checklist, Field, Item, chinese_number


def templates_dir() -> Path:
    bundled = Path(str(resources.files("engine"))) / "templates"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parent.parent / "templates"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _one_line(text: str) -> str:
    # Rule text inside a YAML comment must not start a new line of YAML.
    return " ".join(str(text).split())


def describe(field: Field) -> str:
    text = KIND_LABELS[field.kind]
    if field.unit and field.kind in ("number", "count"):
        text += f"，单位：{field.unit}"
    if field.options:
        text += "，可选：" + "、".join(f"{o.code}（{o.label}）" for o in field.options)
    if field.minimum is not None or field.maximum is not None:
        low = "" if field.minimum is None else f"{field.minimum:g}"
        high = "" if field.maximum is None else f"{field.maximum:g}"
        text += f"，范围 {low}–{high}"
    return _one_line(text)


def facts_line(item: Item) -> str:
    parts = [describe(item.field)]
    if not item.required:
        parts.append("可不填")
    if item.criterion is not None:
        parts.append(SEVERITY_LABELS[item.severity])
        if item.points:
            points = f"{item.points:g} 分"
            if item.deduction:
                points += f"，每处扣 {item.deduction:g} 分（填 count）"
            parts.append(points)
    return _one_line(" · ".join(parts))


def blank_answers(checklist: Checklist) -> str:
    """The text of a blank answers file listing every item in order, with comments."""
    environment = _environment()
    environment.filters["oneline"] = _one_line
    template = environment.get_template("answers.yaml.j2")
    return template.render(
        checklist=checklist,
        site_types="、".join(f"{o.code}（{o.label}）" for o in checklist.site_types),
        describe=describe,
        facts_line=facts_line,
        chinese_number=chinese_number,
    )
