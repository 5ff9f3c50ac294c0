"""The ledger's findings as other programs read them (JSON, CSV) and as a terminal table.

The JSON document and the CSV header are documented in docs/json.md; ``FORMAT_VERSION``
counts apart from the check document's.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Callable, Sequence
from typing import Any

from .check_output import clip, json_text, printable
from .labels import OFFICE_HEADING, SEVERITY_LABELS, office_label
from .ledger import LedgerRow

#: The version printed unless another is asked for.
FORMAT_VERSION = 3


#: The ledger document's fields, in output order: the JSON keys and the CSV header both come
#: from here, so they cannot drift apart.
_FIELDS_V2: tuple[tuple[str, Callable[[LedgerRow, dt.date], Any]], ...] = (
    ("id", lambda row, day: row.finding_id),
    ("inspection", lambda row, day: row.inspection_id),
    ("village", lambda row, day: row.village),
    ("site", lambda row, day: row.site),
    ("operator", lambda row, day: row.operator),
    ("contact", lambda row, day: row.contact),
    ("checklist", lambda row, day: row.checklist_id),
    ("inspected_on", lambda row, day: row.inspected_on.isoformat()),
    ("item", lambda row, day: row.item_id),
    ("severity", lambda row, day: row.severity),
    # The words of `lantian check`'s findings, so that one program can read both.
    ("reason", lambda row, day: row.reason),
    ("rectification", lambda row, day: row.rectification),
    ("basis", lambda row, day: row.basis),
    ("deadline", lambda row, day: row.deadline.isoformat()),
    # A value that depends on the day carries the day in its key: version 1's "status"
    # was the status today, whatever --as-of said, and was read as the status on it.
    ("status_as_of", lambda row, day: row.status_on(day)),
    ("status_now", lambda row, day: row.status),
    ("closed_on", lambda row, day: row.closed_on.isoformat() if row.closed_on else None),
    ("overdue_days_as_of", lambda row, day: row.overdue_days(day)),
    ("notice_number", lambda row, day: row.notice_number),
)
#: Version 1 was a bare list with the older names and without status_as_of; it is kept so that
#: programs written against it keep working a while.
_V1_NAMES = {"reason": "problem", "rectification": "measure", "status_now": "status", "overdue_days_as_of": "overdue_days"}
_FIELDS = {
    1: tuple((_V1_NAMES.get(name, name), value) for name, value in _FIELDS_V2 if name != "status_as_of"),
    2: _FIELDS_V2,
    # Version 3: whose finding each is, in a county's database (None in a town's own file).
    3: (*_FIELDS_V2, ("office", lambda row, day: row.office)),
}
FORMAT_VERSIONS = tuple(_FIELDS)


def field_names(format_version: int = FORMAT_VERSION) -> list[str]:
    """The keys of a finding in that format version, in order (the CSV header)."""
    return [name for name, _ in _FIELDS[format_version]]


def finding_dict(row: LedgerRow, day: dt.date, format_version: int = FORMAT_VERSION) -> dict[str, Any]:
    """One entry of ``findings`` in the ledger's JSON document, counted on ``day``."""
    return {name: value(row, day) for name, value in _FIELDS[format_version]}


def json_document(rows: Sequence[LedgerRow], day: dt.date, lantian_version: str, format_version: int = FORMAT_VERSION) -> str:
    """The JSON document `lantian ledger list --format json` prints (docs/json.md)."""
    found = [finding_dict(row, day, format_version) for row in rows]
    if format_version == 1:
        return json_text(found)
    document = {"lantian": lantian_version, "format_version": format_version, "as_of": day.isoformat(), "findings": found}
    return json_text(document)


def csv_text(rows: Sequence[LedgerRow], day: dt.date, format_version: int = FORMAT_VERSION) -> str:
    """The same findings as CSV, headed by the JSON keys; an empty cell for null. Control
    characters in the ledger's texts are written as their escapes, as in the table and the
    JSON: the CSV is printed to terminals too, and a line break inside a text is one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(field_names(format_version))
    for row in rows:
        writer.writerow(["" if value is None else printable(value) if isinstance(value, str) else value for value in finding_dict(row, day, format_version).values()])
    return buffer.getvalue()


_TABLE = (("编号", 5), ("状态", 16), ("整改期限", 10), ("严重程度", 8), ("村（社区）", 10), ("单位", 22), ("问题", 40))


@functools.lru_cache(maxsize=8192)  # a long list repeats its villages, sites, statuses and problems
def _cell(text: str, width: int) -> str:
    return clip(printable(text), width)


#: The column the county's view adds, before the village: whose finding each is.
_OFFICE_COLUMN = (OFFICE_HEADING, 14)


def table_text(rows: Sequence[LedgerRow], day: dt.date, *, dated: bool = False, offices: bool = False) -> str:
    """The findings as a terminal table: the status on ``day``, with the days overdue then;
    ``dated`` says the day under the table (a day asked for rather than today). With
    ``offices`` (the county's view of its database) each is shown with its office."""
    columns = [*_TABLE[:4], _OFFICE_COLUMN, *_TABLE[4:]] if offices else list(_TABLE)
    widths = [width for _, width in columns]
    lines = ["  ".join(clip(head, width) for head, width in columns).rstrip()]
    for row in rows:
        label, late = row.state_on(day)
        state = label + (f" 逾期{late}天" if late else "")
        cells = [str(row.finding_id), state, row.deadline.isoformat(), SEVERITY_LABELS.get(row.severity, row.severity), row.village, row.site, row.reason]
        if offices:
            cells.insert(4, office_label(row.office))
        lines.append("  ".join(_cell(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip())
    lines.append(f"共 {len(rows)} 个问题" + (f"（按 {day.isoformat()} 计）" if dated else ""))
    return "\n".join(lines) + "\n"
