"""The JSON Schemas shipped with the engine, and their errors as Problems with positions."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ErrorCode, Problem, listing, suggestion
from .source import SourceDocument

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# jsonschema is imported where a document is invalid and its problems are worded: importing
# it (and the metaschemas it loads) is a good part of the time every command takes to start.

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
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())


#: A compiled subschema: whether a value satisfies it, and nothing about why.
_Check = Callable[[Any], bool]

#: Keywords that only annotate (or, for $defs, are reached through $ref) and never fail.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default", "then", "else"})


def _never(_value: Any) -> bool:
    return False


def _always(_value: Any) -> bool:
    return True


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value: Any) -> bool:
    """The "date" format as jsonschema's FormatChecker checks it (a value that is not text
    is not its business)."""
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


#: The formats the closures check; any other makes the subschema fail (jsonschema decides).
_FORMATS: dict[str, _Check] = {"date": _is_date}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: Draft 2020-12's types as jsonschema checks them; a number type other than int and float
#: (Decimal, Fraction) is not accepted here, which only sends that value to jsonschema.
_TYPE_CHECKS: dict[str, _Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer())),
}


def _every(checks: list[_Check]) -> _Check:
    """Valid when every one of ``checks`` says so."""
    return _combined(checks, every=True)


def _some(checks: list[_Check]) -> _Check:
    """Valid when one of ``checks`` says so."""
    return _combined(checks, every=False)


def _combined(checks: list[_Check], *, every: bool) -> _Check:
    """``checks`` as one: one or two checks without a generator (the most a schema node has,
    called for every value of every answers file)."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return (lambda value: first(value) and second(value)) if every else (lambda value: first(value) or second(value))
    return (lambda value: all(check(value) for check in checks)) if every else (lambda value: any(check(value) for check in checks))


class _Compiler:
    """Turns a schema into nested closures that say only whether a value is valid.

    jsonschema builds a validator object, resolves each $ref through its registry and
    creates an error at every step; for the usual valid file that is most of the time spent
    reading it. A closure per keyword does the same tests once compiled. It must never call
    valid what jsonschema rejects: a keyword it does not know makes the subschema fail, and
    a failing document is always looked at again by jsonschema, which words the problems.
    """

    def __init__(self, root: dict) -> None:
        self.root = root
        self.refs: dict[str, _Check] = {}

    def compile(self, schema: Any) -> _Check:
        if schema is True:
            return _always
        if not isinstance(schema, dict) or any(not isinstance(key, str) for key in schema):
            return _never
        checks: list[_Check] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            make = self._KEYWORDS.get(keyword)
            if make is None:
                return _never
            checks.append(make(self, value, schema))
        if not checks:
            return _always
        return _every(checks)

    def _ref(self, ref: Any, schema: dict) -> _Check:
        # Compiled on first use, so that a definition may refer to itself.
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return _never
        if ref not in self.refs:
            target: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return _never
                target = target[part]
            compiled: list[_Check] = []
            self.refs[ref] = lambda value: compiled[0](value)
            compiled.append(self.compile(target))
        return self.refs[ref]

    def _type(self, types: Any, schema: dict) -> _Check:
        names = [types] if isinstance(types, str) else types
        if not isinstance(names, list) or any(name not in _TYPE_CHECKS for name in names):
            return _never
        return _some([_TYPE_CHECKS[name] for name in names]) if names else _never

    def _enum(self, options: Any, schema: dict) -> _Check:
        if not isinstance(options, list) or not all(isinstance(option, str) for option in options):
            return _never
        allowed = frozenset(options)
        return lambda value: isinstance(value, str) and value in allowed

    def _const(self, constant: Any, schema: dict) -> _Check:
        return self._enum([constant], schema)

    def _minLength(self, limit: int, schema: dict) -> _Check:
        return lambda value: not isinstance(value, str) or len(value) >= limit

    def _maxLength(self, limit: int, schema: dict) -> _Check:
        return lambda value: not isinstance(value, str) or len(value) <= limit

    def _pattern(self, pattern: str, schema: dict) -> _Check:
        search = re.compile(pattern).search
        return lambda value: not isinstance(value, str) or search(value) is not None

    def _format(self, name: str, schema: dict) -> _Check:
        return _FORMATS.get(name, _never)

    def _minimum(self, bound: Any, schema: dict) -> _Check:
        return lambda value: not _is_number(value) or not value < bound

    def _maximum(self, bound: Any, schema: dict) -> _Check:
        return lambda value: not _is_number(value) or not value > bound

    def _exclusiveMinimum(self, bound: Any, schema: dict) -> _Check:
        return lambda value: not _is_number(value) or not value <= bound

    def _minItems(self, limit: int, schema: dict) -> _Check:
        return lambda value: not isinstance(value, list) or len(value) >= limit

    def _minProperties(self, limit: int, schema: dict) -> _Check:
        return lambda value: not isinstance(value, dict) or len(value) >= limit

    def _required(self, fields: list, schema: dict) -> _Check:
        return lambda value: not isinstance(value, dict) or all(field in value for field in fields)

    def _items(self, items: Any, schema: dict) -> _Check:
        if "prefixItems" in schema:
            return _never
        check = self.compile(items)
        return lambda value: not isinstance(value, list) or all(check(each) for each in value)

    def _properties(self, properties: Any, schema: dict) -> _Check:
        if not isinstance(properties, dict):
            return _never
        checks = [(name, self.compile(sub)) for name, sub in properties.items()]
        return lambda value: not isinstance(value, dict) or all(check(value[name]) for name, check in checks if name in value)

    def _additionalProperties(self, additional: Any, schema: dict) -> _Check:
        if "patternProperties" in schema:
            return _never
        known = schema.get("properties", {})
        if additional is True:
            return _always
        if additional is False:
            return lambda value: not isinstance(value, dict) or all(key in known for key in value)
        check = self.compile(additional)
        return lambda value: not isinstance(value, dict) or all(check(each) for key, each in value.items() if key not in known)

    def _propertyNames(self, names: Any, schema: dict) -> _Check:
        check = self.compile(names)
        return lambda value: not isinstance(value, dict) or all(check(key) for key in value)

    def _anyOf(self, alternatives: Any, schema: dict) -> _Check:
        return _some([self.compile(sub) for sub in alternatives]) if alternatives else _never

    def _allOf(self, parts: Any, schema: dict) -> _Check:
        return _every([self.compile(sub) for sub in parts]) if parts else _always

    def _if(self, condition: Any, schema: dict) -> _Check:
        test = self.compile(condition)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda value: then(value) if test(value) else otherwise(value)

    _KEYWORDS: dict[str, Callable[[_Compiler, Any, dict], _Check]] = {
        "$ref": _ref,
        "type": _type,
        "enum": _enum,
        "const": _const,
        "minLength": _minLength,
        "maxLength": _maxLength,
        "pattern": _pattern,
        "format": _format,
        "minimum": _minimum,
        "maximum": _maximum,
        "exclusiveMinimum": _exclusiveMinimum,
        "minItems": _minItems,
        "minProperties": _minProperties,
        "required": _required,
        "items": _items,
        "properties": _properties,
        "additionalProperties": _additionalProperties,
        "propertyNames": _propertyNames,
        "anyOf": _anyOf,
        "allOf": _allOf,
        "if": _if,
    }


@cache
def _valid(name: str) -> _Check:
    """Whether a document is valid against the schema ``name``, quickly (see _Compiler)."""
    return _Compiler(load_schema(name)).compile(load_schema(name))


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
    from jsonschema.exceptions import best_match

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
    number = error.instance
    if "string" in names and isinstance(number, (int, float)) and not isinstance(number, bool) and field == "limit":
        # A standard value is naturally typed as a number; the fix is quotes, not
        # the comparison the generic expression example would suggest.
        hint = f"加上引号，写成文字：{field}: \"{number:g}\""
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
    try:
        if _valid(name)(doc.data):
            return problems
    except RecursionError:
        pass  # nested deeper than the closures go: jsonschema decides
    seen: set = set()
    for error in validator(name).iter_errors(doc.data):
        for problem in _problems_for(error, doc, name):
            key = (problem.code, problem.location.line, problem.location.column, problem.message)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems
