"""Chinese fonts for the documents: find one, and subset it once per character set.

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
from dataclasses import dataclass
from pathlib import Path

from .errors import ErrorCode, LantianError
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
