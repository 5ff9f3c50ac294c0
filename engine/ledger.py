"""The rectification ledger (整改台账): every inspection, every finding and the history of
each finding's status, in one SQLite file in the office's workspace, or in a PostgreSQL
database that a county's towns share (a postgresql:// address, engine/_postgres.py). Both
take the same SQL and the same migrations; where they differ is said where it happens.

What the office must be able to trust, and how:
- Nothing counted twice: an inspection is known by the SHA-256 of its answers file; the
  same file recorded again changes nothing.
- Nothing half-written: each inspection is recorded in one transaction, and so is each
  close-out; a run killed in the middle leaves the ledger as it was before that
  inspection, and the next run records the rest.
- Nothing silently changed: a recorded inspection is never updated; a finding's status
  changes only by adding an event (who, when, why) to its history.
- The schema carries a version (SQLite's ``PRAGMA user_version``; on a server, the table
  lantian_schema); migrations run in one transaction when a newer Lantian opens an older
  ledger to write into it.
- Nothing read is written: queries open the file read-only and never create one; an empty
  file or one that is not a ledger is refused, never given a schema.
- Nothing damaged is written into: a write first passes SQLite's integrity check, and every
  failure is named by its cause (a full disk, a read-only file, a lock, a damaged file).

A finding is open (待整改) when found; a re-inspection that names the inspection it follows
up (``inspection.follows``) closes it (已销号) when its item now passes, or marks it
rectifying (整改中) when it still fails; ``close`` closes it at the desk with a reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _postgres, _sqlite
from .check_output import printable
from .citations import joined
from .errors import ErrorCode, LantianError, Location, Problem
from .labels import FINDING_STATUS_LABELS, SEVERITY_LABELS, VERDICT_LABELS
from .model import FollowedNotice, Inspection, InspectionResult
from .names import name_key as site_key
from .names import says_nothing
from .source import char_name, file_kind, os_reason, path_text, refused_character

#: Each migration brings the schema to the next version; ``PRAGMA user_version`` is the
#: version a file has. Never edit a migration that has shipped: add the next one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE inspections (
            id INTEGER PRIMARY KEY,
            answers_sha256 TEXT NOT NULL UNIQUE,
            answers_name TEXT NOT NULL,
            answers_ref TEXT,
            checklist_id TEXT NOT NULL,
            checklist_title TEXT NOT NULL,
            checklist_version TEXT NOT NULL,
            rules_sha256 TEXT NOT NULL,
            site_name TEXT NOT NULL,
            site_type TEXT NOT NULL,
            village TEXT,
            operator TEXT,
            contact TEXT,
            inspected_on TEXT NOT NULL,
            inspectors TEXT NOT NULL,
            verdict TEXT NOT NULL,
            score REAL NOT NULL,
            max_score REAL NOT NULL,
            notice_number TEXT,
            follows_id INTEGER REFERENCES inspections (id),
            recorded_at TEXT NOT NULL
        )""",
        """CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            inspection_id INTEGER NOT NULL REFERENCES inspections (id),
            item_id TEXT NOT NULL,
            question TEXT NOT NULL,
            severity TEXT NOT NULL,
            problem TEXT NOT NULL,
            measure TEXT NOT NULL,
            basis TEXT NOT NULL,
            deadline TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'rectifying', 'closed')),
            UNIQUE (inspection_id, item_id)
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            finding_id INTEGER NOT NULL REFERENCES findings (id),
            status TEXT NOT NULL CHECK (status IN ('open', 'rectifying', 'closed')),
            happened_on TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL,
            inspection_id INTEGER REFERENCES inspections (id),
            evidence_name TEXT,
            evidence_sha256 TEXT,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX findings_by_status ON findings (status, deadline)",
        "CREATE INDEX events_by_finding ON events (finding_id)",
    ),
    # Version 2: an inspection is known by its site as a person reads the name (site_key(),
    # which the connection provides to SQL as lantian_site_key), and by its times on the day.
    (
        "ALTER TABLE inspections ADD COLUMN site_key TEXT",
        "ALTER TABLE inspections ADD COLUMN start_time TEXT",
        "ALTER TABLE inspections ADD COLUMN end_time TEXT",
        "UPDATE inspections SET site_key = lantian_site_key(site_name)",
        "CREATE INDEX inspections_by_site ON inspections (site_key, checklist_id, inspected_on)",
    ),
    # Version 3: site_key() drops every default-ignorable character and all spaces, and folds
    # case and Latin-looking letters: the keys a ledger already holds are computed again.
    ("UPDATE inspections SET site_key = lantian_site_key(site_name)",),
    # Version 4: site_key() also reads CJK radicals and strokes as the ideographs they stand
    # for, drops combining marks and punctuation at the ends, and reads dashes, dots,
    # quotation marks and brackets by their role.
    ("UPDATE inspections SET site_key = lantian_site_key(site_name)",),
    # Version 5: who recorded an inspection, where the program knows (the clerk logged in to
    # `lantian serve` who issued it); NULL for what the command line recorded.
    ("ALTER TABLE inspections ADD COLUMN recorded_by TEXT",),
    # Version 6: a re-inspection finds the inspection it follows by the notice's number or the
    # inspection's id without reading every inspection (40 ms a re-inspection at 50,000).
    (
        "CREATE INDEX inspections_by_notice ON inspections (notice_number)",
        "CREATE INDEX inspections_by_ref ON inspections (answers_ref)",
    ),
    # Version 7: one database holds a county's towns. Every inspection belongs to an office
    # (the settings' office: a town, or the county bureau itself), and so do its findings and
    # their events; NULL in a town's own file, whose office is the file's. The document
    # numbers of a ledger on a server are kept in it, per office, kind and year (a town's
    # file ledger keeps them in the numbers file beside the settings, engine/numbering.py).
    (
        "ALTER TABLE inspections ADD COLUMN office TEXT",
        "CREATE INDEX inspections_by_office ON inspections (office, inspected_on)",
        """CREATE TABLE document_numbers (
            office TEXT NOT NULL,
            kind TEXT NOT NULL,
            year INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            inspection TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            decided_on TEXT,
            PRIMARY KEY (office, kind, year, seq),
            UNIQUE (office, kind, inspection)
        )""",
    ),
    # Version 8: the findings closed after a day (what was still open then: the overdue list
    # and the summaries as of a day) are found by their close-out, not by reading every event.
    ("CREATE INDEX events_by_status ON events (status, happened_on)",),
)
SCHEMA_VERSION = len(MIGRATIONS)
#: The migrations' statement that computes every inspection's site_key again; a server has
#: no lantian_site_key() and does the same in Python (_recompute_site_keys).
_SITE_KEYS = "UPDATE inspections SET site_key = lantian_site_key(site_name)"
#: The migrations are written in SQLite's words; on a server a few types are spelt as
#: PostgreSQL spells the same thing: ids that number themselves, 64-bit integers and floats
#: (PostgreSQL's REAL is 32 bits), and text compared and sorted by code point, as SQLite
#: does, whatever the database's locale.
_ON_SERVER = (
    (re.compile(r"\bid INTEGER PRIMARY KEY\b"), "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
)
#: Where a server keeps the schema version (SQLite keeps it in the file's header).
_SERVER_VERSION_TABLE = "CREATE TABLE lantian_schema (version INTEGER NOT NULL)"
#: Every write transaction on a server first takes this lock (per schema: one ledger), so
#: that writers take turns as SQLite's BEGIN IMMEDIATE makes them: a number is handed out and
#: an inspection admitted against what the last writer committed.
_SERVER_WRITE_LOCK = "SELECT pg_advisory_xact_lock(1279348307, hashtext(current_schema()))"
#: Allocating a document number on a server takes a lock of its own: a number is allocated
#: while the recording of its inspection holds the ledger's, on another connection.
_SERVER_NUMBERS_LOCK = "SELECT pg_advisory_xact_lock(1279348308, hashtext(current_schema()))"
#: The longest reason for a close-out: as long as an answers file's note.
MAX_NOTE_CHARS = 2000
#: The longest name of whoever closes a finding: a name, as in an answers file.
MAX_ACTOR_CHARS = 200
#: The largest id SQLite can hold; a larger number names no finding.
MAX_ID = 2**63 - 1
#: Evidence and answers files are hashed this much at a time (a video need not fit in memory).
HASH_CHUNK = 1024 * 1024
#: The words a clerk reads for the ledger's tables in LEDGER_012.
TABLE_LABELS = {"inspections": "检查", "findings": "问题", "events": "状态记录"}


class LedgerError(LantianError):
    """The ledger cannot do what was asked (an unknown finding, a newer schema, a damaged file)."""


#: Where a ledger is: its SQLite file, or a database on a PostgreSQL server.
LedgerAt = Path | _postgres.Address
#: A connection to either (sqlite3.Connection or _postgres.Connection): both take the same
#: execute() and give rows read by column name.
_Connection = Any
_Row = Any


def ledger_at(text: str | Path) -> LedgerAt:
    """Where ``text`` (a --ledger value, a setting) says the ledger is: a postgresql:// URL
    names a database on a server, anything else a file."""
    if isinstance(text, str) and _postgres.is_address(text):
        return _postgres.address_of(text)
    return Path(text)


def on_server(path: LedgerAt) -> bool:
    """Whether the ledger is on a PostgreSQL server rather than in a file."""
    return isinstance(path, _postgres.Address)


def for_office(path: LedgerAt, office: str | None) -> LedgerAt:
    """The ledger as ``office`` uses it: on a server, its own inspections and numbers among
    the county's (None: the county's view of every office); a file is one office's already."""
    if isinstance(path, _postgres.Address):
        return dataclasses.replace(path, office=office)
    return path


def county_view(path: LedgerAt) -> bool:
    """Whether ``path`` is the county's view of its database, every office's findings: what
    is listed from it says whose each finding is."""
    return isinstance(path, _postgres.Address) and path.office is None


def _office(path: LedgerAt) -> str | None:
    return path.office if isinstance(path, _postgres.Address) else None


def _office_scope(path: LedgerAt, column: str = "i.office") -> tuple[str, tuple[Any, ...]]:
    """The SQL condition on ``column`` that keeps the rows of the office ``path`` is used as
    (its own, and those recorded without an office), with its values; none for the county's
    view or a file (whose rows are all its own, and an older one has no such column)."""
    office = _office(path)
    return (f"({column} = ? OR {column} IS NULL)", (office,)) if office is not None else ("", ())


def _mine(row: _Row, office: str | None) -> bool:
    """Whether a row of inspections belongs to ``office``: any row for the county's view (or a
    file), and a row recorded without an office (a town's file) for every office."""
    return office is None or row["office"] is None or row["office"] == office


class NotAdmitted(LedgerError):
    """The ledger does not take this one inspection (admission_problem): the others may go on."""


@dataclass(frozen=True)
class Recorded:
    inspection_id: int
    new: bool  #: False when the same answers file was already in the ledger
    notice_number: str | None = None  #: the number of its notice, when it has one
    opened: int = 0  #: new findings
    closed: int = 0  #: earlier findings this re-inspection closed
    still_open: int = 0  #: earlier findings it found again


@dataclass(frozen=True)
class RecordedInspection:
    """An inspection as the ledger holds it."""

    inspection_id: int
    answers_sha256: str
    answers_name: str  #: the answers file as it was named when recorded
    checklist_id: str
    site: str
    village: str | None
    inspected_on: str  #: YYYY-MM-DD, as stored (read back unchecked by verify)
    verdict: str
    notice_number: str | None
    follows_id: int | None  #: the inspection this one re-inspects
    recorded_at: str
    recorded_by: str | None  #: who recorded it, where the ledger knows (schema version 5 on)
    office: str | None = None  #: the office it belongs to in a county's database (version 7 on)
    checklist_title: str = ""  #: the checklist's title as it was when recorded

    @classmethod
    def _from(cls, row: _Row) -> RecordedInspection:
        columns = row.keys()
        return cls(
            row["id"], row["answers_sha256"], row["answers_name"], row["checklist_id"], row["site_name"], row["village"],
            row["inspected_on"], row["verdict"], row["notice_number"], row["follows_id"], row["recorded_at"],
            row["recorded_by"] if "recorded_by" in columns else None, row["office"] if "office" in columns else None,
            row["checklist_title"],
        )


@dataclass(frozen=True)
class Event:
    """A change of a finding's status."""

    happened_on: dt.date
    status: str  #: open, rectifying or closed (FINDING_STATUS_LABELS)
    actor: str
    reason: str
    inspection_id: int | None  #: the re-inspection that made it, if one did
    evidence_name: str | None  #: the file a desk close-out rests on, and its SHA-256
    evidence_sha256: str | None


@contextmanager
def _connection(path: LedgerAt, *, write: bool = False) -> Iterator[_Connection]:
    """A connection to the ledger at ``path``.

    Reading opens the file read-only and needs it to exist (LEDGER_010). Writing creates a
    missing ledger whole, brings an older one's schema up to date, and first makes sure the
    file passes SQLite's integrity check. An empty file, or one that is not a ledger, is
    LEDGER_009 either way and is never written into. Every SQLite failure is reported by
    its cause (_failure). A ledger on a server: _server_connection.
    """
    if isinstance(path, _postgres.Address):
        with _server_connection(path, write=write) as served:
            yield served
        return
    if write and not os.path.lexists(path):
        _create(path)
    _require_file(path)
    connection = _open(path, write)
    try:
        try:
            version = _version(connection)
        except sqlite3.Error as exc:
            if write or getattr(exc, "sqlite_errorcode", None) != _sqlite.SQLITE_READONLY_ROLLBACK:
                raise
            connection.close()
            _finish_interrupted_write(path)
            connection = _open(path, write)
            version = _version(connection)
        _check_structure(connection, path, version)
        if write:
            _require_whole(connection, path)
            if version < SCHEMA_VERSION:
                _migrate(connection)
        yield connection
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise _failure(path, exc, write) from None
    finally:
        connection.close()


@contextmanager
def _server_connection(address: _postgres.Address, *, write: bool) -> Iterator[_postgres.Connection]:
    """A connection to the ledger in a PostgreSQL database. Reading needs the ledger's tables
    to be there (LEDGER_028 in an empty database); writing creates them in an empty one and
    brings an older schema up to date, in one transaction."""
    with _server_session(address, write=write) as connection:
        version = _version(connection)
        empty = version == 0 and not _server_tables(connection)
        if version == 0 and not empty:
            # Another writer created the ledger, tables and version in one transaction, just
            # between the two looks: the version is there now.
            version = _version(connection)
        if version != connection.checked_version:
            if empty:
                if not write:
                    raise LedgerError.of(ErrorCode.LEDGER_028, str(address))
            else:
                _check_structure(connection, address, version)
            if write and version < SCHEMA_VERSION:
                _migrate(connection)
                version = SCHEMA_VERSION
            # A connection used again checks the tables again only when the version changed.
            connection.checked_version = version if version > 0 else None
        yield connection


@contextmanager
def _server_session(address: _postgres.Address, *, write: bool) -> Iterator[_postgres.Connection]:
    """A bare connection to the database, every failure of the server or of the way to it
    reported by its cause (_failure)."""
    try:
        connection = _postgres.connect(address, write=write)
    except _postgres.AddressError as exc:
        raise LedgerError.of(ErrorCode.LEDGER_022, str(address), reason=str(exc)) from None
    except Exception as exc:
        failure = _failure(address, exc, write)
        if failure is exc and _postgres.is_error(exc):
            # Whatever kept a connection from being made (an address libpq cannot read, say)
            # is the address's or the server's, not the program's.
            failure = LedgerError.of(ErrorCode.LEDGER_022, str(address), reason=_postgres.reason(exc, address))
        raise failure from None
    try:
        yield connection
    except Exception as exc:
        if not _postgres.is_error(exc):
            raise
        raise _failure(address, exc, write) from None
    finally:
        connection.close()


def _server_schema_version(address: _postgres.Address) -> int:
    """The schema version of the ledger in a database, 0 when it holds none yet; LEDGER_004
    for a newer one."""
    with _server_session(address, write=False) as connection:
        version = _version(connection)
    if version > SCHEMA_VERSION:
        raise LedgerError.of(ErrorCode.LEDGER_004, str(address), version=version, known=SCHEMA_VERSION)
    return version


@contextmanager
def numbers_on_server(address: _postgres.Address, *, write: bool) -> Iterator[_Connection]:
    """A connection to a server ledger's document numbers (engine/numbering.py): for writing,
    inside a transaction that holds the numbers' lock, committed when the block ends."""
    with _server_connection(address, write=write) as connection:
        if not write:
            yield connection
            return
        with _transaction(connection, address, (_SERVER_NUMBERS_LOCK,)):
            yield connection


def _server_tables(connection: _Connection) -> dict[str, set[str]]:
    """The columns of the ledger's tables in the schema the server writes into (the first of
    the search path), by table; a table that is not there is left out."""
    found: dict[str, set[str]] = {}
    rows = connection.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN (?, ?, ?)",
        tuple(TABLE_LABELS),
    )
    for row in rows:
        found.setdefault(row[0], set()).add(row[1])
    return found


def _open(path: Path, write: bool) -> sqlite3.Connection:
    try:
        connection = _sqlite.connect(path, write=write)
    except sqlite3.Error as exc:
        raise _failure(path, exc, write) from None
    if write:
        connection.create_function("lantian_site_key", 1, site_key, deterministic=True)
        connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _version(connection: _Connection) -> int:
    """The schema version of the ledger; 0 for a file or a database that holds none."""
    if isinstance(connection, _postgres.Connection):
        if connection.checked_version:
            # The table was there when this connection last looked: one round trip. If it is
            # gone, look again from the start (outside a transaction, where a failed statement
            # leaves the connection as it was).
            try:
                row = connection.execute("SELECT MAX(version) FROM lantian_schema").fetchone()
                return int(row[0] or 0)
            except Exception:
                connection.checked_version = None
                if connection.in_transaction:
                    raise
        # Read from pg_class with this statement's snapshot, not through to_regclass(): the
        # cache that serves the latter is not refreshed by taking an advisory lock, so a
        # writer that waited while another created the ledger would still see no table.
        (kept,) = connection.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relname = 'lantian_schema')"
        ).fetchone()
        if not kept:
            return 0
        row = connection.execute("SELECT MAX(version) FROM lantian_schema").fetchone()
        return int(row[0] or 0)
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    return int(version)


def _create(path: Path) -> None:
    """A new ledger, whole: its schema written before it appears under its name."""

    def provide(connection: sqlite3.Connection) -> None:
        connection.create_function("lantian_site_key", 1, site_key, deterministic=True)

    statements = [statement for migration in MIGRATIONS for statement in migration] + [f"PRAGMA user_version = {SCHEMA_VERSION}"]
    try:
        _sqlite.create_whole(path, statements, provide)
    except (OSError, sqlite3.Error) as exc:
        raise _failure(path, exc, True) from None


def _require_file(path: Path) -> None:
    """The ledger must be a regular file that starts as every SQLite database does, with
    nothing but SQLite's own files beside it."""
    try:
        reason = _sqlite.not_a_database(path)
    except FileNotFoundError:
        raise LedgerError.of(ErrorCode.LEDGER_010, str(path)) from None
    except OSError as exc:
        raise LedgerError.of(ErrorCode.LEDGER_016, str(path), reason=os_reason(exc)) from None
    if reason is not None:
        raise LedgerError.of(ErrorCode.LEDGER_009, str(path), reason=reason)
    odd = _sqlite.odd_side_file(path)
    if odd is not None:
        raise LedgerError.of(ErrorCode.LEDGER_016, str(path), reason=odd)


@functools.cache
def _columns(version: int) -> dict[str, frozenset[str]]:
    """The columns each table has at a schema version, from the migrations themselves."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.create_function("lantian_site_key", 1, site_key, deterministic=True)
        for migration in MIGRATIONS[:version]:
            for statement in migration:
                connection.execute(statement)
        return {table: frozenset(row[1] for row in connection.execute(f"PRAGMA table_info({table})")) for table in TABLE_LABELS}
    finally:
        connection.close()


def _check_structure(connection: _Connection, path: LedgerAt, version: int) -> None:
    """A newer schema is LEDGER_004; a file without the ledger's tables is not a ledger
    (LEDGER_009); a ledger that lost a table or a column is damaged (LEDGER_011)."""
    if version > SCHEMA_VERSION:
        raise LedgerError.of(ErrorCode.LEDGER_004, str(path), version=version, known=SCHEMA_VERSION)
    if isinstance(connection, _postgres.Connection):
        found = _server_tables(connection)
        present = {table: found.get(table, set()) for table in TABLE_LABELS}
    else:
        present = {table: {row["name"] for row in connection.execute(f"PRAGMA table_info({table})")} for table in TABLE_LABELS}
    if version == 0:
        if isinstance(connection, _postgres.Connection):
            raise LedgerError.of(ErrorCode.LEDGER_009, str(path), reason="数据库中有台账的表，却没有蓝天的结构版本（lantian_schema）：不是蓝天建立的")
        raise LedgerError.of(ErrorCode.LEDGER_009, str(path), reason="这是另一种 SQLite 数据库，没有台账的结构版本和表（inspections、findings、events）")
    missing = [f"表 {table}" if not present[table] else f"表 {table} 的列 {', '.join(sorted(columns - present[table]))}" for table, columns in _columns(version).items() if columns - present[table]]
    if missing:
        raise LedgerError.of(ErrorCode.LEDGER_011, str(path), reason="缺少" + "、".join(missing))


#: Files that passed the integrity check, with what they looked like then (device, inode,
#: size, modification time): a batch checks its ledger once, not before every inspection,
#: and checks again when anything else has written to it since.
_WHOLE: dict[str, tuple[int, int, int, int]] = {}


def _fingerprint(path: Path) -> tuple[int, int, int, int]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _require_whole(connection: _Connection, path: Path) -> None:
    """Refuse to write into a ledger that fails SQLite's integrity check: a write into a
    damaged file can spread the damage, and the backup is the way back."""
    key = os.path.realpath(path)
    seen = _fingerprint(path)
    if _WHOLE.get(key) == seen:
        return
    problems = _integrity_problems(connection, path)
    if problems:
        raise LedgerError(problems)
    _WHOLE[key] = seen


#: What SQLite's integrity check says of a row that breaks the schema's rules (a status no
#: CHECK allows, a NULL where none may be) in pages that are otherwise whole.
_ROW_LEVEL = ("CHECK constraint failed", "NULL value in")


def _integrity_problems(connection: _Connection, path: Path, *, each: bool = False) -> list[Problem]:
    """SQLite's ``PRAGMA integrity_check``: none when the file is whole. Damaged pages are
    LEDGER_011, one per problem SQLite names when ``each`` (ledger check), else one for them
    all; rows that only break the schema's rules are named row by row (LEDGER_012)."""
    factory = connection.text_factory
    # What SQLite names in a damaged file (a table, an index) may itself be damaged text.
    connection.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    try:
        lines = [str(row[0]) for row in connection.execute("PRAGMA integrity_check(20)")]
        if lines == ["ok"]:
            return []
        if all(line.startswith(_ROW_LEVEL) for line in lines):
            named = _row_problems(path, _tables(connection), dt.date.today())
            if named:
                return named
        lines = [f"SQLite 完整性检查：{line}" for line in lines]
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        lines = [f"SQLite 完整性检查无法进行：{_damage_reason(exc)}"]
    finally:
        connection.text_factory = factory
    if not each:
        lines = ["；".join(lines[:3]) + ("……" if len(lines) > 3 else "")]
    return [Problem(ErrorCode.LEDGER_011, Location(str(path)), {"reason": line}) for line in lines]


def _tables(connection: _Connection) -> dict[str, list[dict]]:
    """Every row of the ledger, text as bytes: to name each value that is not UTF-8, instead
    of failing on the first. (A server holds only valid text.)"""
    if isinstance(connection, _postgres.Connection):
        return {table: [dict(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY id")] for table in TABLE_LABELS}
    factory = connection.text_factory
    connection.text_factory = bytes
    try:
        return {table: [dict(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY id")] for table in TABLE_LABELS}
    finally:
        connection.text_factory = factory


def _failure(path: LedgerAt, exc: BaseException, write: bool) -> BaseException:
    """The LedgerError that names why SQLite failed: a full disk (LEDGER_013), a read-only
    file or folder (LEDGER_014), another program holding the lock (LEDGER_015), a damaged
    file (LEDGER_011, with what the integrity check finds) or the disk (LEDGER_016). Any
    other error is a mistake of the program and is returned as it is."""
    if isinstance(path, _postgres.Address):
        return _server_failure(path, exc)
    cause = _sqlite.cause(exc, writing=write)
    where = str(path)
    if cause == "full":
        return LedgerError.of(ErrorCode.LEDGER_013, where, reason=_sqlite.reason(exc))
    if cause == "read_only":
        return LedgerError.of(ErrorCode.LEDGER_014, where, reason=_sqlite.reason(exc, writing=write))
    if cause == "locked":
        return LedgerError.of(ErrorCode.LEDGER_015, where, seconds=f"{_sqlite.BUSY_SECONDS:g}")
    if cause == "damaged":
        return LedgerError(_diagnose(path) or [Problem(ErrorCode.LEDGER_011, Location(where), {"reason": _damage_reason(exc)})])
    if cause == "io":
        return LedgerError.of(ErrorCode.LEDGER_016, where, reason=_sqlite.reason(exc))
    return exc


def _server_failure(address: _postgres.Address, exc: BaseException) -> BaseException:
    """As _failure, for a ledger on a server: a server that cannot be reached or refuses the
    login (LEDGER_022), a user without the rights (LEDGER_023), a full disk (LEDGER_013),
    another writer holding the lock (LEDGER_015), damaged data (LEDGER_011), the server's
    disk (LEDGER_016)."""
    cause = _postgres.cause(exc)
    where = str(address)
    if cause in ("unreachable", "refused"):
        return LedgerError.of(ErrorCode.LEDGER_022, where, reason=_postgres.reason(exc, address))
    if cause == "read_only":
        return LedgerError.of(ErrorCode.LEDGER_023, where, reason=_postgres.reason(exc, address))
    if cause == "full":
        return LedgerError.of(ErrorCode.LEDGER_013, where, reason=_postgres.reason(exc, address))
    if cause == "locked":
        return LedgerError.of(ErrorCode.LEDGER_015, where, seconds=f"{_postgres.BUSY_SECONDS:g}")
    if cause == "damaged":
        return LedgerError.of(ErrorCode.LEDGER_011, where, reason=_postgres.reason(exc, address))
    if cause == "io":
        return LedgerError.of(ErrorCode.LEDGER_016, where, reason=_postgres.reason(exc, address))
    return exc


def _damage_reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError) or "decode" in str(exc).lower():
        return "有文字不是 UTF-8 编码，不是蓝天写入的"
    return str(exc)


def _diagnose(path: Path) -> list[Problem]:
    """What the integrity check says of a file an operation just failed on (nothing, when
    it cannot even run or finds the pages whole)."""
    try:
        connection = _sqlite.connect(path, write=False)
    except sqlite3.Error:
        return []
    try:
        return _integrity_problems(connection, path)
    finally:
        connection.close()


def _finish_interrupted_write(path: Path) -> None:
    try:
        _sqlite.finish_interrupted_write(path)
    except sqlite3.Error as exc:
        if _sqlite.cause(exc, writing=True) != "read_only":
            raise
        raise LedgerError.of(
            ErrorCode.LEDGER_014, str(path), reason=f"上次写入被中断，留下了 {path.name}-journal，须先撤销那次没有完成的写入才能读取"
        ) from None


def _migrate(connection: _Connection) -> None:
    """Bring the schema up to SCHEMA_VERSION in one transaction (from nothing, in an empty
    database on a server, where PostgreSQL's DDL is transactional too)."""
    server = isinstance(connection, _postgres.Connection)
    _begin_write(connection)
    try:
        version = _version(connection)  # another run may have done it
        if server and version == 0:
            connection.execute(_SERVER_VERSION_TABLE)
            connection.execute("INSERT INTO lantian_schema (version) VALUES (0)")
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                if not server:
                    connection.execute(statement)
                elif statement == _SITE_KEYS:
                    _recompute_site_keys(connection)
                else:
                    connection.execute(_server_statement(statement))
        if server:
            connection.execute("UPDATE lantian_schema SET version = ?", (SCHEMA_VERSION,))
        else:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        _rollback_quietly(connection)
        raise


def _server_statement(statement: str) -> str:
    for pattern, spelt in _ON_SERVER:
        statement = pattern.sub(spelt, statement)
    return statement


def _recompute_site_keys(connection: _Connection) -> None:
    for row in connection.execute("SELECT id, site_name FROM inspections").fetchall():
        connection.execute("UPDATE inspections SET site_key = ? WHERE id = ?", (site_key(row[1]), row[0]))


def _begin_write(connection: _Connection, locks: tuple[str, ...] = (_SERVER_WRITE_LOCK,)) -> None:
    """Begin a write transaction: one writer at a time, on either engine. On a server, the
    advisory ``locks`` are taken in their order (SQLite's BEGIN IMMEDIATE locks the file)."""
    if isinstance(connection, _postgres.Connection):
        connection.execute("BEGIN")
        for lock in locks:
            connection.execute(lock)
    else:
        connection.execute("BEGIN IMMEDIATE")


def _rollback_quietly(connection: _Connection) -> None:
    if isinstance(connection, _postgres.Connection):
        _postgres.rollback_quietly(connection)
    else:
        _sqlite.rollback_quietly(connection)


def refuse_output(path: LedgerAt, output: Path) -> None:
    """LEDGER_019 when ``output`` is the ledger itself or its rollback journal (links
    followed): a list written there with --force would replace the ledger."""
    if isinstance(path, _postgres.Address):
        return  # no file of the ledger's to overwrite
    target = os.path.realpath(output)
    if target in (os.path.realpath(path), os.path.realpath(f"{path}-journal")):
        raise LedgerError.of(ErrorCode.LEDGER_019, str(output), ledger=str(path))


def refuse_documents(path: LedgerAt, targets: list[Path]) -> None:
    """LEDGER_020 when a file a batch would write is the ledger itself or its journal."""
    if isinstance(path, _postgres.Address):
        return
    forbidden = (os.path.realpath(path), os.path.realpath(f"{path}-journal"))
    clashes = [target for target in targets if os.path.realpath(target) in forbidden]
    if clashes:
        raise LedgerError([Problem(ErrorCode.LEDGER_020, Location(str(target)), {"ledger": str(path)}) for target in clashes])


def file_of(path: LedgerAt) -> Path:
    """The ledger's file, for what only a file has (a backup by copying it); LEDGER_024 for a
    ledger on a server, which the server's own tools back up."""
    if isinstance(path, _postgres.Address):
        raise LedgerError.of(ErrorCode.LEDGER_024, str(path))
    return path


def exists(path: LedgerAt) -> bool:
    """Whether there is a ledger there yet (a file, or the ledger's tables in the database):
    what only consults a ledger (one notice) need not make one."""
    if isinstance(path, _postgres.Address):
        return _server_schema_version(path) > 0
    return os.path.lexists(path)


def check_ledger(path: LedgerAt) -> None:
    """Raise LedgerError unless ``path`` is a ledger this Lantian can read; nothing is written."""
    with _connection(path):
        pass


def backup(path: LedgerAt, into: Path) -> None:
    """Copy the ledger as it stands into the empty file ``into``, for a backup (SQLite's online
    backup: others may go on recording meanwhile), and check the copy whole. Reads only. A
    damaged ledger is LEDGER_011, or LEDGER_012 for a value no Lantian writes: a copy of it
    would be no backup. A ledger on a server is backed up by the server's own tools
    (LEDGER_024)."""
    path = file_of(path)
    with _connection(path) as connection, _sqlite.backup_into(connection, into) as copy:
        problems = _integrity_problems(copy, path)
        if problems:
            raise LedgerError(problems)


def notice_numbers(path: LedgerAt) -> int:
    """How many inspections in the ledger have a notice number."""
    with _connection(path) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM inspections WHERE notice_number IS NOT NULL").fetchone()
    return int(count)


def upgrade(path: LedgerAt) -> tuple[int, int]:
    """Bring an existing ledger's schema up to this Lantian's (as writing it does anyway), in
    one transaction; the schema versions before and after. A ledger made by a newer Lantian
    is LEDGER_004, and is left as it is. On a server, an empty database is given the
    ledger's tables (version 0 before): that is how a county's database is set up, by the
    user that owns it (docs/county.md)."""
    if isinstance(path, _postgres.Address):
        before = _server_schema_version(path)
        if before < SCHEMA_VERSION:
            with _server_connection(path, write=True):
                pass
        return before, SCHEMA_VERSION
    with _connection(path) as connection:
        before = _version(connection)
    if before < SCHEMA_VERSION:
        with _connection(path, write=True):
            pass
    return before, SCHEMA_VERSION


@contextmanager
def _transaction(connection: _Connection, path: LedgerAt, locks: tuple[str, ...] = (_SERVER_WRITE_LOCK,), *, pipelined: bool = False) -> Iterator[None]:
    """A write transaction, committed when the block ends and rolled back when it raises.
    ``pipelined``: on a server, the statements are sent without waiting for each one's answer
    until a result is read (psycopg's pipeline mode), and their errors are raised by then or by
    the end of the block, still inside the transaction: fewer round trips, the same outcome."""
    batched = connection.pipeline() if pipelined and isinstance(connection, _postgres.Connection) else nullcontext()
    try:
        with batched:
            _begin_write(connection, locks)
            yield
        connection.execute("COMMIT")
    except BaseException:
        _rollback_quietly(connection)
        raise
    if not isinstance(path, _postgres.Address):
        # Our own write leaves the file whole: the next write of this run need not check again.
        _WHOLE[os.path.realpath(path)] = _fingerprint(path)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def admission_problem(path: LedgerAt, result: InspectionResult, *, today: dt.date | None = None) -> Problem | None:
    """Why ``result`` cannot go into the ledger, or None: a re-inspection of an inspection
    the ledger lacks or of another site, or dated before what it re-checks or after today,
    or an inspection already recorded from a file that has been changed since (which would
    count its findings twice)."""
    with _connection(path, write=True) as connection:
        return _admission_problem(connection, path, result, today or dt.date.today())


#: The look-ups recording an inspection makes, each named: hot_queries() hands them to a test
#: that asks SQLite how it would run each (by an index, never by reading a whole table).
_RECORDED = "SELECT id, notice_number, office FROM inspections WHERE answers_sha256 = ?"
_FOLLOWED = "SELECT * FROM inspections WHERE notice_number = ? OR answers_ref = ? ORDER BY id"
_SAME_ID = "SELECT * FROM inspections WHERE answers_ref = ? AND site_key = ? AND checklist_id = ? ORDER BY id"
_SAME_DAY = "SELECT * FROM inspections WHERE site_key = ? AND checklist_id = ? AND inspected_on = ? ORDER BY id"
_LAST_ENTRY = """SELECT e.happened_on, i.office FROM events e JOIN findings f ON f.id = e.finding_id JOIN inspections i ON i.id = f.inspection_id
           WHERE i.site_key = ? AND i.checklist_id = ? AND f.status != 'closed'"""
_UNCLOSED_AT = """SELECT f.*, i.office FROM findings f JOIN inspections i ON i.id = f.inspection_id
           WHERE i.site_key = ? AND i.checklist_id = ? AND f.status != 'closed' AND f.inspection_id != ? ORDER BY f.id"""


def hot_queries(result: InspectionResult) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """Each look-up recording ``result`` makes, with the values it would take."""
    key = site_key(result.site.name)
    reference = result.inspection.follows or result.inspection.id or ""
    return {
        "recorded": (_RECORDED, (result.answers_sha256,)),
        "followed": (_FOLLOWED, (reference, reference)),
        "same_id": (_SAME_ID, (reference, key, result.checklist_id)),
        "same_day": (_SAME_DAY, (key, result.checklist_id, result.inspection.date.isoformat())),
        "last_entry": (_LAST_ENTRY, (key, result.checklist_id)),
        "unclosed_at": (_UNCLOSED_AT, (key, result.checklist_id, 0)),
    }


def _admission_problem(connection: _Connection, path: LedgerAt, result: InspectionResult, today: dt.date) -> Problem | None:
    office = _office(path)
    known = connection.execute(_RECORDED, (result.answers_sha256,)).fetchone()
    if known is not None:
        # The same file again: recording it changes nothing, unless another office recorded it.
        return None if _mine(known, office) else _recorded_by_another(result, known)
    followed = None
    reference = result.inspection.follows
    if reference is not None:
        location = Location(result.answers_name, path=("inspection", "follows"))
        matches = _followed_all(connection, reference, office)
        if not matches:
            return Problem(ErrorCode.LEDGER_001, location, {"ref": reference})
        followed = _followed(connection, reference, result, office)
        if followed is None:
            other = matches[0]
            return Problem(ErrorCode.LEDGER_002, location, {"ref": reference, "site": other["site_name"], "checklist": other["checklist_id"]})
    changed = _same_inspection(connection, result, followed, office)
    if changed is not None:
        return Problem(
            ErrorCode.LEDGER_003,
            Location(result.answers_name),
            {"id": changed["id"], "file": changed["answers_name"], "day": changed["inspected_on"]},
        )
    if followed is not None:
        # A damaged row stops the batch rather than one file: raised, not returned.
        _require_sound_findings(connection, path, [row["id"] for row in _unclosed_at(connection, site_key(result.site.name), result.checklist_id, 0, office)])
        return _reinspection_day_problem(connection, path, result, followed, today)
    return None


def _recorded_by_another(result: InspectionResult, known: _Row) -> Problem:
    """LEDGER_027: an answers file one office recorded, brought to another office's ledger in
    the same database: one file is one inspection, and its notice number is the first office's."""
    return Problem(ErrorCode.LEDGER_027, Location(result.answers_name), {"office": known["office"], "id": known["id"]})


def _same_inspection(connection: _Connection, result: InspectionResult, followed: _Row | None, office: str | None) -> _Row | None:
    """An inspection already recorded that this one is, under another SHA-256: the file was
    edited after it was recorded. The same inspection is the same id at the same site by the
    same checklist, or the same site, checklist and day, whatever the id; a second inspection
    that day is another one only when the file says so: it re-inspects that one (follows),
    or both give their times and the times do not overlap."""
    key = site_key(result.site.name)
    if result.inspection.id:
        same_id = [row for row in connection.execute(_SAME_ID, (result.inspection.id, key, result.checklist_id)) if _mine(row, office)]
        if same_id:
            return same_id[0]
    same_day = connection.execute(_SAME_DAY, (key, result.checklist_id, result.inspection.date.isoformat())).fetchall()
    for row in same_day:
        if not _mine(row, office):
            continue
        if followed is not None and row["id"] == followed["id"]:
            continue
        if _apart((row["start_time"], row["end_time"]), result.inspection):
            continue
        return row
    return None


_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _minutes(text: str | None) -> int | None:
    match = _TIME.fullmatch(text or "")
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def _apart(recorded: tuple[str | None, str | None], inspection: Inspection) -> bool:
    """Whether two inspections of one day are known to be at different times: both give
    a start before their end, and one ends before (or as) the other starts."""
    spans = []
    for start, end in (recorded, (inspection.start_time, inspection.end_time)):
        first, last = _minutes(start), _minutes(end)
        if first is None or last is None or first >= last:
            return False
        spans.append((first, last))
    (a_start, a_end), (b_start, b_end) = spans
    return a_end <= b_start or b_end <= a_start


def _after(recorded_end: str | None, inspection: Inspection) -> bool:
    """Whether ``inspection`` starts (and ends) no earlier than a recorded inspection's end."""
    end, start, finish = _minutes(recorded_end), _minutes(inspection.start_time), _minutes(inspection.end_time)
    return end is not None and start is not None and end <= start and (finish is None or start < finish)


def _reinspection_day_problem(connection: _Connection, path: LedgerAt, result: InspectionResult, followed: _Row, today: dt.date) -> Problem | None:
    """LEDGER_017 for a re-inspection dated after today, before the inspection it follows,
    or before the latest entry of a finding it re-checks: it would close findings on a day
    that cannot be, as ``close`` refuses to."""
    day = result.inspection.date
    location = Location(result.answers_name, path=("inspection", "date"))
    followed_day = _day_value(path, "inspections", followed["id"], "inspected_on", followed["inspected_on"])
    office = _office(path)
    last = max((row[0] for row in connection.execute(_LAST_ENTRY, (site_key(result.site.name), result.checklist_id)) if _mine(row, office)), default=None)
    earliest = max(followed_day.isoformat(), last or "")
    context = {"day": day.isoformat(), "earliest": earliest}
    if day > today:
        return Problem(ErrorCode.LEDGER_017, location, {**context, "reason": f"晚于今天（{today.isoformat()}）"})
    if day < followed_day:
        return Problem(ErrorCode.LEDGER_017, location, {**context, "reason": f"早于被复查的检查 #{followed['id']}（{followed_day.isoformat()}）"})
    if day == followed_day and not _after(followed["end_time"], result.inspection):
        # The same day: only a visit that the times show came after the first one is a
        # re-inspection, not the first visit's file again with `follows` added.
        reason = f"与被复查的检查 #{followed['id']} 是同一天，但没有写明复查在那次检查（结束于 {followed['end_time'] or '未写明'}）之后开始"
        return Problem(ErrorCode.LEDGER_017, Location(result.answers_name, path=("inspection",)), {**context, "reason": reason})
    if last is not None and day.isoformat() < last:
        return Problem(ErrorCode.LEDGER_017, location, {**context, "reason": f"早于要复查的问题最近一次记录的日期（{last}）"})
    return None


def _followed_all(connection: _Connection, reference: str, office: str | None) -> list[_Row]:
    return [row for row in connection.execute(_FOLLOWED, (reference, reference)) if _mine(row, office)]


def _followed(connection: _Connection, reference: str, result: InspectionResult, office: str | None) -> _Row | None:
    """The inspection a re-inspection names, by its notice's number or by the id its own
    answers file gave it, at the same site and by the same checklist (an id alone need not
    be unique); the latest when several match."""
    key = site_key(result.site.name)
    rows = [row for row in _followed_all(connection, reference, office) if (row["site_key"], row["checklist_id"]) == (key, result.checklist_id)]
    return rows[-1] if rows else None


def followed_notice(path: LedgerAt, result: InspectionResult) -> FollowedNotice | None:
    """The recorded inspection ``result`` follows up (``inspection.follows``), as its notice
    set it: its number, its day and its last deadline; None when the ledger has none."""
    if result.inspection.follows is None:
        return None
    with _connection(path) as connection:
        row = _followed(connection, result.inspection.follows, result, _office(path))
        if row is None:
            return None
        deadlines = connection.execute("SELECT id, deadline FROM findings WHERE inspection_id = ?", (row["id"],)).fetchall()
    inspected = _day_value(path, "inspections", row["id"], "inspected_on", row["inspected_on"])
    last = max((_day_value(path, "findings", found["id"], "deadline", found["deadline"]) for found in deadlines), default=None)
    return FollowedNotice(row["notice_number"], inspected, last)


def record(
    path: LedgerAt,
    result: InspectionResult,
    *,
    notice_number: str | Callable[[], str | None] | None = None,
    today: dt.date | None = None,
    recorded_by: str | None = None,
) -> Recorded:
    """Record one checked inspection, in one transaction; the same answers file again
    changes nothing. A re-inspection closes or keeps open the findings it follows up.

    ``notice_number`` may be a function that allocates it: it is called inside the
    transaction, once the ledger has taken the inspection, so that an inspection the ledger
    refuses (another run recorded it first) never uses up a number."""
    with _connection(path, write=True) as connection, _transaction(connection, path):
        known = connection.execute(_RECORDED, (result.answers_sha256,)).fetchone()
        if known is not None and not _mine(known, _office(path)):
            raise NotAdmitted([_recorded_by_another(result, known)])
        if known is not None:
            # Recorded before: its notice keeps the number the ledger holds, whichever numbers
            # file this run's settings lead to.
            number = known["notice_number"] or (notice_number() if callable(notice_number) else notice_number)
            return Recorded(known["id"], new=False, notice_number=number)
        # Checked again inside the transaction: another run may have recorded since.
        problem = _admission_problem(connection, path, result, today or dt.date.today())
        if problem is not None:
            raise NotAdmitted([problem])
        if callable(notice_number):
            notice_number = notice_number()
        office = _office(path)
        followed = _followed(connection, result.inspection.follows, result, office) if result.inspection.follows else None
        day = result.inspection.date.isoformat()
        inspectors = "、".join(result.inspection.inspectors)
        key = site_key(result.site.name)
        inspection_id = inserted(
            connection,
            """INSERT INTO inspections (answers_sha256, answers_name, answers_ref, checklist_id, checklist_title,
                checklist_version, rules_sha256, site_name, site_type, village, operator, contact, inspected_on,
                inspectors, verdict, score, max_score, notice_number, follows_id, recorded_at, site_key, start_time, end_time, recorded_by, office)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                result.answers_sha256, path_text(result.answers_name), result.inspection.id, result.checklist_id, result.checklist_title,
                result.checklist_version, result.rules_sha256, result.site.name, result.site_type_label, result.site.village,
                result.site.operator, result.site.contact, day, inspectors, result.verdict, result.score, result.max_score,
                notice_number, followed["id"] if followed is not None else None, _now(), key,
                result.inspection.start_time, result.inspection.end_time, recorded_by, office,
            ),
        )
        closed = still_open = 0
        carried: set[str] = set()
        if followed is not None:
            statuses = {item.item_id: item.status for item in result.items}
            for unclosed in _unclosed_at(connection, key, result.checklist_id, inspection_id, office):
                status = statuses.get(unclosed["item_id"])
                if status == "pass":
                    _event(connection, unclosed["id"], "closed", day, inspectors, f"复查合格（检查 #{inspection_id}）", inspection_id)
                    closed += 1
                elif status == "fail":
                    carried.add(unclosed["item_id"])
                    _event(connection, unclosed["id"], "rectifying", day, inspectors, f"复查仍未整改到位（检查 #{inspection_id}）", inspection_id)
                    still_open += 1
        opened = 0
        # Findings the law of the issuing day no longer makes unlawful are not rectified.
        for finding in result.notice_findings:
            if finding.item_id in carried:
                continue  # the same problem, still open under its first finding and deadline
            finding_id = inserted(
                connection,
                """INSERT INTO findings (inspection_id, item_id, question, severity, problem, measure, basis, deadline, status)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')""",
                (
                    inspection_id, finding.item_id, finding.question, finding.severity, finding.reason, finding.rectification,
                    joined(finding.citations), finding.deadline.isoformat(),
                ),
            )
            _event(connection, finding_id, "open", day, inspectors, f"现场检查发现（检查 #{inspection_id}）", inspection_id, has_status=True)
            opened += 1
        return Recorded(inspection_id, True, notice_number, opened, closed, still_open)


def inserted(connection: _Connection, sql: str, values: Sequence[Any]) -> int:
    """The id of the row an INSERT added: RETURNING on a server; on a file the cursor's
    lastrowid, which every SQLite has (RETURNING needs 3.35, newer than some systems')."""
    if isinstance(connection, _postgres.Connection):
        (identifier,) = connection.execute(f"{sql} RETURNING id", values).fetchone()
        return int(identifier)
    identifier = connection.execute(sql, values).lastrowid
    assert identifier is not None  # an INSERT always sets it
    return int(identifier)


def _unclosed_at(connection: _Connection, key: str, checklist: str, this: int, office: str | None) -> list[_Row]:
    """Every unclosed finding of the site by this checklist, of this office: a re-inspection
    re-checks them all, whichever earlier inspection (or re-inspection) found them."""
    return [row for row in connection.execute(_UNCLOSED_AT, (key, checklist, this)) if _mine(row, office)]


def _event(
    connection: _Connection, finding_id: int, status: str, day: str, actor: str, reason: str, inspection_id: int | None,
    evidence: tuple[str | None, str | None] | None = None, *, has_status: bool = False, recorded_at: str | None = None,
) -> None:
    """Add a change of a finding's status to its history, and set the status, unless the
    finding ``has_status`` already (its first entry: one statement, and one round trip to a
    server, fewer). ``recorded_at`` is now, unless the event is copied from another ledger."""
    connection.execute(
        """INSERT INTO events (finding_id, status, happened_on, actor, reason, inspection_id, evidence_name, evidence_sha256, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (finding_id, status, day, actor, reason, inspection_id, evidence[0] if evidence else None, evidence[1] if evidence else None, recorded_at or _now()),
    )
    if not has_status:
        connection.execute("UPDATE findings SET status = ? WHERE id = ?", (status, finding_id))


def _another_office_s(path: LedgerAt, finding_id: int, office: str | None) -> LedgerError:
    """LEDGER_029: a finding of the county's database that another office's inspection found."""
    return LedgerError.of(ErrorCode.LEDGER_029, str(path), id=finding_id, office=office, mine=_office(path))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a regular file, read 1 MiB at a time (evidence may be a long video).
    Anything else (a pipe, a device, a folder) is refused before it is opened: reading it
    would never end."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise LedgerError.of(ErrorCode.IO_005, str(path), kind=file_kind(mode))
        # Non-blocking and checked again: the file may have been swapped since it was looked at.
        with os.fdopen(os.open(path, flags), "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise LedgerError.of(ErrorCode.IO_005, str(path), kind=file_kind(mode))
            digest = hashlib.sha256()
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise LedgerError.of(ErrorCode.IO_001, str(path), reason="文件不存在") from None
    except OSError as exc:
        raise LedgerError.of(ErrorCode.IO_001, str(path), reason=os_reason(exc)) from None
    return digest.hexdigest()


def _text_problem(text: str, limit: int, allowed: str) -> str | None:
    """Why a close-out's reason or actor cannot go into the ledger and onto the lists, or None."""
    if len(text.strip()) > limit:
        return f"有 {len(text.strip())} 个字，超过 {limit} 个字"
    bad = refused_character(text.strip(), allowed)
    if bad is not None:
        return f"第 {bad.start() + 1} 个字是看不见的控制字符 {char_name(bad.group())}"
    return None


def close(path: LedgerAt, finding_id: int, *, note: str, actor: str, day: dt.date, evidence: Path | None = None, today: dt.date | None = None) -> None:
    """Close a finding at the desk (书面销号), with the reason and, if given, the SHA-256 of
    the evidence file (a photo, a report) so that it can be checked later."""
    if says_nothing(note):  # spaces, invisible characters, a lone 。
        raise LedgerError.of(ErrorCode.LEDGER_008, str(path), id=finding_id)
    if says_nothing(actor):
        raise LedgerError.of(ErrorCode.LEDGER_021, str(path), field="销号人", reason="没有写出任何人名（只有空格或看不见的字符）", limit=MAX_ACTOR_CHARS)
    for field, text, limit, allowed in (("销号理由", note, MAX_NOTE_CHARS, "\t\n"), ("销号人", actor, MAX_ACTOR_CHARS, "")):
        text_problem = _text_problem(text, limit, allowed)
        if text_problem is not None:
            raise LedgerError.of(ErrorCode.LEDGER_021, str(path), field=field, reason=text_problem, limit=limit)
    if not 0 < finding_id <= MAX_ID:
        raise LedgerError.of(ErrorCode.LEDGER_005, str(path), id=finding_id)
    # The evidence's name as it can be shown: control characters in a file name are escaped.
    proof = (printable(path_text(evidence.name)), file_sha256(evidence)) if evidence is not None else None
    with _connection(path, write=True) as connection, _transaction(connection, path):
        row = connection.execute("SELECT f.status, i.office FROM findings f JOIN inspections i ON i.id = f.inspection_id WHERE f.id = ?", (finding_id,)).fetchone()
        if row is None:
            raise LedgerError.of(ErrorCode.LEDGER_005, str(path), id=finding_id)
        if not _mine(row, _office(path)):
            raise _another_office_s(path, finding_id, row["office"])
        _require_sound_findings(connection, path, [finding_id])
        if row["status"] == "closed":
            raise LedgerError.of(ErrorCode.LEDGER_006, str(path), id=finding_id)
        (last,) = connection.execute("SELECT MAX(happened_on) FROM events WHERE finding_id = ?", (finding_id,)).fetchone()
        if day.isoformat() < last or day > (today or dt.date.today()):
            raise LedgerError.of(ErrorCode.LEDGER_007, str(path), day=day.isoformat(), id=finding_id, last=last)
        _event(connection, finding_id, "closed", day.isoformat(), actor, note.strip(), None, proof)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _bad(path: LedgerAt, table: str, row_id: object, column: str, value: object, reason: str) -> Problem:
    """LEDGER_012: a value no run of Lantian writes, in a row of the ledger."""
    shown = value if isinstance(value, str) else repr(value)
    if len(shown) > 40:
        shown = shown[:40] + "…"
    return Problem(ErrorCode.LEDGER_012, Location(str(path)), {"what": TABLE_LABELS[table], "row": row_id, "column": column, "value": shown, "reason": reason})


def _day_reason(value: object) -> str | None:
    day = _stored_day(value) if isinstance(value, str) else None
    return day if isinstance(day, str) else None if day is not None else "不是 YYYY-MM-DD 形式的日期"


@functools.lru_cache(maxsize=4096)  # a list of 50,000 findings holds a few hundred days
def _stored_day(value: str) -> dt.date | str:
    """The day a stored date names, or why it names none."""
    if not _ISO_DAY.fullmatch(value):
        return "不是 YYYY-MM-DD 形式的日期"
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return "日历上没有这一天"


def _day_value(path: LedgerAt, table: str, row_id: object, column: str, value: object) -> dt.date:
    reason = _day_reason(value)
    if reason is not None:
        raise LedgerError([_bad(path, table, row_id, column, value, reason)])
    assert isinstance(value, str)
    return dt.date.fromisoformat(value)


def _require_sound_findings(connection: _Connection, path: LedgerAt, ids: list[int]) -> None:
    """Raise LEDGER_012 when a finding about to change has a value no run of Lantian writes
    (in its row, its inspection's date or its history): a status change must not build on it."""
    problems: list[Problem] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in connection.execute(
            f"""SELECT f.*, i.village, i.site_name, i.operator, i.contact, i.checklist_id, i.checklist_title, i.inspected_on, i.notice_number,
                       NULL AS closed_on, NULL AS rechecked_on, NULL AS office
                FROM findings f JOIN inspections i ON i.id = f.inspection_id WHERE f.id IN ({marks})""",
            chunk,
        ):
            _ledger_row(path, row, problems)
        events = connection.execute(f"SELECT * FROM events WHERE finding_id IN ({marks}) ORDER BY id", chunk).fetchall()
        problems += _event_problems(path, [dict(event) for event in events])
        have = {event["finding_id"] for event in events}
        problems += [_bad(path, "findings", finding, "status", "—", "这个问题没有任何状态记录") for finding in chunk if finding not in have]
    if problems:
        raise LedgerError(problems)


def _event_problems(path: LedgerAt, events: list[dict]) -> list[Problem]:
    problems = [_bad(path, "events", event["id"], "happened_on", event["happened_on"], reason) for event in events if (reason := _day_reason(event["happened_on"]))]
    problems += [_bad(path, "events", event["id"], "status", event["status"], f"只能是 {'、'.join(FINDING_STATUS_LABELS)} 之一") for event in events if event["status"] not in FINDING_STATUS_LABELS]
    return problems


@dataclass(frozen=True)
class Filter:
    village: str | None = None
    checklist: str | None = None
    status: str | None = None  #: open, rectifying, closed, or unclosed (open and rectifying)
    severity: str | None = None
    overdue_on: dt.date | None = None  #: only findings unclosed after their deadline on this day
    #: ``status`` as the finding stood at the end of this day, not as it stands now
    status_on: dt.date | None = None
    inspected_from: dt.date | None = None
    inspected_to: dt.date | None = None
    #: only findings these inspections found, re-checked or closed (a batch's inspections)
    touched_by: tuple[int, ...] | None = None
    finding: int | None = None  #: only this finding


@dataclass(frozen=True)
class LedgerRow:
    finding_id: int
    inspection_id: int
    village: str
    site: str
    operator: str
    contact: str
    checklist_id: str
    checklist_title: str
    inspected_on: dt.date
    item_id: str
    severity: str
    reason: str  #: what was found, with its legal basis (the findings.problem column)
    rectification: str  #: what must be done (the findings.measure column)
    basis: str
    deadline: dt.date
    status: str  #: now
    closed_on: dt.date | None
    notice_number: str | None
    rechecked_on: dt.date | None = None  #: the first re-inspection that found it still there
    office: str | None = None  #: the office it belongs to in a county's database; None in a town's file

    def status_on(self, day: dt.date) -> str | None:
        """The status the finding had at the end of ``day``; None before it was found."""
        if day < self.inspected_on:
            return None
        if self.closed_on is not None and self.closed_on <= day:
            return "closed"
        if self.rechecked_on is not None and self.rechecked_on <= day:
            return "rectifying"
        return "open"

    def overdue_days(self, day: dt.date) -> int:
        """Days past the deadline on ``day``; 0 when closed by then or not yet due."""
        return 0 if self.status_on(day) == "closed" else max(0, (day - self.deadline).days)

    def state_on(self, day: dt.date) -> tuple[str, int]:
        """The status's label at the end of ``day`` and the days overdue then, both of the
        one day, as every list shows them ("整改中", 3)."""
        status = self.status_on(day)
        return (FINDING_STATUS_LABELS[status] if status else "尚未发现"), self.overdue_days(day)



def findings(path: LedgerAt, where: Filter = Filter()) -> list[LedgerRow]:
    """The findings that pass ``where``, by deadline, then village and site. A row holding a
    value Lantian never writes (a date that is no date, an unknown status) is LEDGER_012."""
    clauses: list[str] = []
    values: list[str | int] = []
    # A status on another day than today is told from each finding's history, below.
    now = where.status if where.status_on is None else None
    status = None if now == "unclosed" else now
    for column, wanted in (("i.village", where.village), ("i.checklist_id", where.checklist), ("f.status", status), ("f.severity", where.severity)):
        if wanted:
            clauses.append(f"{column} = ?")
            values.append(wanted)
    if now == "unclosed":
        clauses.append("f.status != 'closed'")
    # Not closed by the end of a day: unclosed now (by the status index), or closed only after
    # that day (the close-outs after it, looked up once rather than a close-out's day for
    # each closed finding).
    unclosed_then = "i.inspected_on <= ? AND (f.status IN ('open', 'rectifying') OR f.id IN (SELECT finding_id FROM events WHERE status = 'closed' AND happened_on > ?))"
    if where.overdue_on:
        # Overdue on that day: past its deadline and not closed by the end of it.
        clauses.append(f"f.deadline < ? AND {unclosed_then}")
        values.extend([where.overdue_on.isoformat()] * 3)
    if where.status == "unclosed" and where.status_on is not None:
        # Unclosed on another day: narrowed here, in SQL, rather than below row by row.
        clauses.append(unclosed_then)
        values.extend([where.status_on.isoformat()] * 2)
    if where.inspected_from:
        clauses.append("i.inspected_on >= ?")
        values.append(where.inspected_from.isoformat())
    if where.inspected_to:
        clauses.append("i.inspected_on <= ?")
        values.append(where.inspected_to.isoformat())
    if where.touched_by is not None:
        marks = ",".join("?" * len(where.touched_by)) or "NULL"
        clauses.append(f"(f.inspection_id IN ({marks}) OR EXISTS (SELECT 1 FROM events e WHERE e.finding_id = f.id AND e.inspection_id IN ({marks})))")
        values.extend(where.touched_by)
        values.extend(where.touched_by)
    if where.finding is not None:
        clauses.append("f.id = ?")
        values.append(where.finding)
    scope, scoped = _office_scope(path)
    if scope:
        clauses.append(scope)
        values.extend(scoped)
    # A file keeps no office (and one older than version 7, read as it is, has no such column).
    office_column = "i.office" if on_server(path) else "NULL AS office"
    sql = f"""SELECT f.*, i.village, i.site_name, i.operator, i.contact, i.checklist_id, i.checklist_title, i.inspected_on,
                     i.notice_number, {office_column},
                     (SELECT happened_on FROM events e WHERE e.finding_id = f.id AND e.status = 'closed' ORDER BY e.id DESC LIMIT 1) AS closed_on,
                     (SELECT MIN(happened_on) FROM events e WHERE e.finding_id = f.id AND e.status = 'rectifying') AS rechecked_on
              FROM findings f JOIN inspections i ON i.id = f.inspection_id
              {"WHERE " + " AND ".join(clauses) if clauses else ""}
              ORDER BY f.deadline, i.village NULLS FIRST, i.site_name, f.id"""
    rows: list[LedgerRow] = []
    problems: list[Problem] = []
    with _connection(path) as connection:
        for row in connection.execute(sql, values):
            found = _ledger_row(path, row, problems)
            if found is not None:
                rows.append(found)
    if problems:
        raise LedgerError(problems)
    if where.status is not None and where.status_on is not None:
        statuses = {"open", "rectifying"} if where.status == "unclosed" else {where.status}
        rows = [found for found in rows if found.status_on(where.status_on) in statuses]
    return rows


def _ledger_row(path: LedgerAt, row: _Row, problems: list[Problem]) -> LedgerRow | None:
    """A finding as the queries give it, or None with what is impossible in it added to ``problems``."""
    before = len(problems)

    def day(table: str, row_id: object, column: str, value: object, *, optional: bool = False) -> dt.date | None:
        if optional and value is None:
            return None
        stored = _stored_day(value) if isinstance(value, str) else "不是 YYYY-MM-DD 形式的日期"
        if isinstance(stored, str):
            problems.append(_bad(path, table, row_id, column, value, stored))
            return None
        return stored

    finding = row["id"]
    inspected_on = day("inspections", row["inspection_id"], "inspected_on", row["inspected_on"])
    deadline = day("findings", finding, "deadline", row["deadline"])
    closed_on = day("findings", finding, "销号日期（events.happened_on）", row["closed_on"], optional=True)
    rechecked_on = day("findings", finding, "复查日期（events.happened_on）", row["rechecked_on"], optional=True)
    for column, known in (("status", FINDING_STATUS_LABELS), ("severity", SEVERITY_LABELS)):
        if row[column] not in known:
            problems.append(_bad(path, "findings", finding, column, row[column], f"只能是 {'、'.join(known)} 之一"))
    if len(problems) > before or inspected_on is None or deadline is None:
        return None
    return LedgerRow(
        finding, row["inspection_id"], row["village"] or "", row["site_name"], row["operator"] or "", row["contact"] or "",
        row["checklist_id"], row["checklist_title"], inspected_on, row["item_id"], row["severity"],
        row["problem"], row["measure"], row["basis"], deadline, row["status"],
        closed_on if row["status"] == "closed" else None, row["notice_number"], rechecked_on, row["office"],
    )


def closures(path: LedgerAt, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """How many findings were closed on each day from ``start`` to ``end`` (re-inspections and
    desk close-outs), whenever they were found."""
    scope, values = _office_scope(path)
    sql = f"""SELECT e.happened_on, COUNT(*) FROM events e JOIN findings f ON f.id = e.finding_id JOIN inspections i ON i.id = f.inspection_id
              WHERE e.status = 'closed' AND e.happened_on BETWEEN ? AND ? {"AND " + scope if scope else ""} GROUP BY e.happened_on"""
    with _connection(path) as connection:
        rows = connection.execute(sql, (start.isoformat(), end.isoformat(), *values)).fetchall()
    counted: dict[dt.date, int] = {}
    for day, count in rows:
        stored = _stored_day(day) if isinstance(day, str) else None
        if isinstance(stored, dt.date):
            counted[stored] = int(count)
    return counted


def inspections(path: LedgerAt, start: dt.date, end: dt.date) -> list[RecordedInspection]:
    """The inspections made from ``start`` to ``end``, both included, oldest first."""
    scope, values = _office_scope(path, "office")
    with _connection(path) as connection:
        rows = [RecordedInspection._from(row) for row in connection.execute(
            f"SELECT * FROM inspections WHERE inspected_on BETWEEN ? AND ? {'AND ' + scope if scope else ''} ORDER BY inspected_on, id", (start.isoformat(), end.isoformat(), *values)
        )]
    problems = [_bad(path, "inspections", row.inspection_id, "inspected_on", row.inspected_on, reason) for row in rows if (reason := _day_reason(row.inspected_on))]
    problems += [_bad(path, "inspections", row.inspection_id, "verdict", row.verdict, f"只能是 {'、'.join(VERDICT_LABELS)} 之一") for row in rows if row.verdict not in VERDICT_LABELS]
    if problems:
        raise LedgerError(problems)
    return rows


def history(path: LedgerAt, finding_id: int) -> tuple[LedgerRow, list[Event]]:
    """A finding and every change of its status, oldest first."""
    if not 0 < finding_id <= MAX_ID:
        raise LedgerError.of(ErrorCode.LEDGER_005, str(path), id=finding_id)
    with _connection(path) as connection:
        if _office(path) is not None:  # an office's view of the county's database (a file has no offices)
            owner = connection.execute("SELECT i.office FROM findings f JOIN inspections i ON i.id = f.inspection_id WHERE f.id = ?", (finding_id,)).fetchone()
            if owner is not None and not _mine(owner, _office(path)):
                raise _another_office_s(path, finding_id, owner["office"])
        events = [dict(row) for row in connection.execute("SELECT * FROM events WHERE finding_id = ? ORDER BY id", (finding_id,))]
    rows = findings(path, Filter(finding=finding_id))
    if not rows:
        raise LedgerError.of(ErrorCode.LEDGER_005, str(path), id=finding_id)
    problems = _event_problems(path, events)
    if problems:
        raise LedgerError(problems)
    return rows[0], [
        Event(dt.date.fromisoformat(e["happened_on"]), e["status"], e["actor"], e["reason"], e["inspection_id"], e["evidence_name"], e["evidence_sha256"]) for e in events
    ]


def recorders(path: LedgerAt, digests: Iterable[str]) -> dict[str, tuple[str | None, str]]:
    """Who recorded the inspections of these answers files (by SHA-256), and when: only
    those the ledger holds. An absent ledger holds none."""
    wanted = list(dict.fromkeys(digests))
    office = _office(path)
    if not wanted or (isinstance(path, Path) and not path.exists()):
        return {}
    found: dict[str, tuple[str | None, str]] = {}
    with _connection(path) as connection:
        for start in range(0, len(wanted), 500):  # SQLite's limit on parameters, with room
            chunk = wanted[start : start + 500]
            columns = "answers_sha256, recorded_by, recorded_at" + (", office" if office is not None else "")
            rows = connection.execute(f"SELECT {columns} FROM inspections WHERE answers_sha256 IN ({', '.join('?' * len(chunk))})", chunk)
            found.update({row["answers_sha256"]: (row["recorded_by"], row["recorded_at"]) for row in rows if _mine(row, office)})
    return found


@dataclass(frozen=True)
class Verification:
    matches: bool
    inspection: RecordedInspection | None  #: the inspection recorded from exactly this content
    same_name: list[RecordedInspection]  #: inspections recorded from a file of this name, when none matches
    #: In a county's database, the inspection another office recorded from exactly this content.
    elsewhere: RecordedInspection | None = None


def verify(path: LedgerAt, answers: Path) -> Verification:
    """Whether an answers file is still exactly what the ledger recorded (this office's, in a
    county's database)."""
    digest = file_sha256(answers)
    office = _office(path)
    name = path_text(answers)
    base = path_text(answers.name)
    with _connection(path) as connection:
        row = connection.execute("SELECT * FROM inspections WHERE answers_sha256 = ?", (digest,)).fetchone()
        if row is not None and _mine(row, office):
            return Verification(True, RecordedInspection._from(row), [])
        if row is not None:
            # Unchanged, but another office's: not this office's file changed since.
            return Verification(False, None, [], RecordedInspection._from(row))
        # Files of the same name, wherever they were: the name compared exactly on both engines
        # (SQLite's LIKE ignores the case of Latin letters, PostgreSQL's does not).
        candidates = connection.execute("SELECT * FROM inspections WHERE answers_name = ? OR answers_name LIKE ? ORDER BY id", (name, f"%{base}"))
        others = [RecordedInspection._from(r) for r in candidates if _mine(r, office) and (r["answers_name"] == name or r["answers_name"].endswith(f"/{base}"))]
    return Verification(False, None, others)


@dataclass(frozen=True)
class Health:
    """What `lantian ledger check` found in a whole ledger."""

    version: int  #: the schema version of the file
    inspections: int
    re_inspections: int
    findings: int
    unclosed: int
    events: int


def examine(path: LedgerAt, *, today: dt.date | None = None) -> Health:
    """Check a ledger through, without writing to it: SQLite's integrity check, then every
    row: text that is UTF-8, dates that are days, known statuses, rows that point to rows
    that exist, and each finding's history in order (found first, nothing after its
    close-out, no day before the one before it or after today) ending in its status.
    Raises LedgerError listing every problem found."""
    today = today or dt.date.today()
    with _connection(path) as connection:
        version = _version(connection)
        # A server checks its own pages (data checksums, amcheck): what is left is the rows.
        problems = _integrity_problems(connection, path, each=True) if isinstance(path, Path) else []
        if problems:
            raise LedgerError(problems)  # the rows of a damaged file are not worth reading
        tables = _tables(connection)
    problems = _row_problems(path, tables, today)
    if problems:
        raise LedgerError(problems)
    found = tables["findings"]
    return Health(
        version=version,
        inspections=len(tables["inspections"]),
        re_inspections=sum(1 for row in tables["inspections"] if row["follows_id"] is not None),
        findings=len(found),
        unclosed=sum(1 for row in found if row["status"] != "closed"),
        events=len(tables["events"]),
    )


def _row_problems(path: LedgerAt, tables: dict[str, list[dict]], today: dt.date) -> list[Problem]:
    problems: list[Problem] = []

    def bad(table: str, row: dict, column: str, reason: str) -> None:
        problems.append(_bad(path, table, row["id"], column, row[column], reason))

    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, bytes):
                    try:
                        row[column] = value.decode("utf-8")
                    except UnicodeDecodeError:
                        row[column] = value.decode("utf-8", errors="replace")
                        bad(table, row, column, "不是 UTF-8 编码的文字")
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, str) and (control := refused_character(value, "\t\n\r")) is not None:
                    # Lantian refuses such characters in every text it records.
                    bad(table, row, column, f"含有控制字符 {char_name(control.group())}")
    by_id = {table: {row["id"]: row for row in rows} for table, rows in tables.items()}
    checks: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, dict[str, str]], ...], tuple[tuple[str, str, bool], ...]], ...] = (
        ("inspections", ("inspected_on",), (("verdict", VERDICT_LABELS),), (("follows_id", "inspections", True),)),
        ("findings", ("deadline",), (("status", FINDING_STATUS_LABELS), ("severity", SEVERITY_LABELS)), (("inspection_id", "inspections", False),)),
        ("events", ("happened_on",), (("status", FINDING_STATUS_LABELS),), (("finding_id", "findings", False), ("inspection_id", "inspections", True))),
    )
    for table, days, codes, links in checks:
        for row in tables[table]:
            for column in days:
                if (reason := _day_reason(row[column])) is not None:
                    bad(table, row, column, reason)
            for column, known in codes:
                if row[column] not in known:
                    bad(table, row, column, f"只能是 {'、'.join(known)} 之一")
            for column, target, optional in links:
                if not (optional and row[column] is None) and row[column] not in by_id[target]:
                    bad(table, row, column, f"台账中没有{TABLE_LABELS[target]} #{row[column]}")
    histories: dict[object, list[dict]] = {}
    for event in tables["events"]:
        histories.setdefault(event["finding_id"], []).append(event)
    for finding in tables["findings"]:
        events = histories.get(finding["id"], [])
        if not events:
            bad("findings", finding, "status", "这个问题没有任何状态记录")
            continue
        if events[0]["status"] != "open":
            bad("events", events[0], "status", f"问题 #{finding['id']} 的第一条记录应为 open（发现）")
        inspection = by_id["inspections"].get(finding["inspection_id"])
        found_on = inspection["inspected_on"] if inspection is not None and _day_reason(inspection["inspected_on"]) is None else None
        previous = found_on
        closed_before = False
        for event in events:
            day = event["happened_on"] if _day_reason(event["happened_on"]) is None else None
            if closed_before:
                bad("events", event, "status", f"问题 #{finding['id']} 销号之后又有记录")
            if day is not None and previous is not None and day < previous:
                bad("events", event, "happened_on", f"早于问题 #{finding['id']} 此前的记录（{previous}）")
            if day is not None and day > today.isoformat():
                bad("events", event, "happened_on", f"晚于今天（{today.isoformat()}）")
            previous = day or previous
            closed_before = closed_before or event["status"] == "closed"
        if finding["status"] != events[-1]["status"]:
            bad("findings", finding, "status", f"与它最后一条状态记录（#{events[-1]['id']}，{events[-1]['status']}）不一致")
    return problems
