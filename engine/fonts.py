"""Chinese fonts for the documents: find one for each role, and subset each once per
character set.

WeasyPrint spends nearly all of a Chinese document's time subsetting the huge CJK font,
once per document (bench/ and the project notes measure it). So the renderer subsets the
font here, once, to exactly the characters a batch uses, caches the result on disk keyed
by the font and the characters, and embeds that small font whole in each document. Every
PDF still carries an embedded subset font; the work is just no longer repeated.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from struct import error as struct_error

from .errors import ErrorCode, LantianError, Location, Problem
from .source import file_kind, os_reason

#: Places a CJK font is found: Debian's fonts-noto-cjk first, then the usual office fonts.
CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("C:/Windows/Fonts/simfang.ttf", None),
    ("C:/Windows/Fonts/simsun.ttc", None),
    ("C:/Windows/Fonts/msyh.ttc", None),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", None),
    ("/Library/Fonts/Songti.ttc", None),
)
INSTALL_HINT = "Debian/Ubuntu 上运行 sudo apt-get install fonts-noto-cjk；或在办公室设置文件中用 font: 指定一个中文字体文件"


class FontError(LantianError):
    """No usable Chinese font."""


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int  #: the face within a .ttc collection

    def identity(self) -> str:
        stat = self.path.stat()
        return f"{self.path.resolve()}|{self.index}|{stat.st_size}|{stat.st_mtime_ns}"


def _face_index(path: Path, family: str | None) -> int:
    if path.suffix.lower() not in (".ttc", ".otc") or family is None:
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == family:
                return index
    finally:
        collection.close()
    return 0


def _fontconfig_candidate() -> Path | None:
    if shutil.which("fc-list") is None:
        return None
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.split(":")[0].strip() for line in listing.splitlines() if line.strip())
    return Path(files[0]) if files else None


def _refuse_unreadable(path: Path) -> None:
    """A font file that cannot be read, or holds no glyphs (a mistyped path to some other
    file), is named before any document is laid out, instead of failing inside the renderer."""
    import uharfbuzz

    try:
        with open(path, "rb") as handle:
            handle.read(4)  # a file without read permission, or one the disk cannot read
        face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)), 0)
    except OSError as exc:
        raise FontError.of(ErrorCode.FONT_004, str(path), path=str(path), reason=os_reason(exc)) from None
    except uharfbuzz.HarfBuzzError:
        raise FontError.of(ErrorCode.FONT_004, str(path), path=str(path), reason="无法读取") from None
    if face.glyph_count == 0:
        raise FontError.of(ErrorCode.FONT_003, str(path), path=str(path))


def _not_there(path: Path) -> str | None:
    """Why ``path`` is no font file at all (missing, a folder, a pipe, a device), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return "不存在" if exc.errno == errno.ENOENT else os_reason(exc)
    return None if stat.S_ISREG(mode) else f"不是普通文件，而是{file_kind(mode)}"


def find_cjk_font(explicit: str | Path | None = None) -> FontSource:
    """The Chinese font to use: the one named in the office settings, else a system one."""
    if explicit:
        path = Path(explicit)
        reason = _not_there(path)
        if reason is not None:
            raise FontError.of(ErrorCode.FONT_002, str(path), path=str(path), reason=reason)
        _refuse_unreadable(path)
        return FontSource(path, 0)
    for candidate, family in CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return FontSource(path, _face_index(path, family))
    found = _fontconfig_candidate()
    if found is not None:
        return FontSource(found, 0)
    raise FontError.of(ErrorCode.FONT_001, "中文字体")


def cache_dir() -> Path:
    base = os.environ.get("LANTIAN_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "lantian" / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@functools.lru_cache(maxsize=1)
def _common_characters() -> frozenset[int]:
    """GB 2312 (every character of an ordinary Chinese document), ASCII, Latin-1, Greek,
    and the punctuation, full-width and letter-like blocks."""
    codes: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x370, 0x400))
    for block in ((0x2000, 0x2070), (0x2070, 0x20A0), (0x2100, 0x2150), (0x2150, 0x2190), (0x2460, 0x2500), (0x3000, 0x3040), (0xFF00, 0xFFF0)):
        codes |= set(range(*block))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                codes.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return frozenset(codes)


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


def _subset(path: Path, index: int, wanted: list[int], target: Path) -> None:
    # HarfBuzz's subsetter (through uharfbuzz) cuts the 20 MB CJK face to the GB 2312 set in
    # a tenth of a second, where fontTools took half a minute.
    import uharfbuzz

    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)), index)
    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(wanted)
    # No ligatures, no localized alternates: WeasyPrint maps glyphs back to characters only
    # through the font's cmap, so a glyph reached by substitution (an fi-ligature, or the
    # digits 'locl' swaps in for zh-CN) would copy out of the PDF as garbage.
    features = request.sets(uharfbuzz.SubsetInputSets.LAYOUT_FEATURE_TAG)
    features.clear()
    features.update(_tag(feature) for feature in ("ccmp", "vert", "vrt2"))
    names = request.sets(uharfbuzz.SubsetInputSets.NAME_ID)
    names.clear()
    names.invert()  # every name record: the family name is how the documents ask for the font
    request.sets(uharfbuzz.SubsetInputSets.DROP_TABLE_TAG).add(_tag("DSIG"))
    request.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE
    try:
        font = uharfbuzz.subset(face, request)
    except RuntimeError as exc:  # all uharfbuzz says of a font it cannot cut
        raise FontError.of(ErrorCode.FONT_003, str(path), path=str(path)) from exc
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(font.blob.data)
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)  # a full disk must not leave half a font in the cache
        raise


def _common_path(source: FontSource, folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / f"common-{hashlib.sha256(source.identity().encode()).hexdigest()[:24]}.otf"


def smallest_copy(source: FontSource) -> FontSource:
    """The common cut of ``source`` when it is made (same advance widths, a tenth of the
    size, so its tables load at once), else ``source`` itself."""
    path = _common_path(source)
    return FontSource(path, 0) if path.is_file() else source


def common_font(source: FontSource, folder: Path | None = None) -> Path:
    """The system font cut down once to the common characters (about 2.6 MB instead of
    20 MB), so that a document's font loads at once. Made on first use and kept in the cache."""
    target = _common_path(source, folder)
    if not target.is_file():
        _subset(source.path, source.index, sorted(_common_characters()), target)
    return target


def subset_font(source: FontSource, characters: set[str], folder: Path | None = None) -> Path:
    """A font file holding only ``characters`` (and what shaping them needs), cached."""
    wanted = sorted({ord(ch) for ch in characters if not ch.isspace() or ch == " "})
    key = hashlib.sha256((source.identity() + "|" + ",".join(map(str, wanted))).encode()).hexdigest()[:32]
    target = (folder or cache_dir()) / f"{key}.otf"
    if target.is_file():
        return target
    if set(wanted) <= _common_characters():
        _subset(common_font(source, folder), 0, wanted, target)
    else:
        # A rare character (in a name, say): cut from the whole font, the slow way.
        _subset(source.path, source.index, wanted, target)
    return target


# --- One font per role -------------------------------------------------------------------
#
# GB/T 9704-2012 sets a document's title in 小标宋, its text in 仿宋, first-level headings in
# 黑体 and second-level ones in 楷体. An office names its own fonts for these roles (fonts: in
# the settings); a role it leaves out, or names a font this computer lacks, is set in a free
# font of the same style when one is installed, and in the Noto CJK fonts the set-up installs
# otherwise, so that a document is always made.

FONT_ROLES = ("title", "body", "heading", "subheading")
FONT_ROLE_LABELS = {"title": "标题", "body": "正文", "heading": "一级标题", "subheading": "二级标题"}
#: The CSS family of each role's font. The body keeps the family the templates always used;
#: every name holds "LantianCJK", so a PDF's fonts show at once that they are our cuts.
FAMILIES = {"body": "LantianCJK", "title": "LantianCJKTitle", "heading": "LantianCJKHeading", "subheading": "LantianCJKSubheading"}
#: Characters that a role's font lacks (a 仿宋_GB2312 has GB 2312 alone; names may hold rarer
#: ones) are drawn from the system's Noto CJK under this family, cut like the others: left to
#: itself, WeasyPrint would fall back to some system font and embed all 20 MB of it.
FILL_FAMILY = "LantianCJKFill"

#: Fontconfig's weight scale: what a face must weigh to stand in for a role.
REGULAR, BOLD = 80, 200
#: Fonts that stand in for each role, best first: (family, weight), or None for any weight.
#: First the ones Chinese Windows comes with (仿宋 FangSong, 黑体 SimHei, 楷体 KaiTi, 宋体
#: SimSun), the very faces GB/T 9704 means. Then free ones, from Debian/Ubuntu packages:
#: fonts-noto-cjk (Noto Serif/Sans CJK SC, installed by ./dev.sh), fonts-lxgw-wenkai (LXGW
#: WenKai), fonts-arphic-ukai (AR PL UKai CN), fonts-arphic-gkai00mp (AR PL KaitiM GB),
#: fonts-wqy-zenhei (WenQuanYi Zen Hei). No free 仿宋 covers simplified Chinese (cwTeX's, in
#: fonts-cwtex-fs, lacks a third of GB 2312: 这, 们, 检), so the body falls back to Noto Serif.
FALLBACKS: dict[str, tuple[tuple[str, int | None], ...]] = {
    # 小标宋 is a heavy 宋体: the bold Noto Serif comes nearest.
    "title": (("Noto Serif CJK SC", BOLD), ("SimSun", None), ("Noto Serif CJK SC", REGULAR)),
    "body": (("FangSong", None), ("Noto Serif CJK SC", REGULAR)),
    "heading": (("SimHei", None), ("Noto Sans CJK SC", BOLD), ("WenQuanYi Zen Hei", None), ("Noto Sans CJK SC", REGULAR)),
    "subheading": (("KaiTi", None), ("LXGW WenKai", REGULAR), ("AR PL UKai CN", None), ("AR PL KaitiM GB", None)),
}
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class FontChoice:
    """A role's font as the office settings name it."""

    role: str  #: one of FONT_ROLES
    value: str  #: as written: a family name or a file path
    path: Path | None  #: the file, relative paths taken from the settings file's folder; None for a family name
    location: Location  #: where the settings name it


def is_font_path(value: str) -> bool:
    """Whether a fonts: value names a file (a folder separator or a font file's ending) rather
    than an installed family such as 方正小标宋简体."""
    return "/" in value or "\\" in value or value.lower().endswith(FONT_SUFFIXES)


@dataclass(frozen=True)
class InstalledFace:
    families: tuple[str, ...]  #: every family name the face gives, in each of its languages
    fullnames: tuple[str, ...]
    weight: int  #: fontconfig's scale: 80 regular, 200 bold
    italic: bool
    path: Path
    index: int

    def label(self) -> str:
        return self.fullnames[0] if self.fullnames else self.families[0]


def _same_name(a: str, b: str) -> bool:
    # As fontconfig compares family names: case and blanks do not count.
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def _fontconfig_faces() -> tuple[InstalledFace, ...] | None:
    if shutil.which("fc-list") is None:
        return None
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{file}\\t%{index}\\t%{family}\\t%{fullname}\\t%{weight}\\t%{slant}\\n"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces = []
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) != 6 or not fields[0] or not fields[2]:
            continue
        file, index, families, fullnames, weight, slant = fields
        if not file.lower().endswith(FONT_SUFFIXES):
            continue  # bitmap and Type 1 fonts: the subsetter cannot cut them
        faces.append(
            InstalledFace(
                families=tuple(name for name in families.split(",") if name),
                fullnames=tuple(name for name in fullnames.split(",") if name),
                weight=int(weight) if weight.isdigit() else REGULAR,  # a variable font gives a range
                italic=slant.isdigit() and int(slant) != 0,
                path=Path(file),
                index=int(index) if index.isdigit() else 0,
            )
        )
    return tuple(faces)


def _font_folders() -> list[Path]:
    """Where fonts are installed when there is no fontconfig (Windows, macOS): the system's
    folders and the user's own, where a clerk's 方正小标宋 is often put."""
    folders = [Path("C:/Windows/Fonts"), Path("/Library/Fonts"), Path("/System/Library/Fonts"), Path("/usr/share/fonts"), Path.home() / ".fonts", Path.home() / "Library" / "Fonts"]
    if os.environ.get("LOCALAPPDATA"):
        folders.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft" / "Windows" / "Fonts")
    return [folder for folder in folders if folder.is_dir()]


def _fc_weight(weight_class: int) -> int:
    """An OpenType weight class (400 regular, 700 bold) on fontconfig's scale."""
    for limit, weight in ((350, 50), (450, REGULAR), (550, 100), (650, 180), (750, BOLD)):
        if weight_class <= limit:
            return weight
    return 210


def _read_faces(path: Path) -> list[InstalledFace]:
    """The faces of one font file, as their name and OS/2 tables describe them."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    faces: list[InstalledFace] = []
    try:
        whole = TTCollection(str(path), lazy=True) if path.suffix.lower() in (".ttc", ".otc") else TTFont(str(path), lazy=True)
    except (OSError, TTLibError, AssertionError, ValueError, struct_error):
        return faces  # not a font fontTools can read: it cannot be named either
    try:
        for index, font in enumerate(whole.fonts if isinstance(whole, TTCollection) else [whole]):
            names = font["name"].names
            os2 = font["OS/2"] if "OS/2" in font else None
            faces.append(
                InstalledFace(
                    families=tuple(dict.fromkeys(str(record) for record in names if record.nameID in (1, 16))),
                    fullnames=tuple(dict.fromkeys(str(record) for record in names if record.nameID == 4)),
                    weight=_fc_weight(os2.usWeightClass) if os2 is not None else REGULAR,
                    italic=bool(os2 is not None and os2.fsSelection & 1),
                    path=path,
                    index=index,
                )
            )
    except (OSError, TTLibError, KeyError, UnicodeDecodeError, AssertionError, ValueError, struct_error):
        pass  # a damaged font: the faces read before the damage still count
    finally:
        whole.close()
    return [face for face in faces if face.families]


def _scanned_faces() -> tuple[InstalledFace, ...]:
    """The faces in the font folders. Reading a font's names takes about 10 ms and a Windows
    has hundreds of fonts, so what was read is kept in the cache, by file, size and time."""
    import json

    index_file = cache_dir() / "installed-faces.json"
    try:
        known = json.loads(index_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    seen: dict[str, dict] = {}
    faces: list[InstalledFace] = []
    for folder in _font_folders():
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
                continue
            stamp = [path.stat().st_size, path.stat().st_mtime_ns]
            entry = known.get(str(path))
            try:
                if not isinstance(entry, dict) or entry.get("stamp") != stamp:
                    raise ValueError("not read yet, or changed since")
                read = [InstalledFace(tuple(families), tuple(fullnames), int(weight), bool(italic), path, int(index)) for families, fullnames, weight, italic, index in entry["faces"]]
            except (KeyError, TypeError, ValueError):  # a cache some other program wrote into
                read = _read_faces(path)
                entry = {"stamp": stamp, "faces": [[list(f.families), list(f.fullnames), f.weight, f.italic, f.index] for f in read]}
            seen[str(path)] = entry
            faces.extend(read)
    if seen != known:
        temporary = index_file.with_name(f".{index_file.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(seen, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, index_file)
        except OSError:
            temporary.unlink(missing_ok=True)  # read again next time: nothing is lost
    return tuple(faces)


@functools.lru_cache(maxsize=1)
def installed_faces() -> tuple[InstalledFace, ...]:
    """Every font face installed: from fontconfig where there is one, else read from the
    usual font folders."""
    faces = _fontconfig_faces()
    return faces if faces is not None else _scanned_faces()


def find_installed(name: str, weight: int | None = None) -> InstalledFace | None:
    """The installed face a font name means: of the family of that name, the upright face of
    ``weight`` (or the one nearest regular when None); else the face of that full name
    ("Noto Sans CJK SC Bold")."""
    faces = installed_faces()
    family = [face for face in faces if not face.italic and any(_same_name(name, family) for family in face.families)]
    if weight is not None:
        family = [face for face in family if face.weight == weight]
    if family:
        return min(family, key=lambda face: (abs(face.weight - REGULAR), str(face.path), face.index))
    if weight is None:
        return next((face for face in faces if any(_same_name(name, full) for full in face.fullnames)), None)
    return None


@dataclass(frozen=True)
class DocumentFonts:
    """The font of each role, and the one that fills in characters they lack."""

    title: FontSource
    body: FontSource
    heading: FontSource
    subheading: FontSource
    fill: FontSource | None = None  #: the system's Noto CJK, for characters the body's font lacks

    @classmethod
    def single(cls, source: FontSource) -> DocumentFonts:
        """Every role in one font."""
        return cls(source, source, source, source)

    def of(self, role: str) -> FontSource:
        source: FontSource = getattr(self, role)
        return source


def _chosen(choice: FontChoice) -> FontSource | tuple[ErrorCode, dict[str, str]]:
    """The font a role's setting names, or why it cannot be used: the warning's code and what
    it says."""
    if choice.path is None:
        face = find_installed(choice.value)
        if face is None:
            return ErrorCode.FONT_005, {"name": choice.value}
        path, index = face.path, face.index
    else:
        path, index = choice.path, 0  # of a collection, its first face
    reason = _unusable(path)
    if reason is not None:
        return ErrorCode.FONT_006, {"path": str(path), "reason": reason}
    return FontSource(path, index)


def _unusable(path: Path) -> str | None:
    """Why the font file cannot be used, or None. Installed fonts are asked too: one the
    subsetter cannot read (a damaged file) would stop every document."""
    reason = _not_there(path)
    if reason is None:
        try:
            _refuse_unreadable(path)
        except FontError as exc:
            problem = exc.problems[0]
            reason = "不是可用的字体" if problem.code is ErrorCode.FONT_003 else f"无法读取：{problem.context['reason']}"
    return reason


def _system_font() -> tuple[FontSource, str] | None:
    try:
        source = find_cjk_font()
    except FontError:
        return None
    family = next((family for candidate, family in CANDIDATES if Path(candidate) == source.path), None)
    return source, family or source.path.name


@functools.lru_cache(maxsize=8)
def document_fonts(font: str | None, choices: tuple[FontChoice, ...] = ()) -> tuple[DocumentFonts, tuple[Problem, ...]]:
    """Each role's font from the office settings (``font`` for every role, ``choices`` per
    role), with a warning (FONT_005, FONT_006) for each font named that cannot be used and
    what is used instead. A ``font`` that cannot be used, or no Chinese font at all, is an
    error (FontError): then no document can be made."""
    named = {choice.role: choice for choice in choices}
    base = (find_cjk_font(font), Path(font).name) if font else None
    system = _system_font()
    picked: dict[str, tuple[FontSource, str]] = {}
    warnings: list[Problem] = []
    for role in ("body", "title", "heading", "subheading"):
        choice = named.get(role)
        failure: tuple[ErrorCode, dict[str, str]] | None = None
        if choice is not None:
            found = _chosen(choice)
            if isinstance(found, FontSource):
                picked[role] = (found, choice.value)
                continue
            failure = found
        fallback = base
        for family, weight in () if base else FALLBACKS[role]:
            face = find_installed(family, weight)
            if face is not None and _unusable(face.path) is None:
                fallback = (FontSource(face.path, face.index), face.label())
                break
        fallback = fallback or (picked["body"] if role != "body" else system)
        if fallback is None:
            raise FontError.of(ErrorCode.FONT_001, "中文字体")
        picked[role] = fallback
        if choice is not None and failure is not None:
            code, context = failure
            warnings.append(Problem(code, choice.location, {**context, "role": FONT_ROLE_LABELS[role], "key": role, "fallback": fallback[1]}, severity="warning"))
    fonts = DocumentFonts(**{role: source for role, (source, _) in picked.items()}, fill=system[0] if system else None)
    return fonts, tuple(warnings)


def _cmap(path: Path) -> frozenset[int]:
    import uharfbuzz

    return frozenset(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)), 0).unicodes)


def cut_fonts(fonts: DocumentFonts, characters: set[str], folder: Path | None = None, *, roles: Mapping[str, set[str]] | None = None) -> tuple[tuple[str, Path], ...]:
    """Each CSS family the documents use and its font, cut (cached): the body's to
    ``characters``, all the documents print; another role's to what ``roles`` says it prints
    (all ``characters`` without it), and only when its font differs from the body's and it
    prints something (the stylesheets fall back to the body's family); the fill's only to the
    characters the body's font lacks."""
    body = subset_font(fonts.body, characters, folder)
    cut = [(FAMILIES["body"], body)]
    for role in ("title", "heading", "subheading"):
        source = fonts.of(role)
        wanted = characters if roles is None else roles.get(role, set())
        if source != fonts.body and wanted:
            cut.append((FAMILIES[role], subset_font(source, wanted, folder)))
    if fonts.fill is not None and fonts.fill != fonts.body:
        present = _cmap(body)
        missing = {ch for ch in characters if ord(ch) not in present}
        if missing:
            cut.append((FILL_FAMILY, subset_font(fonts.fill, missing, folder)))
    return tuple(cut)
