"""The text of a PDF as pypdf extracts it: what the tests look for in a written document.

Each distinct PDF is read once per test process (several tests read the documents of one batch,
and extracting a page of Chinese text parses its fonts' character maps each time)."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from pypdf import PdfReader


@functools.lru_cache(maxsize=64)
def _pages(content: bytes) -> tuple[str, ...]:
    return tuple(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def page_texts(pdf: Path | bytes) -> list[str]:
    """Each page's text, as extracted (spaces and line breaks as pypdf finds them)."""
    return list(_pages(pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()))


def pdf_text(pdf: Path | bytes) -> str:
    """The whole text without spaces and line breaks: a sentence is found wherever its lines
    break and however the justified line spaces its characters."""
    return "".join(page_texts(pdf)).replace(" ", "").replace("\n", "")
