"""The office's SQLite files (the ledger, the document numbers): opened read-only for reading,
created whole, and every failure named by its cause.

SQLite reports a full disk, a read-only file, a lock held too long and a damaged file each
with its own result code; the Python exception text alone ("disk I/O error", "unable to open
database file") does not tell a clerk what to do, and a ROLLBACK after a failed COMMIT would
replace the cause with "cannot rollback - no transaction is active".
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal

#: The first bytes of every SQLite database file.
HEADER = b"SQLite format 3\x00"

#: How long a writer waits for another one to finish before giving up (seconds).
BUSY_SECONDS = 30.0

Cause = Literal["full", "read_only", "locked", "damaged", "io"]

#: SQLite's primary result codes that a disk or a file can cause.
_CAUSES: dict[int, Cause] = {
    13: "full",  # SQLITE_FULL
    8: "read_only",  # SQLITE_READONLY
    3: "read_only",  # SQLITE_PERM
    23: "read_only",  # SQLITE_AUTH
    5: "locked",  # SQLITE_BUSY
    6: "locked",  # SQLITE_LOCKED
    11: "damaged",  # SQLITE_CORRUPT
    26: "damaged",  # SQLITE_NOTADB
    24: "damaged",  # SQLITE_FORMAT
    10: "io",  # SQLITE_IOERR
    14: "io",  # SQLITE_CANTOPEN
}
#: SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE, _DIR_FSYNC: a write the disk did not take, which with
#: SQLite's unix layer is also how a write past the file-size limit (EFBIG) shows.
_WRITE_IOERRS = {778, 1034, 1546, 1290}
SQLITE_READONLY_ROLLBACK = 776

_OS_CAUSES: dict[int, Cause] = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EFBIG: "full",
    errno.EROFS: "read_only",
    errno.EACCES: "read_only",
    errno.EPERM: "read_only",
}


def cause(exc: BaseException, *, writing: bool) -> Cause | None:
    """What in the world made ``exc`` happen, or None when it is a mistake of the program
    (an SQL error, a misuse), which must not be dressed up as the user's problem."""
    if isinstance(exc, OSError):
        return _OS_CAUSES.get(exc.errno or 0, "io") if writing else "io"
    if isinstance(exc, UnicodeDecodeError):
        return "damaged"  # text that is not UTF-8 was not written by us
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "damaged" if "decode" in str(exc).lower() else None
    if code in _WRITE_IOERRS:
        return "full"
    if writing and code & 0xFF == 14:
        return "read_only"  # the rollback journal could not be made beside the file
    return _CAUSES.get(code & 0xFF)


def reason(exc: BaseException, *, writing: bool = False) -> str:
    """Why, in Chinese, with SQLite's own words kept for whoever restores the file."""
    if isinstance(exc, OSError):
        known = {
            errno.ENOSPC: "磁盘已满",
            errno.EDQUOT: "超出了磁盘配额",
            errno.EFBIG: "文件超过了系统允许的大小",
            errno.EROFS: "磁盘是只读的",
            errno.EACCES: "没有写入权限",
            errno.EPERM: "没有写入权限",
        }
        return known.get(exc.errno or 0, exc.strerror or str(exc))
    code = getattr(exc, "sqlite_errorcode", None)
    if code == 13:
        return "磁盘已满"
    if code is not None and code & 0xFF in (8, 3, 23):
        return f"文件不能写入：只读文件、只读磁盘，或没有写入权限（SQLite：{exc}）"
    if writing and code is not None and code & 0xFF == 14:
        return f"不能在它所在的文件夹中建立回滚日志：文件夹只读，或没有写入权限（SQLite：{exc}）"
    if code in _WRITE_IOERRS:
        return f"磁盘没有接受写入（磁盘已满、文件超过了系统允许的大小，或磁盘出错；SQLite：{exc}）"
    return str(exc)


def rollback_quietly(connection: sqlite3.Connection) -> None:
    """End a transaction that failed, keeping the failure that ended it as the one reported:
    SQLite has already rolled back after a failed COMMIT (a full disk), and a second error
    from ROLLBACK would hide the first."""
    if connection.in_transaction:
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # closing the connection abandons the transaction all the same


def connect(path: Path, *, write: bool) -> sqlite3.Connection:
    """A connection to an existing file: never creates one. Read-only connections cannot
    write even by mistake (``mode=ro`` and ``query_only``)."""
    uri = f"{path.absolute().as_uri()}?mode={'rw' if write else 'ro'}"
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None)
    connection.row_factory = sqlite3.Row
    if not write:
        connection.execute("PRAGMA query_only = ON")
    return connection


@contextlib.contextmanager
def backup_into(connection: sqlite3.Connection, destination: Path) -> Iterator[sqlite3.Connection]:
    """A consistent copy of the database ``connection`` reads, written into the (empty) file
    ``destination`` with SQLite's online backup, and a connection to it for the caller to
    check: others may go on reading and writing the database meanwhile, and the copy is the
    database as one moment left it, which copying the file could not promise.

    The copy runs inside a read transaction begun first: beginning it waits for a writer at
    most BUSY_SECONDS (and then fails as a lock held too long), where the backup on its own
    would wait for ever."""
    connection.execute("BEGIN")
    try:
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()  # takes the read lock
        copy = sqlite3.connect(destination, isolation_level=None)
        try:
            connection.backup(copy)
            yield copy
        finally:
            copy.close()
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("COMMIT")


def finish_interrupted_write(path: Path) -> None:
    """Undo a write that was interrupted (power cut, kill -9) and left a hot rollback journal
    beside the file: a read-only connection cannot read such a file, and the only way on is
    what every SQLite reader does, to put the last committed state back."""
    connection = connect(path, write=True)
    try:
        connection.execute("PRAGMA user_version").fetchone()
    finally:
        connection.close()


def create_whole(path: Path, statements: Iterable[str], prepare: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """Create ``path`` with ``statements`` run in it, so that it appears whole or not at all.

    The file is made beside the target under a temporary name and linked into place only
    when complete: a run killed while creating leaves no file (or another run's complete
    one), never an empty file that the next run would have to refuse as damaged. Raises
    OSError or sqlite3.Error; the temporary file is removed either way.
    """
    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=str(folder))
    os.close(fd)
    try:
        from ._fsutil import plain_mode  # here: _fsutil reads this module's HEADER as it loads

        plain_mode(temporary)  # mkstemp makes it private (0600)
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            if prepare is not None:
                prepare(connection)
            connection.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements:
                    connection.execute(statement)
                connection.execute("COMMIT")
            except BaseException:
                rollback_quietly(connection)
                raise
        finally:
            connection.close()
        try:
            os.link(temporary, path)  # fails if another run created it meanwhile: theirs stays
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links (FAT, some shares): rename, which could only
            # replace a ledger created in the instant since we looked.
            if not os.path.lexists(path):
                os.replace(temporary, path)
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def not_a_database(path: Path) -> str | None:
    """Why ``path`` is no SQLite database, or None: not a regular file, empty, or without the
    header. Opened without blocking, so that a pipe put in its place cannot hang the command;
    OSError when it cannot be opened or read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        head = os.read(fd, len(HEADER)) if stat.S_ISREG(mode) else b""
    finally:
        os.close(fd)
    if not stat.S_ISREG(mode):
        return "这不是一个普通文件（是文件夹、管道或设备）"
    if not head:
        return "文件是空的（0 字节）"
    return None if head == HEADER else "不是 SQLite 数据库文件"


#: The files SQLite keeps beside a database while it writes (rollback journal, write-ahead log).
SIDE_FILES = ("-journal", "-wal", "-shm")


def odd_side_file(path: Path) -> str | None:
    """Why a file SQLite would open beside ``path`` cannot be one of its own, or None: a pipe
    or a device named like its journal would make every open of the database wait forever."""
    for suffix in SIDE_FILES:
        side = Path(f"{path}{suffix}")
        try:
            mode = os.lstat(side).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            return f"旁边的 {side.name} 不是 SQLite 自己的文件（不是普通文件）；请把它移走"
    return None
