"""A ledger on a PostgreSQL server (a county's, docs/county.md): its address, connections that
take the same SQL as the SQLite ones (``?`` parameters, rows read by column name or
position), and every failure named by its cause, as engine/_sqlite.py does for a file.

psycopg is imported only here, and only when a ledger's address is a postgresql:// URL: a
town's SQLite ledger never loads it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: The beginnings of an address that names a PostgreSQL database rather than a file.
SCHEMES = ("postgresql://", "postgres://")

#: How long a writer waits for another one to finish before giving up (seconds): as long as
#: a town's SQLite ledger waits.
BUSY_SECONDS = 30.0

#: How long connecting may take before the server counts as unreachable (seconds).
CONNECT_SECONDS = 10

Cause = Literal["unreachable", "refused", "full", "read_only", "locked", "damaged", "io"]


def is_address(text: str) -> bool:
    """Whether ``text`` names a PostgreSQL database (postgresql://…) rather than a file."""
    return text.lower().startswith(SCHEMES)


@dataclass(frozen=True)
class Address:
    """A PostgreSQL database, by its URL (libpq's form: postgresql://user:password@host:port/
    database?options). Printed without its password, so that no message or list shows it."""

    url: str
    #: The office whose inspections these are (a town's, or the county bureau's own), from the
    #: office settings; None for the county's view of every office.
    office: str | None = None

    def __str__(self) -> str:
        """The URL with its password, in the user part or as ?password=, shown as ***."""
        try:
            parts = urllib.parse.urlsplit(self.url)
            netloc = parts.netloc
            if parts.password is not None:
                user, host = netloc.rsplit("@", 1)
                netloc = f"{user.split(':', 1)[0]}:***@{host}"
            query = re.sub(r"(?<![^&])password=[^&]*", "password=***", parts.query)
            return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
        except ValueError:  # a URL Python cannot split: the same, by pattern
            shown = re.sub(r"^([a-zA-Z]+://[^:@/]*):[^@]*@", r"\1:***@", self.url)
            return re.sub(r"password=[^&]*", "password=***", shown)

    def masked(self, text: str) -> str:
        """``text`` (a message that may quote the address) with the address shown as str()
        shows it, and any other copy of its password as ***. A password of fewer than four
        characters, or one found inside the user, host, port or database name, is not looked
        for elsewhere: replacing it there would say what it is."""
        text = text.replace(self.url, str(self))
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    def _secrets(self) -> list[str]:
        found: list[str] = []
        named: set[str] = set()
        try:
            parts = urllib.parse.urlsplit(self.url)
            found += [parts.password or "", *urllib.parse.parse_qs(parts.query).get("password", [])]
            named = {parts.username or "", parts.hostname or "", str(parts.port or ""), parts.path.strip("/")}
        except ValueError:
            pass
        found += re.findall(r"(?<=:)[^:@/]+(?=@)", self.url) + re.findall(r"(?<=password=)[^&\s]+", self.url)
        found += [urllib.parse.unquote(secret) for secret in found]
        return sorted({secret for secret in found if len(secret) >= 4 and not any(secret in name for name in named)}, key=len, reverse=True)


def address_of(text: str) -> Address:
    """The address ``text`` names, its scheme in the small letters libpq reads."""
    scheme, rest = text.split("://", 1)
    return Address(f"{scheme.lower()}://{rest}")


@functools.lru_cache(maxsize=64)
def _parsed(address: Address) -> dict[str, Any] | str:
    """The address's parts as libpq reads them, or why it cannot (told without its password):
    read once for every connection made to it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return dict(conninfo_to_dict(address.url))
    except Exception as exc:  # psycopg.ProgrammingError: libpq's own words, which may quote the password
        return f"地址写法不对（{address.masked(' '.join(str(exc).split()))}）"


class Row(dict[Any, Any]):
    """A result row read as sqlite3.Row is: by column name, by position, iterated (unpacked) as
    its values, and as a mapping of its columns. Both keys are held, so that either look-up
    is the dictionary's own (a county's report reads millions of values)."""

    __slots__ = ("_names",)

    def __init__(self, values: Sequence[Any], names: tuple[str, ...]) -> None:
        super().__init__(zip(names, values, strict=True))
        self.update(enumerate(values))
        self._names = names

    def __iter__(self) -> Iterator[Any]:
        return (self[position] for position in range(len(self._names)))

    def __len__(self) -> int:
        return len(self._names)

    def keys(self) -> tuple[str, ...]:  # type: ignore[override]  # the names in column order, as psycopg's rows give them, not a dict_keys view
        return self._names


def _rows(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names = tuple(column.name for column in cursor.description or ())
    return lambda values: Row(values, names)


_QMARK = re.compile(r"\?")


def _translated(sql: str) -> str:
    """SQLite's ``?`` parameters as psycopg's ``%s`` (a literal % doubled first). The
    ledger's statements hold no ? inside a quoted string."""
    return _QMARK.sub("%s", sql.replace("%", "%%"))


class Connection:
    """A connection that takes the ledger's SQL as a sqlite3 connection does: no transaction
    unless one is begun (BEGIN … COMMIT), ``execute`` returning a cursor. Closing it hands it
    back to this process's idle connections (connect), unless it is broken or in a transaction."""

    def __init__(self, connection: Any, address: Address, write: bool) -> None:
        self._connection = connection
        self._address = address
        self._write = write
        self._sql: dict[str, str] = {}
        #: The schema version whose structure was last checked on this connection (engine/ledger.py).
        self.checked_version: int | None = None
        #: Taken again from the idle ones and not yet used: it may have outlived its server.
        self.kept = False

    @property
    def _key(self) -> tuple[str, bool]:
        return (self._address.url, self._write)

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        import psycopg

        translated = self._sql.get(sql)
        if translated is None:
            translated = self._sql[sql] = _translated(sql)
        kept, self.kept = self.kept, False
        try:
            return self._connection.execute(translated, tuple(parameters))
        except psycopg.OperationalError:
            if not (kept and self._connection.closed):
                raise
        # A kept connection whose server restarted since (overnight, say): its first statement,
        # never inside a transaction, is run again on a new connection, rather than fail.
        self._connection = _new_connection(self._address, self._write)
        self.checked_version = None
        return self._connection.execute(translated, tuple(parameters))

    def pipeline(self) -> Any:
        """A block whose statements are sent without waiting for their answers (psycopg's
        pipeline mode) until a result is read or the block ends, which raises any error; a
        block of its own, statement by statement, where libpq is older than 14 and has none."""
        import psycopg

        if not psycopg.Pipeline.is_supported():
            return contextlib.nullcontext()
        if self.kept:
            # A kept connection's first statement is run again on a new connection if its server
            # went away: a pipeline bound to the old one could not follow, so it is asked first.
            self.execute("SELECT 1")
        return self._connection.pipeline()

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self._connection.info.transaction_status != TransactionStatus.IDLE)

    def close(self) -> None:
        from psycopg.pq import TransactionStatus

        if self._connection.closed or self._connection.info.transaction_status != TransactionStatus.IDLE:
            self._connection.close()
            return
        key = (os.getpid(), *self._key)
        with _IDLE_LOCK:
            idle = _IDLE.setdefault(key, [])
            if len(idle) >= _IDLE_PER_ADDRESS:
                surplus = [self]
            else:
                idle.append(self)
                _IDLE[key] = _IDLE.pop(key)  # the address used last goes last
                surplus = _surplus_idle()
        for connection in surplus:
            connection._connection.close()


def _surplus_idle() -> list[Connection]:
    """Idle connections over _IDLE_MOST, taken out to be closed: those of the addresses used
    longest ago (a process that has opened many ledgers, as the tests do, keeps no server's
    connections filled). Called holding _IDLE_LOCK."""
    # A forked process's copies of its parent's are never closed here: closing one would end
    # the parent's session on the socket both share (libpq says goodbye on it).
    mine = [key for key in _IDLE if key[0] == os.getpid()]
    surplus: list[Connection] = []
    count = sum(len(_IDLE[key]) for key in mine)
    for key in mine:
        while count > _IDLE_MOST and _IDLE[key]:
            surplus.append(_IDLE[key].pop(0))
            count -= 1
        if not _IDLE[key]:
            del _IDLE[key]
    return surplus


#: Connections not in use, by process, address and whether they write: recording an
#: inspection opens the ledger several times, and connecting to a server costs milliseconds
#: where opening a file costs microseconds. By process, so that a forked worker never uses
#: its parent's socket.
_IDLE: dict[tuple[int, str, bool], list[Connection]] = {}
_IDLE_LOCK = threading.Lock()
_IDLE_PER_ADDRESS = 4
#: At most this many in all: a server allows 100 connections by default, for every town's.
_IDLE_MOST = 8


def _new_lock_in_child() -> None:
    """A forked process's own lock: one held by another thread at the fork is never released
    in the child, whose first connection would wait for it for ever."""
    global _IDLE_LOCK
    _IDLE_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


@atexit.register
def _close_idle() -> None:
    """Close this process's idle connections as it ends: the server sees a goodbye, not a
    dropped socket, and no connection is left to the garbage collector."""
    with _IDLE_LOCK:
        mine = [key for key in _IDLE if key[0] == os.getpid()]
        idle = [connection for key in mine for connection in _IDLE.pop(key)]
    for connection in idle:
        with contextlib.suppress(Exception):
            connection._connection.close()


def connect(address: Address, *, write: bool) -> Connection:
    """A connection to the database at ``address``: an idle one of this process's, or a new
    one. A reading one cannot write even by mistake (every transaction read-only); a writer
    waits at most BUSY_SECONDS for a lock."""
    parsed = _parsed(address)
    if isinstance(parsed, str):
        raise AddressError(parsed)
    with _IDLE_LOCK:
        idle = _IDLE.get((os.getpid(), address.url, write))
        kept = idle.pop() if idle else None
    if kept is None:
        return Connection(_new_connection(address, write), address, write)
    kept.kept = True
    return kept


class AddressError(Exception):
    """An address libpq cannot read; its message names why, without the password."""


def _new_connection(address: Address, write: bool) -> Any:
    import psycopg

    parsed = _parsed(address)
    if isinstance(parsed, str):
        raise AddressError(parsed)
    milliseconds = int(BUSY_SECONDS * 1000)
    # Added to the address's own options (a search_path that names the schema, say).
    # jit=off: the ledger's queries are short, and compiling them took longer than running them.
    options = f"{parsed.get('options') or ''} -c lock_timeout={milliseconds} -c idle_in_transaction_session_timeout={10 * milliseconds} -c jit=off".strip()
    if not write:
        options += " -c default_transaction_read_only=on"
    connection = psycopg.connect(address.url, autocommit=True, row_factory=_rows, connect_timeout=CONNECT_SECONDS, options=options, application_name="lantian")
    # Told by the server at login: no round trip to ask.
    encoding = connection.info.parameter_status("server_encoding") or ""
    if encoding != "UTF8":
        # Chinese text needs a UTF-8 database; another refuses it (LATIN1) or keeps it as bytes (SQL_ASCII).
        connection.close()
        raise AddressError(f"数据库的编码是 {encoding}，台账需要 UTF8 编码的数据库（建立时写 ENCODING 'UTF8' TEMPLATE template0，见 docs/county.md）")
    return connection


def rollback_quietly(connection: Connection) -> None:
    """End a transaction that failed, keeping the failure that ended it as the one reported."""
    import psycopg

    if connection.in_transaction:
        try:
            connection.execute("ROLLBACK")
        except psycopg.Error:
            pass  # a connection the server dropped has no transaction left to end


def is_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from the database or from the way to it."""
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(exc, psycopg.Error)


#: SQLSTATE classes and codes that the server, its disk or the network can cause.
_STATES: dict[str, Cause] = {
    "08": "unreachable",  # connection exception
    "57P01": "unreachable",  # admin_shutdown: the server was stopped
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now: starting up or shutting down
    "28": "refused",  # invalid authorization: a wrong user or password
    "3D000": "refused",  # invalid_catalog_name: no such database
    "53": "full",  # insufficient resources: disk_full, out_of_memory, too_many_connections
    "42501": "read_only",  # insufficient_privilege
    "25006": "read_only",  # read_only_sql_transaction: a standby, or a read-only database
    "3F000": "refused",  # invalid_schema_name: the search_path names a schema that is not there
    "55P03": "locked",  # lock_not_available: lock_timeout passed
    "40P01": "locked",  # deadlock_detected: one of two writers was rolled back
    "40001": "locked",  # serialization_failure
    "57014": "locked",  # query_canceled: statement_timeout
    "42P01": "damaged",  # undefined_table: a table of the ledger dropped behind its back
    "42703": "damaged",  # undefined_column
    "XX001": "damaged",  # data_corrupted
    "XX002": "damaged",  # index_corrupted
    "58": "io",  # system error: the server's disk
}


#: libpq's and psycopg's words for a connection that broke while in use.
_LOST = re.compile(r"server closed the connection|connection is lost|consuming input failed|terminating connection|connection to server was lost")


def cause(exc: BaseException) -> Cause | None:
    """What made ``exc`` happen, or None when it is a mistake of the program (an SQL error),
    which must not be dressed up as the user's problem."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return None
    state = getattr(exc, "sqlstate", None)
    if state is None:
        # No answer from a server at all: connecting failed, or the connection broke.
        return "unreachable" if isinstance(exc, psycopg.OperationalError) else None
    return _STATES.get(state) or _STATES.get(state[:2])


def reason(exc: BaseException, address: Address) -> str:
    """Why, in Chinese, with the server's own words kept for whoever runs it (the address's
    password never among them). A failure to connect has no SQLSTATE: it is told by libpq's words."""
    said = address.masked(" ".join(str(exc).split()))
    found = cause(exc)
    state = getattr(exc, "sqlstate", None)
    if found in ("unreachable", "refused"):
        if state in ("57P01", "57P02"):
            return f"数据库服务器停止或重启了（PostgreSQL：{said}）"
        if state is None and _LOST.search(said):
            # A connection that worked and broke: in pipeline mode libpq keeps no SQLSTATE for it.
            return f"与数据库服务器的连接中断了：服务器停止或重启了，或者网络断了（PostgreSQL：{said}）"
        if state == "3D000" or re.search(r'database ".*" does not exist', said):
            return f"服务器上没有这个数据库（PostgreSQL：{said}）"
        if state == "3F000":
            return f"数据库中没有地址所写的模式（options=-csearch_path），请先由管理员建立（PostgreSQL：{said}）"
        if found == "refused" or re.search(r"password authentication failed|no pg_hba\.conf entry|role \".*\" does not exist|password", said):
            return f"服务器拒绝了登录：用户名或密码不对，或没有从这台电脑连接的权限（PostgreSQL：{said}）"
        return f"地址或端口不对、服务器没有运行，或网络不通（PostgreSQL：{said}）"
    if found == "full":
        return f"数据库服务器的磁盘或资源不足（PostgreSQL：{said}）"
    if found == "read_only":
        return f"这个数据库用户没有写入或建表的权限，或数据库是只读的（PostgreSQL：{said}）"
    return said
