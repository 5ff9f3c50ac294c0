"""Document numbers: unique and sequential per year, kept in a small SQLite file.

Two runs at the same time must never hand out the same number, so each allocation is one
``BEGIN IMMEDIATE`` transaction: SQLite lets one writer in at a time and the other waits.
The same inspection (the same answers file, by its SHA-256) asked for again gets the
number it already has, so rendering a notice twice does not burn a number.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from . import _sqlite
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


#: What a clerk is told for each cause of a failure (engine/_sqlite.py).
_CAUSES = {
    "full": "磁盘已满，没有编号",
    "read_only": "文件或它所在的文件夹是只读的",
    "locked": f"正被另一个程序使用，等了 {_sqlite.BUSY_SECONDS:g} 秒仍未轮到",
    "damaged": "文件已损坏",
    "io": "无法读写",
}


def _connect(path: Path) -> sqlite3.Connection:
    """The numbers file, created whole when missing. An existing file that is empty or not
    SQLite is refused, not given a new table: numbering would start again from 1 and repeat
    numbers already sent out."""
    if not os.path.lexists(path):
        _sqlite.create_whole(path, [SCHEMA])
    # Non-blocking: a pipe where the file should be must not hang the batch.
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)), "rb") as handle:
        head = handle.read(16) if os.path.isfile(path) else b"-"
    if head != _sqlite.HEADER:
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason="文件是空的（0 字节）" if not head else "不是 SQLite 数据库文件")
    connection = _sqlite.connect(path, write=True)
    if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'document_numbers'").fetchone() is None:
        connection.close()
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason="这是另一种 SQLite 数据库，不是文号记录")
    return connection


def allocate(path: str | Path, inspection: str, *, kind: str = "notice", year: int | None = None, now: dt.datetime | None = None) -> DocumentNumber:
    """The number of ``inspection``'s document of ``kind``: its old one, or the next free one.
    A numbers file that cannot be used (damaged, read-only, on a full disk) is NUMBER_001,
    with the cause."""
    try:
        return _allocate(Path(path), inspection, kind, year, now)
    except (sqlite3.Error, OSError) as exc:
        cause = _sqlite.cause(exc, writing=True)
        reason = _sqlite.reason(exc, writing=True)
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason=f"{_CAUSES[cause]}（{reason}）" if cause else reason) from None


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
            _sqlite.rollback_quietly(connection)
            raise
    return DocumentNumber(row[0], row[1])
