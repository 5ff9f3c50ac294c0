"""`lantian check examples/*.yaml --format json` against golden results kept in the tests.

Run ``pytest --update-golden`` after an intended change, and review the diff like code. The
golden results hold the examples they were made from, so an example added later is checked by
test_examples__each_verdict_as_named until the goldens are made again; and they hold a
placeholder for the SHA-256 of rules/_legal.yaml, checked against the file itself, so that a
reference added to the legal file does not change them.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

import cli
from helpers import ROOT

GOLDEN = ROOT / "tests" / "golden" / "check_examples.json"
LEGAL_SHA256 = "<SHA-256 of rules/_legal.yaml>"


def _with_placeholders(document: dict) -> dict:
    """``document`` with the legal file's hash, once checked to be that file's, as LEGAL_SHA256."""
    legal = hashlib.sha256((ROOT / "rules" / "_legal.yaml").read_bytes()).hexdigest()
    for checked in document["results"]:
        assert checked["checklist"]["legal_sha256"] == legal
        checked["checklist"]["legal_sha256"] = LEGAL_SHA256
    return document


def _golden_files(update: bool) -> list[str]:
    """The examples the goldens were made from; every example when they are made again."""
    if update or not GOLDEN.exists():
        return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yaml"))
    return [checked["file"] for checked in json.loads(GOLDEN.read_text(encoding="utf-8"))["results"]]


def test_examples__json__match_golden(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.chdir(ROOT)
    update = request.config.getoption("--update-golden")
    files = _golden_files(update)
    result = runner.invoke(cli.cli, ["--rules", "rules", "check", *files, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1  # the examples hold compliant and non-compliant sites
    document = _with_placeholders(json.loads(result.stdout))
    document.pop("lantian")  # the version number, which changes on release
    if update:
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
    files = _golden_files(False)
    result = runner.invoke(cli.cli, ["--rules", "rules", "check", *files, "--format", "json", "--format-version", "1"], catch_exceptions=False)
    document = _with_placeholders(json.loads(result.stdout))
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
