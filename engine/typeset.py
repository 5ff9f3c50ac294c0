"""Long tables set as lines of text, for the rectification list.

WeasyPrint spends about a millisecond on every table cell and about as much again on every
line inside one, whatever the font: a 500-row list of twelve columns took 16 s. So the list
is set here, the way a typesetter sets a tabular: each cell's text is broken into lines with
the font's own advance widths, the cells of a row are joined line by line with spaces and
tabs that move the pen to each column's edge, and the rows are cut into pages here, so that every
page gets the column heads and its own rules. WeasyPrint then lays out one block of plain
text per row, which is several times faster, and the PDF keeps real, searchable text.

Geometry is in CSS pixels (1/96 in); text widths are summed in Pango's units, as Pango sums
them, so the pen is known exactly and every cell starts where its column does.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .fonts import FontSource

LINE = 19  #: px, the line height: a row is its lines, the rules fall between them
FONT_PX = 12  #: px, the type size (9 pt)
PAD_X = 6  #: px between a rule and its cell's text
RULE = 1  #: px, the width of a rule

#: No line may start with these (closing punctuation), nor end with the openers.
NO_START = set("，。、；：？！）》」』】〕”’…%％·,.;:?!)]}>")
NO_END = set("（《「『【〔“‘([{<")
#: Letters and digits that stay together on a line: "1.8", "GB3095", "2024-11-20".
_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-/%+:]*|.", re.S)


@dataclass(frozen=True)
class Column:
    title: str
    width: int  #: px
    align: str = "left"  #: left or center


UNIT = 1024  #: Pango's units in a pixel: pens and advances are whole numbers of them


class Metrics:
    """Advance widths of one font at the list's type size, from its own tables, rounded
    to Pango's units as HarfBuzz rounds them, so that sums match the pen exactly."""

    def __init__(self, font: FontSource) -> None:
        from fontTools.ttLib import TTFont

        face = TTFont(str(font.path), fontNumber=font.index, lazy=True)
        try:
            upem = face["head"].unitsPerEm
            metrics = face["hmtx"].metrics
            self._advance = {chr(code): round(metrics[glyph][0] * FONT_PX * UNIT / upem) for code, glyph in face.getBestCmap().items()}
        finally:
            face.close()
        self._lines: dict[tuple[str, float], list[str]] = {}  # break_lines: a list repeats its texts

    def units(self, text: str) -> int:
        try:
            return sum(map(self._advance.__getitem__, text))
        except KeyError:
            # A character the font lacks is drawn from a fallback font: count it a full em.
            return sum(self._advance.get(ch, FONT_PX * UNIT) for ch in text)

    def width(self, text: str) -> float:
        """In px."""
        return self.units(text) / UNIT

    def has(self, char: str) -> bool:
        return char in self._advance


@functools.lru_cache(maxsize=2)
def metrics_for(font: FontSource) -> Metrics:
    return Metrics(font)


def break_lines(text: str, width: float, metrics: Metrics) -> list[str]:
    """``text`` in lines no wider than ``width`` px: Chinese breaks between any two
    characters, a run of letters and digits only when it is longer than a line, and no
    line starts with closing punctuation or ends with an opening one."""
    known = metrics._lines.get((text, width))
    if known is None:
        known = metrics._lines[(text, width)] = _break_lines(text, width, metrics)
    return list(known)


def _break_lines(text: str, width: float, metrics: Metrics) -> list[str]:
    lines: list[str] = []
    for paragraph in unicodedata.normalize("NFC", text).replace("\t", " ").splitlines() or [""]:
        units = [unit for unit in _WORD.findall(paragraph)]
        line: list[str] = []
        used = 0.0
        for unit in units:
            size = metrics.width(unit)
            if size > width:  # a run longer than the line: split it by character
                for ch in unit:
                    if used + metrics.width(ch) > width and line:
                        lines.append("".join(line))
                        line, used = [], 0.0
                    line.append(ch)
                    used += metrics.width(ch)
                continue
            if used + size > width and line:
                carried: list[str] = []
                if unit in NO_START and len(line) > 1:
                    carried.append(line.pop())  # the character before goes down with it
                while len(line) > 1 and line[-1] in NO_END:
                    carried.insert(0, line.pop())
                lines.append("".join(line).rstrip(" "))
                line = carried
                used = metrics.width("".join(line))
                if not line and unit == " ":
                    continue  # a space never starts a line
            line.append(unit)
            used += size
        lines.append("".join(line).rstrip(" "))
    return lines


#: WeasyPrint 70 draws a tab (an empty glyph) 1024/1000 as wide as Pango laid it out: it
#: divides Pango's units by 1000 where it means 1024. Only tabs are affected, and only the
#: last few px before an edge are tabs, so a WeasyPrint that fixes this moves cells by less
#: than 0.2 px; tests/test_typeset.py measures the real positions.
TAB_DRAWN = 1024 / 1000
EM, EN = "\u3000", "\u2002"  # the ideographic space (1 em) and the en space


@dataclass
class _Pen:
    """Where the next glyph goes: as Pango laid it out, and as WeasyPrint will draw it."""

    laid: int = 0
    drawn: float = 0.0

    def advance(self, units: int) -> None:
        self.laid += units
        self.drawn += units


def _move(pen: _Pen, edge: int, metrics: Metrics) -> str:
    """Spaces and tabs that bring what is drawn to ``edge`` px. Spaces (whole and half ems)
    cover the distance to within half an em; tabs, whose stops are 1 px apart (tab-size in
    list.css), cover the rest, so every cell starts within half a px of its edge."""
    gap = edge * UNIT - pen.drawn
    spaces, moved = "", 0
    # A font without these spaces would have them drawn from another font, of unknown
    # width: then tabs do all the moving.
    if metrics.has(EM) and gap >= metrics.units(EM):
        count = int(gap // metrics.units(EM))
        spaces, moved = EM * count, count * metrics.units(EM)
    if metrics.has(EN) and gap - moved >= metrics.units(EN):
        spaces, moved = spaces + EN, moved + metrics.units(EN)
    pen.advance(moved)
    # Pango takes the first tab to the first stop strictly after the pen, each further one
    # a stop (1 px) on; take as many as bring what is drawn nearest the edge.
    rest = edge * UNIT - pen.drawn
    first = (pen.laid // UNIT + 1) * UNIT - pen.laid
    tabs = 0
    if abs(rest - first * TAB_DRAWN) < abs(rest):
        tabs = 1 + max(0, round((rest - first * TAB_DRAWN) / (UNIT * TAB_DRAWN)))
        pen.drawn += (first + (tabs - 1) * UNIT) * TAB_DRAWN
        pen.laid += first + (tabs - 1) * UNIT
    return spaces + "\t" * tabs


def compose(cells: Sequence[Sequence[str]], columns: Sequence[Column], metrics: Metrics) -> list[str]:
    """The lines of one row: each cell's lines, moved to its column with spaces and tabs."""
    height = max((len(lines) for lines in cells), default=1) or 1
    out = []
    for index in range(height):
        text: list[str] = []
        pen = _Pen()
        left = 0
        for column, lines in zip(columns, cells, strict=True):
            segment = lines[index] if index < len(lines) else ""
            if segment:
                size = metrics.units(segment)
                edge = left + PAD_X
                if column.align == "center":
                    edge = max(edge, left + round((column.width - size / UNIT) / 2))
                text.append(_move(pen, edge, metrics) + segment)
                pen.advance(size)
            left += column.width
        out.append("".join(text))
    return out


@dataclass(frozen=True)
class SetRow:
    lines: tuple[str, ...]

    @property
    def height(self) -> int:
        return len(self.lines) * LINE


@dataclass(frozen=True)
class Page:
    """One page of the table: its column heads and rows as one block of text, ruled by
    one background image (a box per row or per rule costs WeasyPrint more than the text)."""

    columns: tuple[Column, ...]
    head: SetRow
    rows: tuple[SetRow, ...]

    @property
    def text(self) -> str:
        return "\n".join(line for row in (self.head, *self.rows) for line in row.lines)

    @property
    def width(self) -> int:
        return sum(column.width for column in self.columns)

    @property
    def height(self) -> int:
        return self.head.height + sum(row.height for row in self.rows)

    @property
    def rules_url(self) -> str:
        """The rules and the grey of the heads, as render.py serves them (rules_svg)."""
        xs = [0]
        for column in self.columns:
            xs.append(xs[-1] + column.width)
        ys = [0, self.head.height]
        for row in self.rows:
            ys.append(ys[-1] + row.height)
        return f"{RULES_SCHEME}:{self.width}x{self.height}:{','.join(map(str, xs))}:{','.join(map(str, ys))}"


RULES_SCHEME = "lantian-rules"
_NUMBERS = r"\d{1,5}(?:,\d{1,5}){0,199}"
_RULES_URL = re.compile(rf"{RULES_SCHEME}:(\d{{1,5}})x(\d{{1,5}}):({_NUMBERS}):({_NUMBERS})")


def rules_svg(url: str) -> bytes | None:
    """The SVG of a Page.rules_url, drawn behind the page's text: the heads' grey, a rule
    at every column edge (xs) and under the heads and every row (ys). None for any other
    URL. Rules sit inside the box, so the outer ones are not cut in half."""
    match = _RULES_URL.fullmatch(url)
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    xs = [min(int(x), width - RULE) for x in match.group(3).split(",")]
    ys = [min(int(y), height - RULE) for y in match.group(4).split(",")]
    # One path for all the rules: WeasyPrint draws an SVG element in about half a millisecond.
    rules = "".join(f"M{x} 0h{RULE}v{height}h-{RULE}z" for x in xs) + "".join(f"M0 {y}h{width}v{RULE}h-{width}z" for y in ys)
    grey = f'<rect x="0" y="0" width="{width}" height="{ys[1]}" fill="#f2f2f2"/>' if len(ys) > 1 else ""
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">{grey}<path d="{rules}"/></svg>'.encode()


@dataclass(frozen=True)
class Tabular:
    pages: tuple[Page, ...]


def set_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], metrics: Metrics, *, first_page: int, page: int) -> Tabular:
    """Set ``rows`` (one text per column) into pages: ``first_page`` and ``page`` are the px
    the table may take on the first and on every later page, the column heads included."""
    columns = tuple(columns)
    head = SetRow(tuple(compose([break_lines(column.title, column.width - 2 * PAD_X, metrics) for column in columns], columns, metrics)))
    pages: list[Page] = []
    current: list[SetRow] = []
    room = (first_page - head.height) // LINE  # in lines
    per_page = (page - head.height) // LINE
    for values in rows:
        cells = [break_lines(value, column.width - 2 * PAD_X, metrics) for column, value in zip(columns, values, strict=True)]
        lines = compose(cells, columns, metrics)
        while lines:
            if current and (room <= 0 or room < len(lines) <= per_page):
                # Start the row on the next page; only a row longer than a page is split.
                pages.append(Page(columns, head, tuple(current)))
                current, room = [], per_page
                continue
            row = SetRow(tuple(lines[: max(1, room)]))
            current.append(row)
            room -= len(row.lines)
            lines = lines[len(row.lines) :]
    if current or not pages:
        pages.append(Page(columns, head, tuple(current)))
    return Tabular(tuple(pages))
