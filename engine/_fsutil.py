"""Whole-or-nothing file writes."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import ErrorCode, LantianError


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The temporary file sits in the target's folder, so the final rename stays on one
    filesystem; click's ``atomic=True`` is not used because it replaces the target even
    when the writer failed.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent or "."))
    except OSError as exc:
        raise LantianError.of(ErrorCode.IO_004, str(target), reason=_write_reason(exc)) from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise LantianError.of(ErrorCode.IO_004, str(target), reason=_write_reason(exc)) from None
        raise


def _write_reason(exc: OSError) -> str:
    reasons = {errno.ENOSPC: "磁盘已满", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EROFS: "磁盘只读", errno.ENOTDIR: "路径中有一段不是文件夹"}
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))
