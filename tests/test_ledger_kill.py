"""A batch killed with SIGKILL in the middle of recording leaves a consistent ledger, and the
next run completes the work without counting anything twice: in a file, and in a PostgreSQL
database (where the server rolls back the transaction of a client that went away)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine import load_rules
from engine.batch import run_batch
from engine.settings import load_settings
from helpers import ROOT, RULES, dust_answers, ledger_rows, office_folder

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

#: The real `lantian batch`, which, once five inspections are recorded, says so on stderr in
#: the middle of the sixth inspection's transaction (one status event written, the others
#: not) and waits there to be killed: the kill lands inside a transaction, every time.
KILLED_INSIDE_A_TRANSACTION = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from engine import ledger
    recorded = 0
    original_record, original_event = ledger.record, ledger._event
    def record(*args, **kwargs):
        global recorded
        outcome = original_record(*args, **kwargs)
        recorded += 1
        return outcome
    def event(*args, **kwargs):
        done = original_event(*args, **kwargs)
        if recorded == 5:
            sys.stderr.write("@inside\\n")
            sys.stderr.flush()
            time.sleep(600)
        return done
    ledger.record, ledger._event = record, event
    import cli
    cli.main(sys.argv[1:])
    """
)


def counts(path) -> tuple[int, ...]:
    return tuple(ledger_rows(path, f"SELECT COUNT(*) FROM {table}")[0][0] for table in ("inspections", "findings", "events"))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_kill_9_while_recording__consistent_then_completed(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Should leave only whole inspections after a kill, and record the rest on the next run."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    total = 24
    for number in range(total):
        text = dust_answers({"hoarding_height": "1.6", "notice_board": "否", "filing": "否"}, date=f"2024-11-{1 + number % 28:02d}").decode("utf-8")
        (inbox / f"site{number:02d}.yaml").write_text(text.replace("XX建设有限公司XX项目工地", f"第{number}号工地"), encoding="utf-8")
    office_folder(tmp_path, ledger=request.getfixturevalue("postgres_url") if engine == "postgresql" else None)
    ledger_file = load_settings(tmp_path / "office.yaml").ledger
    command = [sys.executable, "-c", KILLED_INSIDE_A_TRANSACTION.format(root=str(ROOT)), "--rules", str(RULES), "batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"), "-j", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stderr is not None
        for line in process.stderr:  # ends when the batch does: then it never got inside
            if line.strip() == "@inside":
                break
        else:
            pytest.fail("the batch ended before it recorded five inspections")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    if engine == "sqlite":
        with sqlite3.connect(ledger_file) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    per_inspection = ledger_rows(ledger_file, "SELECT i.id, COUNT(f.id) FROM inspections i LEFT JOIN findings f ON f.inspection_id = i.id GROUP BY i.id")
    (events,) = ledger_rows(ledger_file, "SELECT COUNT(*) FROM events")[0]
    recorded = len(per_inspection)
    assert recorded == 5  # the sixth, killed inside its transaction, left nothing
    assert all(found == 3 for _, found in per_inspection), per_inspection  # no inspection half-recorded
    assert events == 3 * recorded

    # The next run records the rest (its documents, not needed here, are not rendered).
    settings = load_settings(tmp_path / "office.yaml")
    outcome = run_batch(inbox, tmp_path / "out", load_rules(RULES), settings, ledger_path=ledger_file, documents=False)
    assert not [p for p in outcome.problems if p.severity == "error"]
    assert sum(1 for r in outcome.recorded if r.new) == total - recorded
    assert counts(ledger_file) == (total, 3 * total, 3 * total)
