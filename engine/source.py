"""Bytes from a file a person edited → text → data, keeping where every key and value was.

Nothing here writes. YAML and JSON answers go through the same path: the data of a JSON
file comes from ``json`` (PyYAML reads ``1e5`` as a string), its positions from composing
the same text as YAML.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from .errors import ErrorCode, InputError, LantianError, Location, Problem

# An answers file is a few KB and a checklist a few dozen; parsing a megabyte of YAML already
# takes a second, so a larger file is refused before it is parsed.
MAX_BYTES = 1024 * 1024
#: Python refuses to turn a longer digit string into an int (and an int back into text), so a
#: longer number could be neither read nor shown; no file of ours needs one anywhere near it.
MAX_INT_DIGITS = 4300
_INT_CEILING = 10**MAX_INT_DIGITS
_READ_CHUNK = 64 * 1024

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]  # a base chosen at import (C or Python loader), which mypy cannot type
    """SafeLoader with YAML 1.2 scalars.

    Only true/false are booleans (YAML 1.1 reads "yes", "on" and "No" as booleans, which
    would turn an inspector's "no" into False before we know the item's kind); dates stay
    strings (so the schema, not PyYAML, decides what a date is); "0371" stays a string (a
    phone area code, not octal 249); "1:30" stays a string (not sexagesimal 90).
    """

    yaml_implicit_resolvers: dict = {}

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        # The parser asks once per node. PyYAML's own resolve joins two lists and looks at
        # path resolvers each time; ours has neither wildcard nor path resolvers, and most
        # scalars (Chinese text) start with a character no implicit tag starts with.
        if self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1] if value else "", ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


#: tag → the form a plain scalar takes to be read with it, which its constructor always reads
_IMPLICIT: dict[str, re.Pattern[str]] = {}


def _add_resolver(tag: str, pattern: str, first: str | list[str]) -> None:
    _IMPLICIT[tag] = re.compile(pattern, re.X)
    _Loader.add_implicit_resolver(tag, _IMPLICIT[tag], list(first))


_add_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])
_add_resolver("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_add_resolver(
    "tag:yaml.org,2002:float",
    r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+0123456789.",
)


def reads_as_text(value: str) -> bool:
    """Whether ``value`` written as a plain YAML scalar is read back by this loader as the
    same text (not a number, a boolean or null): what a writer must quote otherwise."""
    return not any(pattern.match(value) for pattern in _IMPLICIT.values())


@dataclass
class SourceDocument:
    """A parsed file: its data and where each part of it stands in the text."""

    name: str  #: as shown in messages
    text: str
    data: Any
    sha256: str
    positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)  #: path → (line, col) of the value
    key_positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)  #: path → (line, col) of the key
    problems: list[Problem] = field(default_factory=list)  #: found while reading, that did not stop it

    def inside(self, path: tuple, text: str, offset: int, item: str | None = None) -> Location:
        """The position ``offset`` characters into the scalar ``text`` at ``path``, when the
        scalar sits on one line as written (plain or quoted); else the scalar's start."""
        location = self.location(path, item=item)
        if location.line is not None and location.column is not None:
            rest = self.line_text(location.line)[location.column - 1 :]
            shift = 0 if rest.startswith(text) else 1 if rest[:1] in "'\"" and rest[1:].startswith(text) else None
            if shift is not None:
                location = Location(location.file, location.line, location.column + shift + offset, location.path, item)
        return location

    def location(self, path: tuple = (), *, key: bool = False, item: str | None = None) -> Location:
        """The best position for ``path``: the key or value there, or its nearest parent's."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while True:
            pos = table.get(probe) or self.positions.get(probe) or self.key_positions.get(probe)
            if pos or not probe:
                break
            probe = probe[:-1]
        line, col = pos if pos else (1, 1)
        return Location(self.name, line, col, tuple(path), item)

    def locator(self) -> Callable[[tuple], Location]:
        """Where a path is: a one-key path at its key ("site:"), a longer one at its value."""
        return lambda path: self.location(path, key=len(path) == 1)

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


class Locations(Mapping[str, Location]):
    """Named places in a document ("answers.hoarding_closed" → the answer's position), each
    worked out only when asked for: most are never asked for (a file read without a
    problem), and working them all out was a twentieth of checking one."""

    def __init__(self, doc: SourceDocument) -> None:
        self._doc = doc
        self._places: dict[str, tuple[tuple, bool, str | None]] = {}

    def add(self, name: str, path: tuple, *, key: bool = False, item: str | None = None) -> None:
        """``name`` is where doc.location(path, key=key, item=item) is."""
        self._places[name] = (path, key, item)

    def __getitem__(self, name: str) -> Location:
        path, key, item = self._places[name]
        return self._doc.location(path, key=key, item=item)

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


def os_reason(exc: OSError) -> str:
    """Why a file could not be read, in Chinese."""
    reasons = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EISDIR: "这是一个文件夹，不是文件", errno.EPERM: "没有读取权限", errno.EIO: "磁盘读取出错"}
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


_KINDS = ((stat.S_ISDIR, "文件夹"), (stat.S_ISFIFO, "命名管道"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"), (stat.S_ISSOCK, "套接字"))


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, in Chinese (a folder, a named pipe, ...)."""
    return next((kind for test, kind in _KINDS if test(mode)), "特殊文件")


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular one is, or None for a regular file."""
    return None if stat.S_ISREG(mode) else file_kind(mode)


def inside(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path``, links followed, is ``folder`` or below it (also links followed)."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, root]) == root


def require_plain_file(path: str | Path, name: str | None = None, *, confined: bool = True) -> None:
    """Refuse, without opening it, anything but a regular file, and (when ``confined``) a link
    leading out of the folder that holds it.

    Opening a pipe waits for a writer that never comes, and a device never ends; a link to
    a file elsewhere (/etc/passwd) would have its lines shown under the errors it causes.
    """
    shown = name or str(path)
    if confined and os.path.islink(path) and not inside(path, os.path.dirname(os.path.abspath(path))):
        raise InputError([Problem(ErrorCode.IO_006, Location(shown))])
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError([Problem(ErrorCode.IO_001, Location(shown), {"reason": os_reason(exc)})]) from None
    if stat.S_ISDIR(mode):
        raise InputError([Problem(ErrorCode.IO_001, Location(shown), {"reason": os_reason(OSError(errno.EISDIR, ""))})])
    kind = _not_regular(mode)
    if kind:
        raise InputError([Problem(ErrorCode.IO_005, Location(shown), {"kind": kind})])


def read_bytes(path: str | Path, name: str | None = None) -> bytes:
    """Read a file for parsing; a missing, oversized or special file is an InputError."""
    shown = name or str(path)
    require_plain_file(path, shown)
    try:
        # Non-blocking, should the file have been swapped for a pipe since it was looked at.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            kind = _not_regular(os.fstat(fh.fileno()).st_mode)
            if kind:
                raise InputError([Problem(ErrorCode.IO_005, Location(shown), {"kind": kind})])
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError([Problem(ErrorCode.IO_001, Location(shown), {"reason": os_reason(exc)})]) from None
    if len(data) > MAX_BYTES:
        raise InputError([Problem(ErrorCode.IO_003, Location(shown), {"size": f">{MAX_BYTES}", "limit": MAX_BYTES})])
    return data


def read_stream(stream: IO[bytes], name: str = "<stdin>") -> bytes:
    """Read a stream (standard input) for parsing, in chunks, stopping at the size limit:
    ``< /dev/zero`` ends with IO_003 instead of filling the memory."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BYTES:
        chunk = stream.read(min(_READ_CHUNK, MAX_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > MAX_BYTES:
        raise InputError([Problem(ErrorCode.IO_003, Location(name), {"size": f">{MAX_BYTES}", "limit": MAX_BYTES})])
    return b"".join(chunks)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (a Notepad BOM is fine); anything else is IO_002 with the line it breaks on."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        # Columns count characters; what precedes the bad byte on its line is valid UTF-8.
        column = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise InputError([Problem(ErrorCode.IO_002, Location(name, line, column), {"line": line, "guess": _guess_encoding(raw)})]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError([Problem(ErrorCode.IO_002, Location(name, line, 1), {"line": line, "guess": _guess_encoding(raw)})])
    return text


def _guess_encoding(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[1:2] == b"\x00" or raw[:1] == b"\x00":
        return "是 UTF-16 编码（记事本中称为“Unicode”）"
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return "编码无法识别"
    return "很可能是 GBK 编码"


_YAML_PROBLEMS = [
    ("mapping values are not allowed", "此处不能出现“键: 值”"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("did not find expected key", "缩进没有对齐，或缺少键"),
    ("found character that cannot start any token", "出现了不能出现在这里的字符"),
    ("found unexpected end of stream", "文件意外结束"),
    ("did not find expected node content", "这里缺少内容"),
    ("expected <block end>", "缩进没有对齐"),
    ("found undefined alias", "使用了未定义的别名"),
    ("could not determine a constructor", "使用了不支持的标签"),
    ("found unknown escape character", "双引号中有无效的转义字符"),
    ("did not find expected ',' or ']'", "列表缺少逗号或右方括号“]”"),
    ("did not find expected ',' or '}'", "缺少逗号或右花括号“}”"),
    ("did not find expected '-' indicator", "列表的“- ”没有对齐"),
    ("found a tab character", "使用了 Tab"),
    ("expected <document start>", "顶层内容格式不对"),
    ("found unexpected ':'", "出现了多余的冒号"),
    ("expected a comment or a line break", "值的后面有多余的内容"),
]

_JSON_PROBLEMS = [
    ("Expecting property name enclosed in double quotes", "键要用双引号括起来，或最后多了一个逗号"),
    ("Expecting ',' delimiter", "缺少逗号"),
    ("Expecting ':' delimiter", "缺少冒号"),
    ("Expecting value", "缺少值，或多了一个逗号"),
    ("Unterminated string", "字符串缺少结束的双引号"),
    ("Extra data", "JSON 结束后还有多余的内容"),
    ("Invalid control character", "字符串中有换行或控制字符"),
    ("Invalid \\escape", "字符串中有无效的反斜杠转义"),
    ("Invalid \\uXXXX escape", "字符串中有无效的 \\u 转义"),
]


def _chinese(problem: str, table: list[tuple[str, str]]) -> str:
    """The parser's words in Chinese, for the inspector who reads them; words it has no
    translation for are shown as they are."""
    for needle, chinese in table:
        if problem.startswith(needle) or needle in problem:
            return chinese
    return problem


_YAML_HINTS = [
    ("mapping values are not allowed", "值中含有“: ”时要给整个值加引号，或检查上一行的缩进"),
    ("found character '\\t'", "YAML 不能用 Tab 缩进，请改用空格"),
    ("could not find expected ':'", "检查这一行是否漏了冒号“:”，或引号没有配对"),
    ("found undefined alias", "不支持 * 别名，请直接写出内容"),
    ("could not determine a constructor", "不支持 ! 开头的标签，请去掉"),
    ("did not find expected key", "检查缩进是否对齐：同一层的键要左对齐"),
    ("found unexpected end of stream", "引号或括号没有配对"),
    ("expected <document start>", "检查缩进：顶层的键应从第一列开始"),
    ("did not find expected '-' indicator", "检查列表各行的“- ”是否对齐"),
    ("found unknown escape character", "双引号中的反斜杠要写成 \\\\，或改用单引号"),
]


def _yaml_hint(problem: str, text: str = "", mark: Any = None) -> tuple[str, tuple[int, int] | None]:
    """How to fix a YAML syntax error, and where the typo really is when PyYAML
    noticed it a line late (a full-width colon, a missing space after ':')."""
    lines = text.split("\n")
    if mark is not None and mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t":
        return "YAML 不能用 Tab 缩进，请改用空格", None
    if mark is not None:
        # PyYAML notices such a typo on the next line with content: look at that line and the
        # one with content before it, past blank lines and comments (the blank answers file
        # puts both between items).
        content = [n for n in range(min(mark.line, len(lines) - 1), -1, -1) if lines[n].split("#")[0].strip()][:2]
        for number in sorted(content):
            line = lines[number].split("#")[0]
            if "：" in line:
                return "请用半角冒号“:”（不是中文冒号“：”），冒号后面加一个空格", (number + 1, line.index("：") + 1)
            missing_space = re.match(r"^\s*[^\s:#'\"{\[][^:#]*:(?=[^\s/\\])", line)
            if missing_space:
                return "冒号“:”后面要有一个空格，例如 hoarding_closed: 是", (number + 1, missing_space.end())
    for needle, hint in _YAML_HINTS:
        if needle in problem:
            return hint, None
    return "检查这一位置附近的缩进、冒号和引号", None


#: PyYAML's words when a line does not sit where its block expects it; each names the
#: symptom it met ("- " missing, a key missing) rather than the indentation that caused it.
_INDENT_SYMPTOMS = (
    "did not find expected '-' indicator",
    "did not find expected key",
    "expected <block end>",
    "mapping values are not allowed",
)


def _has_content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _block_columns(lines: list[str], number: int) -> list[tuple[int, bool, int, str]]:
    """Where a line at index ``number`` may start: for each block still open above it (the
    nearest line, then each less indented line up to the top), the column of its keys or of
    its "- ", with whether it is a "- ", the index of the line that sets it and its key."""
    found: list[tuple[int, bool, int, str]] = []
    ceiling: int | None = None
    for n in range(number - 1, -1, -1):
        line = lines[n]
        if not _has_content(line):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if ceiling is not None and indent >= ceiling:
            continue
        ceiling = indent
        body = line[indent:]
        if body.startswith("- "):
            found.append((indent, True, n, "-"))
            rest = body[2:]
            inner = indent + 2 + len(rest) - len(rest.lstrip(" "))
            found.append((inner, False, n, _key(rest)))
        else:
            found.append((indent, False, n, _key(body)))
        if indent == 0:
            break
    return found


def _opens_block(line: str) -> bool:
    """Whether a line ends with a key and nothing after its colon, or is a bare "- "."""
    body = line.split(" #")[0].rstrip()
    return body.endswith(":") or body.lstrip() == "-"


def _key(body: str) -> str:
    match = re.match(r"\s*([^\s:#'\"{\[-][^:#]*?):(\s|$)", body)
    return match.group(1) if match else ""


def _misindented(lines: list[str], number: int) -> tuple[str, str, tuple[int, int]] | None:
    """What is wrong, how to fix it and where, when the line at index ``number`` is indented
    unlike every block open above it: the column of the nearest sibling it should line up with."""
    if number >= len(lines) or not _has_content(lines[number]):
        return None
    line = lines[number]
    indent = len(line) - len(line.lstrip(" "))
    body = line[indent:]
    dash = body.startswith("- ") or body.rstrip() == "-"
    columns = _block_columns(lines, number)
    if columns and _opens_block(lines[columns[0][2]]) and indent > max(c for c, _, n, _ in columns if n == columns[0][2]):
        return None  # the first line of a block may start at any deeper column
    if not columns or any(column == indent and (is_dash == dash or dash) for column, is_dash, _, _ in columns):
        return None
    # A "- " may also start where the keys of its parent do; a key never where a "- " does.
    candidates = [(abs(column - indent) + (0.5 if is_dash != dash else 0), order, column, n, key) for order, (column, is_dash, n, key) in enumerate(columns) if dash or not is_dash]
    if not candidates:
        return None
    _, _, column, n, key = min(candidates)
    what = "“- ”" if dash else (f"“{_key(body)}”" if _key(body) else "这一行")
    sibling = "“- ”" if dash and lines[n][column : column + 2] == "- " else (f"“{key}”" if key and key != "-" else "上一层")
    parent = _block_parent_indent(lines, n, column)
    if not dash and key and key != "-" and not lines[n][column:].startswith("-") and parent is not None and column != parent + 2 == indent and _next_sibling_indent(lines, number, indent) == indent:
        # The block's first key stands off the usual two spaces in, and this line and the ones
        # after it stand there, agreeing: it is the first key that is out of line (YAML notices
        # only at the second).
        problem = f"第 {n + 1} 行缩进 {column} 个空格，同一层下面的第 {number + 1} 行等缩进 {indent} 个空格，没有左对齐"
        hint = f"“{key}”应与下面的{what}等左对齐：从第 {indent + 1} 列开始（前面 {indent} 个空格）"
        return problem, hint, (n + 1, column + 1)
    problem = f"第 {number + 1} 行缩进 {indent} 个空格，同一层的第 {n + 1} 行缩进 {column} 个空格，两行没有左对齐"
    hint = f"{what}应与第 {n + 1} 行的{sibling}左对齐：从第 {column + 1} 列开始（前面 {column} 个空格）"
    return problem, hint, (number + 1, indent + 1)


def _block_parent_indent(lines: list[str], n: int, column: int) -> int | None:
    """The indent of the key whose block the line at index ``n`` is the first of (the content
    line above it, opening a block and less indented), or None when it is not a block's first."""
    for above in range(n - 1, -1, -1):
        if _has_content(lines[above]):
            indent = len(lines[above]) - len(lines[above].lstrip(" "))
            return indent if _opens_block(lines[above]) and indent < column else None
    return None


def _next_sibling_indent(lines: list[str], number: int, indent: int) -> int | None:
    """The indent of the first content line after index ``number`` indented no deeper than
    ``indent`` (the next sibling, or the end of the block), or None at the end of the file."""
    for below in range(number + 1, len(lines)):
        if _has_content(lines[below]):
            found = len(lines[below]) - len(lines[below].lstrip(" "))
            if found <= indent:
                return found
    return None


def _mark_location(name: str, mark: Any) -> Location:
    if mark is None:
        return Location(name, 1, 1)
    return Location(name, mark.line + 1, mark.column + 1)


def _compose(text: str, name: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "无法解析"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and any(symptom in problem for symptom in _INDENT_SYMPTOMS):
            misplaced = _misindented(text.split("\n"), mark.line)
            if misplaced is not None:
                said, hint, where_at = misplaced
                raise InputError([Problem(ErrorCode.YAML_001, Location(name, *where_at), {"problem": said, "hint": hint})]) from None  # said in full: PyYAML's English symptom adds nothing
        hint, typo = _yaml_hint(problem, text, mark)
        where = Location(name, *typo) if typo else _mark_location(name, mark)
        # PyYAML notices a key without its colon, or a quote never closed, where it gave up
        # (the next line, the end of the file); where it began is the line to mend.
        begun = exc.context_mark if exc.context and exc.context_mark is not None and not typo else None
        if begun is not None and "simple key" in exc.context and "could not find expected ':'" in problem:
            key, _, value = text.split("\n")[begun.line].strip().partition(" ")
            where, hint = _mark_location(name, begun), f"这一行的键后面缺少冒号：在键和值之间写“: ”，即 {key}: {value.strip() or '…'}"
        elif begun is not None and "quoted scalar" in exc.context:
            where, problem, hint = _mark_location(name, begun), "引号没有配对", "从这里开始的引号没有结束的引号：在值的末尾补上，或去掉这个引号"
        raise InputError([
            Problem(ErrorCode.YAML_001, where, {"problem": _chinese(problem, _YAML_PROBLEMS), "hint": hint})
        ]) from None
    except yaml.YAMLError as exc:  # ReaderError: control characters
        raise InputError([
            Problem(ErrorCode.YAML_001, Location(name, 1, 1), {"problem": str(exc).splitlines()[0], "hint": "文件中有不可见的控制字符，请删除"})
        ]) from None
    finally:
        loader.dispose()


def _construct(node: yaml.Node, name: str) -> Any:
    loader = _Loader("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "无法解析"
        raise InputError([
            Problem(ErrorCode.YAML_001, _mark_location(name, exc.problem_mark), {"problem": _chinese(problem, _YAML_PROBLEMS), "hint": _yaml_hint(problem)[0]})
        ]) from None
    finally:
        loader.dispose()


_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "整数",
    "tag:yaml.org,2002:float": "数",
    "tag:yaml.org,2002:bool": "是非值 true/false",
    "tag:yaml.org,2002:null": "空值",
    "tag:yaml.org,2002:timestamp": "日期时间",
}
_SCALARS = yaml.constructor.SafeConstructor()


def _scalar_problem(node: yaml.ScalarNode, name: str) -> Problem | None:
    """YAML_005 for a scalar its tag cannot hold (``!!float abc``, ``!!bool maybe``), YAML_006
    for an integer too long to read: PyYAML would stop on either with a bare Python error."""
    kind = _SCALAR_KINDS.get(node.tag)
    if kind is None:
        return None
    value = node.value
    if node.tag.endswith(":int") and sum(ch.isdigit() for ch in value) > MAX_INT_DIGITS:
        where = _mark_location(name, node.start_mark)
        return Problem(ErrorCode.YAML_006, where, {"digits": sum(ch.isdigit() for ch in value), "limit": MAX_INT_DIGITS})
    implicit = _IMPLICIT.get(node.tag)
    if implicit is not None and implicit.match(value):
        return None  # the form the tag is given for: read without fail (an int's length aside)
    where = _mark_location(name, node.start_mark)
    try:
        if node.tag.endswith(":null"):
            raise ValueError(value)  # PyYAML reads any text as null: only the null forms are
        else:
            constructed = _SCALARS.yaml_constructors[node.tag](_SCALARS, node)
            if isinstance(constructed, int) and not isinstance(constructed, bool) and abs(constructed) >= _INT_CEILING:
                # !!int 0xFFFF… is read without Python's limit but could never be shown.
                return Problem(ErrorCode.YAML_006, where, {"digits": int(constructed.bit_length() * 0.30103) + 1, "limit": MAX_INT_DIGITS})
    except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return Problem(ErrorCode.YAML_005, where, {"value": shown, "kind": kind, "tag": "!!" + node.tag.rsplit(":", 1)[-1]})
    return None


def _scalar_problems(node: yaml.Node, name: str) -> list[Problem]:
    """_scalar_problem for every scalar below ``node``: for the value of a duplicate key, which
    is not walked for positions but is constructed all the same (the later value wins)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            bad = _scalar_problem(current, name)
            if bad:
                problems.append(bad)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(part for pair in current.value for part in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


#: Scalar tags whose value the walk reads itself, as PyYAML's SafeConstructor would.
_PLAIN_SCALARS = {tag: _SCALARS.yaml_constructors[tag] for tag in _SCALAR_KINDS if not tag.endswith(":timestamp")}
_UNBUILT = object()


def _walk(node: yaml.Node, name: str, doc: SourceDocument, *, check_scalars: bool = True) -> tuple[list[Problem], Any]:
    """Fill the position tables; report duplicate keys, aliases and scalars their tag cannot
    hold, all at once.

    With ``check_scalars`` (YAML, not JSON) the walk also builds the data, which saves
    PyYAML's constructor a second pass over every node; it returns _UNBUILT instead when the
    document holds anything but plain mappings, lists and scalars (another tag, a key that
    is not a scalar, a repeated key), and the caller then has PyYAML construct it.
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    root: list[Any] = [None]
    building = check_scalars
    # node, its path, and the container and slot its value goes in (made by its parent, in
    # file order, because the stack hands the children back reversed)
    stack: list[tuple[yaml.Node, tuple, Any, Any]] = [(node, (), root, 0)]
    while stack:
        current, path, container, slot = stack.pop()
        if id(current) in seen:
            # The composer hands an alias the very node of its anchor; walking it again
            # would let "a billion laughs" take exponential time.
            problems.append(Problem(ErrorCode.YAML_004, _mark_location(name, current.start_mark)))
            continue
        seen.add(id(current))
        doc.positions[path] = (current.start_mark.line + 1, current.start_mark.column + 1)
        tag = current.tag
        if isinstance(current, yaml.ScalarNode):
            if check_scalars and tag != _STR:
                bad = _scalar_problem(current, name)
                if bad:
                    problems.append(bad)
                    building = False
            if building:
                if tag == _STR:
                    container[slot] = current.value
                elif tag in _PLAIN_SCALARS:
                    container[slot] = _PLAIN_SCALARS[tag](_SCALARS, current)
                else:
                    building = False
        if isinstance(current, yaml.MappingNode):
            mapping: dict[Any, Any] = {}
            if building:
                building = tag == _MAP
                container[slot] = mapping
            first_seen: dict[Any, int] = {}
            for key_node, value_node in current.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    building = False
                elif check_scalars and key_node.tag != _STR:
                    bad = _scalar_problem(key_node, name)
                    if bad:
                        problems.append(bad)
                        building = False
                        continue
                key: Any = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _STR:
                    if key_node.tag.endswith((":int", ":bool", ":float", ":null")):
                        key = _construct(key_node, name)
                    if key_node.tag not in _PLAIN_SCALARS:
                        building = False
                line = key_node.start_mark.line + 1
                if key in first_seen:
                    building = False
                    if check_scalars:
                        problems.extend(_scalar_problems(value_node, name))
                    where = _mark_location(name, key_node.start_mark)
                    problems.append(
                        Problem(
                            ErrorCode.YAML_002,
                            where.with_item(str(key)) if path == ("answers",) else where,
                            {"key": key_node.value if isinstance(key_node, yaml.ScalarNode) else "?", "first_line": first_seen[key]},
                        )
                    )
                    continue
                first_seen[key] = line
                child = path + (key,)
                doc.key_positions[child] = (line, key_node.start_mark.column + 1)
                mapping[key] = None
                stack.append((value_node, child, mapping, key))
        elif isinstance(current, yaml.SequenceNode):
            sequence: list[Any] = [None] * len(current.value)
            if building:
                building = tag == _SEQ
                container[slot] = sequence
            for index, value_node in enumerate(current.value):
                stack.append((value_node, path + (index,), sequence, index))
    return problems, root[0] if building else _UNBUILT


def _lone_surrogate(data: Any, path: tuple = ()) -> tuple | None:
    """The path of the first string holding a lone UTF-16 surrogate, or None."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if any("\ud800" <= ch <= "\udfff" for ch in value):
                return where
        elif isinstance(value, dict):
            stack.extend((v, where + (k,)) for k, v in value.items())
            stack.extend((k, where + (k,)) for k in value if isinstance(k, str))
        elif isinstance(value, list):
            stack.extend((v, where + (i,)) for i, v in enumerate(value))
    return None


def _refuse_lone_surrogates(doc: SourceDocument, is_json: bool) -> None:
    if "\\u" not in doc.text and "\\U" not in doc.text:
        return  # only an escape makes one: UTF-8 text cannot hold a surrogate
    broken = _lone_surrogate(doc.data)
    if broken is None:
        return
    # A "\ud800" escape decodes to half a character that no file or console can hold.
    problem = "含有无效的 Unicode 转义（单独的代理字符）"
    if is_json:
        raise InputError([Problem(ErrorCode.JSON_001, doc.location(broken), {"problem": problem})])
    raise InputError([Problem(ErrorCode.YAML_001, doc.location(broken), {"problem": problem, "hint": "删除这个 \\u 转义"})])


def _json_problem(exc: json.JSONDecodeError, name: str) -> Problem:
    return Problem(ErrorCode.JSON_001, Location(name, exc.lineno, exc.colno), {"problem": _chinese(exc.msg, _JSON_PROBLEMS)})


class _LongNumber(Exception):
    pass


def _json_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1 and sum(ch.isdigit() for ch in text) > MAX_INT_DIGITS:
        raise _LongNumber(text)
    return int(text)


def _long_number_problem(text: str, digits: int, name: str) -> Problem:
    """JSON_001 at the first number too long to read (json gives no position for it)."""
    found = re.search(rf"-?[0-9]{{{MAX_INT_DIGITS + 1},}}", text)
    start = found.start() if found else 0
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    problem = f"数字过长（{digits} 位，最多 {MAX_INT_DIGITS} 位）"
    return Problem(ErrorCode.JSON_001, Location(name, line, column), {"problem": problem})


def looks_like_json(name: str, text: str) -> bool:
    if name.lower().endswith(".json"):
        return True
    return not name.lower().endswith((".yaml", ".yml")) and text.lstrip().startswith("{")


def parse(raw: bytes, name: str) -> SourceDocument:
    """Parse YAML or JSON bytes into a SourceDocument, or raise InputError with every problem."""
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(ErrorCode.IO_003, Location(name), {"size": len(raw), "limit": MAX_BYTES})])
    text = decode(raw, name)
    digest = hashlib.sha256(raw).hexdigest()
    is_json = looks_like_json(name, text)
    json_data: Any = None
    if is_json:
        try:
            json_data = json.loads(text, parse_int=_json_int)
        except json.JSONDecodeError as exc:
            raise InputError([_json_problem(exc, name)]) from None
        except _LongNumber as exc:
            digits = sum(ch.isdigit() for ch in str(exc))
            raise InputError([_long_number_problem(text, digits, name)]) from None
        except RecursionError:
            raise InputError([Problem(ErrorCode.JSON_001, Location(name, 1, 1), {"problem": "嵌套过深"})]) from None
        # JSON forbids raw tabs inside strings, so this keeps every column in place.
        text_for_positions = text.replace("\t", " ")
    else:
        text_for_positions = text
    try:
        node = _compose(text_for_positions, name)
    except InputError:
        if not is_json:
            raise
        node = None  # valid JSON that PyYAML cannot compose: keep the data, lose positions
    except RecursionError:
        raise InputError([Problem(ErrorCode.YAML_001, Location(name, 1, 1), {"problem": "嵌套过深", "hint": "请减少嵌套层数"})]) from None
    doc = SourceDocument(name=name, text=text, data=None, sha256=digest)
    if node is None:
        if json_data is None:
            raise InputError([Problem(ErrorCode.YAML_003, Location(name, 1, 1))])
        doc.data = json_data
        _refuse_lone_surrogates(doc, is_json)
        return doc
    problems, data = _walk(node, name, doc, check_scalars=not is_json)
    if any(p.code in (ErrorCode.YAML_004, ErrorCode.YAML_005, ErrorCode.YAML_006) for p in problems):
        raise InputError(problems)
    # Duplicate keys do not stop reading: the later value wins while the caller goes on
    # to find the file's other problems, and reports them all together.
    doc.problems = problems
    doc.data = json_data if is_json else data if data is not _UNBUILT else _construct(node, name)
    _refuse_lone_surrogates(doc, is_json)
    if doc.data is None:
        raise InputError([Problem(ErrorCode.YAML_003, Location(name, 1, 1))])
    return doc


def load_source(src: str | Path | bytes, name: str | None = None, *, strict: bool = True) -> SourceDocument:
    """Parse a file path or bytes. ``name`` is what messages call it (``<stdin>`` for ``-``).

    With ``strict`` any problem raises InputError; without it, problems that leave the data
    usable (duplicate keys) are kept in ``doc.problems`` for the caller to report with its own.
    """
    doc = parse(src, name or "<stdin>") if isinstance(src, bytes) else parse(read_bytes(src, name), name or str(src))
    if strict and doc.problems:
        raise InputError(doc.problems)
    return doc


def answers_locator(path: Path | None) -> Callable[[tuple], Location]:
    """SourceDocument.locator for the file at ``path``, read again (a checked file's text is
    not kept); the file alone when it cannot be read or came from standard input."""
    if path is not None:
        try:
            return load_source(path).locator()
        except LantianError:
            pass
    name = str(path) if path is not None else "<stdin>"
    return lambda _: Location(name)


#: Characters no text of a user's file needs: C0 controls, DEL, C1 controls, the bidi marks
#: (U+061C, U+200E, U+200F), embeddings, overrides and isolates, which reorder what a document
#: or a terminal shows, and the line and paragraph separators (U+2028, U+2029).
_REFUSED = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"


@functools.cache
def _refused_pattern(allowed: str) -> re.Pattern[str]:
    return re.compile(f"(?![{re.escape(allowed)}])[{_REFUSED}]" if allowed else f"[{_REFUSED}]")


def refused_character(text: str, allowed: str = "") -> re.Match[str] | None:
    """The first character of ``text`` that no text of a user's file needs, except the
    whitespace controls in ``allowed`` ("\t" in a one-line text, "\t\n" in a paragraph)."""
    return _refused_pattern(allowed).search(text)


def path_text(path: str | Path) -> str:
    """A path as text that can be stored and printed: bytes of a file name that are not UTF-8
    (a GBK name from a Windows archive) written as \\xNN instead of Python's surrogates,
    which no database or encoder takes."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def char_name(char: str) -> str:
    """A character a message names that cannot be shown as itself: 换行符 \\n, \\x1b, \\u202e."""
    named = {"\n": "换行符 \\n", "\r": "回车符 \\r", "\t": "制表符 \\t"}
    return named.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
