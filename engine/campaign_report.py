"""The campaign summary (整治情况汇总) of a period, from the ledger: inspections done, the
compliance rate, findings by checklist, village and severity, how many were closed, and
what is overdue at the end of the period. The report template draws the charts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import ledger
from .labels import SEVERITY_LABELS, VERDICT_LABELS
from .ledger import Filter, LedgerRow


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
        return sorted(((village, *counts) for village, counts in table.items()), key=lambda item: (-item[2], -item[1], item[0]))  # type: ignore[misc]

    @property
    def status_top(self) -> int:
        """The longest bar of the closure chart."""
        return max((sum(counts) for _, *counts in self.status_by_village), default=0) or 1


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def summarize(path: Path, start: dt.date, end: dt.date) -> Summary:
    """The figures of the inspections made from ``start`` to ``end`` (both included), and
    of their findings as the ledger stands; overdue counts as of ``end``."""
    rows = [(row["verdict"], row["follows_id"], row["site_name"], row["village"]) for row in ledger.inspections(path, start, end)]
    verdicts = Counter(verdict for verdict, _, _, _ in rows)
    found = ledger.findings(path, Filter(inspected_from=start, inspected_to=end))
    # Statuses as they were at the end of the period: a finding closed later was open then.
    closed = [row for row in found if row.status_on(end) == "closed"]
    status: dict[str, Counter] = {}
    for row in found:
        status.setdefault(row.village or "（未填）", Counter())[row.status_on(end)] += 1
    # What was still open at the end, whenever it was found.
    unclosed = [row for row in ledger.findings(path, Filter(inspected_to=end)) if row.status_on(end) != "closed"]
    return Summary(
        start=start,
        end=end,
        inspections=len(rows),
        re_inspections=sum(1 for _, follows, _, _ in rows if follows is not None),
        sites=len({(site, village) for _, _, site, village in rows}),
        verdicts=[(label, verdicts.get(code, 0)) for code, label in VERDICT_LABELS.items()],
        compliance_rate=_rate(verdicts.get("compliant", 0), len(rows)),
        by_checklist=Counter(row.checklist_title for row in found).most_common(),
        by_village=Counter(row.village or "（未填）" for row in found).most_common(),
        by_severity=[(label, sum(1 for row in found if row.severity == code)) for code, label in SEVERITY_LABELS.items()],
        status_by_village=sorted(((village, c["closed"], c["rectifying"], c["open"]) for village, c in status.items()), key=lambda item: -sum(item[1:])),
        findings=len(found),
        closed=len(closed),
        closure_rate=_rate(len(closed), len(found)),
        overdue=[row for row in unclosed if row.deadline < end],
        unclosed=unclosed,
    )


def report_document(path: Path, settings, start: dt.date, end: dt.date, target: Path, *, today: dt.date | None = None):
    """The summary as a document to render (templates/report.html), dated ``today``: the day
    it is issued (the period is in its title)."""
    from .labels import FINDING_STATUS_LABELS
    from .render import Document, render_html

    context = {"settings": settings, "summary": summarize(path, start, end), "status_labels": FINDING_STATUS_LABELS, "today": today or dt.date.today()}
    return Document(target, "report", render_html("report.html", context))

