"""Turn what inspectors actually type into typed values, by the kind of the item.

An inspector types 是, 有, yes or true; 85% or 85 or ８５％ on a Chinese keyboard; 不适用
or na; 2024/11/5 or 2024年11月5日. This module accepts those and says plainly what is wrong
with anything else. Display goes the other way: a value as a person reads it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from .model import Field

YES = {"true", "yes", "y", "是", "有", "符合", "√", "✓"}
NO = {"false", "no", "n", "否", "无", "没有", "不符合", "×", "✗"}
NOT_APPLICABLE = {"na", "n/a", "不适用", "不涉及", "/"}

_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)$")
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),  # 5号 is how many people write the day
)


class ValueProblem(Exception):
    """A value that does not fit its item. ``code`` is ANSWER_002, ANSWER_003 or ANSWER_006."""

    def __init__(self, code: str, context: dict) -> None:
        super().__init__(code, context)
        self.code = code
        self.context = context


def normalize(text: str) -> str:
    # NFKC folds full-width digits, letters, ％ and spaces typed with a Chinese IME.
    return unicodedata.normalize("NFKC", text).strip()


def is_not_applicable(raw: Any) -> bool:
    return isinstance(raw, str) and normalize(raw).lower() in NOT_APPLICABLE


def _kind_error(raw: Any, kind_label: str, hint: str) -> ValueProblem:
    return ValueProblem("ANSWER_002", {"actual": _show(raw), "kind": kind_label, "hint": hint})


#: How deep _show follows lists and mappings; below that it writes "…". The answers file's
#: nesting is refused before (ANSWER_017); this keeps the message short and the recursion bounded.
_SHOW_DEPTH = 4


def _show(raw: Any, depth: int = 0) -> str:
    """What the inspector typed, as it reads in a message."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (list, tuple, set, dict)) and depth >= _SHOW_DEPTH:
        return "…"
    if isinstance(raw, (list, tuple, set)):
        return "、".join(_show(part, depth + 1) for part in raw)
    if isinstance(raw, dict):
        return "、".join(f"{key}: {_show(value, depth + 1)}" for key, value in raw.items())
    return str(raw)


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = normalize(raw).lower()
        if word in YES:
            return True
        if word in NO:
            return False
    raise _kind_error(raw, "是/否答案", "请填写 是 或 否（也可写 有/无、yes/no、true/false）；不适用填 不适用")


def _parse_number_text(raw: Any, unit: str | None) -> float | None:
    """The number in ``raw`` (a unit after it is fine), or None; infinities and NaN are not numbers here."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        try:
            number = float(raw)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if not isinstance(raw, str):
        return None
    # A comma is refused, not dropped: "1,8" is 1.8 typed the European way, not 18.
    text = normalize(raw).replace(" ", "")
    if unit:
        folded_unit = normalize(unit).replace(" ", "")
        if folded_unit and text.endswith(folded_unit):
            text = text[: -len(folded_unit)]
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _tidy(number: float) -> int | float:
    return int(number) if number == int(number) and abs(number) < 1e15 else number


def _check_bounds(number: float, field: Field, shown: str) -> None:
    low, high = field.minimum, field.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        unit = field.unit or ""
        span = f"{'' if low is None else _tidy(low)}{unit} 至 {'' if high is None else _tidy(high)}{unit}"
        raise ValueProblem("ANSWER_003", {"reason": f"{shown} 超出合理范围（{span}）", "hint": "请核对读数和单位"})


def parse_value(raw: Any, field: Field) -> Any:
    """The typed value of ``raw`` for ``field``, or ValueProblem."""
    kind = field.kind
    if kind == "yes_no":
        return parse_bool(raw)
    if kind == "number":
        number = _parse_number_text(raw, field.unit)
        if number is None:
            unit = field.unit or ""
            raise _kind_error(raw, "数值", f"请填写数字，小数点用“.”，例如 2.5{unit}")
        _check_bounds(number, field, _show(raw))
        return _tidy(number)
    if kind == "percentage":
        number = None
        if isinstance(raw, str):
            text = normalize(raw).replace(" ", "")
            number = _parse_number_text(text[:-1] if text.endswith("%") else text, None)
        elif not isinstance(raw, bool) and isinstance(raw, (int, float)):
            number = _parse_number_text(raw, None)
        if number is None:
            raise _kind_error(raw, "百分比", "请填写 0 到 100 之间的数，例如 85 或 85%")
        if not 0 <= number <= 100:
            raise ValueProblem("ANSWER_003", {"reason": f"百分比应在 0% 到 100% 之间，实际为 {_show(raw)}", "hint": "请填写 0 到 100 之间的数，例如 85 或 85%"})
        return _tidy(number)
    if kind == "count":
        number = _parse_number_text(raw, field.unit)
        if number is None or number != int(number):
            raise _kind_error(raw, "个数", "请填写整数，例如 3")
        if number < 0:
            raise ValueProblem("ANSWER_003", {"reason": f"个数不能为负数，实际为 {_show(raw)}", "hint": "请填写 0 或正整数"})
        _check_bounds(number, field, _show(raw))
        return int(number)
    if kind == "date":
        return parse_date(raw)
    if kind == "choice":
        if isinstance(raw, list):
            raise _kind_error(raw, "单选答案", "单选题只能填一个选项")
        return _option_code(raw, field)
    if kind == "multi_choice":
        if isinstance(raw, str):
            parts = [p for p in re.split(r"[、,，;；\s]+", normalize(raw)) if p]
        elif isinstance(raw, list):
            parts = raw
        else:
            parts = [raw]
        codes = []
        for part in parts:
            code = _option_code(part, field)
            if code not in codes:
                codes.append(code)
        return tuple(codes)
    if kind == "text":
        if isinstance(raw, (list, dict)):
            raise _kind_error(raw, "文字", "请填写一段文字")
        return _show(raw)
    raise AssertionError(f"unknown kind {kind}")


def _option_code(raw: Any, field: Field) -> str:
    text = normalize(_show(raw))
    for option in field.options:
        if text == option.code or text == normalize(option.label):
            return option.code
    from .errors import suggestion

    labels = [o.label for o in field.options]
    codes = [o.code for o in field.options]
    hint = suggestion(text, codes + labels)
    raise ValueProblem(
        "ANSWER_006",
        {"actual": _show(raw), "suggestion": hint, "allowed": "、".join(f"{o.code}（{o.label}）" for o in field.options)},
    )


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, str):
        text = normalize(raw)
        for form in _DATE_FORMS:
            match = form.match(text)
            if match:
                try:
                    return dt.date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    raise ValueProblem("ANSWER_003", {"reason": f"日期 “{raw}” 不存在", "hint": "请核对月份和日期"}) from None
    raise _kind_error(raw, "日期", "请按 YYYY-MM-DD 填写，例如 2026-11-05")


def chinese_date(day: dt.date) -> str:
    """GB/T 9704 style: 2024年11月5日, full year, no zero padding."""
    return f"{day.year}年{day.month}月{day.day}日"


class WrittenNumber(float):
    """A number from a rule file that keeps the digits it was written with: a limit the
    standard states as 2.0 米 is printed 2.0, not 2. Arithmetic on it gives a plain float."""

    written: str

    def __new__(cls, value: float, written: str) -> WrittenNumber:
        number = super().__new__(cls, value)
        number.written = written
        return number

    def __reduce__(self) -> tuple[Any, ...]:
        return (WrittenNumber, (float(self), self.written))


_NUMBER_TOKEN = re.compile(r"[-+]?[0-9][0-9]*\.[0-9]+(?![0-9eE_.:])")


def as_written(value: Any, rest_of_line: str) -> Any:
    """``value`` as a WrittenNumber when it is a float the line, from where the value starts,
    writes with trailing zeros after the point (2.0, 1.50); else ``value`` as it is."""
    if not isinstance(value, float):
        return value
    token = _NUMBER_TOKEN.match(rest_of_line)
    if token is None or float(token.group()) != value or not token.group().endswith("0"):
        return value
    return WrittenNumber(value, token.group().lstrip("+"))


def display(value: Any, field: Field | None = None) -> str:
    """A typed value as a person reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, WrittenNumber):
        return value.written
    if isinstance(value, float):
        return f"{value:.6g}" if value != int(value) else str(int(value))
    if isinstance(value, dt.date):
        return chinese_date(value)
    if isinstance(value, tuple):
        return "、".join(field.option_label(v) if field else str(v) for v in value) or "（无）"
    if isinstance(value, str) and field is not None and field.kind == "choice":
        return field.option_label(value)
    return str(value)


def display_with_unit(value: Any, field: Field) -> str:
    shown = display(value, field)
    if field.kind == "percentage":
        return shown + "%"
    if field.kind in ("number", "count") and field.unit:
        return f"{shown} {field.unit}"
    return shown
