"""`lantian check examples/*.yaml --format json` against golden results kept in the tests.

Run ``pytest --update-golden`` after an intended change, and review the diff like code.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import cli
from helpers import ROOT

GOLDEN = ROOT / "tests" / "golden" / "check_examples.json"


def test_examples__json__match_golden(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.chdir(ROOT)
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yaml"))
    result = runner.invoke(cli.cli, ["--rules", "rules", "check", *files, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1  # the examples hold compliant and non-compliant sites
    document = json.loads(result.stdout)
    document.pop("lantian")  # the version number, which changes on release
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert document == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_examples__each_verdict_as_named(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should find every example compliant or not as its file name says."""
    monkeypatch.chdir(ROOT)
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        result = runner.invoke(cli.cli, ["--rules", "rules", "check", str(path.relative_to(ROOT))])
        expected = 0 if path.stem.endswith("_compliant") else 1
        assert result.exit_code == expected, path.name


def test_examples__json_format_version_1__record_only_items_pass_as_before(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should still print version 1 with --format-version 1: the golden document, with the
    items that only record a fact marked "pass" as they were before version 2."""
    monkeypatch.chdir(ROOT)
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yaml"))
    result = runner.invoke(cli.cli, ["--rules", "rules", "check", *files, "--format", "json", "--format-version", "1"], catch_exceptions=False)
    document = json.loads(result.stdout)
    document.pop("lantian")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    expected["format_version"] = 1
    recorded = 0
    for checked in expected["results"]:
        for item in checked["items"]:
            if item["status"] == "recorded":
                assert item["judged"] is False
                item["status"] = "pass"
                recorded += 1
    assert recorded > 0 and document == expected


def test_examples__json__recorded_only_for_items_not_judged() -> None:
    """Should call "pass" only an item that was judged and complied."""
    document = json.loads(GOLDEN.read_text(encoding="utf-8"))
    items = [item for checked in document["results"] for item in checked["items"]]
    assert all(not item["judged"] for item in items if item["status"] == "recorded")
    assert all(item["judged"] for item in items if item["status"] in ("pass", "fail"))
