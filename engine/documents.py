"""From inspection results to the documents an office sends out, written atomically."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._fsutil import atomic_write
from .errors import ErrorCode, InputError, Problem
from .fonts import find_cjk_font
from .model import InspectionResult
from .numbering import allocate
from .render import Document, notice_context, record_context, render_html, write_pdfs_parallel
from .settings import OfficeSettings


@dataclass(frozen=True)
class Written:
    path: Path
    kind: str  #: notice, record
    number: str | None  #: the document number of a notice


def notice_number(result: InspectionResult, settings: OfficeSettings) -> str | None:
    """The number of a non-compliant inspection's notice: allocated once, the same ever after,
    in the year of the issuing day."""
    if result.verdict != "non_compliant" or not result.notice_findings:
        return None
    day = result.decided
    return allocate(settings.numbers_path, result.answers_sha256, kind=settings.document_kind, year=day.year).format(settings.number_pattern)


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
    result: InspectionResult, answers_path: Path | None, settings: OfficeSettings, out_dir: Path, *, number: str | None = None
) -> list[tuple[Document, str | None]]:
    """The record of every inspection, and the notice of a non-compliant one (numbered).

    ``number`` is the notice's number when the caller allocated it already (a batch, which
    records it in the ledger first); otherwise it is allocated here. Raises InputError when a
    finding has nothing to cite: then nothing is planned.
    """
    problems = citation_problems(result)
    if problems:
        raise InputError(problems)
    stem = answers_path.stem if answers_path else "stdin"
    photos_root = answers_path.parent if answers_path else None
    planned: list[tuple[Document, str | None]] = []
    number = number or notice_number(result, settings)
    if number is not None:
        # Issued on the day of the decision: the inspection day unless told otherwise.
        context = notice_context(result, settings, number, result.decided)
        planned.append((Document(out_dir / f"{stem}.通知书.pdf", "notice", render_html("notice.html", context), photos_root), number))
    context = record_context(result, settings, photos_root)
    planned.append((Document(out_dir / f"{stem}.检查记录.pdf", "record", render_html("record.html", context), photos_root), None))
    return planned


def write_documents(
    planned: Sequence[tuple[Document, str | None]],
    settings: OfficeSettings,
    on_progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
) -> list[Written]:
    """Render every planned document with one shared subset font, then write each whole."""
    documents = [document for document, _ in planned]
    font = find_cjk_font(settings.font)
    pdfs = write_pdfs_parallel(documents, font=font, workers=workers, on_progress=on_progress)
    written = []
    for (document, number), pdf in zip(planned, pdfs, strict=True):
        atomic_write(document.target, pdf)
        written.append(Written(document.target, document.kind, number))
    return written
