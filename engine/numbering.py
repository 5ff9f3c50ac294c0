"""Document numbers: unique and sequential per year, kept in a small SQLite file.

Two runs at the same time must never hand out the same number, so each allocation is one
``BEGIN IMMEDIATE`` transaction: SQLite lets one writer in at a time and the other waits.
The same inspection (the same answers file, by its SHA-256) asked for again gets the
number it already has, so rendering a notice twice does not burn a number.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .errors import ErrorCode, LantianError

SCHEMA = """
CREATE TABLE IF NOT EXISTS document_numbers (
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    inspection TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    PRIMARY KEY (kind, year, seq),
    UNIQUE (kind, inspection)
)
"""


@dataclass(frozen=True)
class DocumentNumber:
    year: int
    seq: int

    def format(self, pattern: str) -> str:
        """GB/T 9704: the full year in 〔〕, the serial without 第 or leading zeros."""
        return pattern.replace("{year}", str(self.year)).replace("{seq}", str(self.seq))


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 30000")
    connection.execute(SCHEMA)
    return connection


def allocate(path: str | Path, inspection: str, *, kind: str = "notice", year: int | None = None, now: dt.datetime | None = None) -> DocumentNumber:
    """The number of ``inspection``'s document of ``kind``: its old one, or the next free one.
    A numbers file that is not one (or is damaged) is NUMBER_001."""
    try:
        return _allocate(Path(path), inspection, kind, year, now)
    except sqlite3.Error as exc:
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason=str(exc)) from None


def _allocate(path: Path, inspection: str, kind: str, year: int | None, now: dt.datetime | None) -> DocumentNumber:
    moment = now or dt.datetime.now()
    number_year = year or moment.year
    with closing(_connect(Path(path))) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute(
                "SELECT year, seq FROM document_numbers WHERE kind = ? AND inspection = ?", (kind, inspection)
            ).fetchone()
            if row is None:
                (last,) = connection.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM document_numbers WHERE kind = ? AND year = ?", (kind, number_year)
                ).fetchone()
                row = (number_year, last + 1)
                connection.execute(
                    "INSERT INTO document_numbers (year, seq, kind, inspection, issued_at) VALUES (?, ?, ?, ?, ?)",
                    (row[0], row[1], kind, inspection, moment.isoformat(timespec="seconds")),
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return DocumentNumber(row[0], row[1])
