"""The `lantian` command: a thin layer over engine/.

Each command chooses its input and output, calls the engine, prints, and exits with
0 (all compliant), 1 (some non-compliant or incomplete), 2 (bad input or usage) or
3 (internal error; traceback only with --debug).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import io
import os
import re
import stat
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import click

import engine
from engine import InputError, LantianError, RuleSet, check_output
from engine._fsutil import atomic_write, place_all, refuse_targets, staged, write_reason
from engine.blank import blank_answers
from engine.bundled import default_rules_dir
from engine.cases import run_cases
from engine.errors import ANSWER_WARNINGS, ISSUING_WARNINGS, ErrorCode, Location, Problem, format_problem_line
from engine.labels import FINDING_STATUS_LABELS, SEVERITY_LABELS, USER_ROLE_LABELS, document_label
from engine.loader import load_rules
from engine.source import read_bytes, read_stream, require_plain_file

EXIT_OK, EXIT_NONCOMPLIANT, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
Format = Literal["text", "json"]

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text：中文摘要；json：供程序读取的 JSON（见 docs/json.md）。",
)


class _SourceCache:
    """The text of files already read, to show the offending line under each problem."""

    def __init__(self) -> None:
        self.texts: dict[str, list[str]] = {}

    def add(self, name: str, raw: bytes) -> None:
        self.texts[name] = raw.decode("utf-8-sig", errors="replace").splitlines()

    def __call__(self, name: str) -> list[str] | None:
        if name not in self.texts:
            try:
                self.add(name, read_bytes(name))
            except LantianError:
                return None
        return self.texts[name]


def _say(text: str, *, err: bool = False) -> None:
    """Print ``text``, which may hold words from a user's file, with its control characters
    escaped: nothing from a file moves the cursor, rings, or reverses the line."""
    click.echo(check_output.printable(text), err=err)


def _emit_problems(problems: list[Problem] | tuple[Problem, ...], sources: _SourceCache | None = None) -> None:
    if problems:
        click.echo(check_output.format_problems(problems, sources or _SourceCache()), err=True)


LEDGER_HELP = (
    "整改台账：SQLite 文件，或县局数据库服务器上的台账 postgresql://用户@主机/数据库（见 docs/county.md）；也可设环境变量 "
    "LANTIAN_LEDGER。不写时为办公室设置中的 ledger，或设置文件旁的 <设置文件名>.ledger.sqlite。"
)


class LedgerParameter(click.ParamType):
    """--ledger: a postgresql:// address names a database on a server; anything else a file."""

    name = "ledger"
    _file = click.Path(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from engine import ledger as ledger_module

        if isinstance(value, str) and ledger_module.on_server(found := ledger_module.ledger_at(value)):
            return found
        return self._file.convert(value, param, ctx)


ledger_option = click.option("--ledger", "ledger_path", type=LedgerParameter(), envvar="LANTIAN_LEDGER", help=LEDGER_HELP)

SETTINGS_HELP = "办公室设置文件（机关名称、文号格式等）。不写时依次查找 $LANTIAN_SETTINGS、./office.yaml、答卷文件夹中的 office.yaml 或 office/office.yaml。"


def _found_settings(ctx: click.Context, explicit: Path | None, near: Path | None) -> Any:
    """The office settings the command finds (find_settings), read and checked, or None where
    there are none. A command may ask more than once (its ledger, then its documents, then
    who signs): found and read once, and so is finding none."""
    from engine.settings import find_settings, load_settings

    read: dict[tuple[Any, ...], Any] = ctx.meta.setdefault("lantian.settings", {})
    if (explicit, near) not in read:
        path = find_settings(explicit, near)
        read[explicit, near] = None if path is None else load_settings(path)
    return read[explicit, near]


def _settings(ctx: click.Context, explicit: Path | None, near: Path | None, ledger: Any = None) -> Any:
    """The office settings (SETTINGS_001 where there are none), with the ledger named by
    --ledger in place of their own: its document numbers then go with it (into the database
    of a ledger on a server)."""
    settings = _found_settings(ctx, explicit, near)
    if settings is None:
        raise LantianError.of(ErrorCode.SETTINGS_001, "office.yaml")
    if ledger is not None:
        named = ledger.url if not isinstance(ledger, Path) else str(ledger.absolute())
        settings = dataclasses.replace(settings, ledger_setting=named)
    return settings


def _fonts(settings: Any) -> Any:
    """The office's font for each role, its warnings shown first."""
    from engine.fonts import document_fonts

    fonts, warnings = document_fonts(settings.font, settings.fonts)
    _emit_problems(list(warnings))
    return fonts


def _say_settings_found(explicit: Path | None, settings: Any) -> None:
    """On stderr, which office settings a command that issues documents found by itself: their
    letterhead and numbering go on every document."""
    from engine.settings import named_settings

    if named_settings(explicit) is None:
        _say(f"办公室设置：{settings.path}（没有写 --settings，自动找到；文书的机关、文号按它）", err=True)


def _check_files(
    files: tuple[str, ...], rules: RuleSet, sources: _SourceCache, issued: dt.date | None = None, settings: Any = None
) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """Check each file (``-`` is stdin, once); a bad file is reported, the others go on. With
    the office ``settings``, a file whose notice was issued before is checked as of that day."""
    problems: list[Problem] = []
    checked = list(_each_checked(files, rules, sources, problems, issued, settings))
    return checked, problems


def _each_checked(
    files: tuple[str, ...], rules: RuleSet, sources: _SourceCache, problems: list[Problem], issued: dt.date | None = None, settings: Any = None
) -> Iterator[tuple[str, Any]]:
    """_check_files one file at a time: each file's result as soon as it is checked, its
    problems (and a result's warnings) added to ``problems``. Only standard input's text is
    kept for showing the lines of problems; a file's is read again when one needs it."""
    # Said before any file is checked or anything printed.
    if files.count("-") > 1:
        raise click.UsageError("标准输入（-）只能使用一次")
    for file in files:
        name = "<stdin>" if file == "-" else file
        if file == "-":
            if sys.stdin is None:  # started with standard input closed (`<&-`)
                problems.append(Problem(ErrorCode.IO_001, Location(name), {"reason": "标准输入已关闭"}))
                continue
            try:
                with click.open_file("-", "rb") as stdin:
                    raw = read_stream(stdin, name)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
        else:
            try:
                raw = read_bytes(file, name)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
        if file == "-":
            sources.add(name, raw)
        try:
            result = engine.check(raw, rules, name=name, issued=issued)
            if settings is not None:
                from engine.documents import as_first_issued

                def as_of(day: dt.date, raw: bytes = raw, name: str = name) -> Any:
                    return engine.check(raw, rules, name=name, issued=day)

                result = as_first_issued(result, settings, as_of)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(result.warnings)
        yield file, result


def _rules(ctx: click.Context) -> RuleSet:
    """The rule set, loaded once per command; bad rules stop the command with exit 2."""
    obj = ctx.ensure_object(dict)
    if "rules" not in obj:
        folder = obj.get("rules_dir") or default_rules_dir()
        try:
            obj["rules"] = load_rules(folder)
        except InputError as exc:
            click.echo("规则文件有错误，请先修正（lantian rules check 可查看全部问题）：", err=True)
            _emit_problems(exc.problems)
            ctx.exit(EXIT_BAD_INPUT)
    return obj["rules"]


#: A value as click quotes it (Python's repr: '…', or "…" when it holds a ').
_QUOTED = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
#: click's own words for a mistake in the command line, as patterns of its messages → ours.
#: A message none of them matches is shown as click wrote it.
_CLICK_SAID: tuple[tuple[str, str], ...] = (
    (rf"Missing argument (?P<name>{_QUOTED})\.", "缺少参数 {name}"),
    (r"Missing option (?P<names>'.+')\.", "缺少选项 {names}"),
    (r"Invalid value for (?P<names>'.+?'(?: / '.+?')*): (?P<why>.+)", "{names} 的值不对：{why}"),
    (rf"No such option (?P<name>{_QUOTED})\.(?P<rest>.*)", "没有选项 {name}{rest}"),
    (rf"No such command (?P<name>{_QUOTED})\.(?P<rest>.*)", "没有命令 {name}{rest}"),
    (r"Got unexpected extra arguments? \((?P<args>.+)\)", "多写了参数：{args}"),
    (rf"Option (?P<name>{_QUOTED}) does not take a value\.", "选项 {name} 后面不带值"),
    (rf"Option (?P<name>{_QUOTED}) requires (?:an argument|(?P<count>\d+) arguments)\.", "选项 {name} 后面要写值"),
    (r"Missing command\.", "缺少命令"),
)
#: Why a value was refused, as click's types say it → ours; {value} and {path} unquoted.
_CLICK_VALUE_SAID: tuple[tuple[str, str], ...] = (
    (rf"(?P<value>{_QUOTED}) does not match the format '%Y-%m-%d'\.", "“{value}” 不是 YYYY-MM-DD 写法的实际存在的日期"),
    (rf"(?P<value>{_QUOTED}) is not a valid integer(?: range)?\.", "“{value}” 不是整数"),
    (rf"(?P<value>{_QUOTED}) is not a valid float(?: range)?\.", "“{value}” 不是数"),
    (rf"(?P<value>{_QUOTED}) is not one of (?P<choices>.+)\.", "“{value}” 不是可选的值，可选：{choices}"),
    (r"(?P<value>.+) is not in the range (?P<range>.+)\.", "{value} 不在允许的范围（{range}）内"),
    (rf"(?:File|Directory|Path) (?P<path>{_QUOTED}) does not exist\.", "“{path}” 不存在"),
    (rf"(?:File|Directory|Path) (?P<path>{_QUOTED}) is a file\.", "“{path}” 是文件，这里要的是文件夹"),
    (rf"(?:File|Directory|Path) (?P<path>{_QUOTED}) is a directory\.", "“{path}” 是文件夹，这里要的是文件"),
    (rf"(?:File|Directory|Path) (?P<path>{_QUOTED}) is not readable\.", "“{path}” 没有读取的权限"),
    (rf"(?:File|Directory|Path) (?P<path>{_QUOTED}) is not writable\.", "“{path}” 没有写入的权限"),
)


def _unquoted(text: str) -> str:
    """``text`` with each value click quoted in it (its repr) as the user typed it: quotes
    off, escapes undone."""
    return re.sub(_QUOTED, lambda quoted: re.sub(r"\\(.)", r"\1", quoted.group()[1:-1]), text)


def _usage_detail(message: str, source: str | None = None) -> str:
    """click's message of a mistake in the command line in Chinese, where it is one of the
    common ones (_CLICK_SAID); otherwise as click wrote it. ``source`` names where a refused
    value came from when it was not the command line (an environment variable)."""

    def suggestion(rest: str) -> str:
        close = re.fullmatch(r"\s*Did you mean '(.+?)'\?", rest)
        several = re.fullmatch(r"\s*\((?:Possible options: |Did you mean one of: )(.+?)\??\)", rest)
        return f"；是否应为 {close.group(1)}？" if close else f"；可能是：{_unquoted(several.group(1))}" if several else _unquoted(rest)

    for pattern, said in _CLICK_SAID:
        found = re.fullmatch(pattern, message.strip())
        if found is None:
            continue
        parts = {key: value or "" for key, value in found.groupdict().items()}
        if "name" in parts:
            parts["name"] = _unquoted(parts["name"])
        if "names" in parts:
            parts["names"] = _unquoted(parts["names"]) if source is None else f"{source}（即 {_unquoted(parts['names'])}）"
        if "rest" in parts:
            parts["rest"] = suggestion(parts["rest"])
        if "why" in parts:
            for why, why_said in _CLICK_VALUE_SAID:
                value = re.fullmatch(why, parts["why"])
                if value is not None:
                    parts["why"] = why_said.format(**{key: _unquoted(text) for key, text in value.groupdict().items()})
                    break
        return said.format(**parts)
    return message


def _usage_exit(exc: click.UsageError) -> click.exceptions.Exit:
    """A mistake in the command line itself as a coded problem (USAGE_001): click's own detail,
    which names the argument or option (in Chinese where it is a common one), and where to read
    the command's usage."""
    command = exc.ctx.command_path if exc.ctx is not None else "lantian"
    source = None
    if isinstance(exc, click.BadParameter) and exc.ctx is not None and exc.param is not None and exc.param.name:
        if exc.ctx.get_parameter_source(exc.param.name) is click.core.ParameterSource.ENVIRONMENT:
            source = f"环境变量 {exc.param.envvar}"  # not typed on the command line: say where it came from
    problem = Problem(ErrorCode.USAGE_001, Location(command, in_file=False), {"detail": _usage_detail(exc.format_message(), source), "command": command})
    _say(format_problem_line(problem), err=True)
    return click.exceptions.Exit(EXIT_BAD_INPUT)


#: click's own words in an option's help, in the language of the rest of the page.
_HELP_WORDS = (("[default: ", "[默认："), ("; required]", "；必填]"), ("[required]", "[必填]"))
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}


class _ChineseHelpFormatter(click.HelpFormatter):
    """click's help page with its own words in Chinese, put in before the lines are wrapped."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]..."), "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        def chinese(text: str) -> str:
            for english, said in _HELP_WORDS:
                text = text.replace(english, said)
            return text

        super().write_dl([(term, chinese(text)) for term, text in rows], col_max, col_spacing)


class _ChineseContext(click.Context):
    formatter_class = _ChineseHelpFormatter


class LantianCommand(click.Command):
    """Every command of lantian (the group makes them of this class): its help page Chinese
    throughout, click's own words and its --help too."""

    context_class = _ChineseContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            # click's parser refuses an option given no value without saying which command it
            # was parsing: this one, whose --help the message then names.
            if exc.ctx is None:
                exc.ctx = ctx
            raise


class LantianGroup(LantianCommand, click.Group):
    """The one place where what the engine reports becomes output and an exit code: every
    LantianError (a file, the ledger, a font, a disk) is printed with its code, message and
    hint, and so is every mistake in the command line (USAGE_001); the command exits with 2.
    Commands catch nothing."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `lantian` alone shows the help
        except click.UsageError as exc:
            raise _usage_exit(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LantianError as exc:
            _emit_problems(exc.problems)
            raise click.exceptions.Exit(EXIT_BAD_INPUT) from None
        except click.exceptions.NoArgsIsHelpError:
            raise  # `lantian ledger` alone shows the help of ledger
        except click.UsageError as exc:
            raise _usage_exit(exc) from None


LantianGroup.command_class = LantianCommand
LantianGroup.group_class = type  # a group's groups are LantianGroups too


RULES_HELP = "规则目录（检查表和 _legal.yaml）。默认使用内置规则；也可设环境变量 LANTIAN_RULES。"
DEBUG_HELP = "内部错误时显示完整的 Python 调用栈。"


@click.group(cls=LantianGroup, context_settings=CONTEXT)
@click.version_option(engine.__version__, "-V", "--version", prog_name="lantian", help="显示版本号并退出。")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), envvar="LANTIAN_RULES", help=RULES_HELP)
@click.option("--debug", is_flag=True, help=DEBUG_HELP)
@click.pass_context
def cli(ctx: click.Context, rules_dir: Path | None, debug: bool) -> None:
    """蓝天（Lantian）：大气污染防治检查的检查表引擎。

    \b
    常用命令：
      lantian template dust_six_100pct -o 答卷.yaml   生成空白答卷
      lantian check 答卷.yaml                         检查答卷并给出结论
      lantian rules check                              校验规则文件

    退出码：0 全部合格；1 有不合格或未完成；2 输入或用法有误；3 内部错误。
    """
    ctx.ensure_object(dict)
    ctx.obj["rules_dir"] = rules_dir
    ctx.obj["debug"] = debug


ISSUED_HELP = (
    "作出决定、出具文书的日期，YYYY-MM-DD；默认为检查日期。文书按这一天落款和编号，整改期限自这一天起算；"
    "行为在法律修改之前、决定在之后的，按从旧兼从轻引用条文。"
)
issued_option = click.option("--issued", type=click.DateTime(["%Y-%m-%d"]), default=None, help=ISSUED_HELP)
workers_option = click.option(
    "-j", "--workers", type=click.IntRange(1, 16), default=None, envvar="LANTIAN_WORKERS", help="同时生成文书的进程数；默认为环境变量 LANTIAN_WORKERS，没有时为本机的核数（最多 4 个）。"
)
FORCE_HELP = "覆盖输出文件夹中已有的同名文件（只覆盖普通文件）。不加时，有文件已存在就什么也不写，列出这些文件，退出码 2。"


def _day(value: Any) -> dt.date | None:
    return value.date() if value is not None else None


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@format_option
@click.option(
    "--format-version",
    "format_version",
    type=click.IntRange(min(check_output.CHECK_FORMAT_VERSIONS), max(check_output.CHECK_FORMAT_VERSIONS)),
    default=check_output.CHECK_FORMAT_VERSION,
    show_default=True,
    help="json 的格式版本（见 docs/json.md）；1 为旧格式（只记录、不判定的项也标为 pass），将在以后的版本中删除。",
)
@issued_option
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path), help="办公室设置文件：给出时，出具决定书（document_kind: department_order）的办公室在生成文书、分配文号之前就能看到决定书缺少的当事人信息等警告（ORDER_001–003）。")
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...], fmt: Format, format_version: int, issued: Any, settings_path: Path | None) -> None:
    """检查答卷 FILES（YAML 或 JSON），给出结论、得分和发现的问题。

    FILES 为 - 时从标准输入读取。一个文件有错误不影响其他文件的检查。

    \b
    示例：
      lantian check examples/dust_six_100pct_noncompliant.yaml
      lantian check examples/*.yaml --format json > results.json
      cat 答卷.json | lantian check -
    """
    rules = _rules(ctx)
    sources = _SourceCache()
    problems: list[Problem] = []
    checked = _each_checked(files, rules, sources, problems, _day(issued))
    if settings_path is not None:
        from engine.order_checks import order_problems
        from engine.source import answers_locator

        settings = _settings(ctx, settings_path, None)
        checked = (
            (file, dataclasses.replace(result, warnings=(*result.warnings, *order_problems(result, settings, answers_locator(None if file == "-" else Path(file))))))
            if result.verdict == "non_compliant"
            else (file, result)
            for file, result in checked
        )
    compliant = True
    if fmt == "json":
        # Written as the files are checked, so that ten thousand files take no more memory than ten.
        with check_output.CheckDocument(engine.__version__, format_version) as document:
            for _, result in checked:
                document.add(result)
                compliant = compliant and result.compliant
            document.write(lambda text: click.echo(text, nl=False), problems)
    else:
        verdicts: list[str] = []
        for _, result in checked:
            click.echo(check_output.format_result(result))
            click.echo()
            verdicts.append(result.verdict)
            compliant = compliant and result.compliant
        failed = {p.location.file for p in problems if p.severity == "error"}
        # Warnings of checked files are already in their summaries.
        _emit_problems([p for p in problems if p.severity == "error"], sources)
        if len(files) > 1:
            click.echo(check_output.format_summary(verdicts, len(failed)))
    if any(p.severity == "error" for p in problems):
        ctx.exit(EXIT_BAD_INPUT)
    ctx.exit(EXIT_OK if compliant else EXIT_NONCOMPLIANT)


@cli.command(context_settings=CONTEXT, short_help="为每份答卷生成现场检查记录，不合格的另生成整改通知书或决定书（PDF）。")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=False))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="文书写入的文件夹。")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path), help=SETTINGS_HELP)
@workers_option
@issued_option
@click.option("--force", is_flag=True, help=FORCE_HELP)
@click.pass_context
def notice(ctx: click.Context, files: tuple[str, ...], out_dir: Path, settings_path: Path | None, workers: int | None, issued: Any, force: bool) -> None:
    """为每份答卷生成现场检查记录，不合格的另生成责令整改通知书或责令改正违法行为决定书（PDF，按办公室设置的 document_kind）。

    \b
    示例：
      lantian notice examples/dust_six_100pct_noncompliant.yaml -o out --settings examples/office/office.yaml
    """
    from engine.batch import write_notices
    from engine.render import default_workers

    rules = _rules(ctx)
    settings = _settings(ctx, settings_path, Path(files[0]).parent if files else None)
    _say_settings_found(settings_path, settings)
    sources = _SourceCache()
    checked, problems = _check_files(files, rules, sources, _day(issued), settings)
    outcome = write_notices([(None if file == "-" else Path(file), result) for file, result in checked], out_dir, settings, workers=workers or default_workers(), force=force)
    problems.extend(outcome.problems)
    for item in outcome.written:
        # The path holds the answers file's name, the number the office's number_pattern.
        click.echo(check_output.printable(f"{item.path}") + f"\t{document_label(item.kind, settings.document_kind)}" + (f"\t{check_output.printable(item.number)}" if item.number else ""))
    # Errors, the citations that could not follow the transitional rule (a clerk must check
    # those), the order's missing particulars, the settings' fonts that stood in for others,
    # and the answers' own warnings.
    refused = {p.location.file for p in problems if p.severity == "error"}  # their answers' warnings would be noise beside why
    _emit_problems(
        [
            p
            for p in problems
            if p.severity == "error" or (p.code in ISSUING_WARNINGS and not (p.code in ANSWER_WARNINGS and p.location.file in refused))
        ],
        sources,
    )
    if any(p.severity == "error" for p in problems):
        ctx.exit(EXIT_BAD_INPUT)
    ctx.exit(EXIT_OK if all(result.compliant for _, result in checked) else EXIT_NONCOMPLIANT)


@cli.command(context_settings=CONTEXT, short_help="批量检查一个文件夹的答卷：登记入台账，生成检查记录、整改通知书和整改清单。")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="文书写入的文件夹。")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path), help=SETTINGS_HELP)
@workers_option
@ledger_option
@issued_option
@click.option("--force", is_flag=True, help=FORCE_HELP)
@click.pass_context
def batch(ctx: click.Context, directory: Path, out_dir: Path, settings_path: Path | None, workers: int | None, ledger_path: Path | None, issued: Any, force: bool) -> None:
    """检查 DIRECTORY 下的全部答卷，生成每份检查记录、不合格单位的整改通知书（或决定书），以及整改清单（PDF 和 XLSX）。

    有错误的答卷不影响其他答卷，最后统一列出，退出码为 2。

    \b
    示例：
      lantian batch examples -o out
    """

    from engine.batch import run_batch
    from engine.render import default_workers

    rules = _rules(ctx)
    settings = _settings(ctx, settings_path, directory, ledger_path)
    _say_settings_found(settings_path, settings)
    # A file as the clerk named it (messages name it so); a server's as the settings' office uses it.
    shown_ledger = ledger_path if isinstance(ledger_path, Path) else settings.ledger
    stderr = sys.stderr  # the bar must not mix into stdout
    state: dict[str, Any] = {}

    def on_total(total: int) -> None:
        if not total:
            return  # every file refused: no bar for nothing
        # Not on a terminal (a log, a pipe) the bar is only its label, printed once: it says how many.
        label = "生成文书" if stderr.isatty() else f"生成文书 {total} 份……"
        state["bar"] = click.progressbar(length=total, label=label, file=stderr, show_pos=True)
        state["bar"].__enter__()

    try:
        outcome = run_batch(
            directory, out_dir, rules, settings,
            on_total=on_total, on_progress=lambda n: state["bar"].update(n), workers=workers or default_workers(),
            ledger_path=shown_ledger, issued=_day(issued), force=force,
        )
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    verdicts = [result.verdict for _, result in outcome.results]
    notices = sum(1 for w in outcome.written if w.kind == "notice")
    records = sum(1 for w in outcome.written if w.kind == "record")
    errors = [p for p in outcome.problems if p.severity == "error"]
    refused = len({p.location.file for p in errors})
    click.echo(
        f"检查答卷 {len(outcome.results)} 份：合格 {verdicts.count('compliant')}，不合格 {verdicts.count('non_compliant')}，未完成 {verdicts.count('incomplete')}"
        + (f"；另有 {refused} 份答卷有错误，没有处理（见下）" if refused else "")
    )
    excused = sum(1 for _, result in outcome.results if result.verdict == "non_compliant" and not result.notice_findings)
    if excused:
        click.echo(f"其中 {excused} 份不合格答卷的问题，依照从旧兼从轻的规定在出具之日已不认为违法，不出具{document_label('notice', settings.document_kind)}（lantian check --issued 查看）")
    lists = "、".join(label for kind, label in (("list", "PDF"), ("list_xlsx", "XLSX")) if any(w.kind == kind for w in outcome.written))
    if outcome.results:
        _say(f"已写入 {out_dir}：{document_label('notice', settings.document_kind)} {notices} 份，现场检查记录 {records} 份" + (f"，整改清单（{lists}）" if lists else ""))
    elif errors:
        _say(f"没有写入文书：{out_dir} 中什么也没有写")
    else:
        _say(f"没有写入文书：{directory} 中没有答卷（.yaml、.yml、.json 文件）")
    new = [r for r in outcome.recorded if r.new]
    _say(
        f"台账 {shown_ledger}：新登记检查 {len(new)} 次，新增问题 {sum(r.opened for r in new)} 个，"
        f"复查销号 {sum(r.closed for r in new)} 个、仍未整改 {sum(r.still_open for r in new)} 个"
        + (f"；{len(outcome.recorded) - len(new)} 份答卷此前已登记，未重复登记" if len(new) < len(outcome.recorded) else "")
    )
    undecided = [p for p in outcome.problems if p.code is ErrorCode.LEGAL_006]
    if undecided:
        click.echo("以下引用无法按从旧兼从轻比较新旧罚则，已引用违法行为发生时的规定，请人工核对：", err=True)
        _emit_problems(undecided)
    _emit_problems([p for p in outcome.problems if p.code in ISSUING_WARNINGS and p.code is not ErrorCode.LEGAL_006])  # LEGAL_006 above, under its heading
    if errors:
        click.echo(f"以下 {refused} 份答卷有错误，未生成文书：", err=True)
        _emit_problems(errors)
    if outcome.not_written:
        click.echo("以下文书没有生成或没有写入（上面已写入的都是完整的）：", err=True)
        _emit_problems(outcome.not_written)
    if errors or outcome.not_written:
        ctx.exit(EXIT_BAD_INPUT)
    ctx.exit(EXIT_OK if all(v == "compliant" for v in verdicts) else EXIT_NONCOMPLIANT)


@cli.command(context_settings=CONTEXT)
@click.argument("checklist")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True, help="写入的文件；- 为标准输出。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件（只覆盖普通文件，不替换链接、管道或设备）。")
@click.pass_context
def template(ctx: click.Context, checklist: str, output: str, force: bool) -> None:
    """生成检查表 CHECKLIST 的空白答卷，逐项列出检查内容、答案类型和可选值。

    \b
    示例：
      lantian template dust_six_100pct -o XX工地.yaml
    """
    rules = _rules(ctx)
    found = rules.checklist(checklist, Location("lantian template", in_file=False))
    text = blank_answers(found)
    if output == "-":
        # Bytes, so that the file is UTF-8 whatever the console's code page (GBK on Chinese Windows).
        click.echo(text.encode("utf-8"), nl=False)
        ctx.exit(EXIT_OK)
    target = Path(output)
    refuse_targets([target], force=force)
    atomic_write(target, text.encode("utf-8"), overwrite=force)
    _say(f"已生成空白答卷 {output}（{len(found.items)} 个检查项）", err=True)
    ctx.exit(EXIT_OK)


@cli.command(context_settings=CONTEXT)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("office.yaml"), show_default=True, help="写入的设置文件。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件（只覆盖普通文件）。")
@click.pass_context
def init(ctx: click.Context, output: Path, force: bool) -> None:
    """生成一份待填写的办公室设置文件（机关名称、文号格式、联系方式等），每一项都有说明和示例。

    填好 office 和 number_pattern 后，notice、batch、ledger 等命令就能使用它：放在当前文件夹
    （默认的 office.yaml）即可，或者用 --settings 指定。已有的文件不会被覆盖，除非加 --force。

    \b
    示例：
      lantian init
      lantian init -o 办公室/office.yaml
    """
    from engine.settings import settings_template

    # A settings file filled in before is the office's own: replaced only when --force says so.
    refuse_targets([output], force=force, settings=True)
    atomic_write(output, settings_template().encode("utf-8"), overwrite=force, settings=True)
    _say(f"已生成办公室设置文件 {output}：请填写 office（发文机关全称）和 number_pattern（文号格式），其余各项按需要填写。", err=True)
    ctx.exit(EXIT_OK)


@cli.group(context_settings=CONTEXT)
def rules() -> None:
    """规则文件（检查表和法律依据）的校验与查看。"""


def _rules_folder(ctx: click.Context, directory: Path | None, fmt: Format, json_document: Any) -> tuple[Path, str, RuleSet]:
    """The rules folder a `rules` command works on, loaded; bad rules end the command with exit 2."""
    folder = directory or ctx.obj.get("rules_dir") or default_rules_dir()
    shown = str(directory) if directory else str(folder)
    try:
        return folder, shown, load_rules(folder, name=shown)
    except InputError as exc:
        if fmt == "json":
            click.echo(json_document([], exc.problems, engine.__version__))
        else:
            _emit_problems(exc.problems)
        raise click.exceptions.Exit(EXIT_BAD_INPUT) from None


@rules.command("check", context_settings=CONTEXT)
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@format_option
@click.option("--on", "days", multiple=True, type=click.DateTime(["%Y-%m-%d"]), help="只查这一天（可写多次）各检查表引用的法律依据有没有有效条款，YYYY-MM-DD。")
@click.pass_context
def rules_check(ctx: click.Context, directory: Path | None, fmt: Format, days: tuple[Any, ...]) -> None:
    """校验规则目录 DIRECTORY 中的每个检查表和 _legal.yaml，一次列出全部问题。

    还列出检查表引用的、在某些日期没有有效条款的每一条法律依据：默认查今天和每个检查表的整个
    有效期，--on 只查指定的日期。这些日期的检查发现这类问题时，结论照常给出，但不能出具文书。

    不写 DIRECTORY 时校验正在使用的规则目录。

    \b
    示例：
      lantian rules check rules/
      lantian rules check --on 2026-12-06
    """
    from engine.citations import coverage_gaps, gap_problems

    folder, shown, ruleset = _rules_folder(ctx, directory, fmt, check_output.rules_document)
    on = [day.date() for day in days] if days else None
    found = coverage_gaps(ruleset.checklists.values(), on, dt.date.today())
    gaps = gap_problems(found, ruleset.legal)
    warnings = list(ruleset.warnings) + gaps
    if fmt == "json":
        click.echo(check_output.rules_document(list(ruleset.checklists.values()), warnings, engine.__version__))
    else:
        _emit_problems(warnings)
        for checklist in ruleset.checklists.values():
            _say(f"{checklist.path}: {checklist.title}（版本 {checklist.version}，{len(checklist.items)} 个检查项）")
        if on is None:
            click.echo(f"法律依据按各检查表的有效期查到 {dt.date.today().isoformat()}：{'见上面的警告' if gaps else '每个检查项都有有效条款'}。")
        for day in on or ():
            in_force = [c.id for c in ruleset.checklists.values() if c.in_force(day)]
            if not in_force:
                click.echo(f"{day.isoformat()}：没有有效的检查表，这一天的答卷都会被拒绝（CHECKLIST_002）。")
            else:
                missing = [gap for gap in found if gap.start <= day <= (gap.end or dt.date.max)]
                click.echo(f"{day.isoformat()}：{len(in_force)} 个检查表有效，" + (f"{len(missing)} 条法律依据没有有效条款（见上面的警告）。" if missing else "引用的法律依据都有有效条款。"))
        _say(f"规则目录 {shown}：{len(ruleset.checklists)} 个检查表、{len(ruleset.legal.refs)} 条法律依据，没有错误。")
    ctx.exit(EXIT_OK)


@rules.command("test", context_settings=CONTEXT)
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@format_option
@click.pass_context
def rules_test(ctx: click.Context, directory: Path | None, fmt: Format) -> None:
    """运行规则目录 DIRECTORY 中 cases/ 下的测试用例，核对每个用例的结论和不合格项。

    不写 DIRECTORY 时使用正在使用的规则目录。退出码：0 全部通过；1 有用例未通过；2 规则或用例文件有错误。

    \b
    示例：
      lantian rules test rules/
    """
    folder, shown, ruleset = _rules_folder(ctx, directory, fmt, check_output.cases_document)
    results, problems = run_cases(folder, ruleset, shown=shown)
    if fmt == "json":
        click.echo(check_output.cases_document(results, problems, engine.__version__))
    else:
        click.echo(check_output.format_cases(results))
        _emit_problems(problems)
    if any(p.severity == "error" for p in problems):
        ctx.exit(EXIT_BAD_INPUT)
    ctx.exit(EXIT_OK if all(r.passed for r in results) else EXIT_NONCOMPLIANT)


@rules.command("list", context_settings=CONTEXT)
@click.pass_context
def rules_list(ctx: click.Context) -> None:
    """列出可用的检查表。"""
    ruleset = _rules(ctx)
    for checklist in ruleset.checklists.values():
        types = "、".join(o.label for o in checklist.site_types)
        click.echo(f"{checklist.id}\t" + check_output.printable(f"{checklist.title}（版本 {checklist.version}；适用：{types}）"))
    ctx.exit(EXIT_OK)


def _ledger_file(ctx: click.Context, ledger_path: Path | None, settings_path: Path | None) -> Path:
    """The ledger to read: the one named, else the one beside the office settings. It must
    exist (LEDGER_010, naming where it was looked for) and be a ledger: reading must never
    create an empty one and report that nothing is open, nor write into any file."""
    from engine import ledger as ledger_module

    path = _ledger(ctx, ledger_path, settings_path)
    ledger_module.check_ledger(path)
    return path


def _ledger(ctx: click.Context, ledger_path: Any, settings_path: Path | None) -> Any:
    """The ledger named (--ledger, $LANTIAN_LEDGER), else the settings' one. A ledger on a
    server is used as the settings' office uses it (its own inspections among the county's);
    without settings, as the county's view of every office."""
    from engine import ledger as ledger_module

    if ledger_path is None:
        return _settings(ctx, settings_path, None).ledger
    if ledger_module.on_server(ledger_path) and _found_settings(ctx, settings_path, None) is not None:
        return _settings(ctx, settings_path, None, ledger_path).ledger
    return ledger_path


def _county_ledger(ctx: click.Context, ledger_path: Any, settings_path: Path | None) -> Any:
    """The county's view (every office) of the county's database the ledger named or the
    settings' one is, checked; a ledger file is refused, as it holds one office."""
    from engine import ledger as ledger_module

    path = _ledger(ctx, ledger_path, settings_path)
    if not ledger_module.on_server(path):
        raise click.UsageError("--county 只用于县局数据库服务器上的台账（--ledger postgresql://…，见 docs/county.md）：一个台账文件只有一个单位")
    path = ledger_module.for_office(path, None)
    ledger_module.check_ledger(path)
    return path


def _county_flag(help_text: str) -> Any:
    """--county: the county's view of its database (_county_ledger), with what it does there."""
    return click.option("--county", is_flag=True, help=f"{help_text}（见 docs/county.md）。")


def _date_option(name: str, help_text: str) -> Any:
    return click.option(name, type=click.DateTime(["%Y-%m-%d"]), default=None, help=help_text)


settings_option = click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path), help=SETTINGS_HELP)


@cli.group(context_settings=CONTEXT, short_help="整改台账：查询问题、书面销号、检查、备份、升级，与县局同步。")
def ledger() -> None:
    """整改台账：查询问题、查看经过、书面销号、检查台账文件是否完好、备份、升级结构、与县局的台账同步（见 docs/ledger.md）。"""


@ledger.command("list", context_settings=CONTEXT)
@click.option("--village", help="只列这个村（社区）的问题。")
@click.option("--checklist", help="只列这张检查表的问题（检查表编号）。")
@click.option("--status", type=click.Choice([*FINDING_STATUS_LABELS, "unclosed"]), help="open 待整改，rectifying 整改中，closed 已销号，unclosed 未销号（前两种）。")
@click.option("--severity", type=click.Choice(list(SEVERITY_LABELS)), help="veto 一票否决，major 重要，minor 一般。")
@click.option("--overdue", is_flag=True, help="只列到 --as-of 那天已过整改期限仍未销号的问题。")
@_date_option("--as-of", "按哪一天计算逾期，YYYY-MM-DD；默认今天。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx", "pdf"]), default="table", show_default=True, help="table 终端表格；json、csv 供其他程序；xlsx、pdf 为整改清单（须用 -o 指定文件）。")
@click.option("--format-version", "format_version", type=click.IntRange(1, 3), default=3, show_default=True, help="json、csv 的格式版本（见 docs/json.md）；2 没有 office 字段；1 为旧格式，将在以后的版本中删除。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="写入的文件；不写或写 - 时 table、json、csv 输出到屏幕。")
@click.option("--force", is_flag=True, help="-o 的文件已存在时覆盖它（只覆盖普通文件）。")
@_county_flag("全县：县局数据库中各乡镇（单位）的问题，每个问题注明所属乡镇；清单用本单位（县局）的设置落款")
@ledger_option
@settings_option
@click.pass_context
def ledger_list(ctx: click.Context, village: str | None, checklist: str | None, status: str | None, severity: str | None, overdue: bool, as_of: Any, fmt: str, format_version: int, output: Path | None, force: bool, county: bool, ledger_path: Path | None, settings_path: Path | None) -> None:
    """列出台账中的问题，按整改期限排列。

    \b
    示例：
      lantian ledger list --overdue --as-of 2024-12-20
      lantian ledger list --village 东关村 --status unclosed --format xlsx -o 东关村.xlsx
      lantian ledger list --county --overdue --format pdf -o 全县逾期.pdf
    """
    import datetime as dt

    from engine import ledger as ledger_module
    from engine import ledger_output
    from engine.ledger import Filter

    if output is not None and str(output) == "-":
        if fmt in ("xlsx", "pdf"):
            raise click.UsageError(f"--format {fmt} 须用 -o 指定写入的文件，不能写到标准输出（-）")
        output = None  # -o - is standard output, as "-" is standard input for check
    if output is not None:
        refuse_targets([output], force=force)  # before anything is read or rendered
    path = _county_ledger(ctx, ledger_path, settings_path) if county else _ledger_file(ctx, ledger_path, settings_path)
    if output is not None:
        ledger_module.refuse_output(path, output)  # with --force it would replace the ledger
    day = as_of.date() if as_of else dt.date.today()
    # --as-of asks for that day: the status is the one the finding had then, as its overdue days are.
    rows = ledger_module.findings(path, Filter(village=village, checklist=checklist, status=status, severity=severity, overdue_on=day if overdue else None, status_on=day if as_of else None))
    offices = ledger_module.county_view(path)  # the county's view: each finding shown with its town
    if fmt in ("xlsx", "pdf"):
        if output is None:
            raise click.UsageError(f"--format {fmt} 须用 -o 指定写入的文件")
        _write_ledger_list(ctx, rows, day, fmt, output, settings_path, overdue=overdue, offices=offices)
        _say(f"已写入 {output}：{len(rows)} 个问题")
        ctx.exit(EXIT_OK)
    if fmt == "json":
        text = ledger_output.json_document(rows, day, engine.__version__, format_version) + "\n"
    elif fmt == "csv":
        text = ledger_output.csv_text(rows, day, format_version)
    else:
        text = ledger_output.table_text(rows, day, dated=overdue or as_of is not None, offices=offices)
        if not rows and not any((village, checklist, status, severity, overdue)):
            _county_hint(path, "没有本单位（{office}）的问题。县局要看全县各乡镇的问题，用 lantian ledger list --county")
    if output is not None:
        atomic_write(output, text.encode("utf-8-sig" if fmt == "csv" else "utf-8"))
        _say(f"已写入 {output}：{len(rows)} 个问题")
    else:
        click.echo(text, nl=False)
    ctx.exit(EXIT_OK)


def _write_ledger_list(ctx: click.Context, rows: Any, day: Any, fmt: str, output: Path, settings_path: Path | None, *, overdue: bool, offices: bool) -> None:
    """The rectification list (整改清单) of the selected findings, as in lantian batch; of the
    overdue ones, the list of findings past their deadline (逾期未销号清单)."""
    from engine.rectification import ledger_list_file

    settings = _settings(ctx, settings_path, None)
    if fmt == "pdf":
        _fonts(settings)  # its warnings (a font not installed), before the list is made
    atomic_write(output, ledger_list_file(rows, day, fmt, settings, output, overdue=overdue, offices=offices))


@ledger.command("show", context_settings=CONTEXT)
@click.argument("finding_id", type=int)
@_county_flag("县局用：查看县局数据库中任何乡镇（单位）的问题")
@ledger_option
@settings_option
@click.pass_context
def ledger_show(ctx: click.Context, finding_id: int, county: bool, ledger_path: Path | None, settings_path: Path | None) -> None:
    """显示问题 FINDING_ID 的全部情况和状态变化经过。"""
    from engine import ledger as ledger_module

    path = _county_ledger(ctx, ledger_path, settings_path) if county else _ledger_file(ctx, ledger_path, settings_path)
    row, events = ledger_module.history(path, finding_id)
    # Site names, notes and evidence names came from files and people: escaped, line by line.
    lines = [
        f"问题 #{row.finding_id}（检查 #{row.inspection_id}{'，文号 ' + row.notice_number if row.notice_number else ''}）：{FINDING_STATUS_LABELS[row.status]}",
        f"  单位：{row.site}（{row.village or '未填村'}；{row.operator or '—'}）",
        f"  检查：{row.inspected_on.isoformat()}，{row.checklist_title}，检查项 {row.item_id}",
        f"  问题：{row.reason}（{SEVERITY_LABELS.get(row.severity, row.severity)}）",
        f"  整改：{row.rectification}，期限 {row.deadline.isoformat()}",
        "  经过：",
    ]
    for event in events:
        proof = f"；证明材料 {event.evidence_name}（SHA-256 {event.evidence_sha256}）" if event.evidence_name else ""
        lines.append(f"    {event.happened_on.isoformat()}  {FINDING_STATUS_LABELS[event.status]}  {event.actor}：{event.reason}{proof}")
    click.echo("\n".join(check_output.printable(line) for line in lines))
    ctx.exit(EXIT_OK)


@ledger.command("close", context_settings=CONTEXT)
@click.argument("finding_id", type=int)
@click.option("--note", required=True, help="销号理由，如“已加高围挡至2.5米，见整改照片”。")
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="证明材料文件（照片、报告），台账记下它的名称和 SHA-256。")
@click.option("--by", "actor", help="销号人；默认为当前系统用户。")
@_date_option("--on", "销号日期，YYYY-MM-DD；默认今天。")
@_county_flag("县局用：以县局的名义销号县局数据库中任何乡镇（单位）的问题")
@ledger_option
@settings_option
@click.pass_context
def ledger_close(ctx: click.Context, finding_id: int, note: str, evidence: Path | None, actor: str | None, on: Any, county: bool, ledger_path: Path | None, settings_path: Path | None) -> None:
    """书面销号：不经现场复查，凭整改材料关闭问题 FINDING_ID，理由和材料留在台账中。"""
    import datetime as dt
    import getpass

    from engine import ledger as ledger_module

    if evidence is not None:
        require_plain_file(evidence, confined=False)  # hashed whole: a pipe or a device would never end
    path = _county_ledger(ctx, ledger_path, settings_path) if county else _ledger_file(ctx, ledger_path, settings_path)
    actor = actor or getpass.getuser()
    if county:
        # The town sees the close-out in its history: who closed it says it was the bureau.
        signer = _found_settings(ctx, settings_path, None)
        if signer is not None:
            actor = f"{actor}（{signer.office}）"
    ledger_module.close(path, finding_id, note=note, actor=actor, day=on.date() if on else dt.date.today(), evidence=evidence)
    click.echo(f"问题 #{finding_id} 已销号。")
    ctx.exit(EXIT_OK)


@ledger.command("check", context_settings=CONTEXT)
@ledger_option
@settings_option
@click.pass_context
def ledger_check(ctx: click.Context, ledger_path: Path | None, settings_path: Path | None) -> None:
    """检查台账文件是否完好（只读，不改动台账）：SQLite 完整性检查，以及每一行的日期、状态和每个问题的经过。

    完好时显示各项数目，退出码 0；有问题时列出全部问题，退出码 2，请从备份恢复台账。
    """
    from engine import ledger as ledger_module

    path = _ledger(ctx, ledger_path, settings_path)
    health = ledger_module.examine(path)
    _say(
        f"台账完好（{path}，结构版本 {health.version}）：检查 {health.inspections} 次（其中复查 {health.re_inspections} 次），"
        f"问题 {health.findings} 个（未销号 {health.unclosed} 个），状态记录 {health.events} 条。"
    )
    ctx.exit(EXIT_OK)


@ledger.command("backup", context_settings=CONTEXT)
@click.option("-o", "--output", "folder", required=True, type=click.Path(file_okay=False, path_type=Path), help="备份写入的文件夹（不存在时新建）；其中已有同名文件时什么也不写。")
@ledger_option
@settings_option
@click.pass_context
def ledger_backup(ctx: click.Context, folder: Path, ledger_path: Path | None, settings_path: Path | None) -> None:
    """备份台账和发文号记录：在蓝天或网页版照常使用时也能做，得到某一时刻完整一致的副本（直接复制正在写入的文件做不到）。

    \b
    示例：
      lantian ledger backup -o 备份/2026-12-07
    """
    from engine import ledger as ledger_module
    from engine import numbering

    settings = _settings(ctx, settings_path, None)
    ledger_file = ledger_module.file_of(_ledger(ctx, ledger_path, settings_path))
    ledger_module.check_ledger(ledger_file)
    targets = [folder / ledger_file.name, folder / settings.numbers_path.name]
    refuse_targets(targets, force=False)  # a backup never replaces anything
    with staged(targets) as (ledger_copy, numbers_copy):
        # The ledger's copy first, the numbers' after it: restored together, the numbers file
        # then holds every number the ledger does, and never gives one of them again.
        ledger_module.backup(ledger_file, ledger_copy)
        numbered = numbering.backup(settings.numbers_path, numbers_copy)
        place_all([(ledger_copy, targets[0]), *([(numbers_copy, targets[1])] if numbered else [])])
    if not numbered and (count := ledger_module.notice_numbers(ledger_file)):
        _emit_problems([Problem(ErrorCode.NUMBER_004, Location(str(settings.numbers_path)), {"count": count}, severity="warning")])
    kept = f"台账 {targets[0]}" + (f"、发文号记录 {targets[1]}" if numbered else "（没有发文号记录）")
    _say(f"已备份：{kept}。")
    ctx.exit(EXIT_OK)


def _county_option(name: str) -> Any:
    return click.option(name, "county", required=True, type=LedgerParameter(), envvar="LANTIAN_COUNTY_LEDGER", help="县局的台账 postgresql://用户@主机/数据库（见 docs/county.md）；也可设环境变量 LANTIAN_COUNTY_LEDGER。")


@ledger.command("push", context_settings=CONTEXT)
@_county_option("--to")
@ledger_option
@settings_option
@click.pass_context
def ledger_push(ctx: click.Context, county: Any, ledger_path: Any, settings_path: Path | None) -> None:
    """把本单位台账中新的检查、问题和销号上传到县局的台账（可以反复运行：已上传的不会重复上传）。

    \b
    示例：
      lantian ledger push --to postgresql://lantian_town@192.168.1.10/county_ledger
    """
    _sync(ctx, county, ledger_path, settings_path, push=True)


@ledger.command("pull", context_settings=CONTEXT)
@_county_option("--from")
@ledger_option
@settings_option
@click.pass_context
def ledger_pull(ctx: click.Context, county: Any, ledger_path: Any, settings_path: Path | None) -> None:
    """把县局台账中本单位的新记录（如县局的书面销号）下载到本单位的台账（可以反复运行）。

    \b
    示例：
      lantian ledger pull --from postgresql://lantian_town@192.168.1.10/county_ledger
    """
    _sync(ctx, county, ledger_path, settings_path, push=False)


def _sync(ctx: click.Context, county: Any, ledger_path: Any, settings_path: Path | None, *, push: bool) -> None:
    """push: this office's ledger into the county's; pull: the county's records of this office into its ledger."""
    from engine import ledger as ledger_module
    from engine.ledger_sync import sync

    if not ledger_module.on_server(county):
        raise click.UsageError(f"{'--to' if push else '--from'} 写县局数据库中台账的地址 postgresql://…（见 docs/county.md）")
    settings = _settings(ctx, settings_path, None)
    county = ledger_module.for_office(county, settings.office)
    if push:
        from engine.ledger_sync import push_numbers
        from engine.numbering import every_number

        own = _ledger_file(ctx, ledger_path, settings_path)
        done = sync(own, county, settings.office)
        numbers = push_numbers(every_number(settings.numbers_path), county, settings.office)
        done.conflicts.extend(numbers.clashes)
    else:
        own = _ledger(ctx, ledger_path, settings_path)
        done = sync(county, own, settings.office)
    _emit_problems(done.conflicts)
    copied = f"检查 {done.inspections} 次（问题 {done.findings} 个），状态记录 {done.events} 条"
    if push:
        _say(f"已上传到 {county}：{copied}，文号 {numbers.copied} 个；此前已上传的检查 {done.already} 次。")
    else:
        _say(f"已从 {county} 下载到 {own}：{copied}；本单位台账已有的检查 {done.already} 次。")
    ctx.exit(EXIT_OK)


@ledger.command("upgrade", context_settings=CONTEXT)
@ledger_option
@settings_option
@click.pass_context
def ledger_upgrade(ctx: click.Context, ledger_path: Path | None, settings_path: Path | None) -> None:
    """把台账的结构升级到这一版蓝天的结构（蓝天写入旧台账时本来也会这样做）。

    升级后，旧版本的蓝天不能再打开这个台账；请先备份（lantian ledger backup）。
    """
    from engine import ledger as ledger_module

    path = _ledger(ctx, ledger_path, settings_path)
    if not ledger_module.on_server(path):
        path = _ledger_file(ctx, ledger_path, settings_path)
    before, after = ledger_module.upgrade(path)
    if before == after:
        _say(f"台账 {path} 已是第 {after} 版结构，没有改动。")
    elif before == 0:
        _say(f"已在数据库 {path} 中建立台账（第 {after} 版结构）。")
    else:
        _say(f"台账 {path} 的结构已从第 {before} 版升级到第 {after} 版。")
    ctx.exit(EXIT_OK)


@cli.command(context_settings=CONTEXT)
@click.argument("answers", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@ledger_option
@settings_option
@click.pass_context
def verify(ctx: click.Context, answers: Path, ledger_path: Path | None, settings_path: Path | None) -> None:
    """核对答卷 ANSWERS 是否与台账登记时完全一致（按 SHA-256）。一致退出码 0，不一致 1。"""
    from engine import ledger as ledger_module

    require_plain_file(answers)  # a pipe would never end, and a link out of its folder is refused as by check
    path = _ledger_file(ctx, ledger_path, settings_path)
    found = ledger_module.verify(path, answers)
    if found.matches and found.inspection is not None:
        row = found.inspection
        by = f"，{row.recorded_by} 登记" if row.recorded_by else ""
        _say(f"一致：{answers} 就是台账中的检查 #{row.inspection_id}（{row.site}，{row.inspected_on}，登记于 {row.recorded_at}{by}）。")
        ctx.exit(EXIT_OK)
    if found.elsewhere is not None:
        row = found.elsewhere
        _say(f"不是本单位的：{answers} 原样登记在 {row.office} 的检查 #{row.inspection_id}（{row.site}，{row.inspected_on}）中，本单位没有登记它。", err=True)
        ctx.exit(EXIT_NONCOMPLIANT)
    _say(f"不一致：台账中没有与 {answers} 内容相同的检查登记。", err=True)
    for same in found.same_name:
        _say(f"  同名文件登记过检查 #{same.inspection_id}（{same.site}，{same.inspected_on}，SHA-256 {same.answers_sha256[:16]}…）：登记后文件被改过。", err=True)
    ctx.exit(EXIT_NONCOMPLIANT)


@cli.command("report", context_settings=CONTEXT, short_help="整治情况汇总（PDF 和 XLSX），附图表和未销号问题清单。")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="期间第一天，YYYY-MM-DD。")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="期间最后一天，YYYY-MM-DD；逾期按这一天计算。")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="汇总写入的文件夹。")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@_county_flag("全县汇总：县局数据库中各乡镇（单位）的检查、合格率、未销号和逾期问题、每周进展")
@ledger_option
@settings_option
@click.pass_context
def report_command(ctx: click.Context, start: Any, end: Any, out_dir: Path, force: bool, county: bool, ledger_path: Path | None, settings_path: Path | None) -> None:
    """整治情况汇总（PDF 和 XLSX）：期间的检查次数、合格率、按检查表、村和严重程度分的问题、销号率、逾期问题，附图表和未销号问题清单。

    \b
    示例：
      lantian report --from 2024-10-21 --to 2024-12-20 -o out
    """
    from engine import campaign_report, county_report
    from engine.render import write_pdfs

    if end < start:
        raise click.UsageError(f"--to {end:%Y-%m-%d} 早于 --from {start:%Y-%m-%d}：汇总的期间从 --from 到 --to，--to 不能早于 --from")
    # --county: every office's figures from the county's database, signed by the bureau whose settings these are.
    path = _county_ledger(ctx, ledger_path, settings_path) if county else _ledger_file(ctx, ledger_path, settings_path)
    kind = county_report.REPORT if county else campaign_report.REPORT
    settings = _settings(ctx, settings_path, None)
    target = out_dir / kind.file_name(start.date(), end.date(), "pdf")
    sheet = target.with_suffix(".xlsx")
    refuse_targets([target, sheet], force=force)
    summary = kind.summarize(path, start.date(), end.date())
    (pdf,) = write_pdfs([kind.document(summary, settings, target)], fonts=_fonts(settings))
    data = kind.spreadsheet(summary, settings, sheet)
    atomic_write(target, pdf, overwrite=force)
    atomic_write(sheet, data, overwrite=force)
    _say(f"已写入 {target}")
    _say(f"已写入 {sheet}")
    if not county and not summary.inspections:
        _county_hint(path, "这一期间没有本单位（{office}）的检查。县局要看全县的汇总，用 lantian report --county")
    ctx.exit(EXIT_OK)


def _county_hint(path: Any, what: str) -> None:
    """On stderr, for an office of the county's database that found nothing of its own (the
    bureau itself, which seldom inspects): ``what`` it found not, and where every town's is."""
    from engine import ledger as ledger_module

    if ledger_module.on_server(path) and path.office is not None:
        click.echo(f"提示：县局数据库中{what.format(office=check_output.printable(path.office))}（见 docs/county.md）。", err=True)


def _set_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A global option written after the command's name: it sets what the same option
    before the name sets, and wins over it and over the environment."""
    if value is None or value is False:
        return
    root = ctx.find_root()
    root.ensure_object(dict)
    root.obj["rules_dir" if param.name == "global_rules_dir" else "debug"] = value


def _global_options() -> list[click.Option]:
    """The options of `lantian` itself, for a command to accept after its name too
    (`lantian check --rules 规则 答卷.yaml`), shown in its help."""
    return [
        click.Option(["--rules", "global_rules_dir"], type=click.Path(file_okay=False, path_type=Path), expose_value=False, callback=_set_global, help=RULES_HELP + "也可写在命令名之前。"),
        click.Option(["--debug", "global_debug"], is_flag=True, expose_value=False, callback=_set_global, help=DEBUG_HELP),
    ]


def _accept_global_options(group: click.Group) -> None:
    for command in group.commands.values():
        command.params.extend(_global_options())
        if isinstance(command, click.Group):
            _accept_global_options(command)


@cli.command(context_settings=CONTEXT)
@settings_option
@click.option("--inspections", "inspections", type=click.Path(file_okay=False, path_type=Path), help="提交的答卷写入的文件夹。不写时为办公室设置文件旁的 inspections 文件夹。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听的地址；手机在同一局域网内访问时用 0.0.0.0（见 docs/serve.md，须配合 HTTPS）。")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="监听的端口。")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="同时处理的请求数。")
@click.option("--behind-proxy", is_flag=True, help="前面有本机的 HTTPS 反向代理（Caddy、nginx）时使用：会话 Cookie 只经 HTTPS 发送，协议和手机地址取自代理的 X-Forwarded-Proto、X-Forwarded-For。")
@click.pass_context
def serve(ctx: click.Context, settings_path: Path | None, inspections: Path | None, host: str, port: int, threads: int, behind_proxy: bool) -> None:
    """启动网页版：检查人员在手机浏览器中登录、按检查表填写并提交答卷（见 docs/serve.md）。

    \b
    示例：
      lantian users add 李明 --role inspector --settings office.yaml
      lantian serve --settings office.yaml
    """
    from waitress import serve as run_server

    from webapp import create_app, server_options
    from webapp.users import all_users, users_path

    rules = _rules(ctx)
    settings = _settings(ctx, settings_path, None)
    folder = inspections or Path(settings.path).parent / "inspections"
    if not all_users(users_path(settings.path)):  # none yet (no file, or an empty one a failed add left)
        raise LantianError.of(ErrorCode.USER_003, str(users_path(settings.path)), settings=settings.path)
    app = create_app(Path(settings.path), rules, folder, https=behind_proxy)
    from engine._weasyprint import load as load_weasyprint

    load_weasyprint()  # now, before the server's threads: the office's first issue then waits for no import
    opened = "经 HTTPS 代理的地址" if behind_proxy else f"http://{host}:{port}/"
    _say(f"蓝天网页版已启动：用浏览器打开 {opened}；提交的答卷写入 {folder}。按 Ctrl+C 停止。", err=True)
    run_server(app, host=host, port=port, threads=threads, ident="lantian", **server_options(behind_proxy=behind_proxy))


@cli.group(context_settings=CONTEXT)
def users() -> None:
    """网页版的用户：添加用户，或用 add --replace 改已有用户的角色和密码（见 docs/serve.md）。"""


@users.command("add", context_settings=CONTEXT)
@click.argument("name")
@click.option("--role", type=click.Choice(list(USER_ROLE_LABELS)), default="inspector", show_default=True, help="inspector 检查人员，office 镇环保办，viewer 只读。")
@click.option("--replace", is_flag=True, help="用户已存在时改为新的角色和密码。")
@click.option("--password", help="不写时提示输入（不显示，输入两次）。")
@settings_option
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, replace: bool, password: str | None, settings_path: Path | None) -> None:
    """添加网页版用户 NAME。密码只保存加盐的 scrypt 散列，保存在办公室设置文件旁的 <设置文件名>.users.sqlite 中。"""
    from webapp.users import add_user, refuse_before_password, users_path

    settings = _settings(ctx, settings_path, None)
    users = users_path(settings.path)
    if password is None:
        refuse_before_password(users, name, replace=replace)  # not after the password is asked for, twice, in vain
        while True:
            password = click.prompt("密码", hide_input=True)
            if click.prompt("再输入一次", hide_input=True) == password:
                break
            click.echo("两次输入的密码不一样，请重新输入。", err=True)
    added = add_user(users, name, role, password, replace=replace)  # UserError is a LantianError: USER_001
    _say(f"已添加用户 {added.name}（{added.role_label}）")
    ctx.exit(EXIT_OK)


class _OutputError(OSError):
    """Standard output could not take what was written (a full disk, a closed pipe)."""


class _WholeWrites(io.RawIOBase):
    """Standard output written to the last byte or refused: a write the disk takes only in
    part (past a file-size limit, on a nearly full disk) is retried, so that the error
    comes, instead of Python's buffer keeping the rest and the command exiting 0 with its
    output cut short."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                done += os.write(self._fd, view[done:])
        except OSError as exc:
            code = exc.errno
            if sys.platform == "win32" and code == errno.EINVAL and stat.S_ISFIFO(os.fstat(self._fd).st_mode):
                code = errno.EPIPE  # how Windows says that a pipe's reader has gone
            raise _OutputError(code, exc.strerror) from None
        return done


def _checked_stdout() -> None:
    """sys.stdout through _WholeWrites, keeping its encoding; "?" for what a console in GBK
    cannot show rather than a crash."""
    stream = sys.stdout
    if stream is None:
        # Started with standard output closed (a service, `>&-`): what it would show goes nowhere.
        sys.stdout = open(os.devnull, "w")
        return
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file (a test's capture): nothing to check
    if stream.isatty():
        # A terminal is never full; and on Windows its own writer is what shows Chinese.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
        return
    stream.flush()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_WholeWrites(fd)), encoding=stream.encoding, errors="replace", line_buffering=bool(getattr(stream, "line_buffering", False))
    )


def _output_failed(exc: _OutputError) -> int:
    """Exit 2 for output that could not be written, named (IO_004); a reader that stopped
    reading (`lantian ledger list | head`) ends the command quietly with 1, as click does."""
    sys.stdout = open(os.devnull, "w")  # what is left to flush at exit goes nowhere
    if exc.errno == errno.EPIPE:
        return 1
    with contextlib.suppress(OSError):
        _say(format_problem_line(Problem(ErrorCode.IO_004, Location("标准输出"), {"reason": write_reason(exc)})), err=True)
    return EXIT_BAD_INPUT


# Here, after every command is defined: a command defined below this line would refuse them.
_accept_global_options(cli)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: usage errors exit 2, bugs exit 3 with one sentence."""
    args = list(sys.argv[1:] if argv is None else argv)
    _checked_stdout()
    if hasattr(sys.stderr, "reconfigure"):
        # A console in GBK cannot show every character; print "?" rather than crash.
        sys.stderr.reconfigure(errors="replace")
    debug = "--debug" in args or os.environ.get("LANTIAN_DEBUG") == "1"
    try:
        code = cli.main(args=args, prog_name="lantian", standalone_mode=False)
        sys.stdout.flush()  # here, where a full disk is still a coded error
    except _OutputError as exc:
        code = _output_failed(exc)
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        code = EXIT_BAD_INPUT
    except click.ClickException as exc:
        exc.show()
        code = EXIT_BAD_INPUT if exc.exit_code in (1, 2) else exc.exit_code
    except Exception:  # the one place where any bug becomes exit 3
        if debug:
            traceback.print_exc()
        click.echo("内部错误：这是蓝天的程序缺陷，不是您的输入有误。请把命令和文件发给维护者（加 --debug 可看详细信息）。", err=True)
        code = EXIT_INTERNAL
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
