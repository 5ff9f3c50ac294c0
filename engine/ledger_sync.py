"""A town's ledger and the county's, kept in step: ``push`` copies what a town recorded into the
county's database, ``pull`` copies what the county recorded for the town into the town's file.
Both are one operation, ``sync``: everything of one office in the source that the target lacks.
A push also copies the town's document numbers (push_numbers), so that the town can go on
numbering in the county's database without giving a number twice.

What makes it safe to run again, or after kill -9 in the middle:
- Identities are contents, never row ids (which differ from ledger to ledger): an inspection
  is its answers file's SHA-256, a finding its inspection's and its item's, an event its
  finding's and all it says (status, day, who, why, evidence, when recorded).
- Each inspection is copied in one transaction with its findings and the events it caused
  (a re-inspection's close-outs); each desk close-out in one of its own. A copy killed midway
  leaves the target as it was before that inspection, and the next run copies the rest.
- Nothing in the target is changed: rows are only added, and a finding's status follows the
  events added to it, as when recording.

A conflict is a status change the target cannot take: an event for a finding the target has
already closed (the same finding closed in both places, or a re-inspection's result after a
close-out). The rule (docs/ledger.md): the close-out the target holds stands; the other is not
copied and is listed, with both days and who, for the user to see.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from . import ledger
from .errors import ErrorCode, Location, Problem
from .labels import FINDING_STATUS_LABELS, NOTICE_TITLES
from .ledger import LedgerAt
from .numbering import Given

#: An event is known by these columns (with its finding's identity).
_EVENT_CONTENT = ("status", "happened_on", "actor", "reason", "evidence_name", "evidence_sha256", "recorded_at")
#: The columns of an inspection copied as they are (the ids and the office are the target's own).
_INSPECTION_COPIED = (
    "answers_sha256", "answers_name", "answers_ref", "checklist_id", "checklist_title", "checklist_version", "rules_sha256",
    "site_name", "site_type", "village", "operator", "contact", "inspected_on", "inspectors", "verdict", "score", "max_score",
    "notice_number", "recorded_at", "site_key", "start_time", "end_time", "recorded_by",
)
_FINDING_COPIED = ("item_id", "question", "severity", "problem", "measure", "basis", "deadline")


@dataclass
class Synced:
    """What one push or pull did."""

    inspections: int = 0  #: inspections copied, with their findings and events
    findings: int = 0
    events: int = 0  #: events copied (those of the inspections copied, and desk close-outs)
    already: int = 0  #: inspections the target had
    conflicts: list[Problem] = field(default_factory=list)  #: status changes not copied (LEDGER_025)


def event_identity(inspection_sha256: str, item_id: str, event: Any) -> str:
    """An event as any ledger can know it: the SHA-256 of its finding's identity and its content."""
    content = [inspection_sha256, item_id, *(event[column] for column in _EVENT_CONTENT)]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def sync(source: LedgerAt, target: LedgerAt, office: str | None) -> Synced:
    """Copy into ``target`` every inspection, finding and event of ``office`` (None: every
    office) that ``source`` holds and ``target`` lacks. The target is created when missing
    (a county's empty database set up, as writing into a ledger does)."""
    done = Synced()
    source_rows = _read(source, office)
    with ledger._connection(target, write=True) as connection:
        held = _held(connection, target)
        sha_of = {row["id"]: row["answers_sha256"] for row in source_rows.inspections}
        for inspection in source_rows.inspections:
            sha = inspection["answers_sha256"]
            if sha in held.inspections:
                done.already += 1
                continue
            with ledger._transaction(connection, target, pipelined=True):
                # Looked for again under the ledger's lock: another push may have copied it since.
                found = connection.execute("SELECT id FROM inspections WHERE answers_sha256 = ?", (sha,)).fetchone()
                if found is not None:
                    _hold_inspection(connection, sha, found[0], held)
                    done.already += 1
                else:
                    _copy_inspection(connection, target, inspection, source_rows, sha_of, held, done)
        for event in source_rows.desk_events:
            finding = source_rows.findings_by_id[event["finding_id"]]
            key = (sha_of[finding["inspection_id"]], finding["item_id"])
            if key not in held.findings or event_identity(*key, event) in held.events.get(key, set()):
                continue  # had already, or the finding is another office's (that office copied the same answers first)
            with ledger._transaction(connection, target, pipelined=True):
                _hold_finding(connection, key, held)
                if event_identity(*key, event) not in held.events.get(key, set()):
                    _copy_event(connection, target, event, *key, None, held, done)
    return done


@dataclass
class _Rows:
    inspections: list[Any]
    findings_by_inspection: dict[int, list[Any]]
    findings_by_id: dict[int, Any]
    events_by_inspection: dict[int, list[Any]]  #: the events each inspection made, in order
    desk_events: list[Any]  #: close-outs at the desk, in order


def _read(path: LedgerAt, office: str | None) -> _Rows:
    """Everything of ``office`` in the ledger at ``path``, read in one transaction: on a
    server only that office's rows are read (a file is one office's, and one written before
    offices were kept has no column for it: the scope is none there)."""
    where = ledger.for_office(path, office)
    condition, values = ledger._office_scope(where)
    scope = f"WHERE {condition}" if condition else ""
    with ledger._connection(where) as connection:
        inspections = list(connection.execute(f"SELECT i.* FROM inspections i {scope} ORDER BY i.id", values))
        findings = list(connection.execute(f"SELECT f.* FROM findings f JOIN inspections i ON i.id = f.inspection_id {scope} ORDER BY f.id", values))
        events = list(connection.execute(f"SELECT e.* FROM events e JOIN findings f ON f.id = e.finding_id JOIN inspections i ON i.id = f.inspection_id {scope} ORDER BY e.id", values))
    rows = _Rows(inspections, {}, {row["id"]: row for row in findings}, {}, [])
    for finding in findings:
        rows.findings_by_inspection.setdefault(finding["inspection_id"], []).append(finding)
    for event in events:
        if event["inspection_id"] is None:
            rows.desk_events.append(event)
        else:
            rows.events_by_inspection.setdefault(event["inspection_id"], []).append(event)
    return rows


@dataclass
class _Held:
    """What the target holds, by identity, and its ids for them."""

    inspections: dict[str, int]  #: answers SHA-256 → id
    findings: dict[tuple[str, str], tuple[int, str]]  #: (answers SHA-256, item) → (id, status)
    events: dict[tuple[str, str], set[str]]  #: (answers SHA-256, item) → event identities
    closed_by: dict[tuple[str, str], Any]  #: the close-out that closed each closed finding
    latest: dict[tuple[str, str], Any] = field(default_factory=dict)  #: each finding's latest event, by day

    def saw(self, key: tuple[str, str], event: Any) -> None:
        """Take ``event`` of the finding ``key`` as held: its identity, and whether it is the latest."""
        self.events.setdefault(key, set()).add(event_identity(*key, event))
        if event["status"] == "closed":
            self.closed_by[key] = event
        if key not in self.latest or event["happened_on"] >= self.latest[key]["happened_on"]:
            self.latest[key] = event


def _held(connection: Any, target: LedgerAt) -> _Held:
    """What the target holds: every inspection (an answers file is one inspection whichever
    office recorded it), and the findings and events of the office it is used as."""
    inspections = {row["answers_sha256"]: row["id"] for row in connection.execute("SELECT id, answers_sha256 FROM inspections")}
    sha_by_id = {identifier: sha for sha, identifier in inspections.items()}
    held = _Held(inspections, {}, {}, {})
    condition, values = ledger._office_scope(target)
    scope = f"WHERE {condition}" if condition else ""
    item_by_finding: dict[int, tuple[str, str]] = {}
    for row in connection.execute(f"SELECT f.id, f.inspection_id, f.item_id, f.status FROM findings f JOIN inspections i ON i.id = f.inspection_id {scope}", values):
        key = (sha_by_id[row["inspection_id"]], row["item_id"])
        held.findings[key] = (row["id"], row["status"])
        item_by_finding[row["id"]] = key
    events = connection.execute(f"SELECT e.* FROM events e JOIN findings f ON f.id = e.finding_id JOIN inspections i ON i.id = f.inspection_id {scope} ORDER BY e.id", values)
    for event in events:
        held.saw(item_by_finding[event["finding_id"]], event)
    return held


def _hold_inspection(connection: Any, sha: str, identifier: int, held: _Held) -> None:
    """Take into ``held`` an inspection another push copied meanwhile, with its findings and events."""
    held.inspections[sha] = identifier
    for row in connection.execute("SELECT item_id FROM findings WHERE inspection_id = ?", (identifier,)).fetchall():
        _hold_finding(connection, (sha, row[0]), held)


def _hold_finding(connection: Any, key: tuple[str, str], held: _Held) -> None:
    """Read a finding's status and events again, inside the transaction about to change it."""
    row = connection.execute("SELECT id, status FROM findings WHERE inspection_id = ? AND item_id = ?", (held.inspections[key[0]], key[1])).fetchone()
    held.findings[key] = (row["id"], row["status"])
    held.events[key] = set()
    held.latest.pop(key, None)
    for event in connection.execute("SELECT * FROM events WHERE finding_id = ? ORDER BY id", (row["id"],)):
        held.saw(key, event)


def _copy_inspection(connection: Any, target: LedgerAt, inspection: Any, rows: _Rows, sha_of: dict[int, str], held: _Held, done: Synced) -> None:
    sha = inspection["answers_sha256"]
    follows = held.inspections.get(sha_of.get(inspection["follows_id"], "")) if inspection["follows_id"] is not None else None
    values = [_column(inspection, column) for column in _INSPECTION_COPIED]
    columns = ", ".join((*_INSPECTION_COPIED, "follows_id", "office"))
    marks = ", ".join("?" * (len(_INSPECTION_COPIED) + 2))
    identifier = ledger.inserted(connection, f"INSERT INTO inspections ({columns}) VALUES ({marks})", (*values, follows, ledger._office(target)))
    for finding in rows.findings_by_inspection.get(inspection["id"], []):
        copied = [finding[column] for column in _FINDING_COPIED]
        finding_id = ledger.inserted(
            connection,
            f"INSERT INTO findings (inspection_id, {', '.join(_FINDING_COPIED)}, status) VALUES (?, {', '.join('?' * len(_FINDING_COPIED))}, 'open')",
            (identifier, *copied),
        )
        held.findings[(sha, finding["item_id"])] = (finding_id, "open")
        done.findings += 1
    for event in rows.events_by_inspection.get(inspection["id"], []):
        finding = rows.findings_by_id[event["finding_id"]]
        key = (sha_of[finding["inspection_id"]], finding["item_id"])
        if key[0] != sha and key in held.findings:
            # An earlier inspection's finding (a re-inspection's close-out or re-check): its status
            # read again under the lock, for someone may have closed it since the push began.
            _hold_finding(connection, key, held)
        _copy_event(connection, target, event, *key, identifier, held, done)
    held.inspections[sha] = identifier
    done.inspections += 1


def _column(inspection: Any, column: str) -> Any:
    """A column of a source inspection; what an older ledger lacks, as a newer one would hold it."""
    if column in inspection.keys():
        return inspection[column]
    return ledger.site_key(inspection["site_name"]) if column == "site_key" else None


def _copy_event(connection: Any, target: LedgerAt, event: Any, sha: str, item: str, inspection_id: int | None, held: _Held, done: Synced) -> None:
    """Add ``event`` to its finding in the target, unless the target has closed the finding:
    then it is a conflict, listed and not copied."""
    key = (sha, item)
    if key not in held.findings:
        return  # a finding of another office's copy of the same answers file
    finding_id, status = held.findings[key]
    if status == "closed":
        done.conflicts.append(_conflict(ErrorCode.LEDGER_025, target, finding_id, held.closed_by[key], event))
        return
    latest = held.latest.get(key)
    if latest is not None and event["happened_on"] < latest["happened_on"]:
        # Dated before what the target already holds of the finding (a desk close-out from one
        # place, a later re-inspection in the other that found it still there): copied, it would
        # undo the later record, and a finding's history runs forward in time.
        done.conflicts.append(_conflict(ErrorCode.LEDGER_030, target, finding_id, latest, event))
        return
    ledger._event(
        connection, finding_id, event["status"], event["happened_on"], event["actor"], event["reason"], inspection_id,
        (event["evidence_name"], event["evidence_sha256"]), has_status=event["status"] == status, recorded_at=event["recorded_at"],
    )
    held.findings[key] = (finding_id, event["status"])
    held.saw(key, event)
    done.events += 1


def _conflict(code: ErrorCode, target: LedgerAt, finding_id: int, kept: Any, refused: Any) -> Problem:
    context = {
        "id": finding_id,
        "other_id": refused["finding_id"],
        "kept_day": kept["happened_on"], "kept_actor": kept["actor"], "kept_reason": kept["reason"],
        "kept_status": FINDING_STATUS_LABELS.get(kept["status"], kept["status"]),
        "status": FINDING_STATUS_LABELS.get(refused["status"], refused["status"]), "day": refused["happened_on"], "actor": refused["actor"], "reason": refused["reason"],
    }
    return Problem(code, Location(str(target)), context, severity="warning")



@dataclass
class NumbersSynced:
    copied: int = 0  #: numbers the target did not have
    clashes: list[Problem] = field(default_factory=list)  #: numbers the target gave another document (LEDGER_026)


def push_numbers(numbers: list[Given], target: LedgerAt, office: str) -> NumbersSynced:
    """Copy a town's document numbers (its numbers file) into the county's ledger under its
    office, so that numbering there goes on after them, never giving one of them again.
    A number the county's ledger gave another document of that office is a clash, listed."""
    done = NumbersSynced()
    # The numbers' lock too, as a number is handed out meanwhile: after the ledger's, as record takes them.
    locks = (ledger._SERVER_WRITE_LOCK, ledger._SERVER_NUMBERS_LOCK)
    with ledger._connection(target, write=True) as connection, ledger._transaction(connection, target, locks):
        held = {
            (row["kind"], row["year"], row["seq"]): row["inspection"]
            for row in connection.execute("SELECT kind, year, seq, inspection FROM document_numbers WHERE office = ?", (office,))
        }
        by_inspection = {(kind, inspection) for (kind, _, _), inspection in held.items()}
        for given in numbers:
            key = (given.kind, given.number.year, given.number.seq)
            if key in held:
                if held[key] != given.inspection:
                    context = {"year": given.number.year, "seq": given.number.seq, "kind": NOTICE_TITLES.get(given.kind, given.kind)}
                    done.clashes.append(Problem(ErrorCode.LEDGER_026, Location(str(target)), context, severity="warning"))
                continue
            if (given.kind, given.inspection) in by_inspection:
                continue  # numbered in the county too (pushed, then issued again there): theirs stands
            decided = given.number.decided_on.isoformat() if given.number.decided_on else None
            connection.execute(
                "INSERT INTO document_numbers (office, kind, year, seq, inspection, issued_at, decided_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (office, given.kind, given.number.year, given.number.seq, given.inspection, given.issued_at, decided),
            )
            held[key] = given.inspection
            by_inspection.add((given.kind, given.inspection))
            done.copied += 1
    return done
