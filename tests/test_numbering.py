"""Document numbers: sequential per year, one per inspection, unique under concurrent runs."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from engine.errors import LantianError
from engine.numbering import SCHEMA, DocumentNumber, allocate, given, issued


def test_number__sequential_per_year_and_stable_per_inspection(tmp_path: Path) -> None:
    db = tmp_path / "numbers.sqlite"
    first = allocate(db, "sha-a", year=2024)
    second = allocate(db, "sha-b", year=2024)
    again = allocate(db, "sha-a", year=2024)
    next_year = allocate(db, "sha-c", year=2025)
    assert (first, second, again, next_year) == (DocumentNumber(2024, 1), DocumentNumber(2024, 2), DocumentNumber(2024, 1), DocumentNumber(2025, 1))
    assert first.format("XX镇环〔{year}〕{seq}号") == "XX镇环〔2024〕1号"


def test_number__day_kept_once_issued_the_first_issue_stands(tmp_path: Path) -> None:
    """Should keep no day for a number handed out (its notice may never be written), keep the
    day once the notice is issued, and not change it when the same inspection is issued
    again with another day."""
    db = tmp_path / "numbers.sqlite"
    assert given(db, "sha-a") is None and not db.exists()  # asking creates nothing
    assert allocate(db, "sha-a", year=2024) == DocumentNumber(2024, 1, None)
    assert given(db, "sha-a") == DocumentNumber(2024, 1, None)
    assert issued(db, "sha-a", day=dt.date(2024, 11, 8)) == DocumentNumber(2024, 1, dt.date(2024, 11, 8))
    assert issued(db, "sha-a", day=dt.date(2024, 11, 20)) == DocumentNumber(2024, 1, dt.date(2024, 11, 8))
    assert allocate(db, "sha-a", year=2024) == given(db, "sha-a") == DocumentNumber(2024, 1, dt.date(2024, 11, 8))
    assert given(db, "sha-b") is None and given(db, "sha-a", kind="other") is None
    assert issued(db, "sha-never-numbered", day=dt.date(2024, 11, 8)) is None


def test_number__file_from_before_the_day_was_kept__column_added_old_numbers_without_day(tmp_path: Path) -> None:
    db = tmp_path / "numbers.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute(SCHEMA.replace("    decided_on TEXT,\n", ""))
        connection.execute("INSERT INTO document_numbers VALUES (2024, 1, 'notice', 'sha-old', '2024-11-05T10:00:00')")
    connection.close()
    assert given(db, "sha-old") == DocumentNumber(2024, 1, None)  # read-only: the old file as it is
    assert allocate(db, "sha-new", year=2024) == DocumentNumber(2024, 2)
    assert issued(db, "sha-new", day=dt.date(2024, 11, 9)) == DocumentNumber(2024, 2, dt.date(2024, 11, 9))
    assert given(db, "sha-old") == DocumentNumber(2024, 1, None)


def test_number__day_that_is_not_a_date__damaged_number_001(tmp_path: Path) -> None:
    db = tmp_path / "numbers.sqlite"
    allocate(db, "sha-a", year=2024)
    issued(db, "sha-a", day=dt.date(2024, 11, 8))
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE document_numbers SET decided_on = '2024-13-45'")
    connection.close()
    with pytest.raises(LantianError) as refused:
        given(db, "sha-a")
    assert refused.value.problems[0].code.name == "NUMBER_001" and "2024-13-45" in refused.value.problems[0].message


def test_number__year_from_clock_by_default(tmp_path: Path) -> None:
    number = allocate(tmp_path / "n.sqlite", "x", now=dt.datetime(2024, 12, 31, 23, 59))
    assert number == DocumentNumber(2024, 1)


def _worker(args: tuple[str, int, int]) -> list[tuple[int, int]]:
    db, start, count = args
    return [(number.year, number.seq) for number in (allocate(db, f"inspection-{start + n}", year=2024) for n in range(count))]


def test_number__two_concurrent_runs__never_share_a_number(tmp_path: Path) -> None:
    """Should give 2 × 60 inspections, allocated by two processes at once, 120 distinct numbers 1..120."""
    db = str(tmp_path / "numbers.sqlite")
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        batches = pool.map(_worker, [(db, 0, 60), (db, 1000, 60)])
    numbers = [seq for batch in batches for _, seq in batch]
    assert sorted(numbers) == list(range(1, 121))
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM document_numbers").fetchone() == (120, 120)


KILLED_ALLOCATION = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=DELETE")
connection.execute("PRAGMA cache_size=1")  # changed pages go to the file before the commit: the journal is hot
connection.execute("BEGIN IMMEDIATE")
for seq in range(2, 400):
    connection.execute("INSERT INTO document_numbers (year, seq, kind, inspection, issued_at) VALUES (2024, ?, 'town_notice', ?, '2024-11-05')", (seq, "x" * 200 + str(seq)))
os._exit(9)  # killed in the middle of an allocation
"""


def test_every_number__after_an_allocation_killed_midway__its_journal_undone_first(tmp_path: Path) -> None:
    """Should read every number given (as a push does) after an allocation was killed in the
    middle: the half-written allocation undone first, as reading one number does, not refused."""
    import subprocess
    import sys

    from engine.numbering import allocate, every_number

    path = tmp_path / "office.numbers.sqlite"
    allocate(path, "first inspection", kind="town_notice", year=2024)
    killed = subprocess.run([sys.executable, "-c", KILLED_ALLOCATION, str(path)], check=False)
    assert killed.returncode == 9 and Path(f"{path}-journal").exists()
    assert [(number.inspection, number.number.seq) for number in every_number(path)] == [("first inspection", 1)]
    assert not Path(f"{path}-journal").exists()
