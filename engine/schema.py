"""The JSON Schemas shipped with the engine, and their errors as Problems with positions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

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
    """The problems one jsonschema error stands for: its most relevant part, worded for the
    keyword that failed, placed on the key or value it is about, with the enclosing item."""
    error = _most_relevant(error)
    path = tuple(error.absolute_path)
    item = _item_for(doc, path)
    for wording in _WORDINGS.get(error.validator, _invalid_value)(error, path, schema_name):
        yield Problem(wording.code, doc.location(wording.path, key=wording.at_key, item=item), wording.context)


def _most_relevant(error: ValidationError) -> ValidationError:
    """For an anyOf or oneOf, the alternative that came closest (jsonschema's best_match),
    as deep as they nest: "no alternative matched" tells a person nothing to fix."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        error = best_match(error.context)
    return error


class _Wording(NamedTuple):
    """A problem before it is placed: its code and context, and the path of what it is about."""

    code: ErrorCode
    path: tuple
    context: dict[str, Any]
    at_key: bool = False  #: point at the key (a field missing, unknown or misnamed), not its value


def _schema_of(error: ValidationError) -> dict:
    return error.schema if isinstance(error.schema, dict) else {}


def _missing_field(error: ValidationError, path: tuple, schema_name: str) -> Iterator[_Wording]:
    """SCHEMA_001 on the mapping that lacks the field, with an example of the field."""
    field = error.message.split("'")[1] if "'" in error.message else "?"
    yield _Wording(ErrorCode.SCHEMA_001, path, {"field": field, "example": _example(_schema_of(error), field, schema_name)}, at_key=True)


def _unknown_fields(error: ValidationError, path: tuple, schema_name: str) -> Iterator[_Wording]:
    """SCHEMA_002 on each key the mapping may not have, with the closest allowed one."""
    allowed = list(_schema_of(error).get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    for field in instance:
        if field not in allowed:
            context = {"field": field, "suggestion": suggestion(str(field), allowed), "allowed": listing(allowed, 20)}
            yield _Wording(ErrorCode.SCHEMA_002, path + (field,), context, at_key=True)


def _wrong_type(error: ValidationError, path: tuple, schema_name: str) -> Iterator[_Wording]:
    """SCHEMA_003 on the value, naming in Chinese the types it may have."""
    schema, field = _schema_of(error), _field_name(path)
    expected = schema.get("type")
    names = [expected] if isinstance(expected, str) else list(expected or [])
    wanted = "或".join(_TYPE_NAMES.get(n, n) for n in names if n != "null") or "空"
    examples = schema.get("examples")
    hint = f"例如 {field}: {json.dumps(examples[0], ensure_ascii=False)}" if examples else ""
    yield _Wording(ErrorCode.SCHEMA_003, path, {"field": field, "expected": wanted, "actual": _describe(error.instance), "hint": hint})


def _not_an_option(error: ValidationError, path: tuple, schema_name: str) -> Iterator[_Wording]:
    """SCHEMA_004 on a value outside an enum or const, listing the values allowed."""
    schema = _schema_of(error)
    shown = [str(v) for v in schema.get("enum") or [schema.get("const")]]
    hint = suggestion(str(error.instance), shown) + "可选：" + "、".join(shown)
    yield _Wording(ErrorCode.SCHEMA_004, path, {"field": _field_name(path), "actual": _describe(error.instance), "reason": "不是可选值", "hint": hint})


def _bad_key(error: ValidationError, path: tuple, schema_name: str) -> Iterator[_Wording]:
    """SCHEMA_004 on a key that is not a usable id (propertyNames)."""
    bad = error.instance
    context = {"field": str(bad), "actual": _describe(bad), "reason": "不是有效的编号", "hint": "只能用字母、数字和下划线，且不以数字开头"}
    yield _Wording(ErrorCode.SCHEMA_004, path + (bad,), context, at_key=True)


def _invalid_value(error: ValidationError, path: tuple, schema_name: str) -> Iterator[_Wording]:
    """SCHEMA_004 on a value of the right type that breaks another rule of its schema (a
    pattern, a bound, a length), with the schema's description and example as the hint."""
    schema = _schema_of(error)
    hint = schema.get("description", "")
    examples = schema.get("examples")
    if examples:
        hint += ("，" if hint else "") + "例如 " + (examples[0] if isinstance(examples[0], str) else json.dumps(examples[0], ensure_ascii=False))
    context = {"field": _field_name(path), "actual": _describe(error.instance), "reason": _reason(error.validator, schema), "hint": hint}
    yield _Wording(ErrorCode.SCHEMA_004, path, context)


def _reason(keyword: str, schema: dict) -> str:
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
    return reasons.get(keyword, keyword)


#: How the error of each JSON Schema keyword is worded and placed; any other keyword is an
#: invalid value (_invalid_value).
_WORDINGS: dict[str, Callable[[ValidationError, tuple, str], Iterator[_Wording]]] = {
    "required": _missing_field,
    "additionalProperties": _unknown_fields,
    "type": _wrong_type,
    "enum": _not_an_option,
    "const": _not_an_option,
    "propertyNames": _bad_key,
}


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
