"""`lantian init`: a commented office settings file to fill in, for an office that has none."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from engine.errors import InputError
from engine.schema import load_schema
from engine.settings import OfficeSettings, load_settings, settings_template
from helpers import EXAMPLES, lantian


def test_init__writes_office_yaml_that_names_every_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should write ./office.yaml with every key the settings read (the retired seal_text aside),
    each explained, and say what to fill in."""
    monkeypatch.chdir(tmp_path)
    result = lantian("init")
    assert result.exit_code == 0, result.stderr
    assert "office.yaml" in result.stderr and "number_pattern" in result.stderr
    text = (tmp_path / "office.yaml").read_text(encoding="utf-8")
    assert text == settings_template()
    written = {line.lstrip("# ").split(":")[0] for line in text.splitlines() if line.lstrip("# ").split(":")[0] in load_schema("settings")["properties"]}
    # The settings' ledger is kept as written (ledger_setting): the property ledger is where it is.
    read = {field.removesuffix("_setting") for field in OfficeSettings.__dataclass_fields__ if field != "path"}
    assert written == read - {"seal_text"}
    assert set(yaml.safe_load((EXAMPLES / "office" / "office.yaml").read_text(encoding="utf-8"))) - {"seal_text"} <= written


def test_init__unfilled_required_keys__refused_at_their_lines(tmp_path: Path) -> None:
    """Should not let an office issue documents with the template as written: each empty
    required key is reported at its line."""
    path = tmp_path / "office.yaml"
    path.write_text(settings_template(), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_settings(path)
    lines = settings_template().splitlines()
    assert sorted((p.code.name, p.location.line) for p in exc.value.problems) == [
        ("SCHEMA_003", lines.index("office:") + 1),
        ("SCHEMA_003", lines.index("number_pattern:") + 1),
    ]


def test_init__filled_in_and_uncommented__loads(tmp_path: Path) -> None:
    """Should load once the required keys are filled and every optional example uncommented."""
    text = settings_template().replace("office:\n", "office: 东关镇人民政府\n").replace("number_pattern:\n", "number_pattern: 东环〔{year}〕{seq}号\n")
    text = "\n".join(line[2:] if line.startswith("# ") and ": " in line and line[2:].split(":")[0].isidentifier() else line for line in text.splitlines())
    path = tmp_path / "office.yaml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    assert settings.office == "东关镇人民政府" and settings.contact_phone == "0371-12345678" and settings.report_days == 3


def test_init__existing_file__kept_unless_force(tmp_path: Path) -> None:
    """Should refuse to replace an existing file (IO_010) and replace it, settings included, with --force."""
    target = tmp_path / "office.yaml"
    shutil.copy(EXAMPLES / "office" / "office.yaml", target)
    before = target.read_bytes()
    refused = lantian("init", "-o", str(target))
    assert refused.exit_code == 2 and "[IO_010]" in refused.stderr and "--force" in refused.stderr
    assert target.read_bytes() == before
    forced = lantian("init", "-o", str(target), "--force")
    assert forced.exit_code == 0 and target.read_text(encoding="utf-8") == settings_template()


def test_init__never_replaces_an_answers_file(tmp_path: Path) -> None:
    """Should keep refusing, even with --force, what an output never replaces."""
    target = tmp_path / "site.yaml"
    shutil.copy(EXAMPLES / "dust_six_100pct_compliant.yaml", target)
    result = lantian("init", "-o", str(target), "--force")
    assert result.exit_code == 2 and "[IO_016]" in result.stderr


def test_missing_settings__message_points_to_lantian_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should tell an office without settings to run lantian init, not to copy a file from the
    source tree it may not have."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANTIAN_SETTINGS", raising=False)
    shutil.copy(EXAMPLES / "dust_six_100pct_noncompliant.yaml", tmp_path / "site.yaml")
    result = lantian("notice", "site.yaml", "-o", "out")
    assert result.exit_code == 2 and "[SETTINGS_001]" in result.stderr
    assert "lantian init" in result.stderr and "examples/" not in result.stderr
