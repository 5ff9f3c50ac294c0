"""A whole batch: check every answers file under a folder, write every notice and record,
and the rectification list as PDF and spreadsheet. A bad file does not stop the batch, nor
does a document that cannot be made: the others are written and it is named at the end."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import ledger
from ._fsutil import atomic_write, refuse_targets
from .answers import answers_from_document
from .documents import (
    NotWritten,
    Written,
    as_first_issued,
    citation_problems,
    claim_targets,
    document_targets,
    mark_issued,
    not_written_problem,
    notice_number,
    plan_documents,
    withdraw_contradicting,
    write_each,
)
from .errors import ErrorCode, InputError, LantianError, Location, Problem
from .fonts import document_fonts
from .labels import document_label
from .ledger import Recorded
from .model import Answers, Checklist, InspectionResult, RuleSet
from .order_checks import order_problems
from .rectification import LIST_TITLE, Row, ledger_list_rows, list_document, rows_for, spreadsheet
from .render import Document
from .scoring import score
from .settings import OfficeSettings, notice_warnings
from .source import SourceDocument, answers_locator, load_source

ANSWER_SUFFIXES = (".yaml", ".yml", ".json")
LIST_NAME = LIST_TITLE  #: the rectification list's files are named by its title


@dataclass
class BatchOutcome:
    results: list[tuple[Path, InspectionResult]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: list[Written] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  #: settings files and the like, not answers
    recorded: list[Recorded] = field(default_factory=list)  #: what the ledger did with each inspection
    #: Why documents of recorded inspections were not written: BATCH_001 at the answers file
    #: (a refused photo), or the disk's IO_004, IO_012 and IO_013 at the document
    not_written: list[Problem] = field(default_factory=list)


def answer_files(directory: Path) -> list[Path]:
    """Candidate answers files: YAML and JSON below ``directory``, hidden and _ files left out."""
    found = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and path.suffix.lower() in ANSWER_SUFFIXES and not any(part.startswith((".", "_")) for part in relative.parts):
            found.append(path)
    return found


@dataclass(frozen=True)
class _Checked:
    path: Path
    result: InspectionResult
    source: SourceDocument  #: to place the ledger's problems in the file


def _is_settings_file(path: Path, doc: SourceDocument, settings_file: Path) -> bool:
    if path.resolve() == settings_file:
        return True
    return isinstance(doc.data, dict) and "number_pattern" in doc.data and "checklist" not in doc.data


def _check_files(directory: Path, rules: RuleSet, settings: OfficeSettings, issued: dt.date | None, outcome: BatchOutcome) -> list[_Checked]:
    """Every answers file under ``directory`` scored, in the order the inspections happened:
    re-inspections after the others of their day, so that each finds the one it follows. A
    bad file's problems go to ``outcome``; office settings files are skipped."""
    settings_file = Path(settings.path).resolve()
    checked = []
    for path in answer_files(directory):
        try:
            doc = load_source(path, str(path), strict=False)
            if _is_settings_file(path, doc, settings_file):
                outcome.skipped.append(path)
                continue
            answers, checklist = answers_from_document(doc, rules)
            result = as_first_issued(score(checklist, answers, issued=issued), settings, functools.partial(_scored_on, checklist, answers))
            checked.append(_Checked(path, result, doc))
        except InputError as exc:
            outcome.problems.extend(exc.problems)
    return sorted(checked, key=lambda c: (c.result.inspection.date, c.result.inspection.follows is not None, str(c.path)))


def _scored_on(checklist: Checklist, answers: Answers, day: dt.date) -> InspectionResult:
    return score(checklist, answers, issued=day)


def _duplicate(result: InspectionResult, path: Path | None, seen: dict[str, str]) -> Problem | None:
    """LEDGER_018 for a file with the same content as one before it in the run: recorded
    once in the ledger, it would otherwise get a second set of documents under the same
    notice number and be counted twice."""
    shown = str(path) if path else "<stdin>"
    first = seen.setdefault(result.answers_sha256, shown)
    if first == shown:
        return None
    return Problem(ErrorCode.LEDGER_018, Location(result.answers_name), {"first": first})


def _refusal(checked: _Checked, ledger_path: ledger.LedgerAt | None) -> list[Problem]:
    """Why an inspection gets neither documents nor a ledger entry: a finding with no provision
    to cite (recorded once it can have a notice), or the ledger refusing it."""
    refused = citation_problems(checked.result)
    if refused or ledger_path is None:
        return refused
    problem = ledger.admission_problem(ledger_path, checked.result)
    return [] if problem is None else [_placed(checked, problem)]


def _placed(checked: _Checked, problem: Problem) -> Problem:
    """The ledger's ``problem`` at its line and column in the answers file."""
    return Problem(problem.code, checked.source.location(problem.location.path), problem.context)


def _list_rows(outcome: BatchOutcome, ledger_path: ledger.LedgerAt | None, day: dt.date) -> tuple[list[Row], int]:
    """The rectification list's rows and how many sites they are at."""
    if ledger_path is not None and not outcome.recorded:
        # Nothing recorded (every file refused): an empty list, and the ledger, which may not
        # exist yet, is not asked, so that the files' own problems are what the user sees.
        return [], 0
    if ledger_path is not None:
        # From the ledger: a problem a re-inspection found again is one row, with its status.
        return ledger_list_rows(ledger.findings(ledger_path, ledger.Filter(touched_by=tuple(r.inspection_id for r in outcome.recorded))), day)
    results = [result for _, result in outcome.results]
    return rows_for(results), len({(result.site.name, result.site.village) for result in results if result.findings})


def _out_folder(checked: _Checked, directory: Path, out_dir: Path) -> Path:
    """Where the documents of an answers file go: its folder's place under ``out_dir``."""
    return out_dir / checked.path.parent.relative_to(directory)


def _targets(checked: list[_Checked], directory: Path, out_dir: Path, document_kind: str, *, with_list: bool) -> list[Path]:
    """Every file the batch may write: the documents of each inspection that can have them,
    and the list."""
    found = [out_dir / f"{LIST_NAME}.pdf", out_dir / f"{LIST_NAME}.xlsx"] if with_list else []
    for each in checked:
        if not citation_problems(each.result):
            found.extend(document_targets(each.result, each.path, _out_folder(each, directory, out_dir), document_kind=document_kind).values())
    return found


def _photo_location(checked: _Checked, url: str) -> Location | None:
    """Where in the answers file the photo behind a refused ``url`` is named. The URL was made
    when the photo was a file; it may be a link by now, so its own name is compared too."""
    folder = checked.path.parent
    for item in checked.result.items:
        for index, photo in enumerate(item.photos):
            if url in ((folder / photo).resolve().as_uri(), Path(os.path.normpath(folder.resolve() / photo)).as_uri()):
                return checked.source.location(("answers", item.item_id, "photos", index), item=item.item_id)
    return None


def _unfinished(failed: NotWritten, owner: _Checked | None, document_kind: str) -> list[Problem]:
    """Why a document was not written: the disk's own problems as they are, at the document;
    anything about the inspection (a refused photo) as BATCH_001 at its answers file."""
    if failed.disk or owner is None:
        return list(failed.problems)
    return [
        Problem(
            ErrorCode.BATCH_001,
            (_photo_location(owner, problem.context["url"]) if problem.context.get("url") else None) or Location(str(owner.path)),
            {"document": document_label(failed.kind, document_kind), "code": problem.code.name, "reason": problem.message, "hint": problem.hint.rstrip("。")},
        )
        for problem in failed.problems
    ]


@dataclass
class NoticeOutcome:
    written: list[Written] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  #: why a file got no documents, or a document was not written


def write_notices(
    checked: Sequence[tuple[Path | None, InspectionResult]], out_dir: Path, settings: OfficeSettings, *, workers: int = 1, force: bool = False
) -> NoticeOutcome:
    """The documents of each checked inspection (``lantian notice``; None for one read from
    standard input), numbered but not recorded. A file is left out, with the reason, when
    the office's ledger would not take it as a batch does (a changed copy of a recorded
    inspection would get a second number), when an earlier file has the same content or its
    documents would take an earlier file's names, or when a finding has nothing to cite;
    all before anything is numbered. Files that would be replaced without ``force`` stop
    everything first (IO_010, raised)."""
    outcome = NoticeOutcome()
    # A font that cannot be used stops everything before anything is numbered; one of the
    # settings' fonts: that is not installed is warned of, and another used.
    outcome.problems.extend(document_fonts(settings.font, settings.fonts)[1])
    ledger_exists = ledger.exists(settings.ledger)
    claimed: dict[Path, str] = {}
    seen: dict[str, str] = {}
    kept = []
    for path, result in checked:
        problem = _duplicate(result, path, seen)
        problem = problem or (ledger.admission_problem(settings.ledger, result) if ledger_exists else None)
        problem = problem or claim_targets(result, path, out_dir, claimed, Location(str(path) if path else "<stdin>"), document_kind=settings.document_kind)
        if problem is not None:
            outcome.problems.append(problem)
        else:
            kept.append((path, result))
    # Before a number is allocated or a page rendered: every file that would be replaced, at once.
    refuse_targets([target for path, result in kept if not citation_problems(result) for target in document_targets(result, path, out_dir, document_kind=settings.document_kind).values()], force=force)
    planned: list[tuple[Document, str | None]] = []
    owners: dict[Path, InspectionResult] = {}
    for path, result in kept:
        try:
            followed = ledger.followed_notice(settings.ledger, result) if ledger_exists else None
            documents = plan_documents(result, path, settings, out_dir, followed=followed)
        except InputError as exc:
            outcome.problems.extend(exc.problems)  # nothing is written for this file
            continue
        if any(number is not None for _, number in documents):
            outcome.problems.extend(order_problems(result, settings, answers_locator(path)))
        planned.extend(documents)
        owners.update((document.target, result) for document, _ in documents)
    if any(document.kind == "notice" for document, _ in planned):
        outcome.problems.extend(notice_warnings(settings))
    if planned:
        wrote = write_each(planned, settings, workers=workers, force=force)
        outcome.problems.extend(problem for failed in wrote.not_written for problem in failed.problems)
        kept_written, withdrawn = _issued(wrote.written, owners, settings)
        outcome.written.extend(kept_written)
        outcome.problems.extend(withdrawn)
    return outcome


def _issued(written: list[Written], owners: dict[Path, InspectionResult], settings: OfficeSettings) -> tuple[list[Written], list[Problem]]:
    """The documents written, each notice's day kept as issued; and NUMBER_003 for a notice
    withdrawn because another run issued it first on another day."""
    kept, withdrawn = [], []
    for item in written:
        problem = withdraw_contradicting(item, owners[item.path], settings) if item.kind == "notice" else None
        if problem is None:
            kept.append(item)
        else:
            withdrawn.append(problem)
    return kept, withdrawn


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
    ledger_path: ledger.LedgerAt | None = None,
    documents: bool = True,
    rectification_list: bool = True,
    force: bool = False,
    recorded_by: str | None = None,
) -> BatchOutcome:
    """Check every answers file, record each good one in the ledger (when given), and write
    the documents of every recorded inspection and the batch's rectification list, unless
    ``documents`` is False (the ledger alone, as a campaign's figures need it). Without
    ``rectification_list``, the inspections' own documents only (one inspection issued at
    the office, whose lists come from the whole ledger). ``recorded_by`` is who the ledger
    says recorded each new inspection.

    A file already in ``out_dir`` is replaced only when ``force``; without it, the files that
    would be are refused together (IO_010) before anything is recorded or written. A document
    that cannot be made or written is left out (``not_written``) and the others go on."""
    outcome = BatchOutcome()
    in_order = _check_files(directory, rules, settings, issued, outcome)
    if documents:
        # A font that cannot be used stops the batch before anything is recorded.
        outcome.problems.extend(document_fonts(settings.font, settings.fonts)[1])
        # No file that can be checked: no list will be written, so none in the way refuses the batch.
        targets = _targets(in_order, directory, out_dir, settings.document_kind, with_list=rectification_list and bool(in_order))
        if ledger_path is not None:
            ledger.refuse_documents(ledger_path, targets)
        refuse_targets(targets, force=force)
    batch = _Batch(directory, out_dir, settings, ledger_path, documents, recorded_by, outcome)
    for checked in in_order:
        batch.take(checked)
    if not documents:
        return outcome  # recorded in the ledger only: what a campaign's figures need
    # Every file refused: nothing was checked, and an empty list would say "no problems found".
    batch.write(issued, rectification_list=rectification_list and bool(outcome.results), on_total=on_total, on_progress=on_progress, workers=workers, force=force)
    return outcome


@dataclass
class _Batch:
    """One run of a batch: each checked file taken (refused, or recorded and its documents
    planned), then every planned document and the list written."""

    directory: Path
    out_dir: Path
    settings: OfficeSettings
    ledger_path: ledger.LedgerAt | None
    documents: bool
    recorded_by: str | None
    outcome: BatchOutcome
    seen: dict[str, str] = field(default_factory=dict)  #: the first file of each content in this batch, by SHA-256
    claimed: dict[Path, str] = field(default_factory=dict)  #: each document's target → the answers file it is for
    planned: list[tuple[Document, str | None]] = field(default_factory=list)
    owners: dict[Path, _Checked] = field(default_factory=dict)  #: whose each document is

    def take(self, checked: _Checked) -> None:
        """Refuse ``checked`` (a copy in this batch, what the ledger will not take, a document
        name another file claims), or record it and plan its documents."""
        outcome, settings = self.outcome, self.settings
        duplicate = _duplicate(checked.result, checked.path, self.seen)
        if duplicate is not None:
            outcome.problems.append(duplicate)
            return
        refused = _refusal(checked, self.ledger_path)
        if not refused:
            folder = _out_folder(checked, self.directory, self.out_dir)
            same_name = claim_targets(checked.result, checked.path, folder, self.claimed, checked.source.location(()), document_kind=settings.document_kind)
            refused = [same_name] if same_name is not None else []
        if refused:
            outcome.problems.extend(refused)
            return
        path, result = checked.path, checked.result
        # One allocation, for the ledger and the notice; with a ledger, made once the ledger
        # has taken the inspection, so that one it refuses uses up no number.
        number = None
        if self.ledger_path is not None:
            try:
                recorded = ledger.record(self.ledger_path, result, notice_number=functools.partial(notice_number, result, settings), recorded_by=self.recorded_by)
            except ledger.NotAdmitted as exc:
                # Another run recorded the same inspection since this one looked (_refusal).
                outcome.problems.extend(_placed(checked, problem) for problem in exc.problems)
                return
            outcome.recorded.append(recorded)
            number = recorded.notice_number
            if number is not None:
                mark_issued(result, settings)  # recorded with its deadlines: the day is bound
        elif self.documents:
            number = notice_number(result, settings)
        outcome.results.append((path, result))
        outcome.problems.extend(result.warnings)
        if self.documents:
            followed = ledger.followed_notice(self.ledger_path, result) if self.ledger_path is not None else None
            for document, numbered in plan_documents(result, path, settings, _out_folder(checked, self.directory, self.out_dir), number=number, followed=followed):
                self.planned.append((document, numbered))
                self.owners[document.target] = checked
            if number is not None:
                outcome.problems.extend(order_problems(result, settings, checked.source.locator()))

    def write(
        self,
        issued: dt.date | None,
        *,
        rectification_list: bool,
        on_total: Callable[[int], None] | None,
        on_progress: Callable[[int], None] | None,
        workers: int,
        force: bool,
    ) -> None:
        """Write every planned document and, with ``rectification_list``, the list (PDF and
        XLSX); what could not be made or written goes to ``not_written``."""
        outcome, settings = self.outcome, self.settings
        rows: list[Row] = []
        if rectification_list:
            # The list is of the batch's notices, so it is dated and counted on their day, not on
            # the day it happens to be run (examples from an old campaign would be "逾期769天").
            day = issued or max((result.decided for _, result in outcome.results), default=dt.date.today())
            rows, sites = _list_rows(outcome, self.ledger_path, day)
            self.planned.append((list_document(rows, settings, self.out_dir / f"{LIST_NAME}.pdf", sites=sites, today=day), None))
        if any(document.kind == "notice" for document, _ in self.planned):
            outcome.problems.extend(notice_warnings(settings))
        if on_total:
            on_total(len(self.planned))
        wrote = write_each(self.planned, settings, on_progress, workers=workers, force=force)
        kept_written, withdrawn = _issued(wrote.written, {target: owner.result for target, owner in self.owners.items()}, settings)
        outcome.written.extend(kept_written)
        outcome.not_written.extend(withdrawn)
        for failed in wrote.not_written:
            outcome.not_written.extend(_unfinished(failed, self.owners.get(failed.path), settings.document_kind))
        if not rectification_list:
            return
        xlsx = self.out_dir / f"{LIST_NAME}.xlsx"
        if wrote.stopped is not None:
            outcome.not_written.append(not_written_problem(xlsx, wrote.stopped))
            return
        try:
            atomic_write(xlsx, spreadsheet(rows, settings, xlsx), overwrite=force)
        except LantianError as exc:
            outcome.not_written.extend(exc.problems)
        else:
            outcome.written.append(Written(xlsx, "list_xlsx", None))
