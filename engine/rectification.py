"""The rectification list (整改清单) of a batch: one row per finding, with totals; as a spreadsheet.

The PDF form is rendered from templates/rectification_list.html by render.py; the
spreadsheet is laid out the way an office keeps its ledgers: a header row, frozen panes,
column widths, dates as dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from .model import SEVERITY_LABELS, InspectionResult

COLUMNS = (
    ("序号", 6),
    ("村（社区）", 12),
    ("单位（点位）", 28),
    ("检查表", 22),
    ("检查日期", 12),
    ("存在问题", 44),
    ("严重程度", 10),
    ("整改措施", 40),
    ("责任单位", 24),
    ("责任人", 12),
    ("整改期限", 12),
    ("状态", 10),
)


@dataclass(frozen=True)
class Row:
    number: int
    village: str
    site: str
    checklist: str
    inspected: dt.date
    problem: str
    severity: str
    measure: str
    unit: str
    person: str
    deadline: dt.date
    status: str

    def cells(self) -> list[Any]:
        return [self.number, self.village, self.site, self.checklist, self.inspected, self.problem, self.severity, self.measure, self.unit, self.person, self.deadline, self.status]


def rows_for(results: Sequence[InspectionResult]) -> list[Row]:
    """Every finding of the batch, ordered by deadline, then village and site."""
    entries = []
    for result in results:
        for finding in result.findings:
            entries.append((result, finding))
    entries.sort(key=lambda pair: (pair[1].deadline, pair[0].site.village or "", pair[0].site.name, pair[1].item_id))
    return [
        Row(
            number=index,
            village=result.site.village or "",
            site=result.site.name,
            checklist=result.checklist_title,
            inspected=result.inspection.date,
            problem=finding.reason,
            severity=SEVERITY_LABELS[finding.severity],
            measure=finding.rectification,
            unit=result.site.operator or result.site.name,
            person=result.site.contact or "",
            deadline=finding.deadline,
            status="待整改",
        )
        for index, (result, finding) in enumerate(entries, 1)
    ]


def totals(rows: Sequence[Row]) -> dict[str, list[tuple[str, int]]]:
    return {
        "村（社区）": sorted(Counter(row.village or "（未填）" for row in rows).items()),
        "检查表": sorted(Counter(row.checklist for row in rows).items()),
    }


def spreadsheet(rows: Sequence[Row], title: str) -> bytes:
    """The list as .xlsx bytes: a ledger sheet and a totals sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "整改清单"
    sheet.append([name for name, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append(row.cells())
    for index, (_, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    summary = book.create_sheet("汇总")
    summary.append([title])
    summary["A1"].font = Font(bold=True)
    for heading, counts in totals(rows).items():
        summary.append([])
        summary.append([heading, "问题数"])
        for name, count in counts:
            summary.append([name, count])
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 10
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
