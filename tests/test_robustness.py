"""No file a person can type makes the engine crash or run away: it checks, or it says what is wrong."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine import InputError, check
from engine.loader import build_checklist
from engine.schema import SCHEMAS, load_schema
from engine.source import load_source
from helpers import RULES, dust_answers

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("name", SCHEMAS)
def test_schemas__are_valid_json_schemas(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


def test_rule_files__start_with_schema_line_for_editors() -> None:
    """Should point editors' YAML plugins at the shipped schema from every rule file, in the
    comments it starts with (where the plugin reads it; other comments may come first)."""
    for path in sorted(RULES.glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        head = lines[: next((n for n, line in enumerate(lines) if not line.startswith("#")), len(lines))]
        schema = "legal" if path.name == "_legal.yaml" else "checklist"
        assert f"# yaml-language-server: $schema=../engine/schemas/{schema}.schema.json" in head, path.name
        assert (RULES / ".." / "engine" / "schemas" / f"{schema}.schema.json").is_file()


@_SETTINGS
@given(st.binary(max_size=400))
def test_answers__any_bytes__checked_or_refused(rules, raw: bytes) -> None:
    _check_or_refuse(rules, raw)


_ANSWER_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from([".nan", ".inf", "-.inf", "1e400", "99999999999999999999999", "是", "否", "na", "不适用", "85%", "150%", "2024-11-05", "2024-02-30", "１００％", "", "[a, b]", "{value: 否, count: -1}"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.fixed_dictionaries({}, optional={"value": st.text(max_size=5), "count": st.integers(-3, 10**12), "note": st.text(max_size=5), "photos": st.lists(st.text(max_size=12), max_size=2)}),
)


@_SETTINGS
@given(st.dictionaries(st.sampled_from(["hoarding_closed", "hoarding_height", "bare_soil_cover_rate", "wash_log_date", "dust_measures", "monitor", "overview", "nope", "wash_in_use"]), _ANSWER_VALUES, max_size=6))
def test_answers__any_values_for_items__checked_or_refused(rules, values: dict) -> None:
    """Should never crash, whatever an inspector types against each kind of item."""
    overrides = {key: value if isinstance(value, str) and value.startswith((".", "1e", "99")) else json.dumps(value, ensure_ascii=False) for key, value in values.items()}
    _check_or_refuse(rules, dust_answers(overrides))


@_SETTINGS
@given(st.text(max_size=80))
def test_rule_expression__any_text__loads_or_refused(rules, text: str) -> None:
    """Should load or refuse a rule file whatever its pass: expression says."""
    source = (RULES / "dust_six_100pct.yaml").read_text(encoding="utf-8")
    _build_or_refuse(rules, source.replace("pass: value >= limit", "pass: " + json.dumps(text, ensure_ascii=False), 1))


@_SETTINGS
@given(st.text(alphabet=st.sampled_from(list("{}[]:-, \n'\"#&*!|>%@`abc是1.")), max_size=120))
def test_rule_file__any_yaml_shape__loads_or_refused(rules, text: str) -> None:
    _build_or_refuse(rules, text)


def _build_or_refuse(rules, text: str) -> None:
    """Build a checklist file against the bundled legal file, as load_rules builds each one
    (the legal file is read once for the run, not once per example)."""
    try:
        doc = load_source(text.encode("utf-8"), "fuzz.yaml", strict=False)
    except InputError as exc:
        assert exc.problems and all(p.message and p.location.file == "fuzz.yaml" for p in exc.problems)
        return
    checklist, problems = build_checklist(doc, rules.legal)
    assert checklist is not None or problems
    assert all(p.message and p.location.file == "fuzz.yaml" for p in problems)


def _check_or_refuse(rules, raw: bytes) -> None:
    try:
        result = check(raw, rules, name="fuzz.yaml")
    except InputError as exc:
        assert exc.problems and all(p.message and p.location.file == "fuzz.yaml" for p in exc.problems)
        return
    assert result.verdict in ("compliant", "non_compliant", "incomplete")
