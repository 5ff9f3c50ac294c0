"""The rectification list (整改清单) of a batch: one row per finding, with totals; as a spreadsheet.

The PDF form is rendered from templates/rectification_list.html by render.py; the
spreadsheet is laid out the way an office keeps its ledgers: a header row, frozen panes,
column widths, dates as dates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fonts import document_fonts, smallest_copy
from .labels import FINDING_STATUS_LABELS, OFFICE_HEADING, SEVERITY_LABELS, office_label
from .model import InspectionResult
from .render import Document, render_html, write_pdfs
from .settings import OfficeSettings
from .spreadsheet import Sheet, workbook_bytes
from .typeset import Column, metrics_for, set_table

if TYPE_CHECKING:
    from .ledger import LedgerRow

LIST_TITLE = "整改清单"
OVERDUE_TITLE = "逾期未销号清单"  #: the list of the findings past their deadline and not closed

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
    ("台账编号", 10),
)
#: The spreadsheet's column, after the number, of a list of several offices' findings (the
#: county's view of its database): whose finding each is. The PDF list puts the office above
#: the village in the village's column instead, the landscape page having no width to spare.
OFFICE_COLUMN = ("所属乡镇", 12)


#: The columns of the PDF list, in px (1008 px is the width of the landscape type area),
#: shared so that the problem, the measure and the person's role take as few lines as they
#: can: a row is as tall as its tallest cell. The spreadsheet keeps every column; the
#: checklist and the date of the inspection are left out here (the totals count by checklist).
PDF_COLUMNS = (
    # Widths in px (12 px a character at 9 pt, 9 px of padding): "一票否决" and "逾期102天" on one line.
    Column("序号", 36, "center"),
    Column("村（社区）", 72),
    Column("单位（点位）", 96),
    Column("存在问题", 219),
    Column("严重\n程度", 62, "center"),
    Column("整改措施", 159),
    Column("责任单位", 90),
    Column("责任人", 72),
    Column("整改期限", 78, "center"),
    Column("状态", 78, "center"),
    Column("台账\n编号", 42, "center"),
)
#: px of the landscape page's type area (list.css) the table may fill: the title block
#: takes LIST_HEAD_PX of the first page, and a few px are kept spare against rounding.
PAGE_PX = 634
LIST_HEAD_PX = 124
SPARE_PX = 6
#: A list of at least twice this many pages is also cut into runs, at most MOST_PARTS.
PAGES_PER_PART = 8
MOST_PARTS = 4


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
    finding_id: int | None = None  #: the ledger's number of the finding, which `lantian ledger close` takes
    office: str = ""  #: the office whose finding it is, as shown, in a database several offices share

    def cells(self, *, offices: bool = False) -> list[Any]:
        """The row in COLUMNS, or with ``offices`` in the columns with OFFICE_COLUMN."""
        cells = [self.number, self.village, self.site, self.checklist, self.inspected, self.problem, self.severity, self.measure, self.unit, self.person, self.deadline, self.status, self.finding_id]
        if offices:
            cells.insert(1, self.office)
        return cells


def rows_for(results: Sequence[InspectionResult]) -> list[Row]:
    """Every finding of the batch, ordered by deadline, then village and site."""
    entries = []
    for result in results:
        for finding in result.notice_findings:
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
            status=FINDING_STATUS_LABELS["open"],
        )
        for index, (result, finding) in enumerate(entries, 1)
    ]


def rows_from_ledger(found: Sequence[LedgerRow], day: dt.date) -> list[Row]:
    """Ledger findings as list rows, numbered 1 to n in their order, each with its ledger
    number (the one ``lantian ledger close`` takes) and its status on ``day``, with the days
    overdue then."""

    rows = []
    for number, item in enumerate(found, 1):
        label, late = item.state_on(day)
        status = label + (f"（逾期{late}天）" if late else "")
        rows.append(
            Row(number, item.village, item.site, item.checklist_title, item.inspected_on, item.reason, SEVERITY_LABELS.get(item.severity, item.severity), item.rectification, item.operator or item.site, item.contact, item.deadline, status, item.finding_id, office_label(item.office))
        )
    return rows


def pdf_cells(row: Row, *, offices: bool = False) -> list[str]:
    """A row's cells in the PDF list's columns (PDF_COLUMNS); with ``offices``, its office
    on the first line of the village's cell."""
    # "待整改（逾期3天）" on two lines: the status, then how late.
    status = row.status.replace("（", "\n").rstrip("）")
    village = "\n".join(text for text in (row.office, row.village) if text) if offices else row.village
    return [str(row.number), village, row.site, row.problem, row.severity, row.measure, row.unit, row.person, row.deadline.isoformat(), status, "" if row.finding_id is None else str(row.finding_id)]


def list_document(rows: Sequence[Row], settings: OfficeSettings, target: Path, *, sites: int, today: dt.date, title: str = LIST_TITLE, offices: bool = False) -> Document:
    """The list as a document to render: its table set into pages here (typeset.py);
    ``title`` is OVERDUE_TITLE for the findings past their deadline; ``offices``: findings of
    several offices (the county's view), each row saying whose it is."""
    # The table is set in the body's font (the stylesheets give .sheet no other).
    metrics = metrics_for(smallest_copy(document_fonts(settings.font, settings.fonts)[0].body))
    columns = [*PDF_COLUMNS[:1], Column("乡镇\n村（社区）", PDF_COLUMNS[1].width), *PDF_COLUMNS[2:]] if offices else PDF_COLUMNS
    values = [pdf_cells(row, offices=offices) for row in rows]
    pages = set_table(columns, values, metrics, first_page=PAGE_PX - LIST_HEAD_PX - SPARE_PX, page=PAGE_PX - SPARE_PX).pages
    context = {"settings": settings, "title": title, "overdue": title == OVERDUE_TITLE, "rows": rows, "totals": totals(rows, offices=offices), "sites": sites, "today": today, "head_px": LIST_HEAD_PX}

    def html(start: int, end: int) -> str:
        """Pages start to end (counted from 0) as a document of their own, numbered as in the whole."""
        return render_html("rectification_list.html", {**context, "pages": pages[start:end], "first_page": start + 1, "with_head": start == 0, "with_totals": end >= len(pages)})

    # A long list is also cut into runs of pages that worker processes render side by side;
    # every run starts on an odd page, so that page numbers keep their sides (GB/T 9704).
    count = min(MOST_PARTS, len(pages) // PAGES_PER_PART)
    # Rounding to even can make two bounds one (parts of a page or two): each is kept once,
    # so that no part is empty or repeats the totals.
    bounds = sorted({0, *(round(len(pages) * k / count / 2) * 2 for k in range(1, count)), len(pages)}) if count > 1 else []
    parts = tuple(html(start, end) for start, end in pairwise(bounds))
    return Document(target, "list", html(0, len(pages)), parts=parts)


def totals(rows: Sequence[Row], *, offices: bool = False) -> dict[str, list[tuple[str, int]]]:
    """The findings counted by village and by checklist; with ``offices``, by office first
    and by village within its office."""
    if offices:
        return {
            OFFICE_HEADING: sorted(Counter(row.office for row in rows).items()),
            "乡镇、村（社区）": sorted(Counter(f"{row.office} {row.village or '（未填）'}" for row in rows).items()),
            "检查表": sorted(Counter(row.checklist for row in rows).items()),
        }
    return {
        "村（社区）": sorted(Counter(row.village or "（未填）" for row in rows).items()),
        "检查表": sorted(Counter(row.checklist for row in rows).items()),
    }


def spreadsheet(rows: Sequence[Row], settings: OfficeSettings, target: Path, *, title: str = LIST_TITLE, offices: bool = False) -> bytes:
    """The list as .xlsx bytes, for ``target``: a sheet named ``title`` and a totals sheet.
    The rows wait in temporary files until the workbook is put together: no room for them is IO_012."""

    def build(add_sheet: Callable[[str], Sheet]) -> None:
        list_sheet(add_sheet(title), rows, settings, title, offices=offices)
        summary = add_sheet("汇总")
        summary.print_as_table(f"{settings.office} {title} 汇总")
        summary.widths([48, 10])
        summary.append([f"{settings.office} {title}"], style="bold")
        for heading, counts in totals(rows, offices=offices).items():
            summary.append()
            summary.append([heading, "问题数"], style="heading")
            for name, count in counts:
                summary.append([name, count], style="wrapped")

    return workbook_bytes(build, target)


def list_sheet(sheet: Sheet, rows: Sequence[Row], settings: OfficeSettings, title: str, *, offices: bool = False) -> None:
    """``sheet`` as the list of ``rows``, titled ``title``: the PDF list's columns, a header
    row that stays in view and filters, set up to print as the PDF list is; with ``offices``,
    a column of whose each finding is."""
    columns = [COLUMNS[0], OFFICE_COLUMN, *COLUMNS[1:]] if offices else list(COLUMNS)
    sheet.print_as_list(f"{settings.office} {title}")
    sheet.widths(width for _, width in columns)
    sheet.list_view(len(columns), len(rows))
    sheet.append((name for name, _ in columns), style="heading")
    for row in rows:
        sheet.append(row.cells(offices=offices), style="wrapped")


def ledger_list_rows(found: Sequence[LedgerRow], day: dt.date) -> tuple[list[Row], int]:
    """The list's rows of ledger findings, as they stand on ``day``, and how many sites they are at."""
    return rows_from_ledger(found, day), len({(row.office, row.site, row.village) for row in found})


def ledger_list_file(found: Sequence[LedgerRow], day: dt.date, fmt: str, settings: OfficeSettings, target: Path, *, overdue: bool, offices: bool = False) -> bytes:
    """The rectification list (整改清单) of ledger findings as ``fmt`` (pdf or xlsx) bytes, as
    lantian batch writes it; of overdue findings, titled 逾期未销号清单; with ``offices`` (the
    county's view) each finding with its office. ``target`` names the file in messages. Set in the office's fonts (fonts.document_fonts, whose warnings are the caller's to show)."""
    items, sites = ledger_list_rows(found, day)
    title = OVERDUE_TITLE if overdue else LIST_TITLE
    if fmt == "xlsx":
        return spreadsheet(items, settings, target, title=title, offices=offices)
    document = list_document(items, settings, target, sites=sites, today=day, title=title, offices=offices)
    # One list: its parts are too few to be worth worker processes (render.PARALLEL_MINIMUM).
    (pdf,) = write_pdfs([document], fonts=document_fonts(settings.font, settings.fonts)[0])
    return pdf

