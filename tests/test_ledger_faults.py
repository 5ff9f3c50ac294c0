"""Faults while the ledger is written, injected into the real `lantian` in a subprocess: a
full disk (a file-size limit, so that writes fail with EFBIG as on a full disk), a read-only
ledger, and kill -9 at points of `lantian batch` and `lantian ledger close` chosen at random
(reproducibly: LANTIAN_FAULT_SEED). After each, `lantian ledger check` finds the ledger
whole, and the same work done again completes with nothing counted twice.

No assertion depends on timing: a paused process says so on stderr and waits to be killed;
the generous timeouts only turn a hang into a failure."""

from __future__ import annotations

import os
import random
import resource
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_ledger_hostile import make_read_only, restore

from engine import check, ledger, load_rules
from engine.batch import run_batch
from engine.settings import load_settings
from helpers import EXAMPLES, ROOT, RULES, downgrade_ledger, dust_answers, lantian

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not hasattr(resource, "RLIMIT_FSIZE"), reason="needs SIGKILL and RLIMIT_FSIZE")

FAILING = {"hoarding_height": "1.6", "stockpile_covered": "否", "wash_in_use": "否"}
SEED = int(os.environ.get("LANTIAN_FAULT_SEED", "20241105"))
TIMEOUT = 180  #: seconds before a process that neither pauses nor ends counts as hung

#: `lantian` with one pause point (LANTIAN_PAUSE=point:nth): the nth time the run passes the
#: point it says "@paused" on stderr and waits to be killed. With LANTIAN_PAUSE_SPILL=1 the
#: open transaction first grows past SQLite's page cache, so that uncommitted pages reach the
#: file and the kill leaves a hot rollback journal, as a large transaction does.
PAUSABLE = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from engine import _sqlite, ledger, numbering
    point, nth = os.environ["LANTIAN_PAUSE"].split(":")
    nth, seen = int(nth), 0
    def reached(connection=None):
        global seen
        seen += 1
        if seen != nth:
            return
        if connection is not None and os.environ.get("LANTIAN_PAUSE_SPILL"):
            connection.execute("PRAGMA cache_size = 10")
            connection.execute("INSERT INTO events (finding_id, status, happened_on, actor, reason, recorded_at) "
                               "SELECT finding_id, status, happened_on, actor, hex(randomblob(400000)), recorded_at FROM events LIMIT 1")
        sys.stderr.write("@paused\\n")
        sys.stderr.flush()
        time.sleep(600)
    if point == "event":  # inside a transaction of record or close, after one status change
        original_event = ledger._event
        def event(connection, *args, **kwargs):
            done = original_event(connection, *args, **kwargs)
            reached(connection)
            return done
        ledger._event = event
    elif point == "recorded":  # between two inspections' transactions
        original_record = ledger.record
        def record(*args, **kwargs):
            done = original_record(*args, **kwargs)
            reached()
            return done
        ledger.record = record
    elif point == "number":  # inside the numbers file's transaction, the number inserted
        original_connect = numbering._connect
        class Numbers:
            def __init__(self, connection):
                self._connection = connection
            def __getattr__(self, name):
                return getattr(self._connection, name)
            def execute(self, sql, *args):
                done = self._connection.execute(sql, *args)
                if sql.lstrip().startswith("INSERT"):
                    reached()
                return done
        numbering._connect = lambda path: Numbers(original_connect(path))
    elif point == "migrate":  # inside the upgrade to the schema of this version
        original_key = ledger.site_key
        def site_key(name):
            reached()
            return original_key(name)
        ledger.site_key = site_key
    elif point == "create":  # a new ledger written under its temporary name, not yet in place
        original_link = os.link
        def link(source, target):
            reached()
            return original_link(source, target)
        os.link = link
    import cli
    cli.main(sys.argv[1:])
    """
).format(root=str(ROOT))


def lantian_process(*args: str, pause: str | None = None, spill: bool = False, file_limit: int | None = None, cwd: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    if pause:
        env["LANTIAN_PAUSE"] = pause
        code = PAUSABLE
    else:
        code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import cli; cli.main(sys.argv[1:])"
    if spill:
        env["LANTIAN_PAUSE_SPILL"] = "1"

    def limited() -> None:
        # Writes past the limit fail with EFBIG instead of killing the process: a full disk.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        assert file_limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.Popen(
        [sys.executable, "-c", code, "--rules", str(RULES), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd or ROOT,
        preexec_fn=limited if file_limit is not None else None,
    )


def run_lantian(*args: str, **kwargs) -> subprocess.CompletedProcess:
    process = lantian_process(*args, **kwargs)
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def kill_when_paused(process: subprocess.Popen) -> str:
    """Wait for "@paused", then kill -9; what the process wrote to stderr."""
    assert process.stderr is not None
    seen: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        try:
            while True:
                if not selector.select(timeout=TIMEOUT):
                    pytest.fail("the run neither paused nor ended: " + "".join(seen))
                line = process.stderr.readline()
                if not line:
                    pytest.fail("the run ended before its pause point: " + "".join(seen))
                seen.append(line)
                if line.strip() == "@paused":
                    break
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=TIMEOUT)
            process.stdout.close()  # type: ignore[union-attr]
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    return "".join(seen)


def ledger_check(path: Path) -> None:
    """`lantian ledger check` passes (run in this process: after the kill, any process reads the same file)."""
    checked = lantian("ledger", "check", "--ledger", str(path))
    assert checked.exit_code == 0 and "台账完好" in checked.stdout, checked.output


def counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as connection:
        return tuple(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("inspections", "findings", "events"))  # type: ignore[return-value]


def whole_inspections(path: Path) -> None:
    """Every recorded inspection with all three of its findings, each with its one event."""
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as connection:
        found = connection.execute("SELECT i.id, COUNT(f.id) FROM inspections i LEFT JOIN findings f ON f.inspection_id = i.id GROUP BY i.id").fetchall()
        (events,) = connection.execute("SELECT COUNT(*) FROM events").fetchone()
    assert all(n == 3 for _, n in found), found
    assert events == 3 * len(found)


def office_with_inbox(root: Path, sites: int) -> tuple[Path, Path, Path]:
    """An office folder, an inbox of failing inspections (three findings each), the ledger's path."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "office" / "office.yaml", root / "office.yaml")
    inbox = root / "inbox"
    inbox.mkdir()
    for number in range(sites):
        text = dust_answers(FAILING, date=f"2024-11-{1 + number:02d}").decode("utf-8").replace("XX建设有限公司XX项目工地", f"第{number}号工地")
        (inbox / f"site{number:02d}.yaml").write_text(text, encoding="utf-8")
    return root / "office.yaml", inbox, root / "office.ledger.sqlite"


def rerun_records_the_rest(settings: Path, inbox: Path, ledger_file: Path, total: int) -> None:
    """The batch done again (its documents aside): every inspection recorded once."""
    office = load_settings(settings)
    outcome = run_batch(inbox, settings.parent / "again", load_rules(RULES), office, ledger_path=ledger_file, documents=False)
    assert not [p for p in outcome.problems if p.severity == "error"], outcome.problems
    assert counts(ledger_file) == (total, 3 * total, 3 * total)
    whole_inspections(ledger_file)
    ledger_check(ledger_file)


# -- kill -9 ----------------------------------------------------------------------------------------

SITES = 6
#: Where a batch of SITES inspections can be stopped, and how many times it passes there.
BATCH_POINTS = {"event": 3 * SITES, "recorded": SITES, "number": SITES, "migrate": 2, "create": 1}


@pytest.mark.parametrize("point", sorted(BATCH_POINTS))
def test_kill_9_during_batch__whole_then_completed(tmp_path: Path, point: str) -> None:
    """Should leave, after kill -9 at any point of a batch, a ledger that passes its check
    with only whole inspections in it (or, killed while creating it, no ledger at all), and
    record the rest when the batch runs again."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, SITES)
    nth = random.Random(f"{SEED}:{point}").randint(1, BATCH_POINTS[point])
    if point == "migrate":
        # An older ledger, with two inspections of another site, upgraded by this batch.
        first = tmp_path / "first"
        first.mkdir()
        for day in ("2024-10-01", "2024-10-02"):
            (first / f"{day}.yaml").write_bytes(dust_answers(FAILING, date=day).replace("XX建设有限公司XX项目工地".encode(), "旧工地".encode()))
        run_batch(first, tmp_path / "out0", load_rules(RULES), load_settings(settings), ledger_path=ledger_file, documents=False)
        downgrade_ledger(ledger_file, 1)
    before = counts(ledger_file) if ledger_file.exists() else None
    process = lantian_process("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1", pause=f"{point}:{nth}")
    kill_when_paused(process)

    if point == "create":
        # Killed before the new ledger took its name: nothing under that name, not an empty file.
        assert not ledger_file.exists()
        assert lantian("ledger", "check", "--ledger", str(ledger_file)).exit_code == 2
    else:
        ledger_check(ledger_file)
        whole_inspections(ledger_file)
        recorded = counts(ledger_file)[0]
        if point == "migrate":
            assert counts(ledger_file) == before  # the upgrade and everything after it undone
            with sqlite3.connect(ledger_file) as connection:
                assert connection.execute("PRAGMA user_version").fetchone() == (1,)
        elif point == "recorded":
            assert recorded == nth  # killed between transactions: the nth is in, whole
        elif point == "event":
            assert recorded == (nth - 1) // 3  # the inspection being recorded left nothing
    rerun_records_the_rest(settings, inbox, ledger_file, SITES + (2 if point == "migrate" else 0))


def test_kill_9_with_a_hot_journal__read_commands_undo_the_write(tmp_path: Path) -> None:
    """Should, after kill -9 left uncommitted pages in the file and a hot journal beside it,
    have `ledger check` (read-only) put the last committed state back and pass."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, SITES)
    run_batch(inbox, tmp_path / "out0", load_rules(RULES), load_settings(settings), ledger_path=ledger_file, documents=False)
    settled = ledger_file.read_bytes()
    process = lantian_process("ledger", "close", "2", "--note", "已整改", "--on", "2024-11-20", "--ledger", str(ledger_file), pause="event:1", spill=True)
    kill_when_paused(process)
    assert Path(f"{ledger_file}-journal").exists() and ledger_file.read_bytes() != settled  # really half-written
    listed = lantian("ledger", "list", "--ledger", str(ledger_file), "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert not Path(f"{ledger_file}-journal").exists()
    assert ledger_file.read_bytes() == settled
    ledger_check(ledger_file)


@pytest.mark.parametrize("spill", [False, True], ids=["small", "spilled"])
def test_kill_9_during_close__open_then_closed(tmp_path: Path, spill: bool) -> None:
    """Should leave the finding open after kill -9 inside its close-out, and close it when
    the close-out is done again."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, 2)
    run_batch(inbox, tmp_path / "out0", load_rules(RULES), load_settings(settings), ledger_path=ledger_file, documents=False)
    before = counts(ledger_file)
    args = ["ledger", "close", "2", "--note", "已整改", "--on", "2024-11-20", "--ledger", str(ledger_file)]
    kill_when_paused(lantian_process(*args, pause="event:1", spill=spill))
    ledger_check(ledger_file)
    assert counts(ledger_file) == before
    assert ledger.history(ledger_file, 2)[0].status == "open"
    again = run_lantian(*args)
    assert again.returncode == 0, again.stderr
    assert ledger.history(ledger_file, 2)[0].status == "closed"
    ledger_check(ledger_file)


# -- a full disk ----------------------------------------------------------------------------------


def test_disk_full_during_batch__cause_named_ledger_whole(tmp_path: Path) -> None:
    """Should name the full disk (LEDGER_013), not "cannot rollback", keep the ledger whole,
    and record the rest when run again with room."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, 16)
    # Two inspections recorded with room to spare; the rest meet a disk that fills up.
    first = tmp_path / "first"
    first.mkdir()
    for path in sorted(inbox.iterdir())[:2]:
        shutil.move(path, first / path.name)
    run_batch(first, tmp_path / "out0", load_rules(RULES), load_settings(settings), ledger_path=ledger_file, documents=False)
    for path in first.iterdir():
        shutil.move(path, inbox / path.name)
    limit = ledger_file.stat().st_size + 3 * 4096
    result = run_lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1", file_limit=limit)
    assert result.returncode == 2, result.stderr
    assert "[LEDGER_013]" in result.stderr and "磁盘" in result.stderr, result.stderr
    assert "cannot rollback" not in result.stderr and "内部错误" not in result.stderr
    assert not Path(f"{ledger_file}-journal").exists()
    ledger_check(ledger_file)
    whole_inspections(ledger_file)
    assert 2 <= counts(ledger_file)[0] < 16
    rerun_records_the_rest(settings, inbox, ledger_file, 16)


def test_disk_full_during_close__cause_named_nothing_written(tmp_path: Path) -> None:
    """Should name the full disk (LEDGER_013) when a close-out cannot be written, leave the
    ledger's bytes as they were, and close when run again with room."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, 2)
    run_batch(inbox, tmp_path / "out0", load_rules(RULES), load_settings(settings), ledger_path=ledger_file, documents=False)
    before = ledger_file.read_bytes()
    args = ["ledger", "close", "2", "--note", "已整改", "--on", "2024-11-20", "--ledger", str(ledger_file)]
    result = run_lantian(*args, file_limit=1024)
    assert result.returncode == 2, result.stderr
    assert "[LEDGER_013]" in result.stderr and "cannot rollback" not in result.stderr, result.stderr
    assert ledger_file.read_bytes() == before and not Path(f"{ledger_file}-journal").exists()
    ledger_check(ledger_file)
    assert run_lantian(*args).returncode == 0
    assert ledger.history(ledger_file, 2)[0].status == "closed"


def test_disk_full_while_creating_the_ledger__no_empty_file_left(tmp_path: Path) -> None:
    """Should name the full disk when even a new ledger cannot be written, and leave no
    ledger (an empty one would be refused as not a ledger ever after)."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, 1)
    result = run_lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1", "--ledger", str(ledger_file), file_limit=2048)
    assert result.returncode == 2, result.stderr
    assert "内部错误" not in result.stderr
    assert not ledger_file.exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".office.ledger.sqlite.")]
    rerun_records_the_rest(settings, inbox, ledger_file, 1)


def test_disk_full_while_numbering__cause_named(tmp_path: Path) -> None:
    """Should name the full disk when a document number cannot be written (NUMBER_001 with
    the cause, not "cannot rollback"), keep the numbers file as it was, and number on."""
    from engine.numbering import allocate

    numbers = tmp_path / "office.numbers.sqlite"
    allocate(numbers, "sha-a", year=2024)
    before = numbers.read_bytes()
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from engine.errors import LantianError\nfrom engine.numbering import allocate\n"
        f"try:\n    allocate({str(numbers)!r}, 'sha-b', year=2024)\nexcept LantianError as exc:\n    print(exc)\n"
    )

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=limited)
    assert "[NUMBER_001]" in result.stdout and "磁盘" in result.stdout, result.stdout + result.stderr
    assert "cannot rollback" not in result.stdout
    assert numbers.read_bytes() == before
    assert allocate(numbers, "sha-b", year=2024).seq == 2


# -- a read-only ledger --------------------------------------------------------------------------


def test_read_only_ledger__batch_refused_then_completed(tmp_path: Path) -> None:
    """Should refuse to record into a read-only ledger (LEDGER_014) without changing it, and
    record everything once it can be written again."""
    settings, inbox, ledger_file = office_with_inbox(tmp_path, 3)
    first = tmp_path / "first"
    first.mkdir()
    shutil.move(sorted(inbox.iterdir())[0], first / "site00.yaml")
    run_batch(first, tmp_path / "out0", load_rules(RULES), load_settings(settings), ledger_path=ledger_file, documents=False)
    shutil.move(first / "site00.yaml", inbox / "site00.yaml")
    before = ledger_file.read_bytes()
    locked = make_read_only(ledger_file)
    try:
        result = run_lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1")
        checked = lantian("ledger", "check", "--ledger", str(ledger_file))
    finally:
        restore(locked)
    assert result.returncode == 2 and "[LEDGER_014]" in result.stderr, result.stderr
    assert checked.exit_code == 0, checked.output
    assert ledger_file.read_bytes() == before
    rerun_records_the_rest(settings, inbox, ledger_file, 3)


def test_results_of_the_helpers__inspections_fail_three_items(rules) -> None:
    """The inbox's inspections have three findings each, as the counts above assume."""
    text = dust_answers(FAILING, date="2024-11-01")
    assert len(check(text, rules, name="a.yaml").notice_findings) == 3
