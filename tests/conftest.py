from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from engine import load_rules
from engine.model import RuleSet
from helpers import RULES

# The tests never read or fill the user's caches and settings: the font cache starts empty in
# a folder of this test run (so the tests pay for, and cover, cutting the font), and no
# LANTIAN_* variable of the user's shell changes what a test sees. Commands the tests start
# as subprocesses inherit the same environment.
_PER_RUN = Path(tempfile.mkdtemp(prefix="lantian-tests-"))
atexit.register(shutil.rmtree, _PER_RUN, ignore_errors=True)
for _variable in ("LANTIAN_SETTINGS", "LANTIAN_RULES", "LANTIAN_DEBUG"):
    os.environ.pop(_variable, None)
os.environ["LANTIAN_CACHE"] = str(_PER_RUN / "cache")
for _variable, _folder in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
    os.environ[_variable] = str(_PER_RUN / _folder)

# In CI the property tests draw the same examples every run, so that a red build can be rerun.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden from the current output")


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules(RULES)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled rules folder."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target
