"""Results and problems as text a person reads, or as the documented JSON document.

No click here: the CLI chooses the stream, this module only builds strings and dicts.
The JSON shape is documented in docs/json.md; ``FORMAT_VERSION`` changes when it does, and
``CHECK_FORMAT_VERSION`` when the check document's does.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from . import indented_json
from ._fsutil import temporary_file_error
from .errors import ErrorCode, Problem, format_problem_line
from .labels import SEVERITY_LABELS, VERDICT_LABELS
from .model import InspectionResult
from .values import chinese_date

#: The version of the documents of `rules check` and `rules test`.
FORMAT_VERSION = 1
#: The version of `lantian check`'s document unless another is asked for. Version 2 gives an
#: item that only records a fact the status "recorded" where version 1 said "pass" (合格).
CHECK_FORMAT_VERSION = 2
CHECK_FORMAT_VERSIONS = (1, 2)


# -- problems --------------------------------------------------------------------------

#: C0 controls (newline and tab too), DEL, C1 controls, and the bidi embeddings, overrides and
#: isolates: none may reach a terminal from a file, where they could start a line of their own,
#: move the cursor, hide or recolour what follows, or reverse it.
#: The bidi marks (U+061C, U+200E, U+200F) and the line and paragraph separators (categories
#: Zl and Zp: U+2028, U+2029) too.
#: Interlinear annotation marks and tag characters (U+FFF9–U+FFFB, U+E0000–U+E007F), which
#: hide text, too. Lone surrogates, which no terminal encoding takes, too: a file name whose bytes are not
#: UTF-8 holds them (U+DC80–U+DCFF for the bytes 0x80–0xFF), written as those bytes, \\xNN.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufff9-\ufffb\U000e0000-\U000e007f]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char) - 0xDC00 if 0xDC80 <= ord(char) <= 0xDCFF else ord(char)
    return _NAMED_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def printable(text: str) -> str:
    """One line of terminal output that may hold text from a file, with every character that
    could act on the terminal written as its escape: ``\\n``, ``\\x1b``, ``\\u202e``. Every text
    formatter passes its lines through here; JSON output is escaped by json_text instead."""
    return _UNPRINTABLE.sub(_escape, text)


#: What JSON written with ensure_ascii=False leaves raw but must not reach a terminal that
#: shows it: DEL, C1 controls, bidi marks, embeddings, overrides and isolates, and invisible
#: separators and joiners. The writer already writes C0 controls as \\u00XX.
_JSON_INVISIBLE = re.compile("[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a surrogate pair, as JSON writes characters outside the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_text(document: Any, *, level: int = 0) -> str:
    """``document`` as indented JSON, Chinese kept readable, with every control, bidi or
    invisible character written as ``\\uXXXX``: still the same JSON value, but nothing in it
    can act on the terminal it is printed to. Every --format json document goes through here.
    ``level`` writes it as it stands that many levels deep inside another document."""
    # The writer escapes every C0 control in a string (newlines as \\n): the only raw controls
    # in its text are the indentation's newlines, and _JSON_INVISIBLE holds every other
    # character printable() escapes. Such characters can only be inside strings, where
    # \\uXXXX means the same character.
    return _JSON_INVISIBLE.sub(_json_escape, indented_json.dumps(document, level=level))


@functools.lru_cache(maxsize=8192)
def _cells(ch: str) -> int:
    # A terminal draws a CJK character two cells wide; the caret must count cells.
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(map(_cells, text))


@functools.lru_cache(maxsize=8192)  # a table repeats its villages, statuses and problems
def clip(text: str, width: int) -> str:
    """``text`` in exactly ``width`` terminal cells: cut with … when longer, padded when shorter."""
    ends = list(itertools.accumulate(map(_cells, text)))  #: where each character ends, in cells
    total = ends[-1] if ends else 0
    if total <= width:
        return text + " " * (width - total)
    kept = bisect.bisect_right(ends, width - 1)  # the characters that fit before the …
    used = ends[kept - 1] if kept else 0
    return text[:kept] + "…" + " " * (width - used - 1)


#: How much of a long source line is shown around the problem's column, on each side.
EXCERPT_CHARS = 60


def _around(text: str, column: int) -> tuple[str, int]:
    """A long line cut to the part around ``column`` (with … where cut), and the column in
    it: a line of half a million characters is shown as a line, not a megabyte."""
    if len(text) <= 2 * EXCERPT_CHARS + 20:
        return text, column
    start = max(0, min(column, len(text)) - EXCERPT_CHARS)
    end = min(len(text), start + 2 * EXCERPT_CHARS)
    head = "…" if start else ""
    return head + text[start:end] + ("…" if end < len(text) else ""), column - start + len(head)


def format_problems(problems: Sequence[Problem], source_lines: Callable[[str], list[str] | None] | None = None) -> str:
    """Each problem as ``file:line:col: [CODE] message (item) — hint``, with the line and a caret."""
    out = []
    shown: tuple | None = None
    for problem in problems:
        out.append(printable(format_problem_line(problem)))
        loc = problem.location
        # Several problems at one place (missing items all point at `answers:`) show it once.
        if (loc.file, loc.line, loc.column) == shown:
            continue
        shown = (loc.file, loc.line, loc.column)
        lines = source_lines(loc.file) if source_lines and loc.line else None
        # A line that did not decode (IO_002) would only show replacement characters.
        if lines and loc.line and 0 < loc.line <= len(lines) and "\ufffd" not in lines[loc.line - 1]:
            text = lines[loc.line - 1].rstrip("\r\n").replace("\t", " ")
            column = max((loc.column or 1) - 1, 0)
            text, column = _around(text, column)
            gutter = f"{loc.line:>5} | "
            out.append(gutter + printable(text))
            out.append(" " * (len(gutter) - 2) + "| " + " " * display_width(printable(text[:column])) + "^")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    # A file with too many problems lists the first ones and a line for the rest: count them all.
    errors += sum(p.context["more"] - 1 for p in problems if p.code is ErrorCode.ANSWER_016)
    if problems:
        from ._postgres import is_address

        # A ledger on a server, or a command, is no file: its problems are counted, not as a file's.
        files = len({p.location.file for p in problems if p.location.in_file and not is_address(p.location.file)})
        summary = f"共 {errors} 个错误"
        if warnings:
            summary += f"、{warnings} 个警告"
        out.append(summary + (f"（{files} 个文件）" if files else ""))
    return "\n".join(out)


def problem_dict(problem: Problem) -> dict[str, Any]:
    loc = problem.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "path": "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc.path),
        "item": loc.item,
        "code": problem.code.name,
        "severity": problem.severity,
        "message": problem.message,
        "hint": problem.hint,
    }


# -- results as JSON -------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def item_status(item: Any, format_version: int = CHECK_FORMAT_VERSION) -> str:
    """An item's status as the check document says it: an answered item that is not judged
    is "recorded" from version 2 on, never "pass", which means it complied."""
    if format_version >= 2 and item.status == "pass" and not item.judged:
        return "recorded"
    return str(item.status)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields(instance: Any) -> dict[str, Any]:
    """A dataclass's fields, in their order: dataclasses.asdict without its deep copy, for the
    flat ones here (a deep copy of every value was a tenth of `check --format json`)."""
    cls = type(instance)
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return {name: getattr(instance, name) for name in _FIELD_NAMES[cls]}


def result_dict(result: InspectionResult, format_version: int = CHECK_FORMAT_VERSION) -> dict[str, Any]:
    """The stable JSON form of one inspection result (docs/json.md)."""
    site = _fields(result.site)
    facts = site.pop("facts")
    return {
        "file": result.answers_name,
        "answers_sha256": result.answers_sha256,
        "checklist": {
            "id": result.checklist_id,
            "title": result.checklist_title,
            "version": result.checklist_version,
            "sha256": result.rules_sha256,
            "legal_sha256": result.legal_sha256,
        },
        "site": {**site, "type_label": result.site_type_label, "facts": {k: _jsonable(v) for k, v in facts.items()}},
        "inspection": {
            "id": result.inspection.id,
            "date": result.inspection.date.isoformat(),
            "inspectors": list(result.inspection.inspectors),
            "start_time": result.inspection.start_time,
            "end_time": result.inspection.end_time,
            "recorder": result.inspection.recorder,
            "credentials": list(result.inspection.credentials),
            "follows": result.inspection.follows,
            "issued": result.decided.isoformat(),
        },
        "verdict": result.verdict,
        "score": _jsonable(result.score),
        "max_score": _jsonable(result.max_score),
        "percent": result.percent,
        "pass_mark": _jsonable(result.pass_mark),
        "veto_failed": list(result.veto_failed),
        "items": [
            {
                "id": item.item_id,
                "section": item.section_id,
                "question": item.question,
                "kind": item.kind,
                "status": item_status(item, format_version),
                "required": item.required,
                "judged": item.judged,
                "answer": item.answer,
                "value": _jsonable(item.value),
                "severity": item.severity,
                "points": _jsonable(item.points),
                "lost": _jsonable(item.lost),
                "count": item.count,
                "note": item.note,
                "photos": list(item.photos),
                "reason": item.reason,
            }
            for item in result.items
        ],
        "findings": [
            {
                "item": finding.item_id,
                "section": finding.section_id,
                "question": finding.question,
                "severity": finding.severity,
                "text": finding.text,
                "reason": finding.reason,
                "rectification": finding.rectification,
                "deadline": finding.deadline.isoformat(),
                "deadline_days": finding.deadline_days,
                "count": finding.count,
                "note": finding.note,
                "photos": list(finding.photos),
                "citations": [{k: _jsonable(v) for k, v in _fields(c).items()} for c in finding.citations],
                "missing_basis": list(finding.missing_basis),
                "excused": finding.excused,
            }
            for finding in result.findings
        ],
        "warnings": [problem_dict(p) for p in result.warnings],
    }


def _document(version: str, ok: bool, problems: Sequence[Problem], *, format_version: int = FORMAT_VERSION, **body: Any) -> str:
    """The envelope every --format json document shares (docs/json.md)."""
    document = {"lantian": version, "format_version": format_version, "ok": ok, **body, "errors": [problem_dict(p) for p in problems]}
    return json_text(document)


def _has_errors(problems: Sequence[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


#: Where a problem of what the command prints is said to be.
_STDOUT = Path("标准输出")


class CheckDocument:
    """The JSON document `lantian check --format json` prints, written as the files are
    checked, with memory flat in the number of files: each result is turned into its JSON at
    once and kept in a spool (in memory up to a few megabytes, then in a temporary file), and
    the envelope, which counts them all, is made at the end around the spooled results, in the
    very bytes json_text gives the whole document. A context manager: leaving it lets the
    spool go."""

    SPOOLED_IN_MEMORY = 8 << 20

    def __init__(self, version: str, format_version: int = CHECK_FORMAT_VERSION) -> None:
        self.version = version
        self.format_version = format_version
        self.counts = {"compliant": 0, "non_compliant": 0, "incomplete": 0}
        self._results: IO[str] = tempfile.SpooledTemporaryFile(max_size=self.SPOOLED_IN_MEMORY, mode="w+", encoding="utf-8")
        self._any = False

    def add(self, result: InspectionResult) -> None:
        self.counts[result.verdict] += 1
        # Inside "results": [ … ], each result stands two levels deep.
        text = json_text(result_dict(result, self.format_version), level=2)
        try:
            self._results.write((",\n" if self._any else "") + text)
        except OSError as exc:  # the spool's temporary file, past the first megabytes
            raise temporary_file_error(exc, _STDOUT) from None
        self._any = True

    def write(self, out: Callable[[str], object], problems: Sequence[Problem]) -> None:
        """The whole document, piece by piece, to ``out``; ``problems`` (every file's) in its errors."""
        files_with_errors = len({p.location.file for p in problems if p.severity == "error"})
        envelope = _document(self.version, files_with_errors == 0, problems, format_version=self.format_version, summary={**self.counts, "invalid": files_with_errors}, results=[])
        # Only the envelope's own keys are indented by two spaces alone.
        before, after = envelope.split('\n  "results": [],\n', 1)
        out(before + "\n")
        if self._any:
            out('  "results": [\n')
            self._results.seek(0)
            while chunk := self._spooled():
                out(chunk)
            out("\n  ],\n")
        else:
            out('  "results": [],\n')
        out(after + "\n")

    def close(self) -> None:
        self._results.close()

    def __enter__(self) -> CheckDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spooled(self) -> str:
        try:
            return self._results.read(1 << 16)
        except OSError as exc:
            raise temporary_file_error(exc, _STDOUT) from None


def rules_document(checklists: Sequence[Any], problems: Sequence[Problem], version: str) -> str:
    """The JSON document `lantian rules check --format json` prints."""
    return _document(
        version,
        not _has_errors(problems),
        problems,
        checklists=[{"id": c.id, "title": c.title, "version": c.version, "file": c.path, "sha256": c.sha256, "items": len(c.items)} for c in checklists],
    )


def cases_document(results: Sequence[Any], problems: Sequence[Problem], version: str) -> str:
    """The JSON document `lantian rules test --format json` prints."""
    return _document(
        version,
        all(r.passed for r in results) and not _has_errors(problems),
        problems,
        summary={"passed": sum(r.passed for r in results), "failed": sum(not r.passed for r in results)},
        cases=[
            {"file": r.file, "line": r.location.line, "checklist": r.checklist, "name": r.name, "passed": r.passed, "differences": list(r.differences)}
            for r in results
        ],
    )


def format_cases(results: Sequence[Any]) -> str:
    """Failed cases in full, passed ones counted per file, and a total."""
    lines: list[str] = []
    by_file: dict[str, list[Any]] = {}
    for result in results:
        by_file.setdefault(result.file, []).append(result)
    for file, file_results in by_file.items():
        passed = sum(r.passed for r in file_results)
        checklist = file_results[0].checklist
        lines.append(f"{file}: {checklist}：{len(file_results)} 个用例，通过 {passed}" + ("" if passed < len(file_results) else "，全部通过"))
        for result in file_results:
            if result.passed:
                continue
            lines.append(f"{result.file}:{result.location.line}:{result.location.column}: 用例 “{result.name}” 未通过（{result.checklist}）")
            lines.extend(f"    {difference}" for difference in result.differences)
    failed = sum(not r.passed for r in results)
    lines.append(f"共 {len(results)} 个用例：通过 {len(results) - failed}，未通过 {failed}")
    return "\n".join(printable(line) for line in lines)


# -- results as text -------------------------------------------------------------------

def format_result(result: InspectionResult) -> str:
    """A readable summary in Chinese of one inspection."""
    site = result.site
    lines = [f"{result.answers_name}"]
    place = "，".join(x for x in (result.site_type_label, site.village) if x)
    lines.append(f"  单位：{site.name}（{place}）")
    lines.append(f"  检查：{chinese_date(result.inspection.date)}，检查人员 {'、'.join(result.inspection.inspectors)}")
    if result.issued and result.issued != result.inspection.date:
        lines.append(f"  作出决定：{chinese_date(result.issued)}（引用按从旧兼从轻确定，整改期限自这一天起算）")
    lines.append(f"  检查表：{result.checklist_title}（{result.checklist_id}，版本 {result.checklist_version}）")
    score = f"得分 {_num(result.score)}/{_num(result.max_score)}"
    if result.percent is not None:
        score += f"（{result.percent:g}%"
        score += f"，合格线 {_num(result.pass_mark)}%）" if result.pass_mark is not None else "）"
    lines.append(f"  结论：{VERDICT_LABELS[result.verdict]}  {score}")
    if result.veto_failed:
        lines.append(f"  一票否决项不合格：{'、'.join(result.veto_failed)}")
    if result.findings:
        lines.append(f"  发现问题 {len(result.findings)} 项：")
        for number, finding in enumerate(result.findings, 1):
            lines.append(f"  {number:>3}. [{SEVERITY_LABELS[finding.severity]}] {finding.reason}")
            if finding.excused:
                lines.append(f"       {finding.excused}  检查项：{finding.item_id}")
                continue
            lines.append(f"       整改要求：{finding.rectification}")
            when = f"立即（{chinese_date(finding.deadline)}）" if finding.deadline_days == 0 else f"{chinese_date(finding.deadline)}前（{finding.deadline_days} 天）"
            lines.append(f"       整改期限：{when}  检查项：{finding.item_id}")
            for citation in finding.citations:
                if citation.transition:
                    lines.append(f"       引用{citation.text}：{citation.transition}")
            if finding.missing_basis:
                lines.append(f"       法律依据 {'、'.join(finding.missing_basis)} 在检查当日没有有效条款，不能出具文书")
    required_waiting = [item for item in result.items if item.status == "unanswered" and item.required]
    if required_waiting:
        lines.append(f"  未填写 {len(required_waiting)} 项：")
        for item in required_waiting:
            why = f"（{item.reason}）" if item.reason else ""
            lines.append(f"       {item.item_id}：{item.question}{why}")
    for warning in result.warnings:
        # With its code and line, as notice and batch print it, so that one can be found from the other.
        line = f"第 {warning.location.line} 行，" if warning.location.line else ""
        lines.append(f"  警告 [{warning.code.name}] {line}{warning.said}")
    return "\n".join(printable(line) for line in lines)


def format_summary(verdicts: Sequence[str], failed_files: int) -> str:
    """The last line of `lantian check` of several files: ``verdicts`` are those of the files checked."""
    counts = {"compliant": 0, "non_compliant": 0, "incomplete": 0}
    for verdict in verdicts:
        counts[verdict] += 1
    total = len(verdicts) + failed_files
    text = (
        f"共 {total} 份答卷：合格 {counts['compliant']}，不合格 {counts['non_compliant']}，"
        f"未完成 {counts['incomplete']}"
    )
    if failed_files:
        text += f"，有错误无法检查 {failed_files}"
    return text


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"
