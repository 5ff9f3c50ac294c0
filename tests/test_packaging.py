"""A plain (not editable) install carries the rules, schemas and templates, and runs from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

SHIPPED = ["setup.cfg", "pyproject.toml", "README.md", "cli.py", "engine", "webapp", "rules", "templates"]


def test_install__plain__works_from_another_folder(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in SHIPPED:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, source / name)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--no-build-isolation", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    assert (target / "engine" / "rules" / "dust_six_100pct.yaml").is_file()
    assert (target / "engine" / "rules" / "_legal.yaml").is_file()
    assert (target / "engine" / "schemas" / "checklist.schema.json").is_file()
    assert (target / "engine" / "templates" / "answers.yaml.j2").is_file()
    assert (target / "engine" / "templates" / "notice.html").is_file()
    assert (target / "engine" / "templates" / "css" / "official.css").is_file()
    assert (target / "engine" / "rules" / "cases" / "dust_six_100pct.yaml").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("LANTIAN_RULES", None)
    probe = subprocess.run(
        [sys.executable, "-c", "import engine, cli; print(engine.__file__); cli.main(['rules', 'check'])"],
        cwd=elsewhere, env=env, capture_output=True, text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.splitlines()[0].startswith(str(target))
    assert "个检查表" in probe.stdout and "没有错误" in probe.stdout
    example = (ROOT / "examples" / "dust_six_100pct_noncompliant.yaml").read_bytes()
    checked = subprocess.run(
        [sys.executable, "-c", "import cli; cli.main(['check', '-'])"],
        cwd=elsewhere, env=env, input=example, capture_output=True,
    )
    assert checked.returncode == 1, checked.stderr.decode()
    assert "结论：不合格" in checked.stdout.decode()
