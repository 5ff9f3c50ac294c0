"""Where each character of a WeasyPrint PDF is drawn, read from the page's own operators.

Enough of PDF text positioning for the tests of the documents' layout: Tm places a line, Tf
sets the size, TJ draws glyphs (two-byte ids, advanced by the font's /W widths) and moves the
pen by its numbers; q, Q and cm after the page's own first cm (WeasyPrint's px to pt) move what
follows, as a CSS transform does (asked for with ``transforms``: the typeset list's tests
measure in the list's own px, before its cm). The ToUnicode map names the characters.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ContentStream

from pdf_geometry import multiply


@dataclass(frozen=True)
class Glyph:
    x: float  #: in the units the text matrix works in (CSS px for WeasyPrint)
    y: float
    char: str
    width: float = 0.0  #: its advance, in the same units
    font: str = ""  #: the /BaseFont of the font it is drawn in ("ABCDEF+LantianCJKTitle")


def _widths(descendant) -> dict[int, float]:
    widths: dict[int, float] = {}
    entries = list(descendant.get("/W", []))
    index = 0
    while index < len(entries):
        first = int(entries[index])
        following = entries[index + 1]
        if isinstance(following, list) or hasattr(following, "__iter__"):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        else:
            for gid in range(first, int(following) + 1):
                widths[gid] = float(entries[index + 2])
            index += 3
    return widths


def _unicode(font) -> dict[int, str]:
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for gid, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(gid, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for start, end, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            base = int(text, 16)
            for gid in range(int(start, 16), int(end, 16) + 1):
                mapping[gid] = chr(base + gid - int(start, 16))
    return mapping


def glyphs(path, page_number: int, *, transforms: bool = False) -> list[Glyph]:
    """The page's glyphs where Tm puts them; with ``transforms``, moved by the cm that follow the page's own."""
    return list(_glyphs(Path(path).read_bytes(), page_number, transforms))


@functools.lru_cache(maxsize=128)
def _glyphs(content: bytes, page_number: int, transforms: bool) -> tuple[Glyph, ...]:
    """Each page of a distinct PDF is read once per test process: several tests measure the
    pages of one document, and reading a page parses its fonts' maps and all its operators."""
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[page_number]
    fonts = {}
    for name, font in (page["/Resources"].get("/Font") or {}).items():
        font = font.get_object()
        fonts[name] = (_widths(font["/DescendantFonts"][0].get_object()), _unicode(font), str(font["/BaseFont"]).lstrip("/"))
    out: list[Glyph] = []
    x = y = size = 0.0
    widths: dict[int, float] = {}
    names: dict[int, str] = {}
    font_name = ""
    shift: tuple[float, ...] | None = None  #: the transformation after the page's own, (a b c d e f)
    saved: list[tuple[float, ...] | None] = []
    based = False
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            saved.append(shift)
        elif operator == b"Q":
            shift = saved.pop()
        elif operator == b"cm":
            matrix = tuple(float(v) for v in operands)
            if not transforms:
                continue
            if not based:
                based = True  # the page's own cm: its units are the ones Tm works in
            elif shift is None:
                shift = matrix
            else:
                shift = multiply(matrix, shift)
        elif operator == b"Tm":
            x, y = float(operands[4]), float(operands[5])
        elif operator == b"Tf":
            widths, names, font_name = fonts[operands[0]]
            size = float(operands[1])
        elif operator == b"TJ":
            for item in operands[0]:
                if isinstance(item, (int, float)) or hasattr(item, "as_numeric"):
                    x -= float(item) / 1000 * size
                    continue
                raw = bytes(getattr(item, "original_bytes", item))
                for index in range(0, len(raw), 2):
                    gid = int.from_bytes(raw[index : index + 2], "big")
                    m = shift or (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
                    advance = widths.get(gid, 1000) / 1000 * size
                    out.append(Glyph(x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5], names.get(gid, "\ufffd"), advance * m[0], font_name))
                    x += advance
    return tuple(out)
