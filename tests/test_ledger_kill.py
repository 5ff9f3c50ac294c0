"""A batch killed with SIGKILL in the middle of recording leaves a consistent ledger, and the
next run completes the work without counting anything twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT, RULES, dust_answers

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

#: The real `lantian batch`, with each status event slowed down so that the kill lands
#: inside an inspection's transaction rather than between two.
SLOW_BATCH = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from engine import ledger
    original = ledger._event
    def slow(*args, **kwargs):
        time.sleep(0.02)
        return original(*args, **kwargs)
    ledger._event = slow
    import cli
    cli.main(sys.argv[1:])
    """
)


def counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as connection:
        return tuple(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("inspections", "findings", "events"))  # type: ignore[return-value]


def test_kill_9_while_recording__consistent_then_completed(tmp_path: Path) -> None:
    """Should leave only whole inspections after a kill, and record the rest on the next run."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    total = 24
    for number in range(total):
        text = dust_answers({"hoarding_height": "1.6", "notice_board": "否", "filing": "否"}, date=f"2024-11-{1 + number % 28:02d}").decode("utf-8")
        (inbox / f"site{number:02d}.yaml").write_text(text.replace("XX建设有限公司XX项目工地", f"第{number}号工地"), encoding="utf-8")
    (tmp_path / "office.yaml").write_bytes((EXAMPLES / "office" / "office.yaml").read_bytes())
    ledger_file = tmp_path / "office.ledger.sqlite"
    command = [sys.executable, "-c", SLOW_BATCH.format(root=str(ROOT)), "--rules", str(RULES), "batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"), "-j", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ledger_file.exists():
                try:
                    if counts(ledger_file)[0] >= 5:
                        break
                except sqlite3.OperationalError:
                    pass  # the schema is being made, or the file is locked for a moment
            time.sleep(0.01)
        else:
            pytest.fail("the batch recorded nothing within a minute")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    with sqlite3.connect(ledger_file) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        per_inspection = connection.execute("SELECT i.id, COUNT(f.id) FROM inspections i LEFT JOIN findings f ON f.inspection_id = i.id GROUP BY i.id").fetchall()
        events = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    recorded = len(per_inspection)
    assert 5 <= recorded < total, "the kill should land in the middle of the batch"
    assert all(found == 3 for _, found in per_inspection), per_inspection  # no inspection half-recorded
    assert events == 3 * recorded

    finished = subprocess.run(command[:1] + ["-m", "cli"] + command[3:], cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert finished.returncode == 1, finished.stderr  # non-compliant sites: exit 1, no bad input
    assert f"新登记检查 {total - recorded} 次" in finished.stdout
    assert counts(ledger_file) == (total, 3 * total, 3 * total)
