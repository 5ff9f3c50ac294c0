"""The JSON writer gives, on any value, the very text json.dumps(indent=2) gives, and
json_text the text it gave when it was json.dumps followed by two escaping passes."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import indented_json
from engine.check_output import _JSON_INVISIBLE, _UNPRINTABLE, _json_escape, json_text

ANY_CHARACTER = st.characters(blacklist_categories=())  # surrogates and controls too
SCALARS = st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40), max_value=10**40) | st.floats() | st.text(ANY_CHARACTER, max_size=12)
KEYS = st.text(ANY_CHARACTER, max_size=6) | st.integers() | st.floats() | st.booleans() | st.none()
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.lists(children, max_size=3).map(tuple) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=30,
)


def json_text_as_it_was(document: object) -> str:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    text = _JSON_INVISIBLE.sub(_json_escape, text)
    return "\n".join(_UNPRINTABLE.sub(_json_escape, line) for line in text.split("\n"))


@given(VALUES)
def test_dumps__any_value__the_text_json_dumps_gives(value: object) -> None:
    assert indented_json.dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)


@given(VALUES)
def test_dumps__at_a_level__each_line_indented_that_much_deeper(value: object) -> None:
    expected = "\n".join("    " + line for line in json.dumps(value, ensure_ascii=False, indent=2).split("\n"))
    assert indented_json.dumps(value, level=2) == expected


@given(VALUES)
def test_json_text__any_value__the_text_it_gave_before(value: object) -> None:
    assert json_text(value) == json_text_as_it_was(value)


def test_dumps__nested_empty_and_special_values() -> None:
    value = {"a": [], "b": {}, "c": [1, 2.5, float("nan"), float("inf"), -float("inf"), True, None], 3: "行\n一\u2028", 1.5: (), None: 1, False: 0}
    assert indented_json.dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
    assert not re.search(r"[\x00-\x09\x0b-\x1f]", json_text(value))  # raw newlines are the indentation's alone


@pytest.mark.parametrize("value", [{"when": object()}, [{1, 2}], {(1, 2): "tuple key"}])
def test_dumps__not_json__type_error_as_json_dumps_raises(value: object) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        indented_json.dumps(value)
