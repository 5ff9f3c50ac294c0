"""Load an inspection's answers file and check it against its checklist."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from .applicability import applicability
from .errors import ErrorCode, InputError, Location, Problem, listing, suggestion
from .labels import KIND_LABELS
from .model import SITE_FIELDS, Answer, Answers, Checklist, Inspection, RuleSet, Signatures, Site
from .names import name_key
from .schema import validate
from .source import Locations, SourceDocument, char_name, file_kind, inside, load_source, os_reason, refused_character
from .values import ValueProblem, is_not_applicable, normalize, parse_bool, parse_date, parse_value

MIN_INSPECTORS = 2
#: The parts of an answer written as a mapping (hoarding_closed: {value: 否, count: 2}).
ANSWER_PARTS = frozenset({"value", "count", "note", "photos"})

# Limits of an answers file, documented in docs/answers.md (限制). They are checked when the
# answers are read, so that what `lantian check` accepts `lantian batch` can render.
#: A name, address, answer or any other one-line text: the longest names of companies and
#: projects run to some 60 characters, an address to about 100.
MAX_LINE_CHARS = 200
#: A note, or the answer of a text item: about three pages of the record; more belongs in
#: an attached report.
MAX_TEXT_CHARS = 2000
#: Photos of one item, inspectors, credentials.
MAX_LIST = 20
#: Entries of any mapping or list, looked at before anything else: a checklist has tens of
#: items, and each entry beyond costs work (a file of 400,000 unknown items took minutes).
MAX_ENTRIES = 1000
#: How many keys deep a list or mapping may stand: ``answers.<item>.value`` may be a list (of
#: scalars), nothing deeper may be a list or mapping. Deeper nesting means nothing in an answer.
MAX_DEPTH = 3
#: Places counted for one item (count).
MAX_COUNT = 9999
#: Problems listed for one file; one more line says how many were left out.
MAX_PROBLEMS = 100
MAX_PHOTO_BYTES = 20 * 1024 * 1024
#: 64 million pixels: a phone's full-resolution mode; decoding one takes some 256 MB.
MAX_PHOTO_PIXELS = 64_000_000
#: What Pillow calls the formats a record may show; a JPEG with a second image is MPO.
PHOTO_FORMATS = ("JPEG", "MPO", "PNG")



def _photo_problem(path: str) -> str | None:
    """Why a photo path is refused, or None. Photos must stay inside the inspection's folder."""
    if "\x00" in path:
        return "含有非法字符"
    if "://" in path or path.lower().startswith(("file:", "data:", "http:", "https:")):
        return "不能是网址"
    posix, windows = PurePosixPath(path), PureWindowsPath(path)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or path.startswith(("/", "\\")):
        return "不能是绝对路径"
    if ".." in posix.parts or ".." in windows.parts:
        return "不能指向答卷文件夹之外（..）"
    return None


#: The first bytes of files that are not photos a record can show, and what to call them.
_NOT_PHOTOS = (
    (b"%PDF", ErrorCode.PHOTO_004, "reason", "实际是 PDF 文件"),
    (b"GIF8", ErrorCode.PHOTO_005, "format", "GIF"),
    (b"BM", ErrorCode.PHOTO_005, "format", "BMP"),
    (b"II*\x00", ErrorCode.PHOTO_005, "format", "TIFF"),
    (b"MM\x00*", ErrorCode.PHOTO_005, "format", "TIFF"),
)


def _sniff(head: bytes) -> tuple[ErrorCode, dict[str, Any]] | None:
    """A file that is plainly no JPEG or PNG, named by its first bytes."""
    if not head:
        return ErrorCode.PHOTO_004, {"reason": "文件是空的"}
    for magic, code, key, value in _NOT_PHOTOS:
        if head.startswith(magic):
            return code, {key: value}
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ErrorCode.PHOTO_005, {"format": "WebP"}
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return ErrorCode.PHOTO_005, {"format": "HEIC/AVIF"}
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text):
        # Drawn by a renderer that would follow its links to other files and the network.
        return ErrorCode.PHOTO_005, {"format": "SVG"}
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<")):
        return ErrorCode.PHOTO_004, {"reason": "实际是网页（HTML）或其他文字文件"}
    return None


def photo_file_problem(folder: Path, photo: str) -> tuple[ErrorCode, dict[str, Any]] | None:
    """Why the photo at ``folder / photo`` cannot be drawn in the record, as a code and its
    context, or None: ANSWER_009 (a warning) when there is no such file, a PHOTO_ error when
    it leads out of the folder or is no JPEG or PNG the record can show. Only the header is
    read to learn the size; a JPEG is decoded at an eighth of it to find damage."""
    path = folder / photo
    if not inside(path, folder):
        return ErrorCode.PHOTO_001, {}
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ErrorCode.ANSWER_009, {}
    except OSError as exc:
        return ErrorCode.PHOTO_004, {"reason": os_reason(exc)}
    if not stat.S_ISREG(info.st_mode):
        return ErrorCode.PHOTO_002, {"kind": file_kind(info.st_mode)}
    if info.st_nlink > 1:
        # A hard link is the same file under another name, possibly outside the folder: no
        # path says where its other names are, so it is refused like a link leading out.
        return ErrorCode.PHOTO_007, {"links": info.st_nlink}
    if info.st_size > MAX_PHOTO_BYTES:
        return ErrorCode.PHOTO_003, {"size": info.st_size, "limit": MAX_PHOTO_BYTES}
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        return ErrorCode.PHOTO_004, {"reason": os_reason(exc)}
    sniffed = _sniff(head)
    if sniffed:
        return sniffed
    return _image_problem(path)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 10_000:.0f}"


@contextmanager
def _strict_images() -> Iterator[None]:
    """Pillow as strict as it comes: WeasyPrint, once imported, tells Pillow to accept cut-off
    and damaged images for the whole process, which would let them pass this check."""
    from PIL import ImageFile

    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _image_problem(path: Path) -> tuple[ErrorCode, dict[str, Any]] | None:
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings(), _strict_images():
        # Past Pillow's own limit a photo is refused below; between the two, it only warns.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                if image.format not in PHOTO_FORMATS:
                    return ErrorCode.PHOTO_005, {"format": image.format or "未知"}
                width, height = image.size
                if width * height > MAX_PHOTO_PIXELS:
                    return ErrorCode.PHOTO_006, {"megapixels": _megapixels(width * height), "limit": _megapixels(MAX_PHOTO_PIXELS)}
                if image.format == "PNG":
                    image.verify()  # every chunk's checksum
                    with Image.open(path) as again:
                        # ... and the pixels themselves: data can be damaged under a valid
                        # checksum, and the record would then be left without the photo.
                        again.load()
                else:
                    image.draft("RGB", (max(width // 8, 1), max(height // 8, 1)))
                    image.load()
        except Image.DecompressionBombError as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = int(found[1]) if found else 2 * (Image.MAX_IMAGE_PIXELS or MAX_PHOTO_PIXELS)
            return ErrorCode.PHOTO_006, {"megapixels": _megapixels(pixels), "limit": _megapixels(MAX_PHOTO_PIXELS)}
        except UnidentifiedImageError:
            return ErrorCode.PHOTO_004, {"reason": "不是 JPEG 或 PNG 图片，或文件已损坏"}
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
            # Pillow's words for a broken or cut-off image.
            return ErrorCode.PHOTO_004, {"reason": "图片已损坏或不完整"}
    return None


class _AnswersBuilder:
    def __init__(self, doc: SourceDocument, checklist: Checklist) -> None:
        self.doc = doc
        self.checklist = checklist
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.locations = Locations(doc)
        self.not_applicable_refused: list[tuple[Any, tuple]] = []
        #: where photo paths start: the answers file's folder (unknown for stdin)
        self.folder = None if doc.name.startswith("<") else Path(doc.name).parent

    def problem(self, code: ErrorCode, where: tuple, subject: str | None = None, /, *, at_key: bool = False, **context: Any) -> None:
        self.problems.append(Problem(code, self.doc.location(where, key=at_key, item=subject), context))

    def value_problem(self, exc: ValueProblem, path: tuple, item: str | None) -> None:
        self.problems.append(Problem(ErrorCode[exc.code], self.doc.location(path, item=item), exc.context))

    def site(self) -> Site:
        raw = self.doc.data["site"]
        checklist = self.checklist
        type_text = normalize(str(raw["type"]))
        site_type = next((o.code for o in checklist.site_types if type_text in (o.code, normalize(o.label))), None)
        if site_type is None:
            allowed = [f"{o.code}（{o.label}）" for o in checklist.site_types]
            close = suggestion(type_text, [o.code for o in checklist.site_types] + [o.label for o in checklist.site_types])
            self.problem(ErrorCode.ANSWER_005, ("site", "type"), actual=raw["type"], checklist=checklist.id, suggestion=close, allowed="、".join(allowed))
            site_type = type_text
        facts: dict[str, Any] = {}
        declared = {fact.id: fact for fact in checklist.site_facts}
        self.problems.extend(unknown_site_fields(self.doc, checklist))
        for key, value in raw.items():
            fact = declared.get(key)
            if fact is None:
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                facts[key] = None
                continue
            try:
                facts[key] = parse_value(value, fact.field)
            except ValueProblem as exc:
                self.value_problem(exc, ("site", key), key)
                facts[key] = exc  # present but wrong: reported once, not again as missing
        for fact in checklist.site_facts:
            if not fact.required or facts.get(fact.id) is not None:
                continue
            if fact.id in raw:
                self.problem(
                    ErrorCode.SCHEMA_003,
                    ("site", fact.id),
                    fact.id,
                    field=fact.id,
                    expected=KIND_LABELS[fact.field.kind],
                    actual="空",
                    hint=f"请填写：{fact.question}",
                )
            else:
                self.problem(ErrorCode.SCHEMA_001, ("site",), fact.id, at_key=True, field=fact.id, example=f"{fact.id}: <{fact.question}>")

        facts = {key: value for key, value in facts.items() if not isinstance(value, ValueProblem)}

        def text(key: str) -> str | None:
            value = raw.get(key)
            return None if value is None else str(value)

        return Site(str(raw["name"]), site_type, text("address"), text("village"), text("operator"), text("contact"), text("phone"), facts, text("credit_code"), text("representative"))

    def inspection(self) -> Inspection | None:
        raw = self.doc.data["inspection"]
        day = None
        try:
            day = parse_date(raw["date"])
        except ValueProblem as exc:
            self.value_problem(exc, ("inspection", "date"), None)
        inspectors = tuple(str(name).strip() for name in raw["inspectors"])
        for key in ("inspectors", "credentials"):
            listed = raw.get(key) or ()
            if len(listed) > MAX_LIST:
                self.problem(ErrorCode.ANSWER_015, ("inspection", key), field=f"inspection.{key}", count=len(listed), limit=MAX_LIST, hint="只列出参加这次检查的人员和他们的证号")
        # Counted as a person reads the names: a blank, an invisible character or a repeated
        # name is not a second inspector.
        people = {key for key in map(name_key, inspectors) if key}
        if len(people) < MIN_INSPECTORS:
            self.warnings.append(
                Problem(ErrorCode.ANSWER_008, self.doc.location(("inspection", "inspectors")), {"count": len(people)}, severity="warning")
            )
        if day is not None and not self.checklist.in_force(day):
            self.problem(ErrorCode.CHECKLIST_002, ("inspection", "date"), id=self.checklist.id, date=day.isoformat(), period=self.checklist.period())
        today = dt.date.today()
        if day is not None and day > today:
            # A warning only: cases and trainings are written for days to come.
            self.warnings.append(
                Problem(ErrorCode.ANSWER_014, self.doc.location(("inspection", "date")), {"date": day.isoformat(), "today": today.isoformat()}, severity="warning")
            )
        if day is None:
            return None
        ident = raw.get("id")
        credentials = tuple(str(c).strip() for c in raw.get("credentials") or ())
        if credentials and len(credentials) != len(inspectors):
            self.problem(
                ErrorCode.ANSWER_003,
                ("inspection", "credentials"),
                reason=f"执法证号有 {len(credentials)} 个，检查人员有 {len(inspectors)} 名",
                hint="按 inspectors 的顺序为每名检查人员写一个证号",
            )
        recusal = None
        if raw.get("recusal") is not None:
            try:
                recusal = parse_bool(raw["recusal"])
            except ValueProblem as exc:
                self.value_problem(exc, ("inspection", "recusal"), None)
        witness = str(raw["witness"]).strip() if raw.get("witness") is not None else None
        signatures = None
        if raw.get("signatures"):
            drawn = raw["signatures"]
            signatures = Signatures(tuple(drawn.get("inspectors") or ()), drawn.get("party"), drawn.get("witness"))
            where = ("inspection", "signatures")
            for index, image in enumerate(signatures.inspectors):
                if image:
                    self.image_file(image, (*where, "inspectors", index), None)
            for role in ("party", "witness"):
                if drawn.get(role):
                    self.image_file(drawn[role], (*where, role), None)
        return Inspection(
            day,
            inspectors,
            None if ident is None or not str(ident).strip() else str(ident).strip(),
            raw.get("start_time"),
            raw.get("end_time"),
            raw.get("recorder"),
            credentials,
            None if raw.get("follows") is None else str(raw["follows"]).strip(),
            witness or None,
            recusal,
            signatures,
        )

    def answers(self, skip: set | frozenset = frozenset()) -> dict[str, Answer]:
        """Each answer read against its item; ``skip`` holds answers the schema already refused."""
        raw_answers = self.doc.data.get("answers") or {}
        known = {item.id: item for item in self.checklist.items}
        result: dict[str, Answer] = {}
        for item_id, raw in raw_answers.items():
            path: tuple = ("answers", item_id)
            if item_id in skip:
                continue
            item = known.get(item_id)
            if item is None:
                if item_id in ANSWER_PARTS:
                    # A part of the answer above, indented as far as the items: YAML reads it as an item.
                    close = f"“{item_id}” 是一个检查项的答案的一部分：在它所属的检查项下面分行写 value: 答案 和 {item_id}: …，都比检查项多缩进两个空格，或者写成 检查项: {{value: 答案, {item_id}: …}}；"
                else:
                    close = suggestion(str(item_id), list(known))
                self.problem(ErrorCode.ANSWER_001, path, str(item_id), at_key=True, checklist=self.checklist.id, item=item_id, suggestion=close)
                continue
            count = note = None
            photos: tuple[str, ...] = ()
            value_path = path
            if isinstance(raw, dict):
                value = raw.get("value")
                count = raw.get("count")
                note = raw.get("note")
                value_path = (*path, "value") if "value" in raw else path
                photos = tuple(raw.get("photos") or ())
                self.photos(photos, path, item_id)
                if isinstance(count, (int, float)) and not isinstance(count, bool) and count > MAX_COUNT:
                    shown = f"{count:g}" if isinstance(count, float) else str(count)
                    self.problem(
                        ErrorCode.ANSWER_003, path + ("count",), item_id, reason=f"发现问题的处数 {shown} 超出合理范围（0 至 {MAX_COUNT}）", hint="请核对处数"
                    )
                elif isinstance(count, float):
                    count = int(count)  # 3.0, which JSON Schema calls an integer: printed as 3
            else:
                value = raw
            self.locations.add(f"answers.{item_id}", value_path, item=item_id)
            if isinstance(raw, dict) and "count" in raw:
                self.locations.add(f"answers.{item_id}.count", path + ("count",), item=item_id)
            if value is None or (isinstance(value, str) and not value.strip()) or value == []:
                result[item_id] = Answer(item_id, "blank", None, count, note, photos)
            elif is_not_applicable(value):
                if not item.allow_not_applicable:
                    # Refused only where the item applies, which is known once all answers are read.
                    self.not_applicable_refused.append((item, value_path))
                result[item_id] = Answer(item_id, "not_applicable", None, count, note, photos)
            else:
                try:
                    typed = parse_value(value, item.field)
                except ValueProblem as exc:
                    self.value_problem(exc, value_path, item_id)
                    continue
                if item.field.kind == "percentage" and _fraction_written(value, typed):
                    # 0.8 from a spreadsheet's 80 %: counted as written, but said.
                    context = {"value": _tidy_text(typed), "percent": _tidy_text(typed * 100)}
                    self.warnings.append(Problem(ErrorCode.ANSWER_018, self.doc.location(value_path, item=item_id), context, severity="warning"))
                result[item_id] = Answer(item_id, "answered", typed, count, note, photos)
        return result

    def photos(self, photos: tuple[str, ...], path: tuple, item_id: str) -> None:
        """The photos of one answer: each path, and (when the folder is known) each file."""
        if len(photos) > MAX_LIST:
            self.problem(ErrorCode.ANSWER_015, path + ("photos",), item_id, field="photos", count=len(photos), limit=MAX_LIST, hint="每个检查项选几张最能说明问题的照片")
            return
        for index, photo in enumerate(photos):
            self.image_file(photo, path + ("photos", index), item_id)

    def image_file(self, photo: str, where: tuple, item_id: str | None) -> None:
        """One photo or signature: its path, and (when the folder is known) its file."""
        why = _photo_problem(photo)
        if why:
            self.problem(ErrorCode.ANSWER_007, where, item_id, photo=photo, reason=why)
            return
        found = photo_file_problem(self.folder, photo) if self.folder is not None else None
        if found is None:
            return
        code, context = found
        if code is ErrorCode.ANSWER_009:
            # Kept a warning: the record is printed without it, as the office decides.
            self.warnings.append(Problem(code, self.doc.location(where, item=item_id), {"photo": photo}, severity="warning"))
        else:
            self.problem(code, where, item_id, photo=photo, **context)

    def missing(self, answers: Answers) -> None:
        """Required items that apply and are not in the file at all, and 不适用 written
        for an item that applies and may not be skipped."""
        applies = answers.applicability.applies
        for item, value_path in self.not_applicable_refused:
            if applies[item.id] is not False:
                self.problem(ErrorCode.ANSWER_010, value_path, item.id, item=item.id)
        for item in self.checklist.items:
            if not item.required or item.id in (self.doc.data.get("answers") or {}):
                continue
            if applies[item.id] is True:
                self.problem(ErrorCode.ANSWER_004, ("answers",), item.id, at_key=True, item=item.id, question=item.question)


def unknown_site_fields(doc: SourceDocument, checklist: Checklist) -> list[Problem]:
    """SCHEMA_002 for each site field that is neither a common one nor a fact of the checklist."""
    site = doc.data.get("site") if isinstance(doc.data, dict) else None
    if not isinstance(site, dict):
        return []
    allowed = list(SITE_FIELDS) + [fact.id for fact in checklist.site_facts]
    return [
        Problem(
            ErrorCode.SCHEMA_002,
            doc.location(("site", key), key=True),
            {"field": key, "suggestion": suggestion(str(key), allowed), "allowed": listing(allowed, 20)},
        )
        for key in site
        if key not in allowed
    ]


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path)


def too_many_entries(doc: SourceDocument) -> list[Problem]:
    """ANSWER_015 for each mapping or list of more than MAX_ENTRIES entries, found before the
    file is looked at any further: what comes after costs work for every entry."""
    problems: list[Problem] = []
    stack: list[tuple[Any, tuple]] = [(doc.data, ())]
    while stack:
        value, path = stack.pop()
        if not isinstance(value, (dict, list)):
            continue
        if len(path) > MAX_DEPTH:
            hint = "这里只能写一个值（数、文字或日期），不能再写列表或映射；多选题写成一个列表，例如 [a, b]"
            problems.append(Problem(ErrorCode.ANSWER_017, doc.location(path), {"field": _dotted(path), "hint": hint}))
            continue
        if len(value) > MAX_ENTRIES:
            field = _dotted(path) or "（整个文件）"
            hint = "答卷中每个检查项只写一次；这个文件多半不是答卷，或被别的程序写坏了"
            problems.append(Problem(ErrorCode.ANSWER_015, doc.location(path, key=True), {"field": field, "count": len(value), "limit": MAX_ENTRIES, "hint": hint}))
            continue
        stack.extend((child, (*path, key)) for key, child in (value.items() if isinstance(value, dict) else enumerate(value)))
    return problems


def text_problems(doc: SourceDocument, checklist: Checklist | None) -> list[Problem]:
    """ANSWER_012 for a text longer than its limit, ANSWER_013 for a control character in it:
    a note or a text answer may have lines (MAX_TEXT_CHARS), any other text is one line
    (MAX_LINE_CHARS). What a person reads on a notice must be what the file says."""
    data = doc.data if isinstance(doc.data, dict) else {}
    text_items = {item.id for item in checklist.items if item.kind == "text"} if checklist else set()
    problems: list[Problem] = []
    stack: list[tuple[Any, tuple]] = [(data.get(part), (part,)) for part in ("site", "inspection", "answers")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((child, (*path, key)) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(value))
        elif isinstance(value, str):
            item = str(path[1]) if path[0] == "answers" and len(path) > 1 else None
            lines = path[0] == "answers" and (path[-1] == "note" or (item in text_items and (len(path) == 2 or path[2] == "value")))
            limit = MAX_TEXT_CHARS if lines else MAX_LINE_CHARS
            if len(value) > limit:
                hint = "写明要点即可，详细情况另附材料" if lines else "这里只写一行，例如单位全称；详细情况写在 note 中"
                problems.append(Problem(ErrorCode.ANSWER_012, doc.location(path, item=item), {"field": _dotted(path), "length": len(value), "limit": limit, "hint": hint}))
            # A JSON file may hold Windows line breaks (\r\n) in a multi-line text.
            bad = refused_character(value, "\t\n\r" if lines else "\t")
            if bad:
                shown = char_name(bad.group())
                hint = "删除这个字符（多半是从别的程序复制来的）" + ("" if lines else "；这里只能写一行，不能换行")
                problems.append(Problem(ErrorCode.ANSWER_013, doc.location(path, item=item), {"field": _dotted(path), "char": shown, "position": bad.start() + 1, "hint": hint}))
    return problems


def capped(problems: list[Problem]) -> list[Problem]:
    """The first MAX_PROBLEMS problems of a file in the order they are shown, and ANSWER_016
    where the rest begin, saying how many there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    ordered = sorted(problems, key=Problem.sort_key)
    first_left = ordered[MAX_PROBLEMS].location
    where = Location(first_left.file, first_left.line, first_left.column, first_left.path)
    more = Problem(ErrorCode.ANSWER_016, where, {"more": len(problems) - MAX_PROBLEMS, "limit": MAX_PROBLEMS})
    return [*ordered[:MAX_PROBLEMS], more]


def lookup_checklist(doc: SourceDocument, rules: RuleSet) -> Checklist:
    return rules.checklist(str(doc.data["checklist"]), doc.location(("checklist",)))


def _fraction_written(raw: Any, number: Any) -> bool:
    """Whether a percentage is written as a fraction of one (0.8, not 80 or 0.8%)."""
    return 0 < number < 1 and not (isinstance(raw, str) and normalize(raw).strip().endswith("%"))


def _tidy_text(number: float) -> str:
    return f"{round(number, 6):g}"


def answers_from_document(doc: SourceDocument, rules: RuleSet) -> tuple[Answers, Checklist]:
    """Validate a parsed answers document against its checklist; raise InputError with every problem.

    Each part of the file (site, inspection, each answer) is checked as far as its own
    structure allows, so that one round of corrections fixes the whole file.
    """
    oversized = too_many_entries(doc)
    if oversized:
        raise InputError(capped(list(doc.problems) + oversized))
    problems = list(doc.problems) + validate(doc, "answers")
    data = doc.data
    broken = {p.location.path[:2] if p.location.path[:1] == ("answers",) else p.location.path[:1] for p in problems}
    checklist_id = data.get("checklist") if isinstance(data, dict) else None
    if not isinstance(checklist_id, str) or ("checklist",) in broken:
        raise InputError(capped(problems + text_problems(doc, None)))
    try:
        checklist = lookup_checklist(doc, rules)
    except InputError as exc:
        raise InputError(capped(problems + list(exc.problems) + text_problems(doc, None))) from None
    texts = text_problems(doc, checklist)
    problems += texts
    # An answer whose text is refused is not read again for its kind: one problem for it.
    broken |= {p.location.path[:2] for p in texts if p.location.path[:1] == ("answers",)}
    builder = _AnswersBuilder(doc, checklist)
    site_ok = "site" in data and ("site",) not in broken
    # A field the inspection block does not know leaves the fields it knows as they are:
    # they are read, so that a wrong date beside a misspelt key is said in the same round.
    misspelt_only = all(p.code is ErrorCode.SCHEMA_002 and len(p.location.path) == 2 for p in problems if p.location.path[:1] == ("inspection",))
    inspection_ok = "inspection" in data and (("inspection",) not in broken or misspelt_only)
    site = builder.site() if site_ok else None
    if not site_ok and isinstance(data.get("site"), dict):
        # A misspelt site field often explains a "missing field" next to it; say both.
        builder.problems.extend(unknown_site_fields(doc, checklist))
    inspection = builder.inspection() if inspection_ok else None
    answered = builder.answers(skip={key[1] for key in broken if len(key) == 2}) if isinstance(data.get("answers"), dict) or data.get("answers") is None else {}
    answers = None
    if site is not None and inspection is not None:
        answers = _answers(doc, checklist, site, inspection, answered, builder)
        builder.missing(answers)
    problems += builder.problems
    if problems or answers is None:
        raise InputError(capped(problems))
    return answers, checklist


def _answers(doc: SourceDocument, checklist: Checklist, site: Site, inspection: Inspection, answered: dict[str, Answer], builder: _AnswersBuilder) -> Answers:
    locations = builder.locations
    locations.add("inspection.date", ("inspection", "date"))
    locations.add("answers", ("answers",), key=True)
    return Answers(
        name=doc.name,
        sha256=doc.sha256,
        checklist_id=checklist.id,
        site=site,
        inspection=inspection,
        answers=answered,
        applicability=applicability(checklist, site, inspection, answered),
        locations=locations,
        warnings=tuple(builder.warnings),
    )


def load_answers(src: str | bytes | Any, rules: RuleSet, *, name: str | None = None) -> tuple[Answers, Checklist]:
    """Load an answers file (a path, or bytes with ``name``) and its checklist."""
    return answers_from_document(load_source(src, name, strict=False), rules)

