"""A whole batch: check every answers file under a folder, write every notice and record,
and the rectification list as PDF and spreadsheet. A bad file does not stop the batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import ledger
from ._fsutil import atomic_write
from .answers import answers_from_document
from .documents import Written, citation_problems, notice_number, plan_documents, write_documents
from .errors import InputError, Problem
from .ledger import Recorded
from .model import InspectionResult, RuleSet
from .rectification import list_document, rows_for, rows_from_ledger, spreadsheet
from .render import Document
from .scoring import score
from .settings import OfficeSettings
from .source import SourceDocument, load_source

ANSWER_SUFFIXES = (".yaml", ".yml", ".json")
LIST_NAME = "整改清单"


@dataclass
class BatchOutcome:
    results: list[tuple[Path, InspectionResult]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: list[Written] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  #: settings files and the like, not answers
    recorded: list[Recorded] = field(default_factory=list)  #: what the ledger did with each inspection


def answer_files(directory: Path) -> list[Path]:
    """Candidate answers files: YAML and JSON below ``directory``, hidden and _ files left out."""
    found = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and path.suffix.lower() in ANSWER_SUFFIXES and not any(part.startswith((".", "_")) for part in relative.parts):
            found.append(path)
    return found


def run_batch(
    directory: Path,
    out_dir: Path,
    rules: RuleSet,
    settings: OfficeSettings,
    *,
    issued: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    workers: int = 1,
    ledger_path: Path | None = None,
    documents: bool = True,
) -> BatchOutcome:
    """Check every answers file, record each good one in the ledger (when given), and write
    the documents of every recorded inspection and the batch's rectification list, unless
    ``documents`` is False (the ledger alone, as a campaign's figures need it)."""
    outcome = BatchOutcome()
    settings_file = Path(settings.path).resolve()
    planned: list[tuple[Document, str | None]] = []
    checked: list[tuple[Path, InspectionResult]] = []
    sources: dict[Path, SourceDocument] = {}  #: to place the ledger's problems in their files
    for path in answer_files(directory):
        if path.resolve() == settings_file:
            outcome.skipped.append(path)
            continue
        try:
            doc = load_source(path, str(path), strict=False)
            if isinstance(doc.data, dict) and "number_pattern" in doc.data and "checklist" not in doc.data:
                outcome.skipped.append(path)  # an office settings file
                continue
            answers, checklist = answers_from_document(doc, rules)
            result = score(checklist, answers, issued=issued)
        except InputError as exc:
            outcome.problems.extend(exc.problems)
            continue
        checked.append((path, result))
        sources[path] = doc
    # In the order the inspections happened, re-inspections after the others of their day,
    # so that a re-inspection finds the one it follows.
    checked.sort(key=lambda pair: (pair[1].inspection.date, pair[1].inspection.follows is not None, str(pair[0])))
    for path, result in checked:
        refused = citation_problems(result)
        if refused:
            outcome.problems.extend(refused)  # no document, and not recorded until it can have one
            continue
        if ledger_path is not None:
            problem = ledger.admission_problem(ledger_path, result)
            if problem is not None:
                outcome.problems.append(Problem(problem.code, sources[path].location(problem.location.path), problem.context))
                continue
        # One allocation, for the ledger and the notice.
        number = notice_number(result, settings) if ledger_path is not None or documents else None
        if ledger_path is not None:
            outcome.recorded.append(ledger.record(ledger_path, result, notice_number=number))
        outcome.results.append((path, result))
        outcome.problems.extend(result.warnings)
        if documents:
            planned.extend(plan_documents(result, path, settings, out_dir / path.parent.relative_to(directory), number=number))
    if not documents:
        return outcome  # recorded in the ledger only: what a campaign's figures need
    today = issued or dt.date.today()
    if ledger_path is not None:
        # From the ledger: a problem a re-inspection found again is one row, with its status.
        touched = ledger.findings(ledger_path, ledger.Filter(touched_by=tuple(r.inspection_id for r in outcome.recorded)))
        rows = rows_from_ledger(touched, today)
        sites = len({(row.site, row.village) for row in touched})
    else:
        rows = rows_for([result for _, result in outcome.results])
        sites = len({(result.site.name, result.site.village) for _, result in outcome.results if result.findings})
    planned.append((list_document(rows, settings, out_dir / f"{LIST_NAME}.pdf", sites=sites, today=today), None))
    if on_total:
        on_total(len(planned))
    outcome.written.extend(write_documents(planned, settings, on_progress, workers=workers))
    xlsx = out_dir / f"{LIST_NAME}.xlsx"
    atomic_write(xlsx, spreadsheet(rows, f"{settings.office} 整改清单"))
    outcome.written.append(Written(xlsx, "list_xlsx", None))
    return outcome
