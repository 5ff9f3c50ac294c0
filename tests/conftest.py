from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings
from postgres_server import Server as PostgresServer
from postgres_server import binaries as postgres_binaries

from engine import load_rules
from engine.model import RuleSet
from helpers import RULES

# The tests never read or fill the user's caches and settings: the font cache starts empty in
# a folder of this test run (so the tests pay for, and cover, cutting the font), and no
# LANTIAN_* variable of the user's shell changes what a test sees. Commands the tests start
# as subprocesses inherit the same environment.
_PER_RUN = Path(tempfile.mkdtemp(prefix="lantian-tests-"))
atexit.register(shutil.rmtree, _PER_RUN, ignore_errors=True)
for _variable in ("LANTIAN_SETTINGS", "LANTIAN_RULES", "LANTIAN_DEBUG", "LANTIAN_LEDGER"):
    os.environ.pop(_variable, None)
# The test run already keeps every core busy (pytest-xdist): a batch starting worker processes
# of its own would only add their start-up. The tests of the workers pass -j themselves.
os.environ["LANTIAN_WORKERS"] = "1"
os.environ["LANTIAN_CACHE"] = str(_PER_RUN / "cache")
for _variable, _folder in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
    os.environ[_variable] = str(_PER_RUN / _folder)

# In CI the property tests draw the same examples every run, so that a red build can be rerun.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden from the current output")
    parser.addoption("--screenshots", action="store_true", help="save the browser test's pages in out/screenshots/, at phone and desktop size, to be looked at")


#: The modules that take longest, longest first: they drive a browser, serve many inspectors
#: at once, render documents, record campaigns, start database servers or kill processes, in
#: few tests each.
_SLOWEST_FIRST = (
    "test_serve_browser.py",
    "test_serve_load.py",
    "test_serve.py",
    "test_ledger_faults.py",
    "test_ledger_server.py",
    "test_ledger_county.py",
    "test_ledger_sync.py",
    "test_county_report.py",
    "test_documents.py",
    "test_campaign_2026.py",
    "test_output_safety.py",
    "test_packaging.py",
    "test_campaign.py",
    "test_hostile_inputs.py",
    "test_typeset.py",
    "test_ledger_hostile.py",
    "test_citations.py",
)


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's loadscope hands out the modules with the most tests first, which leaves
    # the slowest ones (few tests each) for the end: one worker runs them while the other
    # idles. Handing out modules in collection order, slowest first, keeps both busy.
    if getattr(config.option, "loadscopereorder", None) is not None:
        config.option.loadscopereorder = False


def pytest_collection_finish(session: pytest.Session) -> None:
    # A worker holds the whole suite's objects (modules, collected tests, module fixtures), and
    # WeasyPrint allocates millions of short-lived ones a document: Python's collector walked
    # the former again and again (about 9 % of the suite's time). They are frozen out of its
    # reach once collected, and the young generation is collected less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(_SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each module keeps its order


@pytest.fixture(scope="session")
def fast_password_hashes() -> Iterator[str]:
    """The web app's scrypt at N = 2^10 instead of 2^15 (as Django's docs advise for test runs):
    the same hash, 30 times cheaper, for tests that log in a hundred times. The production cost
    is what it yields, for the one test that checks it."""
    from webapp import users

    production = users.PASSWORD_HASH
    users.PASSWORD_HASH = "scrypt:1024:8:1"
    yield production
    users.PASSWORD_HASH = production


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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server of this test run's own (tests/postgres_server.py), shared by a
    worker's tests; `./dev.sh test` installs the distribution's server. Without one the tests
    that need it are skipped, except in CI, where that is a failure."""
    found = postgres_binaries()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are not installed: ./dev.sh test installs them")
        pytest.skip("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")
    with PostgresServer.running(found) as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> str:
    """The address of an empty ledger on the PostgreSQL server: a schema of its own."""
    return postgres.new_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_location(request: pytest.FixtureRequest, tmp_path: Path):
    """Where a new, empty ledger is: a file that does not exist yet, or an empty schema on the
    PostgreSQL server. A test that takes it runs once on each engine."""
    from engine import ledger

    if request.param == "sqlite":
        return tmp_path / "ledger.sqlite"
    return ledger.ledger_at(request.getfixturevalue("postgres_url"))
