"""The rectification ledger (整改台账): every inspection, every finding and the history of
each finding's status, in one SQLite file in the office's workspace.

What the office must be able to trust, and how:
- Nothing counted twice: an inspection is known by the SHA-256 of its answers file; the
  same file recorded again changes nothing.
- Nothing half-written: each inspection is recorded in one transaction, and so is each
  close-out; a run killed in the middle leaves the ledger as it was before that
  inspection, and the next run records the rest.
- Nothing silently changed: a recorded inspection is never updated; a finding's status
  changes only by adding an event (who, when, why) to its history.
- The schema carries a version; migrations run in one transaction when a newer Lantian
  opens an older ledger.

A finding is open (待整改) when found; a re-inspection that names the inspection it follows
up (``inspection.follows``) closes it (已销号) when its item now passes, or marks it
rectifying (整改中) when it still fails; ``close`` closes it at the desk with a reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .citations import joined
from .errors import ErrorCode, LantianError, Location, Problem
from .model import InspectionResult

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
)
SCHEMA_VERSION = len(MIGRATIONS)

class LedgerError(LantianError):
    """The ledger cannot do what was asked (an unknown finding, a newer schema, a damaged file)."""


@dataclass(frozen=True)
class Recorded:
    inspection_id: int
    new: bool  #: False when the same answers file was already in the ledger
    opened: int = 0  #: new findings
    closed: int = 0  #: earlier findings this re-inspection closed
    still_open: int = 0  #: earlier findings it found again


@contextmanager
def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the ledger; a file that is not one (or is damaged) is LEDGER_009."""
    try:
        connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerError.of(ErrorCode.LEDGER_009, str(path), reason=str(exc)) from None
    try:
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.row_factory = sqlite3.Row
        _migrate(connection, path)
        yield connection
    except sqlite3.DatabaseError as exc:
        raise LedgerError.of(ErrorCode.LEDGER_009, str(path), reason=str(exc)) from None
    finally:
        connection.close()


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise LedgerError.of(ErrorCode.LEDGER_004, str(path), version=version, known=SCHEMA_VERSION)
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()  # another run may have done it
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def check_ledger(path: Path) -> None:
    """Raise LedgerError unless ``path`` is a ledger this Lantian can use."""
    with _connection(path) as connection:
        connection.execute("SELECT COUNT(*) FROM inspections").fetchone()


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def admission_problem(path: Path, result: InspectionResult) -> Problem | None:
    """Why ``result`` cannot go into the ledger, or None: a re-inspection of an inspection
    the ledger lacks or of another site, or an inspection already recorded from a file
    that has been changed since (which would count its findings twice)."""
    with _connection(path) as connection:
        return _admission_problem(connection, result)


def _admission_problem(connection: sqlite3.Connection, result: InspectionResult) -> Problem | None:
    if connection.execute("SELECT 1 FROM inspections WHERE answers_sha256 = ?", (result.answers_sha256,)).fetchone():
        return None  # the same file again: recording it changes nothing
    changed = _same_inspection(connection, result)
    if changed is not None:
        return Problem(
            ErrorCode.LEDGER_003,
            Location(result.answers_name),
            {"id": changed["id"], "file": changed["answers_name"], "day": changed["inspected_on"]},
        )
    reference = result.inspection.follows
    if reference is None:
        return None
    location = Location(result.answers_name, path=("inspection", "follows"))
    matches = _followed_all(connection, reference)
    if not matches:
        return Problem(ErrorCode.LEDGER_001, location, {"ref": reference})
    if _followed(connection, reference, result) is None:
        other = matches[0]
        return Problem(ErrorCode.LEDGER_002, location, {"ref": reference, "site": other["site_name"], "checklist": other["checklist_id"]})
    return None


def _same_inspection(connection: sqlite3.Connection, result: InspectionResult) -> sqlite3.Row | None:
    """An inspection already recorded that this one is, by its id or by its site, checklist
    and day, under another SHA-256: the file was edited after it was recorded."""
    if result.inspection.id:
        row = connection.execute(
            "SELECT * FROM inspections WHERE answers_ref = ? AND site_name = ? AND checklist_id = ?",
            (result.inspection.id, result.site.name, result.checklist_id),
        ).fetchone()
        if row is not None:
            return row
    return connection.execute(
        "SELECT * FROM inspections WHERE site_name = ? AND checklist_id = ? AND inspected_on = ? AND (answers_ref IS ? OR answers_ref IS NULL OR ? IS NULL)",
        (result.site.name, result.checklist_id, result.inspection.date.isoformat(), result.inspection.id, result.inspection.id),
    ).fetchone()


def _followed_all(connection: sqlite3.Connection, reference: str) -> list[sqlite3.Row]:
    return connection.execute("SELECT * FROM inspections WHERE notice_number = ? OR answers_ref = ? ORDER BY id", (reference, reference)).fetchall()


def _followed(connection: sqlite3.Connection, reference: str, result: InspectionResult) -> sqlite3.Row | None:
    """The inspection a re-inspection names, by its notice's number or by the id its own
    answers file gave it, at the same site and by the same checklist (an id alone need not
    be unique); the latest when several match."""
    rows = [row for row in _followed_all(connection, reference) if (row["site_name"], row["checklist_id"]) == (result.site.name, result.checklist_id)]
    return rows[-1] if rows else None


def record(path: Path, result: InspectionResult, *, notice_number: str | None = None) -> Recorded:
    """Record one checked inspection, in one transaction; the same answers file again
    changes nothing. A re-inspection closes or keeps open the findings it follows up."""
    with _connection(path) as connection, _transaction(connection):
        known = connection.execute("SELECT id FROM inspections WHERE answers_sha256 = ?", (result.answers_sha256,)).fetchone()
        if known is not None:
            return Recorded(known["id"], new=False)
        # Checked again inside the transaction: another run may have recorded since.
        problem = _admission_problem(connection, result)
        if problem is not None:
            raise LedgerError([problem])
        followed = _followed(connection, result.inspection.follows, result) if result.inspection.follows else None
        day = result.inspection.date.isoformat()
        inspectors = "、".join(result.inspection.inspectors)
        cursor = connection.execute(
            """INSERT INTO inspections (answers_sha256, answers_name, answers_ref, checklist_id, checklist_title,
                checklist_version, rules_sha256, site_name, site_type, village, operator, contact, inspected_on,
                inspectors, verdict, score, max_score, notice_number, follows_id, recorded_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                result.answers_sha256, result.answers_name, result.inspection.id, result.checklist_id, result.checklist_title,
                result.checklist_version, result.rules_sha256, result.site.name, result.site_type_label, result.site.village,
                result.site.operator, result.site.contact, day, inspectors, result.verdict, result.score, result.max_score,
                notice_number, followed["id"] if followed is not None else None, _now(),
            ),
        )
        inspection_id = cursor.lastrowid
        assert inspection_id is not None  # an INSERT always sets it
        closed = still_open = 0
        carried: set[str] = set()
        if followed is not None:
            statuses = {item.item_id: item.status for item in result.items}
            for unclosed in _unclosed_at(connection, result.site.name, result.checklist_id, inspection_id):
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
            cursor = connection.execute(
                """INSERT INTO findings (inspection_id, item_id, question, severity, problem, measure, basis, deadline, status)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')""",
                (
                    inspection_id, finding.item_id, finding.question, finding.severity, finding.reason, finding.rectification,
                    joined(finding.citations), finding.deadline.isoformat(),
                ),
            )
            assert cursor.lastrowid is not None
            _event(connection, cursor.lastrowid, "open", day, inspectors, f"现场检查发现（检查 #{inspection_id}）", inspection_id)
            opened += 1
        return Recorded(inspection_id, True, opened, closed, still_open)


def _unclosed_at(connection: sqlite3.Connection, site: str, checklist: str, this: int) -> list[sqlite3.Row]:
    """Every unclosed finding of the site by this checklist: a re-inspection re-checks them
    all, whichever earlier inspection (or re-inspection) found them."""
    return connection.execute(
        """SELECT f.* FROM findings f JOIN inspections i ON i.id = f.inspection_id
           WHERE i.site_name = ? AND i.checklist_id = ? AND f.status != 'closed' AND f.inspection_id != ? ORDER BY f.id""",
        (site, checklist, this),
    ).fetchall()


def _event(connection: sqlite3.Connection, finding_id: int, status: str, day: str, actor: str, reason: str, inspection_id: int | None, evidence: tuple[str, str] | None = None) -> None:
    connection.execute(
        """INSERT INTO events (finding_id, status, happened_on, actor, reason, inspection_id, evidence_name, evidence_sha256, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (finding_id, status, day, actor, reason, inspection_id, evidence[0] if evidence else None, evidence[1] if evidence else None, _now()),
    )
    connection.execute("UPDATE findings SET status = ? WHERE id = ?", (status, finding_id))


def close(path: Path, finding_id: int, *, note: str, actor: str, day: dt.date, evidence: Path | None = None) -> None:
    """Close a finding at the desk (书面销号), with the reason and, if given, the SHA-256 of
    the evidence file (a photo, a report) so that it can be checked later."""
    if not note.strip():
        raise LedgerError.of(ErrorCode.LEDGER_008, str(path), id=finding_id)
    proof = None
    if evidence is not None:
        if not evidence.is_file():
            raise LedgerError.of(ErrorCode.IO_001, str(evidence), reason="证明材料文件不存在")
        proof = (evidence.name, hashlib.sha256(evidence.read_bytes()).hexdigest())
    with _connection(path) as connection, _transaction(connection):
        row = connection.execute("SELECT status FROM findings WHERE id = ?", (finding_id,)).fetchone()
        if row is None:
            raise LedgerError.of(ErrorCode.LEDGER_005, str(path), id=finding_id)
        if row["status"] == "closed":
            raise LedgerError.of(ErrorCode.LEDGER_006, str(path), id=finding_id)
        (last,) = connection.execute("SELECT MAX(happened_on) FROM events WHERE finding_id = ?", (finding_id,)).fetchone()
        if day.isoformat() < last or day > dt.date.today():
            raise LedgerError.of(ErrorCode.LEDGER_007, str(path), day=day.isoformat(), id=finding_id, last=last)
        _event(connection, finding_id, "closed", day.isoformat(), actor, note.strip(), None, proof)


@dataclass(frozen=True)
class Filter:
    village: str | None = None
    checklist: str | None = None
    status: str | None = None  #: open, rectifying, closed, or unclosed (open and rectifying)
    severity: str | None = None
    overdue_on: dt.date | None = None  #: only findings unclosed after their deadline on this day
    inspected_from: dt.date | None = None
    inspected_to: dt.date | None = None
    #: only findings these inspections found, re-checked or closed (a batch's inspections)
    touched_by: tuple[int, ...] | None = None


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

    def status_on(self, day: dt.date) -> str:
        """The status the finding had at the end of ``day``."""
        if self.closed_on is not None and self.closed_on <= day:
            return "closed"
        if self.rechecked_on is not None and self.rechecked_on <= day:
            return "rectifying"
        return "open"

    def overdue_days(self, day: dt.date) -> int:
        """Days past the deadline on ``day``; 0 when closed by then or not yet due."""
        return 0 if self.status_on(day) == "closed" else max(0, (day - self.deadline).days)



def findings(path: Path, where: Filter = Filter()) -> list[LedgerRow]:
    """The findings that pass ``where``, by deadline, then village and site."""
    clauses: list[str] = []
    values: list[str | int] = []
    status = None if where.status == "unclosed" else where.status
    for column, wanted in (("i.village", where.village), ("i.checklist_id", where.checklist), ("f.status", status), ("f.severity", where.severity)):
        if wanted:
            clauses.append(f"{column} = ?")
            values.append(wanted)
    if where.status == "unclosed":
        clauses.append("f.status != 'closed'")
    if where.overdue_on:
        # Overdue on that day: found by then, past its deadline, not closed by the end of it.
        clauses.append(
            "f.deadline < ? AND i.inspected_on <= ? AND (f.status != 'closed' OR "
            "(SELECT MAX(happened_on) FROM events e WHERE e.finding_id = f.id AND e.status = 'closed') > ?)"
        )
        values.extend([where.overdue_on.isoformat()] * 3)
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
    sql = f"""SELECT f.*, i.village, i.site_name, i.operator, i.contact, i.checklist_id, i.checklist_title, i.inspected_on,
                     i.notice_number,
                     (SELECT happened_on FROM events e WHERE e.finding_id = f.id AND e.status = 'closed' ORDER BY e.id DESC LIMIT 1) AS closed_on,
                     (SELECT MIN(happened_on) FROM events e WHERE e.finding_id = f.id AND e.status = 'rectifying') AS rechecked_on
              FROM findings f JOIN inspections i ON i.id = f.inspection_id
              {"WHERE " + " AND ".join(clauses) if clauses else ""}
              ORDER BY f.deadline, i.village, i.site_name, f.id"""
    with _connection(path) as connection:
        return [
            LedgerRow(
                row["id"], row["inspection_id"], row["village"] or "", row["site_name"], row["operator"] or "", row["contact"] or "",
                row["checklist_id"], row["checklist_title"], dt.date.fromisoformat(row["inspected_on"]), row["item_id"], row["severity"],
                row["problem"], row["measure"], row["basis"], dt.date.fromisoformat(row["deadline"]), row["status"],
                dt.date.fromisoformat(row["closed_on"]) if row["closed_on"] and row["status"] == "closed" else None, row["notice_number"],
                dt.date.fromisoformat(row["rechecked_on"]) if row["rechecked_on"] else None,
            )
            for row in connection.execute(sql, values)
        ]


def inspections(path: Path, start: dt.date, end: dt.date) -> list[dict]:
    """The inspections made from ``start`` to ``end``, both included, oldest first."""
    with _connection(path) as connection:
        return [dict(row) for row in connection.execute(
            "SELECT * FROM inspections WHERE inspected_on BETWEEN ? AND ? ORDER BY inspected_on, id", (start.isoformat(), end.isoformat())
        )]


def history(path: Path, finding_id: int) -> tuple[LedgerRow, list[dict]]:
    """A finding and every change of its status, oldest first."""
    with _connection(path) as connection:
        events = [dict(row) for row in connection.execute("SELECT * FROM events WHERE finding_id = ? ORDER BY id", (finding_id,))]
    rows = [row for row in findings(path) if row.finding_id == finding_id]
    if not rows:
        raise LedgerError.of(ErrorCode.LEDGER_005, str(path), id=finding_id)
    return rows[0], events


@dataclass(frozen=True)
class Verification:
    matches: bool
    inspection: dict | None  #: the inspection recorded from exactly this content
    same_name: list[dict]  #: inspections recorded from a file of this name, when none matches


def verify(path: Path, answers: Path) -> Verification:
    """Whether an answers file is still exactly what the ledger recorded."""
    digest = hashlib.sha256(answers.read_bytes()).hexdigest()
    with _connection(path) as connection:
        row = connection.execute("SELECT * FROM inspections WHERE answers_sha256 = ?", (digest,)).fetchone()
        if row is not None:
            return Verification(True, dict(row), [])
        others = [dict(r) for r in connection.execute("SELECT * FROM inspections WHERE answers_name = ? OR answers_name LIKE ? ORDER BY id", (str(answers), f"%/{answers.name}"))]
    return Verification(False, None, others)
