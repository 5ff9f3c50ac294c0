"""The expression language of `when:` and `pass:`: small, typed, and unable to run away.

Python-like syntax is parsed with the standard library's ``ast``; only a whitelist of node
kinds is accepted, every name is checked against the checklist, every operation is typed
when the rules load, and the tree is compiled once into plain closures. Nothing from a file
is ever given to ``eval`` or ``exec``. Work is bounded: the text, the number of nodes and
the nesting depth are capped, and there is no exponent, no repetition of strings or lists,
no loop and no call but the few named functions below.

Answers that are missing or not applicable evaluate to ``UNKNOWN``, and logic is
three-valued (Kleene): ``False and UNKNOWN`` is False, ``True and UNKNOWN`` is UNKNOWN.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

MAX_LENGTH = 500
MAX_NODES = 120
MAX_DEPTH = 24
#: numbers in expressions stay well inside float range, so arithmetic cannot overflow
MAX_NUMBER = 1e15


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value")


UNKNOWN: Any = _Unknown()


class Type(Enum):
    BOOL = "是/否"
    NUMBER = "数值"
    STRING = "文字"
    DATE = "日期"
    LIST = "列表"


@dataclass(frozen=True)
class Scope:
    """What an expression may name, and the type of each."""

    names: Mapping[str, Type]  #: bare names: `value`, `count`, item ids
    attributes: Mapping[str, Mapping[str, Type]] = field(default_factory=dict)  #: `site.type`, `params.x`
    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)  #: allowed strings per name or dotted name
    #: the laws `in_force("key")` may name, with the first and last day each is in force;
    #: None when the legal file could not be read, so that its errors are not repeated here
    laws: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = field(default_factory=dict)


#: Where the environment holds the day whose law judges the act: the inspection day, or the
#: day of the decision when the transitional rule asks how the later law judges it. Not an
#: identifier, so no item id can collide with it.
LAW_DAY = "@law_day"


class ExpressionError(Exception):
    """An expression that cannot be compiled. ``code`` is an ErrorCode name."""

    def __init__(self, code: str, context: dict, offset: int = 0) -> None:
        super().__init__(code, context, offset)
        self.code = code
        self.context = context
        self.offset = offset  #: characters from the start of the expression


Evaluator = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Expression:
    source: str
    evaluate: Evaluator  #: env → value or UNKNOWN
    type: Type
    references: frozenset[str]  #: bare names and dotted names it reads


FUNCTIONS = {
    "days_between": "days_between(a, b)：从日期 a 到日期 b 的天数",
    "date": "date(\"2024-10-21\")：日期常量",
    "in_force": "in_force(\"eco_code\")：判定所依据的法律（_legal.yaml 的 laws 中的键）当天是否有效",
    "len": "len(x)：列表的项数",
    "abs": "abs(x)：绝对值",
    "min": "min(a, b, …)：最小值",
    "max": "max(a, b, …)：最大值",
}

_CONSTANT_NAMES = {"true": True, "True": True, "false": False, "False": False}

_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_ARITH_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ORDERED = {Type.NUMBER, Type.DATE}
_CONSTRUCT_NAMES = {
    "Pow": "乘方 **",
    "FloorDiv": "整除 //",
    "Mod": "取余 %",
    "Call": "函数调用",
    "Subscript": "下标 []",
    "Lambda": "lambda",
    "ListComp": "列表推导",
    "GeneratorExp": "生成器",
    "Dict": "字典",
    "Set": "集合",
    "Is": "is",
    "IsNot": "is not",
    "NamedExpr": ":=",
    "JoinedStr": "f 字符串",
    "Starred": "星号 *",
}


def _contains(a: Any, b: Any) -> bool:
    return a in b


def _not_contains(a: Any, b: Any) -> bool:
    return a not in b


def _as_sets(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A multiple choice is a set: the order the inspector ticked it in does not count."""

    def compare_sets(a: Any, b: Any) -> Any:
        return compare(frozenset(a), frozenset(b))

    return compare_sets


def _yes_no_word_hint(op: ast.cmpop, left: ast.AST, left_kind: Type, right: ast.AST, right_kind: Type) -> str:
    """How to write a yes/no answer compared with the word an inspector types for it
    (``purifier_installed == "是"``): with true or false, or the bare name. Empty otherwise."""
    from .values import NO, YES

    for answer, answer_kind, word in ((left, left_kind, right), (right, right_kind, left)):
        if answer_kind is not Type.BOOL or not isinstance(word, ast.Constant) or not isinstance(word.value, str):
            continue
        said = word.value.strip().lower()
        if said not in YES and said not in NO or not isinstance(op, (ast.Eq, ast.NotEq)):
            continue
        name = ast.unparse(answer)
        yes = (said in YES) == isinstance(op, ast.Eq)
        # Answers are read as true/false whatever the inspector typed: "是" is never the value.
        return f"是/否题的值是 true 或 false，不是文字 “{word.value}”：请写 {name} == {'true' if yes else 'false'}，或直接写 {name if yes else 'not ' + name}"
    return ""


def _char_offset(text: str, node: ast.AST) -> int:
    # ast columns count UTF-8 bytes; a Chinese name before the error would shift the caret.
    col = getattr(node, "col_offset", 0) or 0
    lineno = getattr(node, "lineno", 1) or 1
    lines = text.split("\n")
    before = sum(len(line) + 1 for line in lines[: lineno - 1])
    line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
    return before + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


class _Compiler:
    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.scope = scope
        self.references: set[str] = set()
        self.nodes = 0

    def fail(self, code: str, node: ast.AST | None, **context: Any) -> ExpressionError:
        return ExpressionError(code, context, _char_offset(self.text, node) if node is not None else 0)

    def type_error(self, node: ast.AST, reason: str, hint: str) -> ExpressionError:
        return self.fail("EXPR_004", node, reason=reason, hint=hint)

    def compile(self, node: ast.AST, depth: int = 0) -> tuple[Evaluator, Type]:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise self.fail("EXPR_005", node, reason=f"最多 {MAX_NODES} 个成分、{MAX_DEPTH} 层嵌套")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            name = type(node).__name__
            raise self.fail("EXPR_003", node, construct=_CONSTRUCT_NAMES.get(name, name))
        return method(node, depth + 1)

    def _Expression(self, node: ast.Expression, depth: int) -> tuple[Evaluator, Type]:
        return self.compile(node.body, depth)

    def _Constant(self, node: ast.Constant, depth: int) -> tuple[Evaluator, Type]:
        value = node.value
        if isinstance(value, bool):
            kind = Type.BOOL
        elif isinstance(value, (int, float)):
            if not abs(value) <= MAX_NUMBER:
                raise self.fail("EXPR_005", node, reason=f"数值 {str(value)[:20]}… 过大（上限 {MAX_NUMBER:.0e}）")
            kind = Type.NUMBER
        elif isinstance(value, str):
            kind = Type.STRING
        else:
            raise self.fail("EXPR_003", node, construct=f"常量 {value!r}")
        return (lambda env: value), kind

    def _Name(self, node: ast.Name, depth: int) -> tuple[Evaluator, Type]:
        name = node.id
        if name in _CONSTANT_NAMES:
            constant = _CONSTANT_NAMES[name]
            return (lambda env: constant), Type.BOOL
        if name in self.scope.names:
            self.references.add(name)
            return (lambda env: env.get(name, UNKNOWN)), self.scope.names[name]
        if name in self.scope.attributes:
            fields = "、".join(f"{name}.{f}" for f in self.scope.attributes[name])
            raise self.fail("EXPR_004", node, reason=f"“{name}” 本身不是值", hint=f"请写出具体字段，例如 {fields}")
        raise self._unknown_name(node, name)

    def _unknown_name(self, node: ast.AST, name: str) -> ExpressionError:
        from .errors import suggestion

        allowed = list(self.scope.names) + [f"{a}.{f}" for a, fs in self.scope.attributes.items() for f in fs]
        return self.fail(
            "EXPR_002",
            node,
            name=name,
            suggestion=suggestion(name, allowed),
            allowed="、".join(allowed[:20]) + (" 等" if len(allowed) > 20 else ""),
        )

    def _Attribute(self, node: ast.Attribute, depth: int) -> tuple[Evaluator, Type]:
        if not isinstance(node.value, ast.Name) or node.value.id not in self.scope.attributes:
            dotted = ast.unparse(node)
            if not isinstance(node.value, ast.Name) or node.value.id in self.scope.names:
                raise self.fail("EXPR_003", node, construct=f"属性访问 “{dotted}”")
            raise self._unknown_name(node, dotted)
        base, attr = node.value.id, node.attr
        fields = self.scope.attributes[base]
        if attr not in fields:
            raise self._unknown_name(node, f"{base}.{attr}")
        self.references.add(f"{base}.{attr}")

        def get(env: Mapping[str, Any]) -> Any:
            holder = env.get(base)
            if not isinstance(holder, Mapping):
                return UNKNOWN
            return holder.get(attr, UNKNOWN)

        return get, fields[attr]

    def _List(self, node: ast.List, depth: int) -> tuple[Evaluator, Type]:
        values = []
        kinds = set()
        for element in node.elts:
            if not isinstance(element, ast.Constant) or isinstance(element.value, bool) or element.value is None:
                raise self.fail("EXPR_003", element, construct="列表中的非常量（列表里只能写数字或文字）")
            self.nodes += 1
            if isinstance(element.value, (int, float)) and not abs(element.value) <= MAX_NUMBER:
                raise self.fail("EXPR_005", element, reason=f"数值过大（上限 {MAX_NUMBER:.0e}）")
            values.append(element.value)
            kinds.add(str if isinstance(element.value, str) else float)
        if len(kinds) > 1:
            raise self.type_error(node, "列表中混用了数字和文字", "列表里的值应同为数字或同为文字")
        frozen = tuple(values)
        return (lambda env: frozen), Type.LIST

    _Tuple = _List

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> tuple[Evaluator, Type]:
        parts = []
        for value in node.values:
            fn, kind = self.compile(value, depth)
            if kind is not Type.BOOL:
                raise self.type_error(value, f"and/or 两边应为是/否，这里是{kind.value}", "例如 value >= 1.8 and site.key_area")
            parts.append(fn)
        if isinstance(node.op, ast.And):

            def all_of(env: Mapping[str, Any]) -> Any:
                unknown = False
                for part in parts:
                    result = part(env)
                    if result is UNKNOWN:
                        unknown = True
                    elif not result:
                        return False
                return UNKNOWN if unknown else True

            return all_of, Type.BOOL

        def any_of(env: Mapping[str, Any]) -> Any:
            unknown = False
            for part in parts:
                result = part(env)
                if result is UNKNOWN:
                    unknown = True
                elif result:
                    return True
            return UNKNOWN if unknown else False

        return any_of, Type.BOOL

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> tuple[Evaluator, Type]:
        fn, kind = self.compile(node.operand, depth)
        if isinstance(node.op, ast.Not):
            if kind is not Type.BOOL:
                raise self.type_error(node, f"not 后应为是/否，这里是{kind.value}", "例如 not site.key_area")
            return (lambda env: UNKNOWN if (v := fn(env)) is UNKNOWN else not v), Type.BOOL
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            if kind is not Type.NUMBER:
                raise self.type_error(node, f"正负号只能用于数值，这里是{kind.value}", "")
            sign = -1 if isinstance(node.op, ast.USub) else 1
            return (lambda env: UNKNOWN if (v := fn(env)) is UNKNOWN else sign * v), Type.NUMBER
        raise self.fail("EXPR_003", node, construct="按位取反 ~")

    def _BinOp(self, node: ast.BinOp, depth: int) -> tuple[Evaluator, Type]:
        op_type = type(node.op)
        if op_type not in _ARITH:
            raise self.fail("EXPR_003", node, construct=_CONSTRUCT_NAMES.get(op_type.__name__, op_type.__name__))
        left, left_kind = self.compile(node.left, depth)
        right, right_kind = self.compile(node.right, depth)
        symbol = _ARITH_SYMBOL[op_type]
        if left_kind is not Type.NUMBER or right_kind is not Type.NUMBER:
            raise self.type_error(
                node,
                f"“{symbol}” 两边应为数值，这里是{left_kind.value}和{right_kind.value}",
                "日期之差请用 days_between(a, b)" if Type.DATE in (left_kind, right_kind) else "",
            )
        op = _ARITH[op_type]

        def arith(env: Mapping[str, Any]) -> Any:
            a, b = left(env), right(env)
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            if op is operator.truediv and b == 0:
                return UNKNOWN
            try:
                result = op(a, b)
            except (OverflowError, ValueError):
                return UNKNOWN
            return result if isinstance(result, int) or math.isfinite(result) else UNKNOWN

        return arith, Type.NUMBER

    def _IfExp(self, node: ast.IfExp, depth: int) -> tuple[Evaluator, Type]:
        test, test_kind = self.compile(node.test, depth)
        body, body_kind = self.compile(node.body, depth)
        orelse, else_kind = self.compile(node.orelse, depth)
        if test_kind is not Type.BOOL:
            raise self.type_error(node.test, f"if 后的条件应为是/否，这里是{test_kind.value}", "")
        if body_kind is not else_kind:
            raise self.type_error(node, f"if 两个分支类型不同（{body_kind.value}、{else_kind.value}）", "例如 2.5 if site.key_area else 1.8")

        def choose(env: Mapping[str, Any]) -> Any:
            condition = test(env)
            if condition is UNKNOWN:
                return UNKNOWN
            return body(env) if condition else orelse(env)

        return choose, body_kind

    def _check_choice_literal(self, name_node: ast.AST, literal_node: ast.AST) -> None:
        key = ast.unparse(name_node)
        allowed = self.scope.choices.get(key)
        if allowed is None:
            return
        literals = []
        if isinstance(literal_node, ast.Constant) and isinstance(literal_node.value, str):
            literals = [literal_node]
        elif isinstance(literal_node, (ast.List, ast.Tuple)):
            literals = [e for e in literal_node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        for literal in literals:
            if isinstance(literal.value, str) and literal.value not in allowed:
                from .errors import suggestion

                raise self.type_error(
                    literal,
                    f"“{key}” 没有选项 “{literal.value}”",
                    suggestion(literal.value, sorted(allowed)) + "可选：" + "、".join(sorted(allowed)),
                )

    def _Compare(self, node: ast.Compare, depth: int) -> tuple[Evaluator, Type]:
        operands = [node.left, *node.comparators]
        compiled = [self.compile(operand, depth) for operand in operands]
        steps: list[tuple[Evaluator, Evaluator, Callable[[Any, Any], Any]]] = []
        for index, op in enumerate(node.ops):
            (left, left_kind), (right, right_kind) = compiled[index], compiled[index + 1]
            left_node, right_node = operands[index], operands[index + 1]
            if isinstance(op, (ast.In, ast.NotIn)):
                word = "in" if isinstance(op, ast.In) else "not in"
                if right_kind is not Type.LIST or left_kind not in (Type.STRING, Type.NUMBER):
                    if left_kind is Type.LIST and right_kind is Type.LIST:
                        raise self.type_error(node, f"“{word}” 两边都是列表", "多选题请写 \"选项\" in value")
                    raise self.type_error(node, f"“{word}” 右边应为列表，左边应为一个值", "例如 site.type in [\"demolition\", \"renovation\"]")
                if isinstance(right_node, (ast.List, ast.Tuple)) and right_node.elts:
                    element = right_node.elts[0]
                    element_kind = Type.STRING if isinstance(element, ast.Constant) and isinstance(element.value, str) else Type.NUMBER
                    if element_kind is not left_kind:
                        raise self.type_error(node, f"“{word}” 左边是{left_kind.value}，列表里是{element_kind.value}", "列表里的值应与左边同类型，文字要加引号")
                elif left_kind is not Type.STRING:
                    raise self.type_error(node, f"多选题的答案里只有文字选项，左边却是{left_kind.value}", "例如 \"fog_cannon\" in value")
                self._check_choice_literal(right_node, left_node)  # "fog" in value
                self._check_choice_literal(left_node, right_node)  # site.type in ["demolition"]
                steps.append((left, right, _not_contains if isinstance(op, ast.NotIn) else _contains))
                continue
            if type(op) not in _COMPARE:
                raise self.fail("EXPR_003", node, construct=_CONSTRUCT_NAMES.get(type(op).__name__, type(op).__name__))
            if left_kind is not right_kind:
                raise self.type_error(
                    node,
                    f"不能比较{left_kind.value}和{right_kind.value}",
                    _yes_no_word_hint(op, left_node, left_kind, right_node, right_kind)
                    or ("日期请写 date(\"2024-10-21\")" if Type.DATE in (left_kind, right_kind) else "比较的两边应为同一类型"),
                )
            if type(op) not in (ast.Eq, ast.NotEq) and left_kind not in _ORDERED:
                raise self.type_error(node, f"{left_kind.value}不能比较大小", "大小比较只用于数值和日期")
            self._check_choice_literal(left_node, right_node)
            self._check_choice_literal(right_node, left_node)
            compare_op: Callable[[Any, Any], Any] = _COMPARE[type(op)]
            if left_kind is Type.LIST:
                compare_op = _as_sets(compare_op)
            steps.append((left, right, compare_op))

        def compare(env: Mapping[str, Any]) -> Any:
            unknown = False
            for left, right, op in steps:
                a, b = left(env), right(env)
                if a is UNKNOWN or b is UNKNOWN:
                    unknown = True
                    continue
                if not op(a, b):
                    return False
            return UNKNOWN if unknown else True

        return compare, Type.BOOL

    def _Call(self, node: ast.Call, depth: int) -> tuple[Evaluator, Type]:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = ast.unparse(node.func)
            raise self.fail("EXPR_006", node, reason=f"没有函数 “{name}”", allowed="、".join(FUNCTIONS))
        name = node.func.id
        if node.keywords:
            raise self.fail("EXPR_006", node, reason=f"{name}() 不接受 名称=值 形式的参数", allowed="、".join(FUNCTIONS))
        if name == "date":
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
                raise self.fail("EXPR_006", node, reason="date() 需要一个日期文字，例如 date(\"2024-10-21\")", allowed="、".join(FUNCTIONS))
            try:
                constant = dt.date.fromisoformat(node.args[0].value)
            except ValueError:
                raise self.fail("EXPR_006", node.args[0], reason=f"“{node.args[0].value}” 不是 YYYY-MM-DD 格式的日期", allowed="、".join(FUNCTIONS)) from None
            return (lambda env: constant), Type.DATE
        if name == "in_force":
            return self._in_force(node)
        args = [self.compile(arg, depth) for arg in node.args]
        kinds = [kind for _, kind in args]
        fns = [fn for fn, _ in args]
        expected = {
            "days_between": [Type.DATE, Type.DATE],
            "len": [Type.LIST],
            "abs": [Type.NUMBER],
        }.get(name)
        if name in ("min", "max"):
            if len(args) < 2 or any(kind is not Type.NUMBER for kind in kinds):
                raise self.fail("EXPR_006", node, reason=f"{name}() 需要两个或更多数值", allowed="、".join(FUNCTIONS))
            pick = min if name == "min" else max

            def extreme(env: Mapping[str, Any]) -> Any:
                values = [fn(env) for fn in fns]
                return UNKNOWN if any(v is UNKNOWN for v in values) else pick(values)

            return extreme, Type.NUMBER
        assert expected is not None
        if kinds != expected:
            wanted = "、".join(k.value for k in expected)
            got = "、".join(k.value for k in kinds) or "无"
            raise self.fail("EXPR_006", node, reason=f"{name}() 需要参数（{wanted}），实际为（{got}）", allowed="、".join(FUNCTIONS))
        if name == "days_between":
            first, second = fns

            def days(env: Mapping[str, Any]) -> Any:
                a, b = first(env), second(env)
                return UNKNOWN if a is UNKNOWN or b is UNKNOWN else (b - a).days

            return days, Type.NUMBER
        (only,) = fns
        func: Callable[[Any], Any] = len if name == "len" else abs
        return (lambda env: UNKNOWN if (v := only(env)) is UNKNOWN else func(v)), Type.NUMBER


    def _in_force(self, node: ast.Call) -> tuple[Evaluator, Type]:
        from .errors import suggestion

        if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            raise self.fail("EXPR_006", node, reason="in_force() 需要一个法律的键，例如 in_force(\"eco_code\")", allowed="、".join(FUNCTIONS))
        key = node.args[0].value
        if self.scope.laws is None:
            self.references.add(LAW_DAY)
            return (lambda env: UNKNOWN), Type.BOOL
        if key not in self.scope.laws:
            hint = suggestion(key, list(self.scope.laws))
            raise self.fail("EXPR_006", node.args[0], reason=f"_legal.yaml 的 laws 中没有 “{key}”。{hint}", allowed="、".join(FUNCTIONS))
        first, last = self.scope.laws[key]
        self.references.add(LAW_DAY)

        def in_force(env: Mapping[str, Any]) -> Any:
            day = env.get(LAW_DAY, UNKNOWN)
            if day is UNKNOWN:
                return UNKNOWN
            return (first is None or first <= day) and (last is None or day <= last)

        return in_force, Type.BOOL


def compile_expression(text: str, scope: Scope, *, expect: Type | None = Type.BOOL) -> Expression:
    """Compile ``text`` against ``scope``; raise ExpressionError with a code and offset."""
    if not isinstance(text, str):
        raise ExpressionError("EXPR_001", {"reason": "表达式应为文字"})
    if len(text) > MAX_LENGTH:
        raise ExpressionError("EXPR_005", {"reason": f"{len(text)} 个字符，上限 {MAX_LENGTH}"})
    stripped = text.strip()
    if not stripped:
        raise ExpressionError("EXPR_001", {"reason": "表达式是空的"})
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        offset = max((exc.offset or 1) - 1, 0)
        reason = _syntax_reason(exc.msg or "无法解析")
        if re.search(r"(?<![=!<>])=(?!=)", stripped):
            reason = "比较相等请用 ==，不是 ="
        elif re.search(r"(==|!=|<=|>=|<|>|\+|-|\*|/|\band|\bor|\bnot|\bin|\bif|\belse)\s*$", stripped):
            reason, offset = "表达式不完整：运算符后面缺少内容", len(stripped)
        if exc.lineno and exc.lineno > 1:
            offset += sum(len(line) + 1 for line in stripped.split("\n")[: exc.lineno - 1])
        offset = min(offset + len(text) - len(text.lstrip()), len(text))
        raise ExpressionError("EXPR_001", {"reason": reason}, offset) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError("EXPR_005", {"reason": type(exc).__name__}) from None
    compiler = _Compiler(stripped, scope)
    try:
        evaluate, kind = compiler.compile(tree)
    except RecursionError:
        raise ExpressionError("EXPR_005", {"reason": "嵌套过深"}) from None
    except ExpressionError as exc:
        exc.offset += len(text) - len(text.lstrip())
        raise
    if expect is not None and kind is not expect:
        raise ExpressionError(
            "EXPR_004",
            {"reason": f"结果应为{expect.value}，这里是{kind.value}", "hint": "例如 value >= 1.8 或 value == true"},
        )
    return Expression(text, evaluate, kind, frozenset(compiler.references))


_SYNTAX_REASONS = {
    "invalid syntax": "写法不对",
    "unexpected EOF while parsing": "表达式不完整",
    "'(' was never closed": "括号没有闭合",
    "unmatched ')'": "多了一个右括号",
    "unterminated string literal": "引号没有配对",
    "invalid character": "含有不允许的字符（请用半角符号）",
}


def _syntax_reason(message: str) -> str:
    for english, chinese in _SYNTAX_REASONS.items():
        if message.startswith(english):
            return f"{chinese}（{message}）"
    if "Perhaps you forgot a comma" in message:
        return f"缺少运算符或逗号（{message}）"
    return message

