"""Document numbers: unique and sequential per year, kept in a small SQLite file beside the
office settings, or, for a ledger on a county's server, in that database per office
(its document_numbers table: engine/ledger.py, migration 7).

Two runs at the same time must never hand out the same number, so each allocation is one
``BEGIN IMMEDIATE`` transaction: SQLite lets one writer in at a time and the other waits.
The same inspection (the same answers file, by its SHA-256) asked for again gets the
number it already has, so rendering a notice twice does not burn a number.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _postgres, _sqlite
from .errors import ErrorCode, LantianError

SCHEMA = """
CREATE TABLE IF NOT EXISTS document_numbers (
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    inspection TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    decided_on TEXT,
    PRIMARY KEY (kind, year, seq),
    UNIQUE (kind, inspection)
)
"""
#: Numbers files made before the notice's date was kept lack its column; it is added on the
#: first allocation (their old numbers keep no date: NULL).
_ADD_DECIDED_ON = "ALTER TABLE document_numbers ADD COLUMN decided_on TEXT"


@dataclass(frozen=True)
class DocumentNumber:
    year: int
    seq: int
    decided_on: dt.date | None = None  #: the day of the document it was given to, once issued (None: not yet, or numbered before the day was kept)

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


def _require_sqlite(path: Path) -> None:
    reason = _sqlite.not_a_database(path) or _sqlite.odd_side_file(path)
    if reason is not None:
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason=reason)


def _connect(path: Path) -> sqlite3.Connection:
    """The numbers file, created whole when missing. An existing file that is empty or not
    SQLite is refused, not given a new table: numbering would start again from 1 and repeat
    numbers already sent out."""
    if not os.path.lexists(path):
        _sqlite.create_whole(path, [SCHEMA])
    _require_sqlite(path)
    connection = _sqlite.connect(path, write=True)
    if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'document_numbers'").fetchone() is None:
        connection.close()
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason="这是另一种 SQLite 数据库，不是文号记录")
    return connection


def _unusable(path: str | Path, exc: sqlite3.Error | OSError, *, writing: bool) -> LantianError:
    cause = _sqlite.cause(exc, writing=writing)
    reason = _sqlite.reason(exc, writing=writing)
    return LantianError.of(ErrorCode.NUMBER_001, str(path), reason=f"{_CAUSES[cause]}（{reason}）" if cause else reason)


#: Where the numbers are: the numbers file, or a ledger's database on a server (its office's).
NumbersAt = str | Path | _postgres.Address


def allocate(path: NumbersAt, inspection: str, *, kind: str = "notice", year: int | None = None, now: dt.datetime | None = None) -> DocumentNumber:
    """The number of ``inspection``'s document of ``kind``: its old one, or the next free one.
    A numbers file that cannot be used (damaged, read-only, on a full disk) is NUMBER_001,
    with the cause."""
    moment = now or dt.datetime.now()
    number_year = year or moment.year
    if isinstance(path, _postgres.Address):
        return _allocate_on_server(path, inspection, kind, number_year, moment)

    def next_free(connection: sqlite3.Connection) -> Any:
        row = connection.execute("SELECT year, seq, decided_on FROM document_numbers WHERE kind = ? AND inspection = ?", (kind, inspection)).fetchone()
        if row is not None:
            return row
        (last,) = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM document_numbers WHERE kind = ? AND year = ?", (kind, number_year)).fetchone()
        connection.execute(
            "INSERT INTO document_numbers (year, seq, kind, inspection, issued_at) VALUES (?, ?, ?, ?, ?)",
            (number_year, last + 1, kind, inspection, moment.isoformat(timespec="seconds")),
        )
        return {"year": number_year, "seq": last + 1, "decided_on": None}

    return _number(Path(path), _in_transaction(Path(path), next_free))


def issued(path: NumbersAt, inspection: str, *, kind: str = "notice", day: dt.date) -> DocumentNumber | None:
    """Keep ``day`` as the day of ``inspection``'s numbered document once it is issued (its PDF
    written, or the inspection recorded in the ledger), unless one is kept already: the first
    issue's day stands. The number with the day kept; None when this file gave it no number
    (the ledger's number was used, from another office's numbers file)."""
    if isinstance(path, _postgres.Address):
        return _issued_on_server(path, inspection, kind, day)

    def keep(connection: sqlite3.Connection) -> Any:
        connection.execute(
            "UPDATE document_numbers SET decided_on = ? WHERE kind = ? AND inspection = ? AND decided_on IS NULL", (day.isoformat(), kind, inspection)
        )
        return connection.execute("SELECT year, seq, decided_on FROM document_numbers WHERE kind = ? AND inspection = ?", (kind, inspection)).fetchone()

    row = _in_transaction(Path(path), keep)
    return _number(Path(path), row) if row is not None else None


def _in_transaction(path: Path, work: Callable[[sqlite3.Connection], Any]) -> Any:
    """``work`` done in one write transaction of the numbers file (created when missing, its
    table brought up to date), every failure NUMBER_001 with its cause."""
    try:
        with closing(_connect(path)) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if "decided_on" not in {column["name"] for column in connection.execute("PRAGMA table_info(document_numbers)")}:
                    connection.execute(_ADD_DECIDED_ON)
                done = work(connection)
                connection.execute("COMMIT")
            except BaseException:
                _sqlite.rollback_quietly(connection)
                raise
    except (sqlite3.Error, OSError) as exc:
        raise _unusable(path, exc, writing=True) from None
    return done


def _number(path: NumbersAt, row: Any) -> DocumentNumber:
    try:
        day = dt.date.fromisoformat(row["decided_on"]) if row["decided_on"] is not None else None
    except (TypeError, ValueError):
        raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason=f"文件已损坏（日期 {str(row['decided_on'])[:40]!r} 不是日期）") from None
    return DocumentNumber(row["year"], row["seq"], day)


def given(path: NumbersAt, inspection: str, *, kind: str = "notice") -> DocumentNumber | None:
    """The number ``inspection``'s document of ``kind`` was given, with its day, or None;
    read only: a missing numbers file means nothing was numbered yet."""
    if isinstance(path, _postgres.Address):
        return _given_on_server(path, inspection, kind)
    if not os.path.lexists(path):
        return None
    rows = _read(Path(path), "year, seq", "WHERE kind = ? AND inspection = ?", (kind, inspection))
    return _number(Path(path), rows[0]) if rows else None


def backup(path: str | Path, into: Path) -> bool:
    """Copy the numbers file as it stands into the empty file ``into``, for a backup (SQLite's
    online backup: numbers may go on being given meanwhile), checked whole; False when there
    is no numbers file yet. A file that cannot be read or is damaged is NUMBER_001."""
    path = Path(path)
    if not os.path.lexists(path):
        return False

    def copy() -> None:
        with closing(_sqlite.connect(path, write=False)) as connection:
            if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'document_numbers'").fetchone() is None:
                raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason="这是另一种 SQLite 数据库，不是文号记录")
            with _sqlite.backup_into(connection, into) as copied:
                found = [str(row[0]) for row in copied.execute("PRAGMA integrity_check(3)")]
                if found != ["ok"]:
                    raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason=f"{_CAUSES['damaged']}（{'；'.join(found)}）")

    try:
        _require_sqlite(path)
        try:
            copy()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != _sqlite.SQLITE_READONLY_ROLLBACK:
                raise
            _sqlite.finish_interrupted_write(path)  # as every reader does: the killed allocation undone
            into.write_bytes(b"")
            copy()
    except (sqlite3.Error, OSError) as exc:
        raise _unusable(path, exc, writing=False) from None
    return True


@dataclass(frozen=True)
class Given:
    """One number a numbers file gave: to which inspection (answers SHA-256), of what kind."""

    kind: str
    number: DocumentNumber
    inspection: str
    issued_at: str


def every_number(path: str | Path) -> list[Given]:
    """Every number the numbers file gave, oldest first; none when there is no file yet."""
    if not os.path.lexists(path):
        return []
    rows = _read(Path(path), "kind, year, seq, inspection, issued_at", "ORDER BY issued_at, kind, year, seq")
    return [Given(row["kind"], _number(Path(path), row), row["inspection"], row["issued_at"]) for row in rows]


def _read(path: Path, columns: str, rest: str, values: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """``SELECT columns, decided_on FROM document_numbers rest`` of a numbers file, read only
    (decided_on NULL in a file older than it). An allocation killed midway has its journal
    undone first, as every reader does; a file that cannot be read is NUMBER_001."""

    def rows() -> list[sqlite3.Row]:
        with closing(_sqlite.connect(path, write=False)) as connection:
            found = {column["name"] for column in connection.execute("PRAGMA table_info(document_numbers)")}
            if not found:
                raise LantianError.of(ErrorCode.NUMBER_001, str(path), reason="这是另一种 SQLite 数据库，不是文号记录")
            day = "decided_on" if "decided_on" in found else "NULL AS decided_on"
            return connection.execute(f"SELECT {columns}, {day} FROM document_numbers {rest}", values).fetchall()

    try:
        _require_sqlite(path)
        try:
            return rows()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != _sqlite.SQLITE_READONLY_ROLLBACK:
                raise
            _sqlite.finish_interrupted_write(path)
            return rows()
    except (sqlite3.Error, OSError) as exc:
        raise _unusable(path, exc, writing=False) from None


# -- on a server: the ledger's database, per office --------------------------------------------

_ON_SERVER_GIVEN = "SELECT year, seq, decided_on FROM document_numbers WHERE office = ? AND kind = ? AND inspection = ?"


def _allocate_on_server(address: _postgres.Address, inspection: str, kind: str, year: int, moment: dt.datetime) -> DocumentNumber:
    from . import ledger

    office = address.office or ""
    with ledger.numbers_on_server(address, write=True) as connection:
        row = connection.execute(_ON_SERVER_GIVEN, (office, kind, inspection)).fetchone()
        if row is None:
            (last,) = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM document_numbers WHERE office = ? AND kind = ? AND year = ?", (office, kind, year)).fetchone()
            connection.execute(
                "INSERT INTO document_numbers (office, kind, year, seq, inspection, issued_at) VALUES (?, ?, ?, ?, ?, ?)",
                (office, kind, year, last + 1, inspection, moment.isoformat(timespec="seconds")),
            )
            return DocumentNumber(year, last + 1)
    return _number(address, row)


def _issued_on_server(address: _postgres.Address, inspection: str, kind: str, day: dt.date) -> DocumentNumber | None:
    from . import ledger

    office = address.office or ""
    with ledger.numbers_on_server(address, write=True) as connection:
        connection.execute(
            "UPDATE document_numbers SET decided_on = ? WHERE office = ? AND kind = ? AND inspection = ? AND decided_on IS NULL", (day.isoformat(), office, kind, inspection)
        )
        row = connection.execute(_ON_SERVER_GIVEN, (office, kind, inspection)).fetchone()
    return _number(address, row) if row is not None else None


def _given_on_server(address: _postgres.Address, inspection: str, kind: str) -> DocumentNumber | None:
    from . import ledger

    if not ledger.exists(address):
        return None  # nothing numbered yet: reading never sets up the database
    with ledger.numbers_on_server(address, write=False) as connection:
        row = connection.execute(_ON_SERVER_GIVEN, (address.office or "", kind, inspection)).fetchone()
    return _number(address, row) if row is not None else None
