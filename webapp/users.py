"""The office's users: names, roles and password hashes, in a SQLite file beside the settings.

Passwords are kept only as Werkzeug's scrypt hashes (salted, memory-hard); a name is matched
exactly. Roles: ``inspector`` fills and submits inspections and sees their own, ``office``
also issues documents, closes findings and manages users, ``viewer`` reads only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from engine import _sqlite
from engine.errors import ErrorCode, LantianError, Location, Problem
from engine.labels import USER_CHANGE_LABELS, USER_ROLE_LABELS
from engine.source import file_kind

ROLES = tuple(USER_ROLE_LABELS)
#: How long a change to the users waits for another one to finish (seconds).
BUSY_SECONDS = 10.0
#: Werkzeug's scrypt with its cost written out (N = 2^15, r = 8, p = 1, 32 MiB): about 0.1 s a
#: log-in on purpose, and the same whatever Werkzeug's default becomes. A stored hash names its
#: own cost, so raising this one later still lets every existing user log in.
PASSWORD_HASH = "scrypt:32768:8:1"
MIN_PASSWORD = 8


@functools.cache
def _dummy(method: str) -> str:
    """A hash checked when the name is unknown, so that a wrong name takes as long as a wrong password."""
    return generate_password_hash("-", method=method)


class UserError(LantianError):
    """A user that cannot be added, changed or removed (USER_001, at the users file): what is
    wrong, in Chinese, and what to do."""

    def __init__(self, path: Path, detail: str, hint: str = "运行 lantian users add --help 查看用户名、角色和密码的要求") -> None:
        super().__init__([Problem(ErrorCode.USER_001, Location(str(path)), {"detail": detail, "hint": hint})])

    @property
    def detail(self) -> str:
        """What is wrong, for a page that says it beside the form."""
        return str(self.problems[0].context["detail"])


@dataclass(frozen=True)
class User:
    name: str
    role: str
    #: Changes whenever the user's password does: a session made before no longer holds.
    stamp: str = ""

    @property
    def role_label(self) -> str:
        return USER_ROLE_LABELS[self.role]


def users_path(settings_path: str | Path) -> Path:
    """The users file beside the office settings: office.yaml → office.users.sqlite."""
    settings = Path(settings_path)
    return settings.with_name(settings.stem + ".users.sqlite")


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[sqlite3.Connection]:
    """The users file, its tables made if new, in one transaction committed at the end (rolled
    back on an error). A file that is no database, a folder in its place, a full or read-only
    disk: USER_002, at the file, never a bare sqlite3 or OS error."""
    if path.exists() and not path.is_file():
        reason = f"不是普通文件（{file_kind(path.stat().st_mode)}）"
        raise LantianError([Problem(ErrorCode.USER_002, Location(str(path)), {"reason": reason, "hint": "把它移走，再用 lantian users add 添加用户"})])
    try:
        with closing(sqlite3.connect(path, timeout=BUSY_SECONDS)) as connection, connection:
            connection.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL)")
            # Who changed which user, and when: the office's users are the office's record too.
            connection.execute("CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY, at TEXT NOT NULL, by TEXT, action TEXT NOT NULL, name TEXT NOT NULL, role TEXT)")
            yield connection
    except (sqlite3.Error, OSError) as exc:
        cause = _sqlite.cause(exc, writing=True)
        if cause is None:
            raise  # a mistake of the program (an SQL error): exit 3, not the office's problem
        why, hint = _USERS_FILE_TROUBLE.get(cause, (_sqlite.reason(exc, writing=True), _USERS_FILE_TROUBLE["damaged"][1]))
        raise LantianError([Problem(ErrorCode.USER_002, Location(str(path)), {"reason": why, "hint": hint})]) from None


#: What to say and do when the users file cannot be used, by what SQLite or the system says.
_USERS_FILE_TROUBLE = {
    "damaged": ("不是用户文件（SQLite 数据库），或者已经损坏", "从备份恢复它；没有备份时把它移走，再用 lantian users add 重新添加用户（提交的答卷和台账不受影响）"),
    "locked": ("另一个程序一直在写它（例如另一个 lantian users add，或者网页版正在改用户）", "稍等再试一次；用户文件没有改动"),
    "full": ("磁盘已满", "腾出磁盘空间后再试一次；已有的用户没有改动"),
    "read_only": ("没有写入的权限，或者磁盘是只读的", "让运行蓝天的用户能写这个文件和它所在的文件夹，再试一次；已有的用户没有改动"),
}


def _rows(path: Path, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows a query of the users file gives; none where there is no users file yet."""
    if not path.exists():
        return []
    with _opened(path) as connection:
        return connection.execute(sql, values).fetchall()




@dataclass(frozen=True)
class Change:
    at: str  #: when, to the second, local time
    by: str | None  #: the office user who made it; None from the command line
    action: str  #: a key of labels.USER_CHANGE_LABELS
    name: str
    role: str | None

    @property
    def label(self) -> str:
        role = f"（{USER_ROLE_LABELS.get(self.role, self.role)}）" if self.role else ""
        return f"{self.at.replace('T', ' ')} {self.by or '命令行'} {USER_CHANGE_LABELS.get(self.action, self.action)}用户 {self.name}{role}"


def _note(connection: sqlite3.Connection, by: str | None, action: str, name: str, role: str | None = None) -> None:
    connection.execute("INSERT INTO changes (at, by, action, name, role) VALUES (?, ?, ?, ?, ?)", (dt.datetime.now().isoformat(timespec="seconds"), by, action, name, role))


def changes(path: Path, *, last: int = 20) -> list[Change]:
    """The latest changes to the users, newest first."""
    return [Change(*row) for row in _rows(path, "SELECT at, by, action, name, role FROM changes ORDER BY id DESC LIMIT ?", (last,))]


def _name_problem(path: Path, name: str) -> UserError | None:
    if not name or len(name) > 40 or any(not c.isprintable() for c in name):
        return UserError(path, "用户名须为 1 到 40 个可打印的字符")
    return None


def add_user(path: Path, name: str, role: str, password: str, *, replace: bool = False, by: str | None = None) -> User:
    """Add (or with ``replace`` change) a user; UserError for a bad name, role or password.
    ``by`` is the office user who did it (None from the command line)."""
    name = name.strip()
    refused = _name_problem(path, name)
    if refused is not None:
        raise refused
    if role not in ROLES:
        raise UserError(path, f"角色须为 {'、'.join(ROLES)} 之一")
    if len(password) < MIN_PASSWORD:
        raise UserError(path, f"密码至少 {MIN_PASSWORD} 个字符", "换一个更长的密码，例如几个词连在一起")
    hashed = generate_password_hash(password, method=PASSWORD_HASH)  # slow on purpose: before the lock
    with _opened(path) as connection:
        connection.execute("BEGIN IMMEDIATE")  # two adds of one name at once: the second is refused, not a silent replacement
        exists = connection.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
        if exists and not replace:
            raise _exists(path, name)
        connection.execute("INSERT OR REPLACE INTO users (name, role, password) VALUES (?, ?, ?)", (name, role, hashed))
        _note(connection, by, "replace" if exists else "add", name, role)
    return User(name, role)


def _exists(path: Path, name: str) -> UserError:
    return UserError(path, f"用户 {name} 已存在", "要改这个用户的角色或密码，用 lantian users add --replace")


def refuse_before_password(path: Path, name: str, *, replace: bool) -> None:
    """UserError when ``name`` cannot be added whatever the password (no name as names go, or,
    without ``replace``, a user already): to say so before asking for one."""
    refused = _name_problem(path, name.strip())
    if refused is not None:
        raise refused
    if not replace and find_user(path, name.strip()) is not None:
        raise _exists(path, name.strip())


def authenticate(path: Path, name: str, password: str) -> User | None:
    """The user whose name and password these are, else None."""
    found = _rows(path, "SELECT name, role, password FROM users WHERE name = ?", (name,))
    if not found:
        check_password_hash(_dummy(PASSWORD_HASH), password)
        return None
    ((known, role, stored),) = found
    return User(known, role, _stamp(stored)) if check_password_hash(stored, password) else None


def _stamp(stored_hash: str) -> str:
    return hashlib.sha256(stored_hash.encode("utf-8")).hexdigest()[:16]


def find_user(path: Path, name: str) -> User | None:
    return next((User(known, role, _stamp(stored)) for known, role, stored in _rows(path, "SELECT name, role, password FROM users WHERE name = ?", (name,))), None)


def all_users(path: Path) -> list[User]:
    """Every user, by name."""
    return [User(name, role, _stamp(stored)) for name, role, stored in _rows(path, "SELECT name, role, password FROM users ORDER BY name")]


def _offices_left(connection: sqlite3.Connection, without: str) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM users WHERE role = 'office' AND name != ?", (without,)).fetchone()[0])


def set_role(path: Path, name: str, role: str, *, by: str | None = None) -> None:
    """Give ``name`` another role; UserError for an unknown user or role, or for the last office user."""
    if role not in ROLES:
        raise UserError(path, f"角色须为 {'、'.join(ROLES)} 之一")
    with _opened(path) as connection:
        connection.execute("BEGIN IMMEDIATE")  # the count of office users holds until the change
        row = connection.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(path, f"没有用户 {name}", "核对用户名（区分全角、半角）")
        if row[0] == "office" and role != "office" and not _offices_left(connection, name):
            raise UserError(path, "至少要留一个镇环保办（office）用户，否则没有人能管理用户", "先把另一个用户设为 office，再改或删这一个")
        connection.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
        _note(connection, by, "role", name, role)


def set_password(path: Path, name: str, password: str, *, by: str | None = None) -> None:
    """A new password for ``name``: every session the user had ends."""
    if len(password) < MIN_PASSWORD:
        raise UserError(path, f"密码至少 {MIN_PASSWORD} 个字符", "换一个更长的密码，例如几个词连在一起")
    with _opened(path) as connection:
        if not connection.execute("UPDATE users SET password = ? WHERE name = ?", (generate_password_hash(password, method=PASSWORD_HASH), name)).rowcount:
            raise UserError(path, f"没有用户 {name}", "核对用户名（区分全角、半角）")
        _note(connection, by, "password", name)


def remove_user(path: Path, name: str, *, by: str | None = None) -> None:
    """Remove ``name``: their sessions end at once; what they submitted stays."""
    with _opened(path) as connection:
        connection.execute("BEGIN IMMEDIATE")  # the count of office users holds until the change
        row = connection.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(path, f"没有用户 {name}", "核对用户名（区分全角、半角）")
        if row[0] == "office" and not _offices_left(connection, name):
            raise UserError(path, "至少要留一个镇环保办（office）用户，否则没有人能管理用户", "先把另一个用户设为 office，再改或删这一个")
        connection.execute("DELETE FROM users WHERE name = ?", (name,))
        _note(connection, by, "remove", name)
