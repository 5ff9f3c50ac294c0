"""What inspectors type, read against each kind of item."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.model import Field, Option
from engine.values import ValueProblem, display, display_with_unit, is_not_applicable, parse_value

HEIGHT = Field("number", "米", (), 0, 10)
PERCENT = Field("percentage")
COUNT = Field("count")
CHOICE = Field("choice", options=(Option("online", "已安装并联网"), Option("none", "未安装")))
MULTI = Field("multi_choice", options=(Option("fog", "雾炮"), Option("spray", "喷淋")))


@pytest.mark.parametrize(
    "field, raw, expected",
    [
        (Field("yes_no"), "是", True), (Field("yes_no"), "有", True), (Field("yes_no"), "YES", True), (Field("yes_no"), True, True),
        (Field("yes_no"), "否", False), (Field("yes_no"), "无", False), (Field("yes_no"), "no", False), (Field("yes_no"), "false", False),
        (HEIGHT, 2.5, 2.5), (HEIGHT, "2.5", 2.5), (HEIGHT, "2.5米", 2.5), (HEIGHT, "２．５", 2.5), (HEIGHT, 2, 2),
        (PERCENT, 85, 85), (PERCENT, "85%", 85), (PERCENT, "85 %", 85), (PERCENT, "８５％", 85), (PERCENT, "99.5%", 99.5),
        (COUNT, 3, 3), (COUNT, "3", 3),
        (CHOICE, "online", "online"), (CHOICE, "已安装并联网", "online"),
        (MULTI, ["雾炮", "spray"], ("fog", "spray")), (MULTI, "雾炮、喷淋", ("fog", "spray")), (MULTI, "雾炮,雾炮", ("fog",)),
        (Field("date"), "2024-11-05", dt.date(2024, 11, 5)), (Field("date"), "2024/11/5", dt.date(2024, 11, 5)), (Field("date"), "2024年11月5日", dt.date(2024, 11, 5)), (Field("date"), "2026年12月5号", dt.date(2026, 12, 5)),
        (Field("text"), 12, "12"),
    ],
)
def test_parse_value__accepted(field: Field, raw: object, expected: object) -> None:
    assert parse_value(raw, field) == expected


@pytest.mark.parametrize(
    "field, raw, code",
    [
        (Field("yes_no"), "可能", "ANSWER_002"), (Field("yes_no"), 1, "ANSWER_002"),
        (HEIGHT, "abc", "ANSWER_002"), (HEIGHT, 11, "ANSWER_003"), (HEIGHT, -1, "ANSWER_003"), (HEIGHT, float("nan"), "ANSWER_002"), (HEIGHT, float("inf"), "ANSWER_002"),
        (PERCENT, "150%", "ANSWER_003"), (PERCENT, -5, "ANSWER_003"), (PERCENT, "abc", "ANSWER_002"), (PERCENT, True, "ANSWER_002"),
        (COUNT, 2.5, "ANSWER_002"), (COUNT, -1, "ANSWER_003"),
        (CHOICE, "联网", "ANSWER_006"), (CHOICE, ["online"], "ANSWER_002"), (MULTI, "雾炮、洒水车", "ANSWER_006"),
        (Field("date"), "2024-02-30", "ANSWER_003"), (Field("date"), "昨天", "ANSWER_002"), (Field("date"), 20241105, "ANSWER_002"),
        (Field("text"), ["a"], "ANSWER_002"),
    ],
)
def test_parse_value__refused(field: Field, raw: object, code: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_value(raw, field)
    assert exc.value.code == code


@pytest.mark.parametrize("raw", ["na", "N/A", "不适用", "不涉及", "/", " 不适用 "])
def test_not_applicable__words(raw: str) -> None:
    assert is_not_applicable(raw)


def test_display__as_a_person_reads_it() -> None:
    assert display(True) == "是" and display(2.0) == "2" and display(dt.date(2024, 1, 5)) == "2024年1月5日"
    assert display(("fog", "spray"), MULTI) == "雾炮、喷淋" and display("online", CHOICE) == "已安装并联网"
    assert display_with_unit(1.6, HEIGHT) == "1.6 米" and display_with_unit(85, PERCENT) == "85%"


def test_parse_value__decimal_comma__refused_not_misread() -> None:
    """Should refuse 1,8 rather than read it as 18."""
    with pytest.raises(ValueProblem) as exc:
        parse_value("1,8", HEIGHT)
    assert exc.value.code == "ANSWER_002" and "小数点" in exc.value.context["hint"]


def test_messages__lists_shown_as_typed() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_value(["是"], Field("yes_no"))
    assert exc.value.context["actual"] == "是"


def test_as_written__keeps_trailing_zeros_of_a_rule_number() -> None:
    """Should print a number the rule file writes 2.0 or 1.00 as written, not as 2 or 1."""
    import pickle

    from engine.values import WrittenNumber, as_written, display

    limit = as_written(2.0, "2.0  # 米")
    assert isinstance(limit, WrittenNumber) and limit == 2.0 and display(limit) == "2.0"
    assert display(as_written(1.0, "1.00\n")) == "1.00" and display(as_written(1.5, "+1.50")) == "1.50"
    assert display(limit * 1) == "2"  # arithmetic gives a plain number
    assert pickle.loads(pickle.dumps(limit)).written == "2.0"
    for plain, rest in ((2.5, "2.5"), (2.0, "2e0"), (2, "2"), (2.0, "2.0e3")):
        assert not isinstance(as_written(plain, rest), WrittenNumber), rest


def test_rule_param_written_1_00__printed_so_in_findings() -> None:
    """Should print the vapor-recovery range from its params as the rule file writes them."""
    from engine import check
    from engine.loader import load_rules
    from helpers import EXAMPLES, RULES

    result = check(EXAMPLES / "vapor_recovery_noncompliant.yaml", load_rules(RULES))
    (finding,) = [f for f in result.findings if f.item_id == "al_ratio"]
    assert "不在 1.00–1.20 的范围内" in finding.text and "在 1.00–1.20 范围内后方可使用" in finding.rectification
