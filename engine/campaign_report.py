"""The campaign summary (整治情况汇总) of a period, from the ledger: inspections done, the
compliance rate, findings by checklist, village and severity, how many were closed, and
what is overdue at the end of the period. The charts are laid out here (names broken into
lines, bars scaled to the text area) and drawn by the report template.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ledger
from .labels import FINDING_STATUS_LABELS, SEVERITY_LABELS, VERDICT_LABELS
from .ledger import Filter, LedgerRow

#: The most open findings the summary's PDF lists: about six pages. A county town with
#: thousands open gets the longest overdue in the PDF and every one in the spreadsheet.
LISTED = 100


@dataclass(frozen=True)
class Summary:
    start: dt.date
    end: dt.date
    inspections: int
    re_inspections: int
    sites: int
    verdicts: list[tuple[str, int]]  #: (label, count), in the order of VERDICT_LABELS
    compliance_rate: float | None  #: compliant share of the inspections, in %
    by_checklist: list[tuple[str, int]]  #: findings, most first
    by_village: list[tuple[str, int]]
    by_severity: list[tuple[str, int]]
    status_by_village: list[tuple[str, int, int, int]]  #: village, closed, rectifying, open
    findings: int
    closed: int
    closure_rate: float | None  #: closed share of the period's findings, in %
    overdue: list[LedgerRow]  #: unclosed after their deadline on ``end``
    unclosed: list[LedgerRow]  #: every finding still open at the end of ``end``, whenever found

    @functools.cached_property
    def listed(self) -> list[LedgerRow]:
        """The open findings the PDF lists: all of them when they fit on a few pages, else the
        LISTED longest overdue (the spreadsheet lists every one)."""
        if len(self.unclosed) <= LISTED:
            return self.unclosed
        return sorted(self.unclosed, key=lambda row: (-row.overdue_days(self.end), row.deadline, row.finding_id))[:LISTED]

    @property
    def overdue_by_village(self) -> list[tuple[str, int, int, int]]:
        """Village, unclosed findings, overdue ones, the longest overdue in days."""
        table: dict[str, list[int]] = {}
        for row in self.unclosed:
            entry = table.setdefault(row.village or "（未填）", [0, 0, 0])
            late = row.overdue_days(self.end)
            entry[0] += 1
            entry[1] += late > 0
            entry[2] = max(entry[2], late)
        return sorted(((village, *counts) for village, counts in table.items()), key=lambda item: (-item[2], -item[1], item[0]))  # type: ignore[misc]  # tuples of a str and ints, built by unpacking, which mypy reads as object


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent to one decimal, as the summaries print rates; None of nothing."""
    return round(100 * part / whole, 1) if whole else None


def summarize(path: Path, start: dt.date, end: dt.date) -> Summary:
    """The figures of the inspections made from ``start`` to ``end`` (both included), and
    of their findings as the ledger stands; overdue counts as of ``end``."""
    rows = [(row.verdict, row.follows_id, row.site, row.village) for row in ledger.inspections(path, start, end)]
    verdicts = Counter(verdict for verdict, _, _, _ in rows)
    found = ledger.findings(path, Filter(inspected_from=start, inspected_to=end))
    # Statuses as they were at the end of the period: a finding closed later was open then.
    closed = [row for row in found if row.status_on(end) == "closed"]
    status: dict[str, Counter] = {}
    for row in found:
        status.setdefault(row.village or "（未填）", Counter())[row.status_on(end)] += 1
    # What was still open at the end, whenever it was found.
    unclosed = ledger.findings(path, Filter(status="unclosed", status_on=end))
    return Summary(
        start=start,
        end=end,
        inspections=len(rows),
        re_inspections=sum(1 for _, follows, _, _ in rows if follows is not None),
        sites=len({(site, village) for _, _, site, village in rows}),
        verdicts=[(label, verdicts.get(code, 0)) for code, label in VERDICT_LABELS.items()],
        compliance_rate=percent(verdicts.get("compliant", 0), len(rows)),
        by_checklist=Counter(row.checklist_title for row in found).most_common(),
        by_village=Counter(row.village or "（未填）" for row in found).most_common(),
        by_severity=[(label, sum(1 for row in found if row.severity == code)) for code, label in SEVERITY_LABELS.items()],
        status_by_village=sorted(((village, c["closed"], c["rectifying"], c["open"]) for village, c in status.items()), key=lambda item: -sum(item[1:])),
        findings=len(found),
        closed=len(closed),
        closure_rate=percent(len(closed), len(found)),
        overdue=[row for row in unclosed if row.deadline < end],
        unclosed=unclosed,
    )


# The charts are SVG in the units of their viewBox, which spans the text area (156 mm):
# one unit is a CSS px. SVG text does not wrap, so the names are broken into lines here.
CHART_WIDTH = 590
FONT_SIZE = 13  #: the charts' type size, 9.75 pt
LABEL_EMS = 18  #: the name column's width, in characters of FONT_SIZE: most checklist titles whole
LINE_HEIGHT = 16
ROW_GAP = 8
BAR_HEIGHT = 16
BAR_LEFT = LABEL_EMS * FONT_SIZE + 12
FIGURE_GAP = 6  #: between a bar and its count
LEGEND_HEIGHT = 26
#: A name longer than this many lines is text pasted by mistake, not a village's: it is cut
#: with "…" so that its chart still fits a page (the list of open problems prints it whole).
MAX_LABEL_LINES = 6

#: A line may not begin with these, nor end with the opening ones.
_CLOSING = set("、，。；：！？）》〉」』”’…,.;:!?)")
_OPENING = set("（《〈「『“‘(")
#: Where a name reads best broken: after a pause or a closing mark, before an opening one or
#: a conjunction (…站房 / 及运维…), and before the 检查表 a checklist's title ends with.
_AFTER = set("、，；）》”")
_CONJUNCTIONS = set("和及与或")
_SUFFIX = "检查表"


def _em(char: str) -> float:
    # Wide and ambiguous characters (CJK, full-width quotes) take a whole em in the CJK font,
    # Latin letters and digits about half of one: counting them wide only breaks sooner.
    return 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.6


def _ems(text: str) -> float:
    return sum(_em(char) for char in text)


def label_lines(text: str, ems: float = LABEL_EMS) -> list[str]:
    """A name broken into lines of at most ``ems`` characters, whole: never cut short, lines
    of about even length (a last line of one character reads as a mistake), broken after a
    pause or before an opening mark where one comes near, never before a closing mark nor
    inside a Latin word or number."""
    # offsets[i]: the width of text[:i]; a name from an answers file may be long, so each
    # line looks only as far as its own end.
    offsets = [0.0]
    for char in text:
        offsets.append(offsets[-1] + _em(char))

    def breaks(start: int, limit: float) -> list[int]:
        found = []
        for i in range(start + 1, len(text)):
            if offsets[i] - offsets[start] > limit:
                break
            before, after = text[i - 1], text[i]
            if after not in _CLOSING and before not in _OPENING and not (before.isascii() and after.isascii() and before.isalnum() and after.isalnum()):
                found.append(i)
        return found

    lines: list[str] = []
    start = 0
    while offsets[-1] - offsets[start] > ems:
        left = offsets[-1] - offsets[start]
        even = math.ceil(left / math.ceil(left / ems))
        soft = min(ems, even + 2)
        good = [i for i in breaks(start, soft) if (text[i - 1] in _AFTER or text[i] in _OPENING or text[i] in _CONJUNCTIONS) and offsets[i] - offsets[start] >= soft / 2]
        # Before the title's 检查表, when all before it fits: rather a short last line than a word cut.
        suffix = [i for i in breaks(start, ems) if text.startswith(_SUFFIX, i) and offsets[-1] - offsets[i] <= ems]
        cut = (good or suffix or breaks(start, min(ems, even)) or breaks(start, ems) or [0])[-1]
        if not cut:  # a Latin word longer than the line: the one thing broken anywhere
            cut = start + 1
            while offsets[cut + 1] - offsets[start] <= ems:
                cut += 1
        lines.append(text[start:cut])
        start = cut
    lines.append(text[start:])
    return lines


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    fill: str  #: a colour, or url(#pattern) of the status chart


@dataclass(frozen=True)
class ChartRow:
    lines: tuple[str, ...]  #: the name, in lines
    baselines: tuple[float, ...]  #: of each line
    bar_top: float
    segments: tuple[Segment, ...]
    figure: str  #: the count after the bar
    figure_x: float
    figure_y: float


@dataclass(frozen=True)
class LegendEntry:
    x: float
    label: str
    fill: str


@dataclass(frozen=True)
class Chart:
    height: float
    rows: tuple[ChartRow, ...]
    legend: tuple[LegendEntry, ...] = ()
    legend_y: float = 4
    bar_height: float = BAR_HEIGHT


def _chart(rows: Sequence[tuple[str, Sequence[tuple[int, str]], str]], legend: Sequence[tuple[str, str]] = ()) -> Chart:
    """Horizontal bars, one a (name, (count, fill) segments, figure after it); a row as tall
    as its name's lines, the bar centred on them; the legend, if any, above the bars."""
    top = max((sum(count for count, _ in segments) for _, segments, _ in rows), default=0) or 1
    # The longest bar leaves room for the widest count after it, inside the text area.
    room = CHART_WIDTH - BAR_LEFT - FIGURE_GAP - max((_ems(figure) * FONT_SIZE for _, _, figure in rows), default=0) - 1  # 1: the rounding of the segments
    y = LEGEND_HEIGHT if legend else 0.0
    drawn = []
    for name, segments, figure in rows:
        lines = tuple(label_lines(name))
        if len(lines) > MAX_LABEL_LINES:
            lines = (*lines[: MAX_LABEL_LINES - 1], lines[MAX_LABEL_LINES - 1][:-1] + "…")
        height = max(len(lines) * LINE_HEIGHT, BAR_HEIGHT) + ROW_GAP
        middle = y + height / 2
        first = middle - (len(lines) - 1) * LINE_HEIGHT / 2 + FONT_SIZE * 0.36  # a CJK line's baseline, centred
        x = float(BAR_LEFT)
        parts = []
        for count, fill in segments:
            width = round(count / top * room, 1)
            if width:
                parts.append(Segment(round(x, 1), width, fill))
            x += width
        drawn.append(
            ChartRow(
                lines=lines,
                baselines=tuple(round(first + n * LINE_HEIGHT, 1) for n in range(len(lines))),
                bar_top=round(middle - BAR_HEIGHT / 2, 1),
                segments=tuple(parts),
                figure=figure,
                figure_x=round(x + FIGURE_GAP, 1),
                figure_y=round(middle + FONT_SIZE * 0.36, 1),
            )
        )
        y += height
    entries = []
    x = float(BAR_LEFT)
    for label, fill in legend:
        entries.append(LegendEntry(x, label, fill))
        x += 24 + _ems(label) * FONT_SIZE + 18
    return Chart(height=round(y + 2, 1), rows=tuple(drawn), legend=tuple(entries))


#: The closure chart's statuses, told apart in black and white as well as in colour by their
#: fill: solid, hatched (a pattern of report.html), empty; the legend above the bars says which.
STATUS_FILLS = tuple((FINDING_STATUS_LABELS[status], fill) for status, fill in (("closed", "#2e7d3e"), ("rectifying", "url(#hatched)"), ("open", "#fff")))


def count_chart(pairs: Sequence[tuple[str, int]], colour: str = "#2f6db5") -> Chart:
    """A bar for each (name, count), with its count after it."""
    return _chart([(name, [(count, colour)], str(count)) for name, count in pairs])


def status_chart(rows: Sequence[tuple[str, int, int, int]]) -> Chart:
    """For each (village, closed, rectifying, open), a bar of the three, closed/all after it."""
    fills = [fill for _, fill in STATUS_FILLS]
    return _chart(
        [(village, list(zip(counts, fills, strict=True)), f"{counts[0]}/{sum(counts)}") for village, *counts in rows],
        legend=STATUS_FILLS,
    )


def report_file_name(start: dt.date, end: dt.date, suffix: str) -> str:
    """The summary's file name: 整治情况汇总_<from>_<to>.pdf (or .xlsx)."""
    return f"整治情况汇总_{start.isoformat()}_{end.isoformat()}.{suffix}"


def report_document(summary: Summary, settings, target: Path, *, today: dt.date | None = None):
    """``summary`` (summarize) as a document to render (templates/report.html), dated
    ``today``: the day it is issued (the period is in its title)."""
    from .render import Document, render_html

    charts = {
        "checklists": count_chart(summary.by_checklist),
        "villages": count_chart(summary.by_village),
        "severity": count_chart(summary.by_severity, "#c8161d"),
        "status": status_chart(summary.status_by_village),
    }
    context = {"settings": settings, "summary": summary, "charts": charts, "status_labels": FINDING_STATUS_LABELS, "today": today or dt.date.today()}
    return Document(target, "report", render_html("report.html", context))



#: The summary spreadsheet's first sheet and the sheet of the findings still open.
SUMMARY_SHEET = "整治情况汇总"
UNCLOSED_SHEET = "尚未销号的问题"


def summary_spreadsheet(summary: Summary, settings, target: Path) -> bytes:
    """``summary`` as .xlsx bytes, for ``target``: the PDF's figures and tables as rows to
    sort and sum (one sheet), and every finding still open at the end of the period as the
    rectification list's rows (another)."""
    from .rectification import list_sheet, rows_from_ledger
    from .spreadsheet import Sheet, workbook_bytes

    def build(add_sheet: Callable[[str], Sheet]) -> None:
        sheet = add_sheet(SUMMARY_SHEET)
        sheet.print_as_table(f"{settings.office} 大气污染防治专项检查情况汇总")
        sheet.widths([48, 14, 14, 14])

        sheet.append([f"{settings.office} 大气污染防治专项检查情况汇总"], style="bold")
        sheet.append(["期间", f"{summary.start.isoformat()} 至 {summary.end.isoformat()}"])
        sheet.table(
            "一、检查情况",
            ["项目", "数值"],
            [
                ("现场检查（次）", summary.inspections),
                ("其中复查（次）", summary.re_inspections),
                ("涉及单位（点位）", summary.sites),
                *((f"{label}（次）", count) for label, count in summary.verdicts),
                ("合格率（%）", summary.compliance_rate),
            ],
        )
        sheet.table("二、发现问题", ["项目", "数值"], [("发现问题（个）", summary.findings), ("已销号（个）", summary.closed), ("销号率（%）", summary.closure_rate)])
        sheet.table("按检查表", ["检查表", "问题数"], summary.by_checklist)
        sheet.table("按村（社区）", ["村（社区）", "问题数"], summary.by_village)
        sheet.table("按严重程度", ["严重程度", "问题数"], summary.by_severity)
        sheet.table("各村（社区）的销号情况", ["村（社区）", FINDING_STATUS_LABELS["closed"], FINDING_STATUS_LABELS["rectifying"], FINDING_STATUS_LABELS["open"]], summary.status_by_village)
        sheet.table(f"三、逾期情况（截至 {summary.end.isoformat()}）", ["村（社区）", "未销号", "其中逾期", "最长逾期（天）"], summary.overdue_by_village)
        list_sheet(add_sheet(UNCLOSED_SHEET), rows_from_ledger(summary.unclosed, summary.end), settings, UNCLOSED_SHEET)

    return workbook_bytes(build, target)


@dataclass(frozen=True)
class ReportKind:
    """How one kind of summary is made, for the command and the web app to pick one: the
    file's name, the figures, the PDF document and the spreadsheet."""

    file_name: Callable[[dt.date, dt.date, str], str]
    summarize: Callable[[Any, dt.date, dt.date], Any]
    document: Callable[..., Any]
    spreadsheet: Callable[[Any, Any, Path], bytes]


#: The office's own summary (lantian report).
REPORT = ReportKind(report_file_name, summarize, report_document, summary_spreadsheet)
