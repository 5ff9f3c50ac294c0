"""What the commands write: never over a link, a pipe or a device, over a regular file only
with --force, whole or not at all when the disk fails, and a batch that finishes every
inspection it can. Also the office settings' document number pattern and dates that would
run past the calendar's end."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine import load_rules
from engine.batch import run_batch
from engine.errors import ErrorCode, InputError
from engine.settings import load_settings
from helpers import DATA, EXAMPLES, ROOT, RULES, dust_answers, lantian, office_folder, record

pytest.importorskip("weasyprint")

NONCOMPLIANT = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
ONE_FINDING = DATA / "dust_one_finding.yaml"  #: its documents a page or two each


def _problems(result) -> list[tuple[str, str]]:
    """(where, code) of every problem line the command printed."""
    return re.findall(r"^(\S+?): (?:警告 )?\[([A-Z]+_\d{3})\]", result.stderr, re.MULTILINE)


def _refused_with(result, code: ErrorCode) -> list[str]:
    """The command exited with 2, printed no traceback, and named ``code``: where, for each."""
    assert result.exit_code == 2, result.output
    assert "内部错误" not in result.output
    found = [where for where, name in _problems(result) if name == code.name]
    assert found, result.stderr
    return found


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry below ``folder``: its type and its bytes (or a link's target), so that a test
    can say nothing was added, replaced or half-written."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            found[str(path.relative_to(folder))] = (stat.S_IFMT(mode), os.readlink(path))
        elif stat.S_ISREG(mode):
            found[str(path.relative_to(folder))] = (stat.S_IFMT(mode), path.read_bytes())
        else:
            found[str(path.relative_to(folder))] = (stat.S_IFMT(mode), "")
    return found


def _complete_pdf(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def _inbox(root: Path, count: int, *, failing: int | None = None) -> Path:
    """``count`` dust inspections, a day apart (so they render in this order); the one at
    ``failing`` is non-compliant."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    for index in range(count):
        raw = dust_answers({"hoarding_closed": "否"} if index == failing else None, date=f"2024-11-{index + 1:02d}")
        (inbox / f"s{index}.yaml").write_bytes(raw.replace("XX项目工地".encode(), f"{index}号工地".encode()))
    return inbox


# -- 1. Only regular files are replaced, and only with --force ---------------------------


def _special(kind: str, where: Path, outside: Path) -> None:
    if kind == "fifo":
        os.mkfifo(where)
    elif kind == "link":
        outside.write_text("别人的文件\n", encoding="utf-8")
        os.symlink(outside, where)
    elif kind == "dangling link":
        os.symlink(outside / "nowhere", where)
    elif kind == "device":
        # The device /dev/null is (1, 3): a node of our own, so no real device is at stake.
        os.mknod(where, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    else:
        where.mkdir()


@pytest.mark.parametrize("kind", ["fifo", "link", "dangling link", "device"])
def test_template_force__not_a_regular_file__io_011_left_as_it_was(tmp_path: Path, kind: str) -> None:
    """Should refuse, even with --force, to replace a pipe, a link or a device (a folder is
    refused by the option itself)."""
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    target = tmp_path / "out" / "答卷.yaml"
    target.parent.mkdir()
    _special(kind, target, tmp_path / "outside.txt")
    before = _snapshot(tmp_path)
    result = lantian("template", "dust_six_100pct", "-o", str(target), "--force")
    assert _refused_with(result, ErrorCode.IO_011) == [str(target)]
    assert _snapshot(tmp_path) == before


def test_template__existing_file__io_010_then_force_replaces(tmp_path: Path) -> None:
    target = tmp_path / "答卷.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    assert _refused_with(lantian("template", "dust_six_100pct", "-o", str(target)), ErrorCode.IO_010) == [str(target)]
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert lantian("template", "dust_six_100pct", "-o", str(target), "--force").exit_code == 0
    assert stat.S_ISREG(os.lstat(target).st_mode) and target.read_text(encoding="utf-8").startswith("#")
    assert [p.name for p in tmp_path.iterdir()] == ["答卷.yaml"]  # no temporary file left


@pytest.fixture(scope="module")
def ledger_office(tmp_path_factory) -> Path:
    """An office whose ledger holds one non-compliant inspection (recorded without documents)."""
    root = office_folder(tmp_path_factory.mktemp("ledger"))
    inbox = root / "inbox"
    inbox.mkdir()
    shutil.copy(NONCOMPLIANT, inbox / "site.yaml")
    settings = load_settings(root / "office.yaml")
    run_batch(inbox, root / "out", load_rules(RULES), settings, ledger_path=settings.ledger, documents=False)
    return root


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_ledger_list_o__existing_file__io_010_then_force(ledger_office: Path, tmp_path: Path, fmt: str) -> None:
    """Should not overwrite the file named by -o without --force (it did, silently)."""
    target = tmp_path / f"清单.{fmt}"
    target.write_text("上个月的清单\n", encoding="utf-8")
    settings = ("--settings", str(ledger_office / "office.yaml"))
    result = lantian("ledger", "list", "--format", fmt, "-o", str(target), *settings)
    assert _refused_with(result, ErrorCode.IO_010) == [str(target)]
    assert target.read_text(encoding="utf-8") == "上个月的清单\n"
    assert lantian("ledger", "list", "--format", fmt, "-o", str(target), "--force", *settings).exit_code == 0
    assert target.read_bytes() != "上个月的清单\n".encode()


def test_ledger_list_o__link__io_011_even_with_force(ledger_office: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    target = tmp_path / "out" / "清单.csv"
    target.parent.mkdir()
    _special("link", target, outside)
    before = _snapshot(tmp_path)
    result = lantian("ledger", "list", "--format", "csv", "-o", str(target), "--force", "--settings", str(ledger_office / "office.yaml"))
    assert _refused_with(result, ErrorCode.IO_011) == [str(target)]
    assert _snapshot(tmp_path) == before


def test_notice__run_again_into_the_same_folder__io_010_for_each_file_then_force(tmp_path: Path) -> None:
    """Should list every document that would be replaced and write nothing; --force replaces them."""
    office_folder(tmp_path)
    out = tmp_path / "out"
    args = ("notice", str(ONE_FINDING), "-o", str(out), "--settings", str(tmp_path / "office.yaml"))
    assert lantian(*args).exit_code == 1
    before = _snapshot(tmp_path)
    refused = _refused_with(lantian(*args), ErrorCode.IO_010)
    assert sorted(refused) == sorted(str(out / name) for name in ("dust_one_finding.通知书.pdf", "dust_one_finding.检查记录.pdf"))
    assert _snapshot(tmp_path) == before
    again = lantian(*args, "--force")
    assert again.exit_code == 1, again.output
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in refused)
    assert all(_complete_pdf(p) for p in out.iterdir())


def test_batch__run_again_into_the_same_folder__io_010_nothing_recorded_then_force(tmp_path: Path) -> None:
    """Should refuse before recording anything in the ledger; --force writes the documents again
    and records nothing twice."""
    office_folder(tmp_path)
    inbox = _inbox(tmp_path, 2, failing=1)
    out = tmp_path / "out"
    args = ("batch", str(inbox), "-o", str(out), "--settings", str(tmp_path / "office.yaml"), "-j", "1")
    assert lantian(*args).exit_code == 1
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(["s0.检查记录.pdf", "s1.检查记录.pdf", "s1.通知书.pdf", "整改清单.pdf", "整改清单.xlsx"])
    before = _snapshot(tmp_path)
    refused = _refused_with(lantian(*args), ErrorCode.IO_010)
    assert sorted(Path(p).name for p in refused) == written
    assert _snapshot(tmp_path) == before  # not a byte of the ledger, the numbers or the documents
    again = lantian(*args, "--force")
    assert again.exit_code == 1, again.output
    assert "2 份答卷此前已登记，未重复登记" in again.stdout
    assert sorted(p.name for p in out.iterdir()) == written


@pytest.mark.parametrize("kind", ["link", "fifo", "folder"])
def test_batch_force__not_a_regular_file_among_the_documents__io_011_nothing_written(tmp_path: Path, kind: str) -> None:
    office_folder(tmp_path)
    inbox = _inbox(tmp_path, 2)
    out = tmp_path / "out"
    out.mkdir()
    _special(kind, out / "s1.检查记录.pdf", tmp_path / "outside.pdf")
    before = _snapshot(tmp_path)
    result = lantian("batch", str(inbox), "-o", str(out), "--settings", str(tmp_path / "office.yaml"), "-j", "1", "--force")
    assert _refused_with(result, ErrorCode.IO_011) == [str(out / "s1.检查记录.pdf")]
    assert _snapshot(tmp_path) == before


def test_report__run_again__io_010_then_force(ledger_office: Path) -> None:
    out = ledger_office / "report"
    args = ("report", "--from", "2024-10-01", "--to", "2024-12-31", "-o", str(out), "--settings", str(ledger_office / "office.yaml"))
    assert lantian(*args).exit_code == 0
    before = _snapshot(out)
    assert sorted(Path(name).suffix for name in before) == [".pdf", ".xlsx"]
    assert sorted(_refused_with(lantian(*args), ErrorCode.IO_010)) == sorted(str(out / name) for name in before)  # both, at once
    assert _snapshot(out) == before
    assert lantian(*args, "--force").exit_code == 0


# -- 2. A disk that refuses: coded, nothing half-written ---------------------------------


def test_notice__output_folder_under_a_regular_file__io_004_before_anything(tmp_path: Path) -> None:
    """Should refuse at once, numbering nothing. (A read-only folder cannot be made for root,
    who writes anyway; a path through a regular file fails for everyone, the same way.)"""
    office_folder(tmp_path)
    blocker = tmp_path / "报告.pdf"
    blocker.write_bytes(b"%PDF-1.7 not ours\n")
    before = _snapshot(tmp_path)
    result = lantian("notice", str(NONCOMPLIANT), "-o", str(blocker / "out"), "--settings", str(tmp_path / "office.yaml"))
    refused = _refused_with(result, ErrorCode.IO_004)
    assert len(refused) == 2 and all(p.startswith(str(blocker / "out")) for p in refused)
    assert "路径中有一段不是文件夹" in result.stderr
    assert _snapshot(tmp_path) == before  # no document, and no number allocated


def _limited_lantian(args: list[str], limit: int, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`lantian ARGS` in a process that may write no file larger than ``limit`` bytes.

    This is how a full disk is made in a test: tests run as root, for whom a read-only
    folder is no obstacle, and filling a real disk is out of the question. RLIMIT_FSIZE makes
    every write past the limit fail with EFBIG, as a full disk fails with ENOSPC, at whatever
    point of the file the write reaches; SIGXFSZ is ignored so the write returns the error
    instead of killing the process.
    """
    import resource
    import signal

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    command = [sys.executable, "-c", "import cli; cli.main()", "--rules", str(RULES), *args]
    return subprocess.run(command, cwd=cwd, env=env, preexec_fn=limit_file_size, capture_output=True, text=True, timeout=300)


class _Completed:
    """A finished subprocess, read like click's result."""

    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code, self.stdout, self.stderr, self.output = done.returncode, done.stdout, done.stderr, done.stdout + done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_batch__disk_full_midway__io_004_written_stay_the_rest_io_013(tmp_path: Path) -> None:
    """Should keep the documents written before the disk refused one, complete, and name every
    document and list not written after it; nothing half-written stays."""
    from PIL import Image

    from engine.fonts import common_font, find_cjk_font

    # The font's common cut (2.6 MB) is made once per cache, before any document; made here,
    # under no limit, so that only the record with the photo is too large, whichever tests ran before.
    common_font(find_cjk_font())
    office_folder(tmp_path)
    inbox = _inbox(tmp_path, 3)
    # The second inspection's record carries a large photo: of all the files, only it is
    # larger than the limit, so the disk "fills" in the middle of the batch.
    (inbox / "photos").mkdir()
    Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3)).save(inbox / "photos" / "全景.png")
    with (inbox / "s1.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  notice_board:\n    value: 是\n    photos: [photos/全景.png]\n")
    text = (inbox / "s1.yaml").read_text(encoding="utf-8")
    (inbox / "s1.yaml").write_text(text.replace("  notice_board: 是\n", "", 1), encoding="utf-8")
    result = _Completed(_limited_lantian(["batch", "inbox", "-o", "out", "--settings", "office.yaml", "-j", "1"], 300_000, tmp_path))
    assert _refused_with(result, ErrorCode.IO_004) == [os.path.join("out", "s1.检查记录.pdf")]
    assert sorted(_refused_with(result, ErrorCode.IO_013)) == sorted(os.path.join("out", name) for name in ("s2.检查记录.pdf", "整改清单.pdf", "整改清单.xlsx"))
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["s0.检查记录.pdf"]  # no temporary file, no half PDF
    assert _complete_pdf(tmp_path / "out" / "s0.检查记录.pdf")


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_notice__no_room_for_the_font__io_012_nothing_written(tmp_path: Path) -> None:
    """Should name the disk, not crash, when even the font's files cannot be written."""
    office_folder(tmp_path)
    env = {**os.environ, "LANTIAN_CACHE": str(tmp_path / "empty cache")}  # the font must be cut, and written
    args = ["notice", str(NONCOMPLIANT), "-o", "out", "--settings", "office.yaml"]
    result = _Completed(_limited_lantian(args, 40_000, tmp_path, env))
    first = _refused_with(result, ErrorCode.IO_012)
    assert len(first) == 1 and _refused_with(result, ErrorCode.IO_013)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert not list((tmp_path / "empty cache").rglob("*.tmp"))  # no half-written font left in the cache


# -- 3. One bad inspection does not stop the others' documents ---------------------------


def _photo_swapped_after_check(tmp_path: Path, count: int) -> tuple[Path, Path, Path]:
    """An inbox whose last inspection has a photo that is a real file when the answers are
    checked and becomes a link to a file outside the folder before its record is rendered
    (the hook swaps it): the rendering refuses it."""
    from PIL import Image

    office_folder(tmp_path)
    inbox = _inbox(tmp_path, count)
    bad = inbox / f"s{count - 1}.yaml"
    (inbox / "photos").mkdir()
    photo = inbox / "photos" / "围挡.png"
    Image.new("RGB", (8, 8), "gray").save(photo)
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (8, 8), "red").save(outside)
    text = bad.read_text(encoding="utf-8").replace("  hoarding_closed: 是\n", "")
    bad.write_text(text + "  hoarding_closed:\n    value: 是\n    photos: [photos/围挡.png]\n", encoding="utf-8")
    return inbox, bad, outside


def _swap(inbox: Path, outside: Path) -> None:
    photo = inbox / "photos" / "围挡.png"
    photo.unlink()
    os.symlink(outside, photo)


@pytest.mark.parametrize("workers", [1, 2])
def test_run_batch__one_record_cannot_be_rendered__others_and_list_written_batch_001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """Should write every other document and the list, and name the inspection, at the photo's
    line and column, with the reason; in worker processes as in one."""
    from engine import render

    monkeypatch.setattr(render, "PARALLEL_MINIMUM", 2)  # so that two workers render these few
    inbox, bad, outside = _photo_swapped_after_check(tmp_path, 3)
    settings = load_settings(tmp_path / "office.yaml")
    out = tmp_path / "out"
    outcome = run_batch(
        inbox, out, load_rules(RULES), settings, ledger_path=settings.ledger, workers=workers, on_total=lambda _: _swap(inbox, outside)
    )
    (problem,) = outcome.not_written
    assert problem.code is ErrorCode.BATCH_001 and problem.context["code"] == "RENDER_001"
    line = bad.read_text(encoding="utf-8").splitlines().index("    photos: [photos/围挡.png]") + 1
    assert (problem.location.file, problem.location.line, problem.location.column) == (str(bad), line, 14)
    assert "现场检查记录" in problem.message and f"实际指向 {outside}" in problem.message
    assert sorted(p.name for p in out.iterdir()) == ["s0.检查记录.pdf", "s1.检查记录.pdf", "整改清单.pdf", "整改清单.xlsx"]
    assert all(_complete_pdf(p) for p in out.glob("*.pdf"))
    assert len(outcome.recorded) == 3


def test_batch__one_record_cannot_be_rendered__exit_2_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should exit 2, after saying what was written, with BATCH_001 at the answers file."""
    from engine import batch

    inbox, bad, outside = _photo_swapped_after_check(tmp_path, 2)
    original = batch.write_each

    def swapped_then_written(*args, **kwargs):
        _swap(inbox, outside)
        return original(*args, **kwargs)

    monkeypatch.setattr(batch, "write_each", swapped_then_written)
    result = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"), "-j", "1")
    (where,) = _refused_with(result, ErrorCode.BATCH_001)
    assert where.startswith(f"{bad}:")
    assert "现场检查记录 1 份" in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["s0.检查记录.pdf", "整改清单.pdf", "整改清单.xlsx"]


# -- 4. The document number pattern ------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, code, offending",
    [
        ("XX镇环〔{year}〕{seq}号{seq}", ErrorCode.SETTINGS_003, "号{seq}"),
        ("XX镇环〔{year}〕{seq}号（{no}）", ErrorCode.SETTINGS_002, "{no}"),
        ("XX镇环〔{year}〕{seq}号}", ErrorCode.SETTINGS_002, "号}"),
        ("XX镇环〔{year}〕{year}{seq}号", ErrorCode.SETTINGS_003, "〕{year}"),
    ],
)
def test_settings__number_pattern__refused_at_its_place(tmp_path: Path, pattern: str, code: ErrorCode, offending: str) -> None:
    """Should refuse a repeated {seq} or {year}, an unknown placeholder or a stray brace when
    the settings are read, at the line and column, before anything is numbered or written."""
    # The value starts in column 18, after `number_pattern: "`; a leading 号 or 〕 only makes
    # the text to find unique, the problem is at the brace after it.
    column = 18 + pattern.index(offending) + (1 if offending[0] in "号〕" else 0)
    office_folder(tmp_path)
    settings = tmp_path / "office.yaml"
    lines = settings.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("number_pattern:")) + 1
    lines[line - 1] = f'number_pattern: "{pattern}"'
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_settings(settings)
    (problem,) = refused.value.problems
    assert (problem.code, problem.location.line, problem.location.column) == (code, line, column)
    before = _snapshot(tmp_path)
    result = lantian("notice", str(NONCOMPLIANT), "-o", str(tmp_path / "out"), "--settings", str(settings))
    assert _refused_with(result, code) == [f"{settings}:{line}:{column}"]
    assert _snapshot(tmp_path) == before


# -- 5. Dates past the calendar's end ----------------------------------------------------


def test_check__inspection_in_year_9999__answer_020_at_the_date(tmp_path: Path) -> None:
    """Should refuse, at inspection.date, a day whose deadlines would pass 9999-12-31 (exit 3 before)."""
    for name, overrides in (("non-compliant.yaml", {"hoarding_closed": "否"}), ("compliant.yaml", None)):
        (tmp_path / name).write_bytes(dust_answers(overrides, date="9999-12-30"))
        result = lantian("check", str(tmp_path / name))
        assert _refused_with(result, ErrorCode.ANSWER_020) == [f"{tmp_path / name}:11:9"]


def test_notice__issued_far_in_the_future__answer_020_or_003_nothing_written(tmp_path: Path) -> None:
    office_folder(tmp_path)
    late = tmp_path / "late.yaml"
    late.write_bytes(dust_answers({"hoarding_closed": "否"}, date="9998-12-01"))
    before = _snapshot(tmp_path)
    result = lantian("notice", str(late), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"), "--issued", "9999-12-31")
    assert _refused_with(result, ErrorCode.ANSWER_020) == [f"{late}:11:9"]
    assert "出具文书的日期 9999-12-31" in result.stderr
    # Five years after the act is refused first, as before.
    result = lantian("check", str(NONCOMPLIANT), "--issued", "9999-12-31")
    assert _refused_with(result, ErrorCode.ANSWER_003)
    assert _snapshot(tmp_path) == before


def test_run_batch__inspection_in_year_9999__refused_the_others_recorded(tmp_path: Path) -> None:
    office_folder(tmp_path)
    inbox = _inbox(tmp_path, 2)
    (inbox / "typo.yaml").write_bytes(dust_answers({"hoarding_closed": "否"}, date="9999-11-05"))
    settings = load_settings(tmp_path / "office.yaml")
    outcome = run_batch(inbox, tmp_path / "out", load_rules(RULES), settings, ledger_path=settings.ledger, documents=False)
    assert [(p.code, p.location.file) for p in outcome.problems if p.severity == "error"] == [(ErrorCode.ANSWER_020, str(inbox / "typo.yaml"))]
    assert len(outcome.recorded) == 2


def test_ledger_list_and_report__last_day_of_the_calendar__work(ledger_office: Path, tmp_path: Path) -> None:
    settings = ("--settings", str(ledger_office / "office.yaml"))
    for fmt in ("table", "json", "csv"):
        assert lantian("ledger", "list", "--overdue", "--as-of", "9999-12-31", "--format", fmt, *settings).exit_code == 0
    result = lantian("report", "--from", "2024-01-01", "--to", "9999-12-31", "-o", str(tmp_path), *settings)
    assert result.exit_code == 0, result.output
    assert _complete_pdf(tmp_path / "整治情况汇总_2024-01-01_9999-12-31.pdf")


def test_rules_check__provision_ending_9999_12_31__no_overflow(rules_copy: Path) -> None:
    """Should read an end date of 9999-12-31 as in force to the end (it overflowed, exit 3)."""
    legal = rules_copy / "_legal.yaml"
    lines = legal.read_text(encoding="utf-8").splitlines()
    ended = []
    for text in lines:
        ended.append(text)
        if text.strip() == "effective_from: 2026-08-15":
            ended.append(text.replace("effective_from: 2026-08-15", "effective_to: 9999-12-31"))
    legal.write_text("\n".join(ended) + "\n", encoding="utf-8")
    for extra in ((), ("--on", "9999-12-31")):
        result = lantian("rules", "check", str(rules_copy), *extra)
        assert result.exit_code == 0, result.output


# -- a database is never replaced, even with --force ------------------------------------------------


def _recorded_office(tmp_path: Path) -> tuple[Path, Path]:
    """An office folder whose ledger and numbers file hold one recorded inspection; its inbox."""
    office = office_folder(tmp_path / "office")
    inbox = office / "in"
    inbox.mkdir()
    shutil.copy(NONCOMPLIANT, inbox / "a.yaml")
    outcome = record(inbox, office / "office.yaml")
    assert [r.notice_number for r in outcome.recorded] == ["XX镇环〔2026〕1号"], outcome.problems
    return office, inbox


def test_force__ledger_or_numbers_file__refused_io_014(tmp_path: Path) -> None:
    """Should refuse (IO_014) to write a form, a list or a notice over the ledger or the
    numbers file even with --force, and leave both byte for byte as they were."""
    office, _ = _recorded_office(tmp_path)
    settings = ("--settings", str(office / "office.yaml"))
    ledger_file, numbers_file = office / "office.ledger.sqlite", office / "office.numbers.sqlite"
    before = _snapshot(office)
    for target in (ledger_file, numbers_file):
        for args in (
            ("template", "dust_six_100pct", "-o", str(target), "--force"),
            ("ledger", "list", "--format", "csv", "-o", str(target), "--force", *settings),
            ("ledger", "list", "--format", "xlsx", "-o", str(target), "--force", *settings),
        ):
            assert _refused_with(lantian(*args), ErrorCode.IO_014) == [str(target)], args
    assert _snapshot(office) == before
    assert lantian("ledger", "check", *settings).exit_code == 0


def test_force__office_settings_file__refused_io_015(tmp_path: Path) -> None:
    """Should refuse (IO_015) to write a list or a blank form over the office settings even
    with --force, by its number_pattern: key, whatever the file is called."""
    office, _ = _recorded_office(tmp_path)
    settings_file = office / "office.yaml"
    renamed = office / "设置备份.txt"
    renamed.write_bytes(settings_file.read_bytes())
    before = _snapshot(office)
    for target in (settings_file, renamed):
        for args in (
            ("template", "dust_six_100pct", "-o", str(target), "--force"),
            ("ledger", "list", "--format", "csv", "-o", str(target), "--force", "--settings", str(settings_file)),
            ("ledger", "list", "--format", "xlsx", "-o", str(target), "--force", "--settings", str(settings_file)),
        ):
            assert _refused_with(lantian(*args), ErrorCode.IO_015) == [str(target)], args
    assert _snapshot(office) == before
    (office / "plain.yaml").write_text("# number_pattern: 在注释里不算\nchecklist: dust_six_100pct\n", encoding="utf-8")
    assert lantian("template", "dust_six_100pct", "-o", str(office / "plain.yaml"), "--force").exit_code == 0


def test_force__any_sqlite_database__refused(tmp_path: Path) -> None:
    """Should tell a database by its first 16 bytes, whatever its name."""
    from engine._fsutil import target_problem
    from engine._sqlite import HEADER as SQLITE_HEADER

    other = tmp_path / "report.xlsx"
    other.write_bytes(SQLITE_HEADER + b"\0" * 100)
    problem = target_problem(other, force=True)
    assert problem is not None and problem.code is ErrorCode.IO_014
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(b"SQLite format 2")
    assert target_problem(plain, force=True) is None


@pytest.mark.parametrize("name", ["整改清单.xlsx", "整改清单.pdf", "a.通知书.pdf"])
def test_batch__ledger_is_one_of_its_own_outputs__refused_ledger_020(tmp_path: Path, name: str) -> None:
    """Should refuse (LEDGER_020) a --ledger that the batch would write a document or the
    list over, even with --force, before anything is recorded or written."""
    office = office_folder(tmp_path / "office")
    inbox = office / "in"
    inbox.mkdir()
    shutil.copy(NONCOMPLIANT, inbox / "a.yaml")
    out = office / "o2"
    result = lantian("batch", str(inbox), "-o", str(out), "--ledger", str(out / name), "--settings", str(office / "office.yaml"), "-j", "1", "--force")
    assert _refused_with(result, ErrorCode.LEDGER_020) == [str(out / name)]
    assert not out.exists() or not list(out.iterdir())


# -- standard output that cannot take what is written ---------------------------------------------


def _lantian_to(stdout: Any, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """`lantian ARGS` with its standard output on ``stdout``, and no file larger than ``limit``."""
    import resource
    import signal

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-c", "import cli; cli.main()", "--rules", str(RULES), *args]
    return subprocess.run(command, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True, preexec_fn=limit_file_size, timeout=120)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("check", str(NONCOMPLIANT)), ("check", str(NONCOMPLIANT), "--format", "json"), ("rules", "list")], ids=["check", "json", "rules_list"])
def test_stdout_on_a_full_disk__io_004_not_an_internal_error(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        done = _lantian_to(full, *args)
    assert done.returncode == 2, done.stderr
    assert "标准输出: [IO_004]" in done.stderr and "磁盘已满" in done.stderr and "内部错误" not in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_stdout_to_a_file_past_the_size_limit__io_004_not_cut_short_with_exit_0(tmp_path: Path) -> None:
    """Should refuse (exit 2, IO_004) when only part of the output reached the file: the disk
    took the first kilobyte and then refused, which used to end with exit 0 and a cut file."""
    target = tmp_path / "检查结果.txt"
    with open(target, "w") as handle:
        done = _lantian_to(handle, "check", str(NONCOMPLIANT), limit=1024)
    assert done.returncode == 2, done.stderr
    assert "[IO_004]" in done.stderr and target.stat().st_size == 1024


def test_stdout_closed_by_its_reader__quiet_exit_1() -> None:
    """Should stop quietly (exit 1, as click does), without an internal error, when the reader
    of the output has gone (`lantian check … | head -1`)."""
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "w") as closed:
        done = _lantian_to(closed, "check", str(NONCOMPLIANT))
    assert (done.returncode, done.stderr) == (1, "")


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_report__no_room_even_for_a_temporary_file__io_012(tmp_path: Path) -> None:
    """Should name the full disk (IO_012) when not even a temporary file can be made, where
    naming the temporary folder itself failed (exit 3)."""
    office, _ = _recorded_office(tmp_path)
    done = _Completed(_limited_lantian(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", "rep", "--settings", "office.yaml"], 0, office))
    assert done.exit_code == 2, done.stderr
    assert "[IO_012]" in done.stderr and "内部错误" not in done.stderr
    assert not (office / "rep").exists() or not list((office / "rep").iterdir())


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, a folder that takes no file even for root")
def test_batch__output_folder_that_takes_no_file__io_004_before_recording_or_numbering(tmp_path: Path) -> None:
    """Should refuse an output folder no file can be made in before recording or numbering
    anything: the inspections used to be recorded and numbered, then every document failed."""
    office = office_folder(tmp_path / "office")
    inbox = _inbox(tmp_path, 1, failing=1)
    result = lantian("batch", str(inbox), "-o", "/proc/lantian-no-such-output", "--settings", str(office / "office.yaml"), "-j", "1")
    assert result.exit_code == 2, result.output
    assert "[IO_004]" in result.stderr and "文件夹 /proc 不能存放文件" in result.stderr
    assert sorted(path.name for path in office.iterdir()) == ["office.yaml"]  # no ledger, no numbers


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_ledger_list_xlsx__no_room_for_the_spreadsheet_s_temporary_files__io_012(tmp_path: Path) -> None:
    """Should name the full disk (IO_012) when the temporary file of a sheet cannot be
    written, with no stray traceback (it was exit 3), and leave no temporary file behind."""
    office, _ = _recorded_office(tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    done = _Completed(_limited_lantian(["ledger", "list", "--format", "xlsx", "-o", "list.xlsx", "--settings", "office.yaml"], 1024, office, env))
    assert done.exit_code == 2, done.stderr
    assert "[IO_012]" in done.stderr and "Traceback" not in done.stderr and "内部错误" not in done.stderr
    assert not (office / "list.xlsx").exists()
    assert list(temporary.iterdir()) == []


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names that are not UTF-8 need a POSIX file system that takes any bytes")
def test_answers_file_named_in_gbk__recorded_and_verified(tmp_path: Path) -> None:
    """Should record and verify an answers file whose name is not UTF-8 (王村 in GBK, as an
    archive made on Windows unpacks), storing the name with its bytes escaped, where it was exit 3."""
    office = office_folder(tmp_path / "office")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = os.fsdecode("王村".encode("gbk") + b".yaml")
    shutil.copy(ONE_FINDING, inbox / name)
    settings = ("--settings", str(office / "office.yaml"))
    result = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), *settings, "-j", "1")
    assert result.exit_code == 1, result.output
    verified = lantian("verify", str(inbox / name), *settings)
    assert verified.exit_code == 0, verified.output
    with sqlite3.connect(office / "office.ledger.sqlite") as connection:
        (stored,) = connection.execute("SELECT answers_name FROM inspections").fetchone()
    connection.close()
    assert stored.endswith("\\xcd\\xf5\\xb4\\xe5.yaml")


def test_force__an_answers_file__refused_io_016(tmp_path: Path) -> None:
    """Should refuse (IO_016) to write a list or a blank form over an answers file even with
    --force: it is the inspection's record, which the ledger verifies by its content."""
    office, inbox = _recorded_office(tmp_path)
    before = (inbox / "a.yaml").read_bytes()
    for args in (("template", "dust_six_100pct"), ("ledger", "list", "--format", "csv", "--settings", str(office / "office.yaml"))):
        assert _refused_with(lantian(*args, "-o", str(inbox / "a.yaml"), "--force"), ErrorCode.IO_016) == [str(inbox / "a.yaml")], args
    assert (inbox / "a.yaml").read_bytes() == before


def test_batch__answers_file_name_too_long_for_its_documents__io_004_before_recording(tmp_path: Path) -> None:
    """Should refuse a file whose documents' names would be longer than a file system takes
    before recording or numbering it (it was recorded and numbered, then no PDF was written)."""
    office = office_folder(tmp_path / "office")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(NONCOMPLIANT, inbox / ("工地" * 40 + ".yaml"))  # 240 bytes; its notice's name, 255 and more
    result = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(office / "office.yaml"), "-j", "1")
    assert result.exit_code == 2 and "[IO_004]" in result.stderr and "文件名太长" in result.stderr, result.output
    assert sorted(path.name for path in office.iterdir()) == ["office.yaml"]


def test_ledger_list_pdf_without_o__usage_001(tmp_path: Path) -> None:
    office, _ = _recorded_office(tmp_path)
    result = lantian("ledger", "list", "--format", "pdf", "--settings", str(office / "office.yaml"))
    assert result.exit_code == 2 and "[USAGE_001]" in result.stderr and "-o" in result.stderr


def test_ledger_list_o_dash__standard_output_not_a_file_named_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    office, _ = _recorded_office(tmp_path)
    monkeypatch.chdir(tmp_path)
    listed = lantian("ledger", "list", "--format", "csv", "-o", "-", "--settings", str(office / "office.yaml"))
    assert listed.exit_code == 0 and listed.stdout.startswith("id,") and not (tmp_path / "-").exists(), listed.output
    refused = lantian("ledger", "list", "--format", "xlsx", "-o", "-", "--settings", str(office / "office.yaml"))
    assert refused.exit_code == 2 and "[USAGE_001]" in refused.stderr



@pytest.mark.skipif(sys.platform == "win32", reason="closes descriptors in the child before it starts")
@pytest.mark.parametrize("args", [("template", "industrial_nox"), ("check", str(NONCOMPLIANT)), ("rules", "list")], ids=["template", "check", "rules_list"])
def test_started_with_standard_output_closed__works_its_output_discarded(args: tuple[str, ...]) -> None:
    """Should do its work and exit as usual when started with standard output closed (a
    service, `>&-`), where it ended with an internal error after doing it."""
    command = [sys.executable, "-c", "import cli; cli.main()", "--rules", str(RULES), *args]
    done = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1), timeout=120)
    assert done.returncode in (0, 1) and "内部错误" not in done.stderr, done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="closes descriptors in the child before it starts")
def test_check_dash_with_standard_input_closed__io_001() -> None:
    command = [sys.executable, "-c", "import cli; cli.main()", "--rules", str(RULES), "check", "-"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, preexec_fn=lambda: os.close(0), timeout=120)
    assert done.returncode == 2 and "[IO_001]" in done.stderr and "标准输入已关闭" in done.stderr, done.stderr


def test_written_file__its_folder_synced_after_it_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should sync the folder once a file is in place under its name (the file's own fsync
    does not keep the name through a power cut), for a document and for a backup's copies."""
    import engine._fsutil as fsutil

    synced: list[tuple[Path, bool]] = []
    real = fsutil._sync_folder
    monkeypatch.setattr(fsutil, "_sync_folder", lambda folder: synced.append((folder, (folder / "a.pdf").exists())) or real(folder))
    fsutil.atomic_write(tmp_path / "a.pdf", b"%PDF-1.7", overwrite=False)
    assert synced == [(tmp_path, True)]
    with fsutil.staged([tmp_path / "b" / "x.sqlite", tmp_path / "b" / "y.sqlite"]) as (first, second):
        first.write_bytes(b"x")
        second.write_bytes(b"y")
        fsutil.place_all([(first, tmp_path / "b" / "x.sqlite"), (second, tmp_path / "b" / "y.sqlite")])
    assert [folder for folder, _ in synced[1:]] == [tmp_path / "b", tmp_path / "b"]
    assert sorted(path.name for path in (tmp_path / "b").iterdir()) == ["x.sqlite", "y.sqlite"]  # no temporary file left


def test_written_files__the_mode_a_plain_open_gives__the_umask_never_set_while_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should give an output and a new ledger the mode open() would (0666 less the umask), not
    mkstemp's private 0600, and never set the process's umask to learn it: in the web app
    another thread creating a file in that instant would take the momentary mask."""
    from test_ledger import FAILING, inspection

    from engine import ledger
    from engine._fsutil import atomic_write

    umask = os.umask(0o022)
    os.umask(umask)
    monkeypatch.setattr(os, "umask", lambda *args: pytest.fail("os.umask called while writing"))
    atomic_write(tmp_path / "out.txt", b"x")
    ledger.record(tmp_path / "ledger.sqlite", inspection(load_rules(RULES), FAILING))
    for name in ("out.txt", "ledger.sqlite"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name
