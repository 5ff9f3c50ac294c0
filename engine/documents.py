"""From inspection results to the documents an office sends out, written atomically."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._fsutil import UnwritableError, atomic_write
from .errors import ErrorCode, InputError, LantianError, Location, Problem
from .fonts import document_fonts
from .labels import NOTICE_FILE_WORDS, RECORD_FILE_WORD
from .model import FollowedNotice, InspectionResult
from .numbering import allocate, given, issued
from .render import Document, notice_context, record_context, render_each, render_html
from .settings import OfficeSettings


@dataclass(frozen=True)
class Written:
    path: Path
    kind: str  #: notice, record
    number: str | None  #: the document number of a notice


@dataclass(frozen=True)
class NotWritten:
    path: Path
    kind: str
    problems: tuple[Problem, ...]
    disk: bool  #: the disk refused it (full, read-only), not the document itself


@dataclass
class WriteOutcome:
    written: list[Written] = field(default_factory=list)
    not_written: list[NotWritten] = field(default_factory=list)
    stopped: Problem | None = None  #: the disk's refusal after which nothing more was written


def not_written_problem(path: Path, stopped: Problem) -> Problem:
    """IO_013 for ``path``: not tried after the disk refused ``stopped``'s file."""
    return Problem(ErrorCode.IO_013, Location(str(path)), {"first": stopped.location.file, "reason": stopped.context.get("reason", stopped.message)})


def _has_notice(result: InspectionResult) -> bool:
    return result.verdict == "non_compliant" and bool(result.notice_findings)


def notice_number(result: InspectionResult, settings: OfficeSettings) -> str | None:
    """The number of a non-compliant inspection's notice: allocated once, the same ever after,
    in the year of the issuing day."""
    if not _has_notice(result):
        return None
    day = result.decided
    return allocate(settings.numbers, result.answers_sha256, kind=settings.document_kind, year=day.year).format(settings.number_pattern)


def mark_issued(result: InspectionResult, settings: OfficeSettings) -> dt.date | None:
    """Keep the day of ``result``'s notice once it is issued (its PDF written, or the
    inspection recorded in the ledger): a number handed out for a notice that was then never
    written (no font, a full disk) binds no day. The day kept before, when another run issued
    the same notice first on another day (two runs at once); else None."""
    if not _has_notice(result):
        return None
    kept = issued(settings.numbers, result.answers_sha256, kind=settings.document_kind, day=result.decided)
    return kept.decided_on if kept is not None and kept.decided_on not in (None, result.decided) else None


def withdraw_contradicting(written: Written, result: InspectionResult, settings: OfficeSettings) -> Problem | None:
    """NUMBER_003 for a notice just written under a number another run, at the same time,
    issued first on another day: the file is removed, so that one number never stands on
    two different documents; running the command again writes it as first issued."""
    first = mark_issued(result, settings)
    if first is None:
        return None
    written.path.unlink(missing_ok=True)
    return Problem(ErrorCode.NUMBER_003, Location(str(written.path)), {"number": written.number or "", "first": first.isoformat(), "given": result.decided.isoformat()})


def as_first_issued(result: InspectionResult, settings: OfficeSettings, rescore: Callable[[dt.date], InspectionResult]) -> InspectionResult:
    """``result`` as of the day its notice was first dated, when that notice was numbered on
    another day than this run's: the same inspection again gets the same document (date,
    deadlines and the law of that day) under its one number, never a second document that
    contradicts the first and the ledger. ``rescore`` checks the answers again as of a day;
    the result carries NUMBER_002 to say so."""
    if result.verdict != "non_compliant":
        return result  # no finding, on any day: nothing was or will be issued
    first = given(settings.numbers, result.answers_sha256, kind=settings.document_kind)
    if first is None or first.decided_on is None or first.decided_on == result.decided:
        return result
    again = rescore(first.decided_on)
    context = {"number": first.format(settings.number_pattern), "first": first.decided_on.isoformat(), "given": result.decided.isoformat()}
    return dataclasses.replace(again, warnings=(*again.warnings, Problem(ErrorCode.NUMBER_002, Location(result.answers_name), context, severity="warning")))


def citation_problems(result: InspectionResult) -> list[Problem]:
    """Why the official documents of this inspection cannot be printed: a finding whose legal
    basis has no provision to cite. A notice never cites a guess, and never leaves one out."""
    missing = {key for finding in result.notice_findings for key in finding.missing_basis}
    return [
        dataclasses.replace(problem, severity="error")
        for problem in result.warnings
        if problem.code is ErrorCode.LEGAL_002 and problem.context.get("key") in missing
    ]


def plan_documents(
    result: InspectionResult,
    answers_path: Path | None,
    settings: OfficeSettings,
    out_dir: Path,
    *,
    number: str | None = None,
    followed: FollowedNotice | None = None,
) -> list[tuple[Document, str | None]]:
    """The record of every inspection, and the notice of a non-compliant one (numbered).

    ``number`` is the notice's number when the caller allocated it already (a batch, which
    records it in the ledger first); otherwise it is allocated here. ``followed`` is what the
    ledger holds of the notice a re-inspection follows up. Raises InputError when a finding
    has nothing to cite: then nothing is planned.
    """
    problems = citation_problems(result)
    if problems:
        raise InputError(problems)
    photos_root = answers_path.parent if answers_path else None
    targets = document_targets(result, answers_path, out_dir, document_kind=settings.document_kind)
    planned: list[tuple[Document, str | None]] = []
    # A number given for an inspection that calls for no notice numbers nothing.
    number = (number or notice_number(result, settings)) if _has_notice(result) else None
    if number is not None:
        # Issued on the day of the decision: the inspection day unless told otherwise.
        context = notice_context(result, settings, number, result.decided, followed)
        planned.append((Document(targets["notice"], "notice", render_html("notice.html", context), photos_root), number))
    context = record_context(result, settings, photos_root)
    planned.append((Document(targets["record"], "record", render_html("record.html", context), photos_root), None))
    return planned


def document_targets(result: InspectionResult, answers_path: Path | None, out_dir: Path, *, document_kind: str) -> dict[str, Path]:
    """Where plan_documents puts each document of ``result``, without numbering anything: what a
    command checks before it writes (or records) anything. The notice's name ends in 通知书 or
    决定书, as the office's ``document_kind`` issues it."""
    stem = answers_path.stem if answers_path else "stdin"
    targets = {"notice": out_dir / f"{stem}.{NOTICE_FILE_WORDS[document_kind]}.pdf"} if _has_notice(result) else {}
    return {**targets, "record": out_dir / f"{stem}.{RECORD_FILE_WORD}.pdf"}


def claim_targets(result: InspectionResult, answers_path: Path | None, out_dir: Path, claimed: dict[Path, str], where: Location, *, document_kind: str) -> Problem | None:
    """BATCH_002 when a document of ``result`` would take the name of one an earlier file
    claimed (a.yaml and a.json, or two a.yaml in different folders, written into one
    folder); else its documents' names are claimed for it. Checked before any number is
    allocated, so that a file refused here uses none up."""
    targets = document_targets(result, answers_path, out_dir, document_kind=document_kind).values()
    for target in targets:
        if target in claimed:
            return Problem(ErrorCode.BATCH_002, where, {"other": claimed[target], "name": target.name})
    for target in targets:
        claimed[target] = where.file
    return None


def write_each(
    planned: Sequence[tuple[Document, str | None]],
    settings: OfficeSettings,
    on_progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
    force: bool = False,
) -> WriteOutcome:
    """Render every planned document with the same subset fonts and write each whole as soon
    as it is made, replacing an existing file only when ``force``.

    A document that cannot be made (a photo refused) or written is left out and the others go
    on. Once the disk refuses one (full, read-only), nothing more is rendered: what was
    written stays, complete, and every document not written is named (IO_013). A font that
    cannot be found stops everything before anything is written (raised).
    """
    outcome = WriteOutcome()
    fonts, _ = document_fonts(settings.font, settings.fonts)  # its warnings are the caller's to show
    done: set[int] = set()
    rendering = render_each([document for document, _ in planned], fonts=fonts, workers=workers, on_progress=on_progress)
    try:
        for index, pdf in rendering:
            document, number = planned[index]
            done.add(index)
            try:
                if isinstance(pdf, LantianError):
                    raise pdf
                atomic_write(document.target, pdf, overwrite=force)
            except LantianError as exc:
                disk = isinstance(exc, UnwritableError) and exc.disk
                outcome.not_written.append(NotWritten(document.target, document.kind, exc.problems, disk))
                if disk:
                    outcome.stopped = exc.problems[0]
                    break
            else:
                outcome.written.append(Written(document.target, document.kind, number))
    finally:
        rendering.close()
    if outcome.stopped is not None:
        for index, (document, _) in enumerate(planned):
            if index not in done:
                outcome.not_written.append(NotWritten(document.target, document.kind, (not_written_problem(document.target, outcome.stopped),), True))
    return outcome


def write_documents(
    planned: Sequence[tuple[Document, str | None]],
    settings: OfficeSettings,
    on_progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
    force: bool = False,
) -> list[Written]:
    """write_each, raising (after writing every other document) the problems of those not written."""
    outcome = write_each(planned, settings, on_progress, workers=workers, force=force)
    if outcome.not_written:
        raise LantianError([problem for failed in outcome.not_written for problem in failed.problems])
    return outcome.written
