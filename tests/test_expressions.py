"""The expression language: what it computes, what it refuses, and that nothing runs away."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.expressions import UNKNOWN, ExpressionError, Scope, Type, compile_expression

SCOPE = Scope(
    names={"value": Type.NUMBER, "report": Type.DATE, "closed": Type.BOOL, "kinds": Type.LIST, "material": Type.STRING, "围挡高度": Type.NUMBER},
    attributes={"site": {"type": Type.STRING, "key_area": Type.BOOL}, "inspection": {"date": Type.DATE}, "params": {"min_height": Type.NUMBER}},
    choices={"site.type": frozenset({"construction", "demolition"}), "kinds": frozenset({"fog", "spray"}), "material": frozenset({"steel", "brick"})},
)
ENV = {
    "value": 2.0,
    "report": dt.date(2024, 1, 10),
    "closed": True,
    "kinds": ("fog",),
    "material": "steel",
    "围挡高度": 2.5,
    "site": {"type": "demolition", "key_area": True},
    "inspection": {"date": dt.date(2024, 11, 5)},
    "params": {"min_height": 1.8},
}


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("value >= 1.8", True, id="compare"),
        pytest.param("1.0 <= value <= 1.2", False, id="chained"),
        pytest.param("value >= (2.5 if site.key_area else 1.8)", False, id="if-else"),
        pytest.param("value >= params.min_height", True, id="param"),
        pytest.param("days_between(report, inspection.date) <= 365", True, id="days"),
        pytest.param("report >= date(\"2024-01-01\")", True, id="date-literal"),
        pytest.param('site.type in ["demolition"]', True, id="in-list"),
        pytest.param('"spray" not in kinds', True, id="not-in"),
        pytest.param("len(kinds) >= 1 and closed", True, id="len-and"),
        pytest.param("not closed or value > 100", False, id="not-or"),
        pytest.param("围挡高度 >= 2.5", True, id="chinese-name"),
        pytest.param("value * 2 - 1 == 3 and value / 4 == 0.5", True, id="arith"),
        pytest.param("max(value, 3) == 3 and min(value, 3) == 2 and abs(-value) == 2", True, id="functions"),
        pytest.param("closed == true and closed != False", True, id="bool-literals"),
    ],
)
def test_expression__evaluates(text: str, expected: bool) -> None:
    assert compile_expression(text, SCOPE).evaluate(ENV) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("value >= 1.8", UNKNOWN, id="missing"),
        pytest.param("value >= 1.8 and closed", UNKNOWN, id="and-unknown-true"),
        pytest.param("value >= 1.8 and not closed", False, id="false-and-unknown"),
        pytest.param("value >= 1.8 or closed", True, id="unknown-or-true"),
        pytest.param("value / 0 > 1", UNKNOWN, id="divide-by-zero"),
    ],
)
def test_expression__three_valued_logic(text: str, expected: object) -> None:
    """Should give UNKNOWN for what reads a missing answer, unless the other side decides."""
    env = {**ENV, "value": UNKNOWN} if "/ 0" not in text else ENV
    assert compile_expression(text, SCOPE).evaluate(env) is expected


def test_expression__references__lists_names_read() -> None:
    expression = compile_expression("value >= params.min_height and site.key_area", SCOPE)
    assert expression.references == {"value", "params.min_height", "site.key_area"}


@pytest.mark.parametrize(
    "text, code, offset",
    [
        pytest.param("value >= ", "EXPR_001", 8, id="incomplete"),
        pytest.param("value = 1", "EXPR_001", 6, id="single-equals"),
        pytest.param("valeu >= 1", "EXPR_002", 0, id="unknown-name"),
        pytest.param("value >= 1 and site.kind == 'x'", "EXPR_002", 15, id="unknown-attribute"),
        pytest.param("value ** 2 > 1", "EXPR_003", 0, id="power"),
        pytest.param("value.__class__", "EXPR_003", 0, id="dunder"),
        pytest.param("[x for x in kinds]", "EXPR_003", 0, id="comprehension"),
        pytest.param("lambda: 1", "EXPR_003", 0, id="lambda"),
        pytest.param("kinds[0] == 'fog'", "EXPR_003", 0, id="subscript"),
        pytest.param("value >= 'a'", "EXPR_004", 0, id="number-vs-text"),
        pytest.param("closed > 1", "EXPR_004", 0, id="bool-order"),
        pytest.param("'a' * 1000000000 == 'b'", "EXPR_004", 0, id="string-repetition"),
        pytest.param("value + 1", "EXPR_004", 0, id="not-boolean"),
        pytest.param("site.type == 'demolitio'", "EXPR_004", 13, id="choice-typo"),
        pytest.param("site.type in ['construction', 'demolitio']", "EXPR_004", 30, id="choice-typo-in-list"),
        pytest.param("__import__('os').system('x')", "EXPR_006", 0, id="import"),
        pytest.param("open('x')", "EXPR_006", 0, id="open"),
        pytest.param("date('2024-13-01') > report", "EXPR_006", 5, id="bad-date"),
        pytest.param("x" * 501, "EXPR_005", 0, id="too-long"),
        pytest.param("-" * 60 + "1 > 0", "EXPR_005", None, id="too-deep"),
        pytest.param("", "EXPR_001", 0, id="empty"),
    ],
)
def test_expression__refused(text: str, code: str, offset: int | None) -> None:
    """Should refuse at load time, with a code and the offset of the fault."""
    with pytest.raises(ExpressionError) as exc:
        compile_expression(text, SCOPE)
    assert exc.value.code == code
    if offset is not None:
        assert exc.value.offset == offset


def test_expression__chinese_name_before_error__offset_in_characters() -> None:
    """Should count the caret's offset in characters, not UTF-8 bytes."""
    with pytest.raises(ExpressionError) as exc:
        compile_expression("围挡高度 >= 2.5 and 不存在 > 1", SCOPE)
    assert exc.value.code == "EXPR_002" and exc.value.offset == 16


_ATOMS = st.sampled_from(
    ["value", "closed", "kinds", "site.type", "site", "report", "1", "2.5", "'a'", "\"x\"", "true", "None", "[1, 2]", "date('2024-01-01')",
     "days_between", "len", "__import__", "().__class__", "x", "围挡高度", "inspection.date", "params.min_height", "9" * 40]
)
_OPS = st.sampled_from(
    [" and ", " or ", " + ", " - ", " * ", " / ", " ** ", " // ", " % ", " == ", " != ", " < ", " <= ", " in ", " not in ", " if ", " else ",
     "(", ")", "[", "]", ",", ".", " not ", " lambda ", ":", "=", "!", "{", "}", "'", "\\", "\n", "\x00", "；", "（"]
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_ATOMS, _OPS), max_size=40))
def test_expression__any_token_soup__compiles_or_refuses(parts: list[str]) -> None:
    """Should never crash on expression text built from the language's own tokens."""
    _compile_and_run("".join(parts))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_expression__any_text__compiles_or_refuses(text: str) -> None:
    """Should never crash on arbitrary text, including control characters and CJK."""
    _compile_and_run(text)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["(", "not ", "-", "[", "1 if true else "]))
def test_expression__deep_nesting__refused_quickly(depth: int, opener: str) -> None:
    """Should refuse deep nesting with EXPR_001 or EXPR_005, never a RecursionError."""
    closer = {"(": ")", "[": "]"}.get(opener, "")
    _compile_and_run(opener * depth + "1" + closer * depth)


def _compile_and_run(text: str) -> None:
    try:
        expression = compile_expression(text, SCOPE, expect=None)
    except ExpressionError as exc:
        assert exc.code.startswith("EXPR_")
        assert 0 <= exc.offset <= len(text)
        return
    result = expression.evaluate(ENV)
    assert result is UNKNOWN or isinstance(result, (bool, int, float, str, dt.date, tuple))


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('closed == "是"', "请写 closed == true，或直接写 closed"),
        ('closed == "有"', "请写 closed == true，或直接写 closed"),
        ('"否" == closed', "请写 closed == false，或直接写 not closed"),
        ('closed != "是"', "请写 closed == false，或直接写 not closed"),
        ('site.key_area == "yes"', "请写 site.key_area == true，或直接写 site.key_area"),
    ],
)
def test_expression__yes_no_compared_with_the_word__hint_names_true_or_the_bare_name(text: str, hint: str) -> None:
    """Should tell a rule editor who compares a yes/no answer with what the inspector types
    that its value is true or false, and how to write the condition."""
    with pytest.raises(ExpressionError) as exc:
        compile_expression(text, SCOPE)
    assert exc.value.code == "EXPR_004"
    assert exc.value.context["hint"].endswith(hint)


def test_expression__yes_no_compared_with_other_text__keeps_the_type_hint() -> None:
    """Should not offer true/false for a text that is not a yes/no word."""
    with pytest.raises(ExpressionError) as exc:
        compile_expression('closed == "steel"', SCOPE)
    assert exc.value.context["hint"] == "比较的两边应为同一类型"
