"""Reading takes shortcuts, and each must agree with the slow road it stands for.

The schema check first asks compiled closures whether a document is valid, and only asks
jsonschema (which words the problems) when it is not; the YAML walk builds the data itself
instead of having PyYAML construct every node a second time; a rules folder whose files
are byte for byte those of one already loaded gives the rule set already built.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import load_rules, source
from engine.errors import InputError
from engine.schema import SCHEMAS, _valid, validator
from engine.source import load_source
from helpers import EXAMPLES, ROOT, RULES

_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_OWN_SCHEMA = {
    **{path: "checklist" for path in RULES.glob("*.yaml")},
    RULES / "_legal.yaml": "legal",
    **{path: "cases" for path in (RULES / "cases").glob("*.yaml")},
    **{path: "answers" for path in EXAMPLES.glob("*.yaml")},
    **{path: "settings" for path in (EXAMPLES / "office").glob("*.yaml")},
}
_FILES = sorted(_OWN_SCHEMA)
#: each shipped file's data and the schema it is valid against
_DOCUMENTS = [(load_source(path, strict=False).data, _OWN_SCHEMA[path]) for path in _FILES]

_ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "x", "2024-02-30", "2024-11-05", "2024-13-01", "２０２４-11-05", "2024-11-5", "20241105", "verified", "yes_no", "veto", "a" * 300, "9abc", "ok_id"]),
    # built afresh each time: a mutation may later change what it is put into
    st.builds(list), st.builds(dict), st.builds(lambda: {1: "a"}), st.builds(lambda: [1, "b"]),
)


def _containers(data: Any) -> list[Any]:
    found, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)) and node:
            found.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    return found


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[Any, str]:
    """A shipped rule, case, answers or settings file with a value or two replaced, removed or
    added, and its schema: one change leaves it close to valid, where a wrong shortcut shows."""
    original, name = draw(st.sampled_from(_DOCUMENTS))
    data = copy.deepcopy(original)
    for _ in range(draw(st.integers(0, 2))):
        containers = _containers(data)
        if not containers:
            break
        node = draw(st.sampled_from(containers))
        slot = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        action = draw(st.sampled_from(["replace", "remove", "add", "empty"]))
        if action == "empty" and isinstance(node[slot], (str, list, dict)):
            node[slot] = type(node[slot])()  # the same type, blank: only a length rule catches it
        elif action == "remove":
            del node[slot]
        elif action == "add" and isinstance(node, dict):
            node[draw(st.sampled_from(["zz", "id", "kind", "when", "value", 7]))] = draw(_ODD_VALUES)
        else:
            node[slot] = draw(_ODD_VALUES)
    return data, name


@_SETTINGS
@given(_mutated())
def test_schema_shortcut__valid_exactly_when_jsonschema_says_so(case: tuple[Any, str]) -> None:
    data, name = case
    assert _valid(name)(data) == validator(name).is_valid(data)


@pytest.mark.parametrize("path", _FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_schema_shortcut__shipped_files__as_jsonschema(path: Any) -> None:
    data = load_source(path, strict=False).data
    for name in SCHEMAS:
        assert _valid(name)(data) == validator(name).is_valid(data), name


_SCALARS = st.sampled_from([
    "a", "是", "1", "-2", "0371", "1:30", "1.5", "1e5", ".inf", "-.Inf", ".nan", "~", "null", "", "true", "False", "yes", "0x1F",
    "'1'", '"x\\u00e9"', "!!str 3", "!!int '12'", "!!float 1", "!!bool yes", "!!null ''", "!!int 0b101", "!!binary aGk=",
    "!!timestamp 2024-01-01", "!!set {x}", "!!omap [a: 1]", "[1, b]", "{a: 1}", "[]", "{}",
])
_KEYS = st.sampled_from(["a", "b", "1", "1.0", "true", "null", "'1'", "!!str 2", "!!int 3", "? [x]\n ", "<<", "!!merge <<"])


@st.composite
def _yaml_text(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        key, value = draw(_KEYS), draw(_SCALARS)
        if draw(st.booleans()):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}:\n  - {value}\n  - {draw(_SCALARS)}")
    return "\n".join(lines) + "\n"


@_SETTINGS
@given(_yaml_text())
def test_yaml_walk__builds_what_pyyaml_constructs(text: str) -> None:
    try:
        doc = source.parse(text.encode(), "x.yaml")
    except InputError:
        return
    constructed = source._construct(source._compose(doc.text, "x.yaml"), "x.yaml")
    assert repr(doc.data) == repr(constructed)
    assert [type(key) for key in _containers_keys(doc.data)] == [type(key) for key in _containers_keys(constructed)]


def _containers_keys(data: Any) -> list[Any]:
    return [key for node in _containers(data) if isinstance(node, dict) for key in node]


def test_rules_loaded_again__same_bytes_same_set_any_change_read_anew(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("cases"))
    first = load_rules(folder)
    assert load_rules(folder) is first
    assert load_rules(folder, name="规则") is not first  # the name shown is part of every location
    path = folder / "straw_ban.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: 新", 1), encoding="utf-8")
    changed = load_rules(folder)
    assert changed is not first and changed.checklists["straw_ban"].title.startswith("新")
    path.write_text(path.read_text(encoding="utf-8").replace("title: 新", "title: [", 1), encoding="utf-8")
    with pytest.raises(InputError):
        load_rules(folder)
