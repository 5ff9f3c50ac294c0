"""Whole-or-nothing file writes, which replace nothing but regular files, and those only when told."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from . import _sqlite
from .errors import ErrorCode, LantianError, Location, Problem
from .source import file_kind, path_text

#: Errors after which every later write to the same disk fails as well: a batch stops writing.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})

#: An office settings file is known by these top-level keys: it is never replaced by an output.
_SETTINGS_KEYS = (re.compile(rb"^office[ \t]*:", re.MULTILINE), re.compile(rb"^number_pattern[ \t]*:", re.MULTILINE))
#: The longest file name most file systems take (ext4, NTFS in bytes of UTF-8 at most 255).
MAX_NAME_BYTES = 255
#: An answers file is known by these top-level keys: an output never replaces an inspection's record.
_ANSWERS_KEYS = (re.compile(rb"^checklist[ \t]*:", re.MULTILINE), re.compile(rb"^answers[ \t]*:", re.MULTILINE))
#: How much of a file is read to tell whether it is one of those.
_SNIFF_BYTES = 1024 * 1024


class UnwritableError(LantianError):
    """IO_004: the disk or the folder refused a write; ``errno`` says why."""

    def __init__(self, problems: Iterable[Problem], errno_: int | None = None) -> None:
        super().__init__(list(problems))
        self.errno = errno_

    def __reduce__(self) -> tuple:
        # Raised in worker processes too: pickled with its errno, not only its problems.
        return (UnwritableError, (self.problems, self.errno))

    @property
    def disk(self) -> bool:
        """Whether every later write would fail too (a full or read-only disk)."""
        return self.errno in DISK_ERRNOS


def target_problem(path: str | Path, *, force: bool, settings: bool = False) -> Problem | None:
    """Why ``path`` may not be written, or None.

    A link, a pipe, a device or a folder is never replaced, even with ``--force``: writing
    "over" /dev/full or over a link to another file must not swap it for a regular file. An
    SQLite database (a ledger, a numbers file) is never replaced either (IO_014). A
    regular file is replaced only with ``--force``, but never the office settings (IO_015)
    unless what is written is ``settings`` itself (`lantian init --force`). A path that cannot
    become a file (a part of it is a regular file) is refused before anything is rendered.
    """
    target = Path(path)
    if len(os.fsencode(target.name)) > MAX_NAME_BYTES:
        return Problem(ErrorCode.IO_004, Location(str(target)), {"reason": f"文件名太长（超过 {MAX_NAME_BYTES} 字节；一个汉字占 3 字节），请把答卷或输出文件改用短一些的名字"})
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return _folder_problem(target)
    except OSError as exc:
        return Problem(ErrorCode.IO_004, Location(str(target)), {"reason": write_reason(exc)})
    if stat.S_ISLNK(mode):
        return Problem(ErrorCode.IO_011, Location(str(target)), {"kind": "链接"})
    if not stat.S_ISREG(mode):
        return Problem(ErrorCode.IO_011, Location(str(target)), {"kind": file_kind(mode)})
    kept = _kept_file(target)
    if kept is not None and not (settings and kept is ErrorCode.IO_015):
        return Problem(kept, Location(str(target)))
    if not force:
        return Problem(ErrorCode.IO_010, Location(str(target)))
    return None


def _kept_file(target: Path) -> ErrorCode | None:
    """IO_014 for an SQLite database (a ledger, a numbers file), IO_015 for office settings,
    IO_016 for an answers file: files an output must never replace, even with --force."""
    try:
        with open(target, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return None  # unreadable: the write itself reports what is wrong
    if head.startswith(_sqlite.HEADER):
        return ErrorCode.IO_014
    if all(key.search(head) for key in _SETTINGS_KEYS):
        return ErrorCode.IO_015
    if all(key.search(head) for key in _ANSWERS_KEYS):
        return ErrorCode.IO_016
    return None


def _folder_problem(target: Path) -> Problem | None:
    """ENOTDIR before the fact: the nearest existing ancestor of ``target`` must be a folder."""
    for ancestor in target.absolute().parents:
        if os.path.lexists(ancestor):
            if os.path.isdir(ancestor):
                return None
            return Problem(ErrorCode.IO_004, Location(str(target)), {"reason": write_reason(OSError(errno.ENOTDIR, ""))})
    return None


def _folder_refuses(target: Path) -> Problem | None:
    """IO_004 when the folder ``target`` would go in takes no file at all (a read-only disk,
    /proc): found by making and removing a temporary file in it, or in its nearest existing
    ancestor, before anything is recorded, numbered or rendered."""
    folder = next((ancestor for ancestor in target.absolute().parents if os.path.isdir(ancestor)), None)
    if folder is None:
        return None
    try:
        fd, probe = tempfile.mkstemp(prefix=".lantian-", suffix=".tmp", dir=str(folder))
    except OSError as exc:
        reason = f"文件夹 {folder} 不能存放文件" if exc.errno == errno.ENOENT else write_reason(exc)
        return Problem(ErrorCode.IO_004, Location(str(target)), {"reason": reason})
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None


def refuse_targets(paths: Iterable[str | Path], *, force: bool, settings: bool = False) -> None:
    """Raise one LantianError naming every path that may not be written; nothing is written.
    ``settings``: what is written is office settings, which may replace office settings."""
    targets = list(dict.fromkeys(Path(p) for p in paths))
    problems = [problem for path in targets if (problem := target_problem(path, force=force, settings=settings)) is not None]
    if not problems:
        # One probe a folder, at its first file.
        firsts = {target.absolute().parent: target for target in reversed(targets)}
        problems = [problem for target in firsts.values() if (problem := _folder_refuses(target)) is not None]
    if problems:
        raise LantianError(problems)


def atomic_write(path: str | Path, data: bytes, *, overwrite: bool = True, settings: bool = False) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The temporary file sits in the target's folder, so the final rename stays on one
    filesystem; click's ``atomic=True`` is not used because it replaces the target even
    when the writer failed. Only a regular file is ever replaced, and only when
    ``overwrite``; the check is repeated here, at the last moment, as well as before.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent or "."))
    except OSError as exc:
        raise unwritable(target, exc) from None
    try:
        plain_mode(temporary)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _put_in_place(temporary, target, overwrite, settings)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise unwritable(target, exc) from None
        raise


def _read_umask() -> int:
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


#: The process's umask, read once as the module is imported. Reading it means setting it for an
#: instant, and a file another thread (the web app's) created in that instant would take the
#: momentary mask: read at import, before any thread of ours writes.
UMASK = _read_umask()


def plain_mode(temporary: str | Path) -> None:
    """mkstemp makes a file private (0600): give it the mode a plain open() would."""
    os.chmod(temporary, 0o666 & ~UMASK)


@contextlib.contextmanager
def staged(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """An empty temporary file beside each of ``targets`` (in its folder, made when missing),
    for a writer that fills a file itself (SQLite's backup); whatever of them is not put in
    place with place_all() is removed on leaving."""
    temporaries: list[Path] = []
    try:
        for target in targets:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent or "."))
            except OSError as exc:
                raise unwritable(target, exc) from None
            os.close(fd)
            temporaries.append(Path(name))
        yield temporaries
    finally:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def place_all(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Put each filled temporary file (staged()) in place at its target, never over a file,
    all of them or none: when one cannot be, those already placed are taken away again."""
    placed: list[Path] = []
    try:
        for temporary, target in pairs:
            try:
                with open(temporary, "rb+") as handle:
                    os.fsync(handle.fileno())
                plain_mode(temporary)
                _put_in_place(str(temporary), target, overwrite=False)
            except OSError as exc:
                raise unwritable(target, exc) from None
            placed.append(target)
    except BaseException:
        for target in placed:
            with contextlib.suppress(OSError):
                os.unlink(target)
        raise


def _put_in_place(temporary: str, target: Path, overwrite: bool, settings: bool = False) -> None:
    _link_or_replace(temporary, target, overwrite, settings)
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """The folder's new entry on the disk too: the file's own fsync does not keep its name
    through a power cut (on a USB stick, say). Where a folder cannot be opened (Windows), the
    file system keeps names as it does."""
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _link_or_replace(temporary: str, target: Path, overwrite: bool, settings: bool) -> None:
    if not overwrite:
        # A hard link fails if anything appeared at the target since it was checked: no race.
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise LantianError([target_problem(target, force=False) or Problem(ErrorCode.IO_010, Location(str(target)))]) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV):
                raise
            # A filesystem without hard links (FAT on a USB stick): check, then rename.
            if os.path.lexists(target):
                raise LantianError([target_problem(target, force=False) or Problem(ErrorCode.IO_010, Location(str(target)))]) from None
            os.replace(temporary, target)
        else:
            os.unlink(temporary)
        return
    problem = target_problem(target, force=True, settings=settings)
    if problem is not None:
        raise LantianError([problem])
    os.replace(temporary, target)


def unwritable(target: Path, exc: OSError) -> UnwritableError:
    """IO_004 for ``target``, which the disk or its folder refused (``exc`` says why)."""
    return UnwritableError([Problem(ErrorCode.IO_004, Location(str(target)), {"reason": write_reason(exc)})], exc.errno)


def write_reason(exc: OSError) -> str:
    """Why a file could not be written, in Chinese."""
    reasons = {
        errno.ENOSPC: "磁盘已满",
        errno.EDQUOT: "超出磁盘配额",
        errno.EFBIG: "文件超过了允许的大小（磁盘或系统的限制）",
        errno.EACCES: "没有写入权限",
        errno.EPERM: "没有写入权限",
        errno.EROFS: "磁盘只读",
        errno.ENOTDIR: "路径中有一段不是文件夹",
        errno.EIO: "磁盘读写出错",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def temporary_file_error(exc: OSError, where: Path) -> UnwritableError:
    """IO_012 for ``where``: a temporary file it needed (WeasyPrint's, XlsxWriter's) could not
    be written, naming the folder they go in."""
    # Where it failed, when Python knows: a cache folder that is a file is no full disk.
    reason = write_reason(exc) + (f"（{path_text(exc.filename)}）" if exc.filename else "")
    return UnwritableError([Problem(ErrorCode.IO_012, Location(str(where)), {"reason": reason, "folder": _temporary_folder()})], exc.errno)


def _temporary_folder() -> str:
    """Where temporary files go; when no folder will take one (the very case being reported),
    the first one Python tries."""
    try:
        return tempfile.gettempdir()
    except OSError:
        return tempfile.tempdir or os.environ.get("TMPDIR") or ("C:\\Windows\\Temp" if sys.platform == "win32" else "/tmp")
