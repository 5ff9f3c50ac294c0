"""The text of a PDF as a reader copies it out: what the tests look for in a written document.

Poppler's pdftotext (Debian's poppler-utils, which ./dev.sh installs for the tests) reads the
text in the order it is drawn (-raw), as pypdf does, in a twentieth of the time: pypdf parses
the Chinese fonts' character maps again for every page. Each distinct PDF is read once per
test process (several tests read the documents of one batch)."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path


@functools.lru_cache(maxsize=64)
def _pages(content: bytes) -> tuple[str, ...]:
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True)
    # Each page ends in a form feed.
    return tuple(done.stdout.decode("utf-8").split("\f")[:-1])


def page_texts(pdf: Path | bytes) -> list[str]:
    """Each page's text, as extracted (spaces and line breaks as pdftotext finds them)."""
    return list(_pages(pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()))


def pdf_text(pdf: Path | bytes) -> str:
    """The whole text without spaces and line breaks: a sentence is found wherever its lines
    break and however the justified line spaces its characters."""
    return "".join(page_texts(pdf)).replace(" ", "").replace("\n", "")
