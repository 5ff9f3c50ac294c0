"""A `when:` condition in the words of the checklist, for an inspector reading a blank answers file.

``purifier_installed == true`` reads as 第 1.1 项“是否安装油烟净化器”为“是”: item ids become
their number and question, option codes their labels, laws their titles. Every construct of
the expression language (engine/expressions.py) has words; one that does not fit them (an
arithmetic bound, a function applied to a function) leaves the whole condition as written,
so an inspector never reads a half-translated sentence.
"""

from __future__ import annotations

import ast
import datetime as dt
from typing import Any

from .labels import SITE_FIELD_LABELS
from .model import Checklist, Field
from .values import chinese_date

_COMPARE_WORDS = {ast.Eq: "为", ast.NotEq: "不为", ast.Lt: "小于", ast.LtE: "不大于", ast.Gt: "大于", ast.GtE: "不小于"}
_ARITH_WORDS = {ast.Add: "加", ast.Sub: "减", ast.Mult: "乘以", ast.Div: "除以"}


class _Untranslatable(Exception):
    """A part of the condition with no words of its own: the condition stays as written."""


class _Words:
    def __init__(self, checklist: Checklist) -> None:
        self.checklist = checklist
        self.numbers = {
            item.id: f"{s_index}.{i_index}" for s_index, section in enumerate(checklist.sections, 1) for i_index, item in enumerate(section.items, 1)
        }
        self.items = {item.id: item for item in checklist.items}
        self.facts = {fact.id: fact for fact in checklist.site_facts}

    # -- what a name stands for --------------------------------------------------------

    def subject(self, node: ast.AST) -> tuple[str, Field | None]:
        """How a name is called, and the answer settings behind it (None for site fields)."""
        if isinstance(node, ast.Name) and node.id in self.items:
            item = self.items[node.id]
            return f"第 {self.numbers[node.id]} 项“{item.question}”", item.field
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base, attr = node.value.id, node.attr
            if base == "site" and attr in self.facts:
                fact = self.facts[attr]
                return f"单位情况“{fact.question}”", fact.field
            if base == "site" and attr in SITE_FIELD_LABELS:
                return SITE_FIELD_LABELS[attr], None
            if base == "inspection" and attr == "date":
                return "检查日期", None
            if base == "params" and attr in self.checklist.params:
                param = self.checklist.params[attr]
                return f"参数 {attr}（{self.value(param.value, Field('number', param.unit))}）", None
        if isinstance(node, ast.Call):
            return self.call(node), None
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH_WORDS:
            left, right = (f"（{self.operand(side)}）" if isinstance(side, ast.BinOp) else self.operand(side) for side in (node.left, node.right))
            return f"{left}{_ARITH_WORDS[type(node.op)]}{right}", None
        raise _Untranslatable

    def value(self, value: Any, field: Field | None, *, site_type: bool = False) -> str:
        """A constant as the answer an inspector would give: an option's label, 是/否, a unit."""
        if isinstance(value, bool):
            return "“是”" if value else "“否”"
        if isinstance(value, str):
            options = self.checklist.site_types if site_type else (field.options if field else ())
            label = next((o.label for o in options if o.code == value), value)
            return f"“{label}”"
        if isinstance(value, (int, float)):
            number = f"{value:g}"
            if field is not None and field.kind == "percentage":
                return number + "%"
            return f"{number} {field.unit}" if field is not None and field.unit else number
        if isinstance(value, dt.date):
            return chinese_date(value)
        raise _Untranslatable

    def constant(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and not isinstance(node.value, type(None)):
            return node.value
        if isinstance(node, ast.Name) and node.id in ("true", "True", "false", "False"):
            return node.id in ("true", "True")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "date" and len(node.args) == 1:
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                return dt.date.fromisoformat(argument.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            number = node.operand.value
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return -number
        raise _Untranslatable

    def is_constant(self, node: ast.AST) -> bool:
        try:
            self.constant(node)
        except (_Untranslatable, ValueError, TypeError):
            return False
        return True

    # -- conditions --------------------------------------------------------------------

    def condition(self, node: ast.AST, *, nested: bool = False) -> str:
        if isinstance(node, ast.BoolOp):
            joiner = "，且" if isinstance(node.op, ast.And) else "，或"
            text = joiner.join(self.condition(value, nested=True) for value in node.values)
            return f"（{text}）" if nested else text
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.negation(node.operand)
        if isinstance(node, ast.Compare):
            return "，且".join(self.comparison(left, op, right) for left, op, right in zip([node.left, *node.comparators], node.ops, node.comparators, strict=False))
        if isinstance(node, ast.IfExp):
            text = f"{self.condition(node.test, nested=True)}时，{self.condition(node.body, nested=True)}；否则，{self.condition(node.orelse, nested=True)}"
            return f"（{text}）" if nested else text
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "in_force":
            return self.in_force(node, True)
        subject, _ = self.subject(node)
        return f"{subject}为“是”"  # a yes/no answer or site fact on its own

    def negation(self, node: ast.AST) -> str:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "in_force":
            return self.in_force(node, False)
        if isinstance(node, (ast.Name, ast.Attribute)):
            subject, _ = self.subject(node)
            return f"{subject}为“否”"
        return f"并非{self.condition(node, nested=True)}"

    def in_force(self, node: ast.Call, wanted: bool) -> str:
        argument = node.args[0] if node.args else None
        if not isinstance(argument, ast.Constant) or not isinstance(argument.value, str):
            raise _Untranslatable
        law = self.checklist.legal.laws.get(argument.value)
        if law is None:
            raise _Untranslatable
        # A law with a start and no end is one that comes into force: say so in those words.
        coming = law.effective_from is not None and law.effective_to is None
        if wanted:
            return f"《{law.title}》已施行" if coming else f"《{law.title}》有效"
        return f"《{law.title}》尚未施行" if coming else f"《{law.title}》已失效"

    def comparison(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> str:
        if isinstance(op, (ast.In, ast.NotIn)):
            return self.membership(left, isinstance(op, ast.In), right)
        word = _COMPARE_WORDS.get(type(op))
        if word is None:
            raise _Untranslatable
        if self.is_constant(left) and not self.is_constant(right):
            left, right = right, left
            word = {"小于": "大于", "大于": "小于", "不大于": "不小于", "不小于": "不大于"}.get(word, word)
        subject, field = self.subject(left)
        site_type = _is_site_type(left)
        if self.is_constant(right):
            value = self.constant(right)
            if isinstance(value, bool) and word in ("为", "不为"):
                yes = value == (word == "为")
                return f"{subject}为{'“是”' if yes else '“否”'}"
            return f"{subject}{word} {self.value(value, field, site_type=site_type)}" if not isinstance(value, str) else f"{subject}{word}{self.value(value, field, site_type=site_type)}"
        other, _ = self.subject(right)
        return f"{subject}{word}{other}"

    def membership(self, left: ast.AST, inside: bool, right: ast.AST) -> str:
        if isinstance(right, (ast.List, ast.Tuple)):
            subject, field = self.subject(left)
            values = [self.value(self.constant(e), field, site_type=_is_site_type(left)) for e in right.elts]
            return f"{subject}{'为' if inside else '不为'}{'或'.join(values)}"
        # "fog" in value: a multiple choice that includes an option
        subject, field = self.subject(right)
        return f"{subject}{'选了' if inside else '没有选'}{self.value(self.constant(left), field)}"

    def call(self, node: ast.Call) -> str:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        arguments = [self.operand(arg) for arg in node.args]
        if name == "days_between" and len(arguments) == 2:
            return f"从{arguments[0]}到{arguments[1]}的天数"
        if name == "len" and len(arguments) == 1:
            return f"{arguments[0]}的项数"
        if name == "abs" and len(arguments) == 1:
            return f"{arguments[0]}的绝对值"
        if name in ("min", "max") and len(arguments) >= 2:
            return f"{'、'.join(arguments)}中{'较小' if name == 'min' else '较大'}的"
        raise _Untranslatable

    def operand(self, node: ast.AST) -> str:
        if self.is_constant(node):
            return self.value(self.constant(node), None)
        return self.subject(node)[0]


def _is_site_type(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "site" and node.attr == "type"


def condition_in_words(source: str, checklist: Checklist) -> str | None:
    """The condition ``source`` in the words of ``checklist`` (its items' numbers and
    questions, its options' labels, its laws' titles); None when some part has no words."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
        return _Words(checklist).condition(tree.body)
    except (_Untranslatable, SyntaxError, ValueError, TypeError, RecursionError):
        return None
