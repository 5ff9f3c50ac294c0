"""Document numbers: sequential per year, one per inspection, unique under concurrent runs."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
from pathlib import Path

from engine.numbering import DocumentNumber, allocate


def test_number__sequential_per_year_and_stable_per_inspection(tmp_path: Path) -> None:
    db = tmp_path / "numbers.sqlite"
    first = allocate(db, "sha-a", year=2024)
    second = allocate(db, "sha-b", year=2024)
    again = allocate(db, "sha-a", year=2024)
    next_year = allocate(db, "sha-c", year=2025)
    assert (first, second, again, next_year) == (DocumentNumber(2024, 1), DocumentNumber(2024, 2), DocumentNumber(2024, 1), DocumentNumber(2025, 1))
    assert first.format("XX镇环〔{year}〕{seq}号") == "XX镇环〔2024〕1号"


def test_number__year_from_clock_by_default(tmp_path: Path) -> None:
    number = allocate(tmp_path / "n.sqlite", "x", now=dt.datetime(2024, 12, 31, 23, 59))
    assert number == DocumentNumber(2024, 1)


def _worker(args: tuple[str, int, int]) -> list[tuple[int, int]]:
    db, start, count = args
    return [tuple(vars(allocate(db, f"inspection-{start + n}", year=2024)).values()) for n in range(count)]


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
