"""The county's summary (全县整治情况汇总) of a period, from the county's ledger, where every
inspection belongs to an office (a town, or the bureau itself): inspections and compliance
by town and by checklist, the findings still open and overdue at the end of the period, the
towns with the most overdue, and the week-by-week trend. Charts are laid out by
engine/campaign_report.py, as in a town's summary.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ledger
from .campaign_report import LISTED, Chart, ReportKind, count_chart, percent, status_chart
from .labels import OFFICE_HEADING, office_label
from .ledger import Filter, LedgerAt, LedgerRow
from .rectification import OFFICE_COLUMN

#: The towns the chart of the most overdue shows.
MOST_OVERDUE = 10


@dataclass(frozen=True)
class Tally:
    """One town's or one checklist's figures for the period."""

    name: str
    inspections: int
    compliant: int
    findings: int  #: found in the period
    closed: int  #: of those, closed by the end of it
    rectifying: int  #: of those, re-inspected and found still there by then
    unclosed: int  #: open at the end of the period, whenever found
    overdue: int  #: of those, past their deadline
    longest: int  #: the longest overdue, in days

    @property
    def compliance_rate(self) -> float | None:
        return percent(self.compliant, self.inspections)


@dataclass(frozen=True)
class Week:
    start: dt.date  #: its Monday (or the period's first day)
    end: dt.date  #: its Sunday (or the period's last day)
    inspections: int
    findings: int  #: found that week
    closed: int  #: closed that week, whenever found

    @property
    def label(self) -> str:
        return f"{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日"


@dataclass(frozen=True)
class CountySummary:
    start: dt.date
    end: dt.date
    towns: list[Tally]  #: by name
    checklists: list[Tally]  #: most findings first
    weeks: list[Week]
    overdue: list[LedgerRow]  #: every finding overdue at the end of the period, longest first

    @property
    def total(self) -> Tally:
        def total(field: str) -> int:
            return sum(getattr(town, field) for town in self.towns)

        return Tally(
            "全县", total("inspections"), total("compliant"), total("findings"), total("closed"), total("rectifying"),
            total("unclosed"), total("overdue"), max((town.longest for town in self.towns), default=0),
        )

    @property
    def most_overdue(self) -> list[Tally]:
        """The towns with the most overdue findings, most first (those with none left out)."""
        return sorted((town for town in self.towns if town.overdue), key=lambda town: (-town.overdue, -town.longest, town.name))[:MOST_OVERDUE]


def summarize_county(path: LedgerAt, start: dt.date, end: dt.date) -> CountySummary:
    """The county's figures for ``start`` to ``end`` (both included), every office's, from the
    ledger as it stands; statuses and overdue as of the end of ``end``."""
    county = ledger.for_office(path, None)
    inspections = ledger.inspections(county, start, end)
    found = ledger.findings(county, Filter(inspected_from=start, inspected_to=end))
    unclosed = ledger.findings(county, Filter(status="unclosed", status_on=end))
    overdue = sorted((row for row in unclosed if row.overdue_days(end) > 0), key=lambda row: (-row.overdue_days(end), office_label(row.office), row.finding_id))

    def tallies(of_inspection: Callable[[Any], str], of_finding: Callable[[LedgerRow], str]) -> dict[str, Tally]:
        counts: dict[str, Counter[str]] = {}
        longest: dict[str, int] = {}
        for row in inspections:
            tally = counts.setdefault(of_inspection(row), Counter())
            tally["inspections"] += 1
            tally["compliant"] += row.verdict == "compliant"
        for finding in found:
            tally = counts.setdefault(of_finding(finding), Counter())
            tally["findings"] += 1
            tally[finding.status_on(end) or "open"] += 1
        for finding in unclosed:
            name = of_finding(finding)
            tally = counts.setdefault(name, Counter())
            tally["unclosed"] += 1
            late = finding.overdue_days(end)
            if late > 0:
                tally["overdue"] += 1
                longest[name] = max(longest.get(name, 0), late)
        return {
            name: Tally(name, c["inspections"], c["compliant"], c["findings"], c["closed"], c["rectifying"], c["unclosed"], c["overdue"], longest.get(name, 0))
            for name, c in counts.items()
        }

    towns = tallies(lambda row: office_label(row.office), lambda row: office_label(row.office))
    checklists = tallies(lambda row: row.checklist_title, lambda row: row.checklist_title)
    return CountySummary(
        start=start,
        end=end,
        towns=[towns[name] for name in sorted(towns)],
        checklists=sorted(checklists.values(), key=lambda tally: (-tally.findings, -tally.inspections, tally.name)),
        weeks=_weeks(start, end, inspections, found, ledger.closures(county, start, end)),
        overdue=overdue,
    )


def _weeks(start: dt.date, end: dt.date, inspections: Sequence[Any], found: Sequence[LedgerRow], closed_on: dict[dt.date, int]) -> list[Week]:
    """Monday to Sunday, the first and last cut to the period."""
    weeks = []
    monday = start - dt.timedelta(days=start.weekday())
    counted = Counter(row.inspected_on for row in inspections)
    found_on = Counter(row.inspected_on for row in found)
    while monday <= end:
        first, last = max(monday, start), min(monday + dt.timedelta(days=6), end)
        days = [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]
        weeks.append(Week(first, last, sum(counted[day.isoformat()] for day in days), sum(found_on[day] for day in days), sum(closed_on.get(day, 0) for day in days)))
        monday += dt.timedelta(days=7)
    return weeks


def county_report_file_name(start: dt.date, end: dt.date, suffix: str) -> str:
    """全县整治情况汇总_<from>_<to>.pdf (or .xlsx)."""
    return f"全县整治情况汇总_{start.isoformat()}_{end.isoformat()}.{suffix}"


def county_charts(summary: CountySummary) -> dict[str, Chart]:
    return {
        "most_overdue": count_chart([(town.name, town.overdue) for town in summary.most_overdue], "#c8161d"),
        "status": status_chart([(town.name, town.closed, town.rectifying, town.findings - town.closed - town.rectifying) for town in summary.towns if town.findings]),
        "checklists": count_chart([(tally.name, tally.findings) for tally in summary.checklists if tally.findings]),
        "weeks": count_chart([(week.label, week.inspections) for week in summary.weeks]),
    }



def county_report_document(summary: CountySummary, settings: Any, target: Path, *, today: dt.date | None = None) -> Any:
    """``summary`` as a document to render (templates/county_report.html), signed by the
    bureau (``settings``) on ``today``."""
    from .render import Document, render_html

    listed = summary.overdue[:LISTED]
    context = {"settings": settings, "summary": summary, "charts": county_charts(summary), "listed": listed, "today": today or dt.date.today(), "office_label": office_label}
    return Document(target, "report", render_html("county_report.html", context))


#: The county spreadsheet's sheets.
COUNTY_SHEET = "全县整治情况汇总"
OVERDUE_SHEET = "逾期未销号的问题"


def county_spreadsheet(summary: CountySummary, settings: Any, target: Path) -> bytes:
    """``summary`` as .xlsx bytes: the PDF's tables as rows to sort and sum, and every overdue
    finding with its town."""
    from .spreadsheet import Sheet, workbook_bytes

    title = f"{settings.office} 全县大气污染防治专项检查情况汇总"

    def build(add_sheet: Callable[[str], Sheet]) -> None:
        sheet = add_sheet(COUNTY_SHEET)
        sheet.print_as_table(title)
        sheet.widths([30, 12, 12, 12, 12, 12, 12, 14])
        sheet.append([title], style="bold")
        sheet.append(["期间", f"{summary.start.isoformat()} 至 {summary.end.isoformat()}"])

        columns = [OFFICE_HEADING, "检查（次）", "合格率（%）", "发现问题", "已销号", "未销号", "逾期", "最长逾期（天）"]
        sheet.table("各乡镇情况", columns, [_tally_row(town) for town in [*summary.towns, summary.total]])
        sheet.table("按检查表", ["检查表", *columns[1:]], [_tally_row(tally) for tally in summary.checklists])
        sheet.table("每周进展", ["周", "检查（次）", "发现问题", "销号"], [(week.label, week.inspections, week.findings, week.closed) for week in summary.weeks])
        late = add_sheet(OVERDUE_SHEET)
        late.print_as_table(f"{title}：{OVERDUE_SHEET}")
        late.widths([16, 24, 24, 50, 12, 10, 10])
        late.append([OFFICE_COLUMN[0], "单位（点位）", "检查表", "问题", "整改期限", "逾期（天）", "台账编号"], style="heading")
        for row in summary.overdue:
            late.append([office_label(row.office), row.site, row.checklist_title, row.reason, row.deadline.isoformat(), row.overdue_days(summary.end), row.finding_id], style="wrapped")

    return workbook_bytes(build, target)


def _tally_row(tally: Tally) -> tuple[Any, ...]:
    return (tally.name, tally.inspections, tally.compliance_rate, tally.findings, tally.closed, tally.unclosed, tally.overdue, tally.longest)


#: The county's summary of every office (lantian report --county).
REPORT = ReportKind(county_report_file_name, summarize_county, county_report_document, county_spreadsheet)
