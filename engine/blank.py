"""A blank answers file for a checklist, ready for an inspector to fill in."""

from __future__ import annotations

from .bundled import environment, one_line
from .check_output import printable
from .conditions import condition_in_words
from .labels import KIND_LABELS, SEVERITY_LABELS
from .model import Checklist, Field, Item, chinese_number


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
    return one_line(text)


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
    return one_line(" · ".join(parts))


def when_line(item: Item, checklist: Checklist) -> str:
    """When the item applies, in words where its condition has them, else as written."""
    assert item.when is not None
    words = condition_in_words(item.when.source, checklist)
    if words is None:
        return one_line(f"{item.when.source}（不适用时可删除本项）")
    return one_line(f"{words}时（否则不适用，可删除本项）")


def blank_answers(checklist: Checklist) -> str:
    """The text of a blank answers file listing every item in order, with comments."""
    template = environment().get_template("answers.yaml.j2")
    text = template.render(
        checklist=checklist,
        site_types=one_line("、".join(f"{o.code}（{o.label}）" for o in checklist.site_types)),
        describe=describe,
        facts_line=facts_line,
        when_line=lambda item: when_line(item, checklist),
        chinese_number=chinese_number,
    )
    # Rule texts are on one line each (one_line); a control or bidi character left in them (a
    # rules folder never checked) is written as its escape, so that the file, and the terminal
    # it is printed to, never carry it raw.
    return "\n".join(printable(line) for line in text.split("\n"))
