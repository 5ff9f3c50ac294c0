"""Official documents as PDF: the rectification notice and the on-site inspection record.

Templates are ours (templates/), autoescaped and strict about undefined names; they get a
view model built here, not engine objects. WeasyPrint may read nothing but our templates
and assets, the subset fonts, and photos inside the inspection's own folder: every other
URL is refused, so text from an answers file can never make it fetch a file or a page.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import html as html_text
import mimetypes
import os
import re
import sys
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from . import _weasyprint
from ._fsutil import temporary_file_error
from .bundled import environment, templates_dir
from .citations import joined, joined_texts
from .errors import ErrorCode, LantianError, Location, Problem
from .fonts import DocumentFonts, FontSource, cut_fonts, document_fonts
from .labels import ITEM_STATUS_LABELS, NOTICE_TITLES, SEVERITY_LABELS, VERDICT_LABELS
from .model import FollowedNotice, InspectionResult, chinese_number
from .photos import photo_facts, position_text
from .settings import OfficeSettings
from .typeset import rules_svg
from .values import chinese_date

#: The URL each font's CSS family is fetched from: served by the fetcher, never a file.
FONT_URL = "lantian-font:{family}"


class RenderError(LantianError):
    """A document could not be made (a refused resource, a missing font)."""


@dataclass
class Document:
    """One document to write: where, what kind, and its HTML."""

    target: Path
    kind: str  #: notice, record
    html: str
    photos_root: Path | None = None  #: the inspection's folder: photos may be read only below it
    #: The same document cut into runs of whole pages, which worker processes may render
    #: side by side; their PDFs, one after the other, make the document.
    parts: tuple[str, ...] = ()


def _party(result: InspectionResult) -> str:
    return result.site.operator or result.site.name


def _followed_context(result: InspectionResult, followed: FollowedNotice | None) -> dict[str, Any] | None:
    """What the notice of a re-inspection says of the notice it follows up: from the ledger
    when it has that inspection, else the reference the answers file gives."""
    reference = result.inspection.follows
    if reference is None:
        return None
    if followed is not None:
        return {"number": followed.number, "inspected": followed.inspected_on, "deadline": followed.deadline}
    # Without the ledger, a reference that is a document number is that notice's number;
    # an inspection id says nothing a party could look up.
    return {"number": reference if reference.endswith("号") else None, "inspected": None, "deadline": None}


#: What empowers every order to correct (《行政处罚法》2021, art. 28 para. 1: "行政机关实施行政处罚时，
#: 应当责令当事人改正或者限期改正违法行为。"), cited beside the penalty article that names the order.
ORDER_BASIS = "《中华人民共和国行政处罚法》第二十八条第一款"


def _positions_text(positions: list[int]) -> str:
    """"第一、三项问题" for the findings at positions 1 and 3."""
    return "第" + "、".join(chinese_number(p) for p in positions) + "项问题"


def notice_context(result: InspectionResult, settings: OfficeSettings, number: str, issued: dt.date, followed: FollowedNotice | None = None) -> dict[str, Any]:
    findings = []
    #: penalty → (units found, the unit, the positions of the findings citing it), in the order first cited
    units: dict[str, tuple[int, str | None, list[int]]] = {}
    transitions: list[str] = []
    empowering: list[str] = []
    for position, finding in enumerate(result.stated_findings, 1):
        findings.append(
            {
                "text": finding.text,
                "severity": SEVERITY_LABELS[finding.severity],
                "veto": finding.severity == "veto",
                "citations": joined(finding.citations),
                "rectification": finding.rectification,
                "deadline": finding.deadline,
                "immediate": finding.deadline_days == 0,
                "note": finding.note,
            }
        )
        for citation in finding.citations:
            if citation.penalty_article and citation.penalty_article not in empowering:
                empowering.append(citation.penalty_article)
            if citation.penalty:
                # A fine per unit is printed as the law words it, with the units this inspection
                # found: the most any one finding counted, as several may count the same machines.
                before, _, citing = units.get(citation.penalty, (0, None, []))
                found = max(before, citation.units or 0) if citation.penalty_per_unit else 0
                units[citation.penalty] = (found, citation.penalty_per_unit, citing if position in citing else [*citing, position])
            if citation.transition:
                # "第十项问题：行为发生在…，新规定的罚款较轻，依照…第一千零五十七条适用《…》第二百四十一条第一款"
                line = f"第{chinese_number(position)}项问题：" + citation.transition.replace("适用新规定", f"适用{citation.text}")
                if line not in transitions:
                    transitions.append(line)
    # "每辆（艘）" counts machines as 辆: the unit without the law's alternative in brackets.
    # Each penalty says which problems it is for: "第一、三项问题：《…》第…条：…".
    penalties = [
        f"{_positions_text(citing)}：{penalty}" + (f"（本次检查发现{count}{(unit or '').split('（')[0]}）" if count else "")
        for penalty, (count, unit, citing) in units.items()
    ]
    last_deadline = max((f.deadline for f in result.notice_findings), default=issued)
    photos = sum(len(item.photos) for item in result.items)
    return {
        "title": NOTICE_TITLES[settings.document_kind],
        "kind": settings.document_kind,
        "settings": settings,
        "number": number,
        "party": _party(result),
        "site": result.site,
        "site_type": result.site_type_label,
        "inspection": result.inspection,
        "checklist_title": result.checklist_title,
        "findings": findings,
        "penalties": penalties,
        "transitions": transitions,
        "report_by": last_deadline + dt.timedelta(days=settings.report_days),
        "issued": issued,
        "followed": _followed_context(result, followed),
        "answers_sha256": result.answers_sha256,
        "order_basis": ORDER_BASIS,
        # The law named once for its articles: 《…法典》第一千一百二十八条…、第一千一百七十四条….
        "empowering": joined_texts(sorted(empowering, key=lambda text: [t.split("》")[0] for t in empowering].index(text.split("》")[0]))),
        "photo_count": photos,
    }


def _photo_caption_facts(path: Path, result: InspectionResult) -> tuple[str, str]:
    """When and where a photo was taken, as its caption says it: from the photo's own tags,
    else the inspection's day (and hours) and the site."""
    facts = photo_facts(path)
    if facts.taken is not None:
        taken = f"{chinese_date(facts.taken.date())} {facts.taken:%H:%M}"
    else:
        span = "–".join(t for t in (result.inspection.start_time, result.inspection.end_time) if t)
        taken = f"{chinese_date(result.inspection.date)}{' ' + span if span else ''}（检查时拍摄）"
    if facts.latitude is not None and facts.longitude is not None:
        place = position_text(facts.latitude, facts.longitude, facts.accuracy)
    else:
        place = result.site.address or "".join(part for part in (result.site.village, result.site.name) if part)
    return taken, place


def _signed(photos_root: Path | None, relative: str | None) -> str | None:
    """The URL of a signature image inside the inspection's folder (the fetcher checks it again)."""
    if photos_root is None or not relative:
        return None
    path = photos_root / relative
    return path.resolve().as_uri() if path.is_file() else None


def record_context(result: InspectionResult, settings: OfficeSettings, photos_root: Path | None) -> dict[str, Any]:
    sections: list[dict[str, Any]] = []
    photos: list[dict[str, Any]] = []
    number = 0
    for item in result.items:
        if not sections or sections[-1]["id"] != item.section_id:
            sections.append({"id": item.section_id, "items": []})
        number += 1
        # Photos go to their own section, numbered, two a row within the text area: the
        # item's row says which ones are its.
        numbers = []
        for photo in item.photos:
            path = photos_root / photo if photos_root is not None else None
            if path is None or not path.is_file():
                continue
            taken, place = _photo_caption_facts(path, result)
            photos.append(
                {
                    "number": len(photos) + 1,
                    # An absolute file URL: the fetcher checks it against the inspection's folder.
                    "url": path.resolve().as_uri(),
                    "item_number": number,
                    "question": item.question,
                    "taken": taken,
                    "place": place,
                }
            )
            numbers.append(str(len(photos)))
        sections[-1]["items"].append(
            {
                "number": number,
                "question": item.question,
                "answer": item.answer or "—",
                "status": ITEM_STATUS_LABELS[item.status] if item.judged or item.status != "pass" else "—",
                "failed": item.status == "fail",
                "note": item.note or "",
                "photo_numbers": numbers,
            }
        )
    inspectors = list(result.inspection.inspectors)
    drawn = result.inspection.signatures
    slots = max(2, len(inspectors))
    signed = {
        "inspectors": [_signed(photos_root, drawn.inspectors[n] if drawn and n < len(drawn.inspectors) else None) for n in range(slots)],
        "party": _signed(photos_root, drawn.party if drawn else None),
        "witness": _signed(photos_root, drawn.witness if drawn else None),
    }
    return {
        "settings": settings,
        "site": result.site,
        "site_type": result.site_type_label,
        "party": _party(result),
        "inspection": result.inspection,
        "checklist_title": result.checklist_title,
        "checklist_version": result.checklist_version,
        "sections": sections,
        "photos": photos,
        "verdict": VERDICT_LABELS[result.verdict],
        "score": f"{result.score:g}",
        "max_score": f"{result.max_score:g}",
        "percent": result.percent,
        "findings": len(result.findings),
        "signature_slots": slots,
        "signed": signed,
        "inspectors": inspectors,
        "credentials": list(result.inspection.credentials),
        "time_span": "–".join(t for t in (result.inspection.start_time, result.inspection.end_time) if t),
        "answers_sha256": result.answers_sha256,
        "warn_inspectors": len(set(inspectors)) < 2,
        # No notice goes out for a site that passed: its problems, their measures and
        # deadlines (the ledger's) are told on the record the party signs, or the party would
        # be counted overdue on a deadline it was never given.
        "told": [
            {"text": f.text, "rectification": f.rectification, "deadline": f.deadline, "immediate": f.deadline_days == 0}
            for f in (result.stated_findings if result.verdict != "non_compliant" else ())
        ],
    }


def render_html(template: str, context: dict[str, Any]) -> str:
    return environment().get_template(template).render(**context)


def _fetcher(font_files: Mapping[str, Path], photos_root: Path | None) -> Any:
    """A WeasyPrint URL fetcher that serves only our templates, the fonts (by CSS family), and
    the photos below the inspection's folder; anything else stops the rendering."""
    _weasyprint.load()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    fonts = {FONT_URL.format(family=family): path for family, path in font_files.items()}
    allowed_roots = [templates_dir().resolve()]
    if photos_root is not None:
        allowed_roots.append(photos_root.resolve())

    class Refused(FatalURLFetchingError):
        def __init__(self, url: str, target: Path | None = None) -> None:
            shown = unquote(url) if url.startswith("file:") else url
            # A photo that became a link after it was checked: say where it leads.
            leads = f"（实际指向 {target}）" if target is not None and target.as_uri() != url else ""
            super().__init__(f"拒绝读取文书模板以外的资源：{shown[:120]}{leads}")
            self.url = url  #: so that a batch can tell which photo of which answers file it was

    class Fetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url in fonts:
                return URLFetcherResponse(url, fonts[url].read_bytes(), {"Content-Type": "font/otf"})
            rules = rules_svg(url)
            if rules is not None:
                return URLFetcherResponse(url, rules, {"Content-Type": "image/svg+xml"})
            parsed = urlparse(url)
            path = None
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if any(path == root or root in path.parents for root in allowed_roots) and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            raise Refused(url, path)

    return Fetcher(fail_on_errors=True)


@functools.cache
def _stylesheet_characters() -> frozenset[str]:
    """What the stylesheets print themselves (a page's signature line, "第 n 页 共 m 页"):
    cut into the fonts with the documents' text, or WeasyPrint would fall back to a system
    font for them and embed all of it."""
    return frozenset("".join(path.read_text(encoding="utf-8") for path in sorted((templates_dir() / "css").glob("*.css"))))


def _characters(documents: Sequence[Document]) -> set[str]:
    return set("".join(document.html for document in documents)) | set(" 0123456789—-()（）〔〕") | _stylesheet_characters()


#: The elements the stylesheets (templates/css) set in a role's font other than the body's,
#: as tags and .classes: that font is cut to their text alone, some dozen characters where the
#: body's font takes the batch's thousand, so each PDF carries it small. A character these
#: miss is still drawn, in the body's font, the stylesheets' next family (a test checks them
#: against the stylesheets).
ROLE_ELEMENTS = {"title": ("h1", ".office-mark", ".form-title"), "heading": ("h2",), "subheading": ("h3",)}


def _element_pattern(selector: str) -> re.Pattern[str]:
    if selector.startswith("."):
        name = re.escape(selector[1:])
        return re.compile(rf'<(?P<tag>\w+)\b[^>]*\bclass="(?:[^"]*\s)?{name}(?:\s[^"]*)?"[^>]*>(?P<text>.*?)</(?P=tag)>', re.S)
    return re.compile(rf"<(?P<tag>{re.escape(selector)})\b[^>]*>(?P<text>.*?)</(?P=tag)>", re.S)


_ROLE_PATTERNS = {role: [_element_pattern(selector) for selector in selectors] for role, selectors in ROLE_ELEMENTS.items()}


def _role_characters(documents: Sequence[Document]) -> dict[str, set[str]]:
    """The characters each role other than the body's prints in ``documents``."""
    found: dict[str, set[str]] = {}
    for role, patterns in _ROLE_PATTERNS.items():
        texts = (match.group("text") for document in documents for pattern in patterns for match in pattern.finditer(document.html))
        found[role] = set(html_text.unescape(re.sub(r"<[^>]*>", "", "".join(texts))))
    return found


#: The stylesheets of each kind of document, in cascade order (templates/css/).
STYLESHEETS = {"notice": ("official.css",), "record": ("official.css",), "list": ("official.css", "list.css"), "report": ("official.css", "report.css")}


@functools.cache
def _stylesheets() -> dict[str, Any]:
    """Each kind's stylesheets, parsed once per process: they hold no @font-face, so they
    serve every font. (Parsing them costs about as much as laying out a notice.)"""
    _weasyprint.load()
    from weasyprint import CSS

    css = templates_dir() / "css"
    fetch = _fetcher({}, None)
    parsed = {name: CSS(filename=str(css / name), url_fetcher=fetch) for names in STYLESHEETS.values() for name in names}
    return {kind: [parsed[name] for name in names] for kind, names in STYLESHEETS.items()}


class _Renderer:
    """What every document of a batch shares: the fonts, registered once, and the stylesheets."""

    def __init__(self, font_files: tuple[tuple[str, Path], ...]) -> None:
        _weasyprint.load()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_files = dict(font_files)
        self.font_config = FontConfiguration()
        faces = "".join(f"@font-face {{ font-family: {family}; src: url('{FONT_URL.format(family=family)}'); }}" for family in self.font_files)
        face = CSS(string=faces, font_config=self.font_config, url_fetcher=_fetcher(self.font_files, None))
        self.stylesheets = {kind: [face, *sheets] for kind, sheets in _stylesheets().items()}

    def pdf(self, document: Document) -> bytes:
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError

        fetch = _fetcher(self.font_files, document.photos_root)
        html = HTML(string=document.html, base_url=str(templates_dir()) + "/", url_fetcher=fetch)
        try:
            layout = html.render(stylesheets=self.stylesheets[document.kind], font_config=self.font_config)
            # The fonts are already cut to this batch's characters: embed them as they are,
            # which skips WeasyPrint's own subsetting, the step that costs seconds per document.
            return layout.write_pdf(full_fonts=True)
        except FatalURLFetchingError as exc:
            refused = exc.__cause__ or exc
            context = {"document": document.target.name, "reason": str(refused), "url": getattr(refused, "url", None)}
            raise RenderError([Problem(ErrorCode.RENDER_001, Location(str(document.target)), context)]) from None
        except OSError as exc:
            # WeasyPrint keeps fonts and images in temporary files: a full disk shows here.
            if exc.errno is None:
                raise
            raise temporary_file_error(exc, document.target) from None


@functools.lru_cache(maxsize=2)
def _renderer(font_files: tuple[tuple[str, Path], ...]) -> _Renderer:
    return _Renderer(font_files)


# Let the cached font configurations go while WeasyPrint can still clean up after them,
# not during interpreter shutdown, when its clean-up finds its own modules gone.
atexit.register(_renderer.cache_clear)


def _each(documents: Sequence[Document], fonts: DocumentFonts, characters: set[str], roles: dict[str, set[str]]) -> Iterator[bytes | LantianError]:
    """Each document's PDF, or the LantianError that kept that one document from being made,
    so that one bad photo costs one document. A font that cannot be found or cut is raised:
    then no document can be made."""
    try:
        renderer = _renderer(cut_fonts(fonts, characters, roles=roles))
    except OSError as exc:
        if exc.errno is None:
            raise
        # The fonts' files could not be written (a full disk): no document can be made.
        for document in documents:
            yield temporary_file_error(exc, document.target)
        return
    for document in documents:
        try:
            yield renderer.pdf(document)
        except LantianError as exc:
            yield exc


def write_pdfs(
    documents: Sequence[Document],
    *,
    font: FontSource | None = None,
    fonts: DocumentFonts | None = None,
    on_progress: Callable[[int], None] | None = None,
    characters: set[str] | None = None,
) -> list[bytes]:
    """Render every document to PDF bytes, each with the same embedded subset fonts; the first
    document that cannot be made stops it (LantianError).

    The fonts are cut once to the characters of all the documents (fonts.py caches them), so
    a document costs only its layout and writing. ``fonts`` gives each role its font (the
    office settings' choice); ``font`` sets every role in one; neither, the free fallbacks.
    """
    pdfs = []
    for _, pdf in render_each(documents, font=font, fonts=fonts, on_progress=on_progress, characters=characters):
        if isinstance(pdf, LantianError):
            raise pdf
        pdfs.append(pdf)
    return pdfs


def _render_chunk(args: tuple[list[Document], DocumentFonts, set[str], dict[str, set[str]]]) -> list[bytes | LantianError]:
    documents, fonts, characters, roles = args
    return list(_each(documents, fonts, characters, roles))


#: Workers are forked where that is safe (Linux): a forked worker starts at once, with
#: WeasyPrint loaded, where a spawned one spends more than a second importing it. Elsewhere
#: (macOS, Windows) they are spawned.
_START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"

#: Below this much work (documents, counting each part of a long list as one), starting
#: worker processes costs more than it saves.
PARALLEL_MINIMUM = 12


def default_workers() -> int:
    """One worker per core, at most four (each takes about 350 MB)."""
    return max(1, min(4, os.cpu_count() or 1))


def render_each(
    documents: Sequence[Document],
    *,
    font: FontSource | None = None,
    fonts: DocumentFonts | None = None,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    characters: set[str] | None = None,
) -> Generator[tuple[int, bytes | LantianError], None, None]:
    """Each document's index and its PDF, or the LantianError that kept it from being made,
    as soon as it is made: a caller writes each at once, so that what was made before a
    failure (a full disk) is on disk, and one bad document stops no other.

    With several ``workers``, a document cut into parts (the long list) goes out a part to a
    worker, first, as the longest work; the others go in small chunks, so that progress moves
    while they work. Each worker registers the fonts once and keeps them. Documents then come
    in the order they are finished, not the order given. ``font`` and ``fonts`` as in write_pdfs.
    """
    if not documents:
        return
    chosen = fonts or (DocumentFonts.single(font) if font is not None else document_fonts(None)[0])
    characters = characters or _characters(documents)
    # Of all the documents, not of a worker's share: every part of a long list then embeds the
    # same cuts, which joining them keeps once.
    roles = _role_characters(documents)
    # A part of a long list is as much work as a notice.
    work = sum(max(1, len(document.parts)) for document in documents)
    if workers <= 1 or work < PARALLEL_MINIMUM:
        for index, pdf in enumerate(_each(documents, chosen, characters, roles)):
            if on_progress:
                on_progress(1)
            yield index, pdf
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        # Subset once here, so the workers find the fonts in the cache instead of each making them.
        cut_fonts(chosen, characters, roles=roles)
    except OSError as exc:
        if exc.errno is None:
            raise
        for index, document in enumerate(documents):
            yield index, temporary_file_error(exc, document.target)
        return
    whole = [index for index, document in enumerate(documents) if not document.parts]
    size = max(2, min(16, len(whole) // (workers * 6)))
    chunks: list[list[tuple[int, Document]]] = []
    for index, document in enumerate(documents):
        chunks.extend([(index, Document(document.target, document.kind, html, document.photos_root))] for html in document.parts)
    chunks.extend([(index, documents[index]) for index in whole[i : i + size]] for i in range(0, len(whole), size))
    pieces: dict[int, list[bytes]] = {}
    failed: dict[int, LantianError] = {}
    waiting = {index: max(1, len(document.parts)) for index, document in enumerate(documents)}
    pool = ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context(_START_METHOD))
    try:
        for chunk, pdfs in zip(chunks, pool.map(_render_chunk, [([document for _, document in chunk], chosen, characters, roles) for chunk in chunks]), strict=True):
            finished = []
            for (index, _), pdf in zip(chunk, pdfs, strict=True):
                if isinstance(pdf, LantianError):
                    failed.setdefault(index, pdf)
                else:
                    pieces.setdefault(index, []).append(pdf)
                waiting[index] -= 1
                if waiting[index] == 0:
                    finished.append(index)
            if on_progress and finished:
                on_progress(len(finished))
            for index in finished:
                if index in failed:
                    yield index, failed[index]
                else:
                    parts = pieces.pop(index)
                    yield index, parts[0] if len(parts) == 1 else _join(parts, documents[index].target.stem)
    finally:
        # A caller that stops reading (the disk is full) leaves the queued chunks unrendered.
        pool.shutdown(wait=True, cancel_futures=True)


def write_pdfs_parallel(
    documents: Sequence[Document],
    *,
    font: FontSource | None = None,
    fonts: DocumentFonts | None = None,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> list[bytes]:
    """write_pdfs over ``workers`` processes (see render_each), in the order given; the first
    document (in that order) that cannot be made is raised."""
    made = dict(render_each(documents, font=font, fonts=fonts, workers=workers, on_progress=on_progress))
    pdfs = []
    for index in range(len(documents)):
        pdf = made[index]
        if isinstance(pdf, LantianError):
            raise pdf
        pdfs.append(pdf)
    return pdfs


def _join(parts: Sequence[bytes], title: str) -> bytes:
    """One PDF of the parts' pages in order. The parts embed the same fonts; each is kept once."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    writer.add_metadata({"/Title": title, "/Producer": "Lantian"})
    writer.compress_identical_objects()  # both kinds of clean-up are on by default
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
