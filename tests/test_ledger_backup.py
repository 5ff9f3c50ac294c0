"""`lantian ledger backup` and `lantian ledger upgrade` as an office runs them: real ledgers
and numbers files, read back with SQLite and with Lantian itself."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from engine import ledger
from helpers import EXAMPLES, lantian, office_folder

ONE_FINDING = Path(__file__).parent / "data" / "dust_one_finding.yaml"


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """An office that recorded two inspections and numbered their notices."""
    root = office_folder(tmp_path_factory.mktemp("office"))
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(ONE_FINDING.read_bytes())
    (inbox / "b.yaml").write_bytes((EXAMPLES / "straw_ban_noncompliant.yaml").read_bytes())
    result = lantian("batch", str(inbox), "-o", str(root / "out"), "--settings", str(root / "office.yaml"), "-j", "1")
    assert result.exit_code == 1, result.output
    return root


def settings_of(office: Path) -> list[str]:
    return ["--settings", str(office / "office.yaml")]


def listed(*args: str) -> list:
    result = lantian("ledger", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["findings"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup__the_ledger_and_the_numbers__each_a_whole_copy(office: Path, tmp_path: Path) -> None:
    result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(office))
    assert result.exit_code == 0, result.output
    copied = tmp_path / "备份" / "office.ledger.sqlite"
    assert "已备份" in result.stdout and str(copied) in result.stdout
    assert lantian("ledger", "check", "--ledger", str(copied), *settings_of(office)).exit_code == 0
    assert listed("--ledger", str(copied), *settings_of(office)) == listed(*settings_of(office))
    with sqlite3.connect(tmp_path / "备份" / "office.numbers.sqlite") as copy, sqlite3.connect(office / "office.numbers.sqlite") as kept:
        query = "SELECT year, seq, kind, inspection FROM document_numbers ORDER BY seq"
        assert copy.execute(query).fetchall() == kept.execute(query).fetchall() != []
    copy.close()
    kept.close()


def test_backup__while_another_program_is_recording__the_last_committed_state(office: Path, tmp_path: Path) -> None:
    """Should copy the ledger as its last finished write left it, while a write is under way
    (SQLite's online backup), and leave that write to finish."""
    path = office / "office.ledger.sqlite"
    before = len(ledger.findings(path))
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE findings SET status = 'closed'")  # not committed while the backup runs
        result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(office))
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    copied = ledger.findings(tmp_path / "备份" / "office.ledger.sqlite")
    assert len(copied) == before and all(row.status != "closed" for row in copied)


def test_backup__into_a_folder_holding_a_backup__io_014_nothing_replaced(office: Path, tmp_path: Path) -> None:
    assert lantian("ledger", "backup", "-o", str(tmp_path), *settings_of(office)).exit_code == 0
    before = {path.name: digest(path) for path in tmp_path.iterdir()}
    again = lantian("ledger", "backup", "-o", str(tmp_path), *settings_of(office))
    assert again.exit_code == 2 and again.stderr.count("[IO_014]") == 2, again.output
    assert {path.name: digest(path) for path in tmp_path.iterdir()} == before


def test_backup__no_numbers_yet__the_ledger_alone(tmp_path: Path) -> None:
    office = office_folder(tmp_path / "office")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ok.yaml").write_bytes((EXAMPLES / "dust_six_100pct_compliant.yaml").read_bytes())
    assert lantian("batch", str(inbox), "-o", str(tmp_path / "out"), *settings_of(office), "-j", "1").exit_code == 0
    assert not (office / "office.numbers.sqlite").exists()
    result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(office))
    assert result.exit_code == 0 and "没有发文号记录" in result.stdout and "NUMBER_004" not in result.stderr, result.output
    assert sorted(path.name for path in (tmp_path / "备份").iterdir()) == ["office.ledger.sqlite"]


def _copy_of(office: Path, folder: Path, names=("office.yaml", "office.ledger.sqlite", "office.numbers.sqlite")) -> Path:
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes((office / name).read_bytes())
    return folder


def test_backup__numbers_file_gone_but_numbers_in_the_ledger__number_004_warning(office: Path, tmp_path: Path) -> None:
    """Should back the ledger up and warn (NUMBER_004) that the numbers file is missing while
    the ledger holds notice numbers: without it the next notice would be numbered 1 again."""
    moved = _copy_of(office, tmp_path / "office", names=("office.yaml", "office.ledger.sqlite"))
    result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(moved))
    assert result.exit_code == 0 and "[NUMBER_004]" in result.stderr, result.output
    assert sorted(path.name for path in (tmp_path / "备份").iterdir()) == ["office.ledger.sqlite"]


def test_backup__numbers_file_unusable__number_001_and_no_half_backup(office: Path, tmp_path: Path) -> None:
    """Should write neither copy when the second cannot be made: a folder holding the ledger
    alone would pass for a backup made before any number was given."""
    broken = _copy_of(office, tmp_path / "office", names=("office.yaml", "office.ledger.sqlite"))
    (broken / "office.numbers.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)  # a header and nothing else
    result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(broken))
    assert result.exit_code == 2 and "[NUMBER_001]" in result.stderr and "Traceback" not in result.output, result.output
    assert list((tmp_path / "备份").iterdir()) == []


def test_backup__damaged_ledger__ledger_011_and_no_backup(office: Path, tmp_path: Path) -> None:
    damaged = _copy_of(office, tmp_path / "office")
    path = damaged / "office.ledger.sqlite"
    with sqlite3.connect(path) as connection:  # an index's page, scribbled over: found only by the integrity check
        (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_inspections_1'").fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    data = bytearray(path.read_bytes())
    offset = (root - 1) * size
    data[offset : offset + 64] = bytes((offset + i) * 37 % 256 for i in range(64))
    path.write_bytes(bytes(data))
    result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(damaged))
    assert result.exit_code == 2 and "[LEDGER_011]" in result.stderr, result.output
    assert not (tmp_path / "备份").exists() or list((tmp_path / "备份").iterdir()) == []


def test_backup__no_ledger__ledger_010(tmp_path: Path) -> None:
    office = office_folder(tmp_path / "office")
    result = lantian("ledger", "backup", "-o", str(tmp_path / "备份"), *settings_of(office))
    assert result.exit_code == 2 and "[LEDGER_010]" in result.stderr, result.output


def _version_1(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        for statement in ledger.MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 1")
    connection.close()


def _version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
    connection.close()
    return int(version)


def test_upgrade__an_old_ledger__brought_up_to_this_version_once(tmp_path: Path) -> None:
    path = tmp_path / "old.ledger.sqlite"
    _version_1(path)
    office = office_folder(tmp_path / "office")
    first = lantian("ledger", "upgrade", "--ledger", str(path), *settings_of(office))
    assert first.exit_code == 0 and f"从第 1 版升级到第 {ledger.SCHEMA_VERSION} 版" in first.stdout, first.output
    assert _version(path) == ledger.SCHEMA_VERSION
    again = lantian("ledger", "upgrade", "--ledger", str(path), *settings_of(office))
    assert again.exit_code == 0 and "没有改动" in again.stdout, again.output


def test_upgrade__a_ledger_of_a_newer_lantian__ledger_004_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "new.ledger.sqlite"
    _version_1(path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {ledger.SCHEMA_VERSION + 1}")
    connection.close()
    before = digest(path)
    office = office_folder(tmp_path / "office")
    result = lantian("ledger", "upgrade", "--ledger", str(path), *settings_of(office))
    assert result.exit_code == 2 and "[LEDGER_004]" in result.stderr, result.output
    assert digest(path) == before
