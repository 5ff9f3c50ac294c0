"""The JSON Schemas shipped with the engine, and their errors as Problems with positions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from .errors import ErrorCode, Problem, listing, suggestion
from .source import SourceDocument

SCHEMAS = ("checklist", "legal", "answers", "cases", "settings")

_TYPE_NAMES = {
    "string": "文字",
    "number": "数字",
    "integer": "整数",
    "boolean": "true 或 false",
    "object": "键值（映射）",
    "array": "列表",
    "null": "空",
}


def schema_path(name: str) -> Any:
    return resources.files("engine") / "schemas" / f"{name}.schema.json"


@cache
def load_schema(name: str) -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())


def _describe(value: Any) -> str:
    if value is None:
        return "空"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return _TYPE_NAMES["object" if isinstance(value, dict) else "array"]
    text = str(value)
    return f"“{text[:40]}”" + ("…" if len(text) > 40 else "")


def _field_name(path: tuple) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "（根）"


@cache
def _examples_by_field(name: str) -> dict[str, Any]:
    """The first example of each property anywhere in a schema, for hints where the
    failing subschema (an if/then) does not carry the property's own definition."""
    found: dict[str, Any] = {}
    stack: list[Any] = [load_schema(name)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("examples") and key not in found:
                    found[key] = sub["examples"][0]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _example(schema: dict, field: str, schema_name: str = "") -> str:
    examples = schema.get("properties", {}).get(field, {}).get("examples")
    if not examples and schema_name and field in _examples_by_field(schema_name):
        examples = [_examples_by_field(schema_name)[field]]
    if examples:
        value = examples[0]
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        return f"{field}: {shown}"
    return f"{field}: …"


def _item_for(doc: SourceDocument, path: tuple) -> str | None:
    """The id of the nearest enclosing section, item or answer, for the message."""
    data = doc.data
    found = None
    trail: list = []
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            break
        trail.append(part)
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            found = data["id"]
        elif len(trail) >= 2 and trail[-2] in ("answers", "refs", "laws", "params") and isinstance(part, str):
            found = part
    return found


def _problems_for(error: ValidationError, doc: SourceDocument, schema_name: str) -> Iterator[Problem]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        yield from _problems_for(best_match(error.context), doc, schema_name)
        return
    path = tuple(error.absolute_path)
    item = _item_for(doc, path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required":
        field = error.message.split("'")[1] if "'" in error.message else "?"
        parent_schema = error.schema if isinstance(error.schema, dict) else {}
        yield Problem(ErrorCode.SCHEMA_001, doc.location(path, key=True, item=item), {"field": field, "example": _example(parent_schema, field, schema_name)})
        return
    if keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        for field in instance:
            if field in allowed:
                continue
            hint = suggestion(str(field), allowed)
            yield Problem(
                ErrorCode.SCHEMA_002,
                doc.location(path + (field,), key=True, item=item),
                {"field": field, "suggestion": hint, "allowed": listing(allowed, 20)},
            )
        return
    field = _field_name(path)
    if keyword == "type":
        expected = schema.get("type")
        names = [expected] if isinstance(expected, str) else list(expected or [])
        wanted = "或".join(_TYPE_NAMES.get(n, n) for n in names if n != "null") or "空"
        examples = schema.get("examples")
        hint = f"例如 {field}: {json.dumps(examples[0], ensure_ascii=False)}" if examples else ""
        yield Problem(ErrorCode.SCHEMA_003, doc.location(path, item=item), {"field": field, "expected": wanted, "actual": _describe(error.instance), "hint": hint})
        return
    if keyword in ("enum", "const"):
        allowed_values = schema.get("enum") or [schema.get("const")]
        shown = [str(v) for v in allowed_values]
        close = suggestion(str(error.instance), shown)
        yield Problem(
            ErrorCode.SCHEMA_004,
            doc.location(path, item=item),
            {"field": field, "actual": _describe(error.instance), "reason": "不是可选值", "hint": close + "可选：" + "、".join(shown)},
        )
        return
    if keyword == "propertyNames":
        bad = error.instance
        yield Problem(
            ErrorCode.SCHEMA_004,
            doc.location(path + (bad,), key=True, item=item),
            {"field": str(bad), "actual": _describe(bad), "reason": "不是有效的编号", "hint": "只能用字母、数字和下划线，且不以数字开头"},
        )
        return
    reasons = {
        "pattern": "格式不对",
        "format": "格式不对",
        "minLength": "不能为空",
        "maxLength": "太长",
        "minimum": f"不能小于 {schema.get('minimum')}",
        "maximum": f"不能大于 {schema.get('maximum')}",
        "exclusiveMinimum": f"必须大于 {schema.get('exclusiveMinimum')}",
        "minItems": "不能为空" if schema.get("minItems") == 1 else f"至少要有 {schema.get('minItems')} 项",
        "minProperties": "不能为空",
    }
    description = schema.get("description", "")
    examples = schema.get("examples")
    hint = description
    if examples:
        hint += ("，" if hint else "") + "例如 " + (examples[0] if isinstance(examples[0], str) else json.dumps(examples[0], ensure_ascii=False))
    yield Problem(
        ErrorCode.SCHEMA_004,
        doc.location(path, item=item),
        {"field": field, "actual": _describe(error.instance), "reason": reasons.get(keyword, keyword), "hint": hint},
    )


def validate(doc: SourceDocument, name: str) -> list[Problem]:
    """Every schema problem of the document, with its position; an empty list when valid."""
    problems: list[Problem] = []
    seen: set = set()
    for error in validator(name).iter_errors(doc.data):
        for problem in _problems_for(error, doc, name):
            key = (problem.code, problem.location.line, problem.location.column, problem.message)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems
