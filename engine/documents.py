"""From inspection results to the documents an office sends out, written atomically."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ._fsutil import atomic_write
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


def notice_number(result: InspectionResult, settings: OfficeSettings, *, issued: dt.date | None = None) -> str | None:
    """The number of a non-compliant inspection's notice: allocated once, the same ever after."""
    if result.verdict != "non_compliant":
        return None
    day = issued or result.inspection.date
    return allocate(settings.numbers_path, result.answers_sha256, kind=settings.document_kind, year=day.year).format(settings.number_pattern)


def plan_documents(result: InspectionResult, answers_path: Path | None, settings: OfficeSettings, out_dir: Path, *, issued: dt.date | None = None) -> list[tuple[Document, str | None]]:
    """The record of every inspection, and the notice of a non-compliant one (numbered)."""
    stem = answers_path.stem if answers_path else "stdin"
    photos_root = answers_path.parent if answers_path else None
    planned: list[tuple[Document, str | None]] = []
    number = notice_number(result, settings, issued=issued)
    if number is not None:
        # Issued on the day of the inspection unless told otherwise: the deadlines count from it.
        context = notice_context(result, settings, number, issued or result.inspection.date)
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
    for (document, number), pdf in zip(planned, pdfs):
        document.target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(document.target, pdf)
        written.append(Written(document.target, document.kind, number))
    return written
