"""A ledger file that is damaged, bent by another program, empty, read-only or missing, and
answers files that would bend it: each is refused with its code and exit 2, and the ledger's
bytes stay as they were. Every hostile input is built here, in the test's own folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from engine import check, ledger, load_rules
from engine.errors import LantianError
from engine.ledger import Filter, LedgerError
from engine.settings import load_settings
from helpers import EXAMPLES, ROOT, RULES, downgrade_ledger, dust_answers, lantian, ledger_rows, office_folder, record
from pdf_text import pdf_text

FAILING = {"hoarding_height": "1.6", "stockpile_covered": "否", "wash_in_use": "否"}


def answers_text(overrides=None, *, date="2024-11-05", site="XX建设有限公司XX项目工地", extra="") -> bytes:
    text = dust_answers(overrides, date=date).decode("utf-8").replace("XX建设有限公司XX项目工地", site)
    return text.replace("  inspectors: [李明, 王芳]\n", "  inspectors: [李明, 王芳]\n" + extra).encode("utf-8")


def inspection(rules, overrides=None, *, name="a.yaml", **kwargs):
    return check(answers_text(overrides, **kwargs), rules, name=name)


def build_ledger(path: Path, rules, sites: int = 6) -> None:
    """A ledger of several failing inspections, one with a notice number, over a few pages."""
    for number in range(sites):
        ledger.record(path, inspection(rules, FAILING, site=f"第{number}号工地", name=f"site{number}.yaml"), notice_number=f"N{number}")


@pytest.fixture(scope="module")
def built(tmp_path_factory, rules) -> Path:
    path = tmp_path_factory.mktemp("built") / "ledger.sqlite"
    build_ledger(path, rules)
    return path


@pytest.fixture
def office(tmp_path: Path, built: Path) -> Path:
    """An office folder with a copy of the built ledger beside its settings."""
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    shutil.copy(built, tmp_path / "office.ledger.sqlite")
    return tmp_path


@pytest.fixture(params=["sqlite", "postgresql"])
def kept(request: pytest.FixtureRequest, tmp_path: Path, built: Path, rules) -> tuple[Path, str]:
    """An office folder with its settings and a ledger of the built kind: a copy of the built
    file beside the settings, or the same inspections recorded into an empty database on the
    PostgreSQL server. The folder, and the ledger as ``--ledger`` takes it."""
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    if request.param == "sqlite":
        shutil.copy(built, tmp_path / "office.ledger.sqlite")
        return tmp_path, str(tmp_path / "office.ledger.sqlite")
    url = request.getfixturevalue("postgres_url")
    build_ledger(ledger.for_office(ledger.ledger_at(url), load_settings(tmp_path / "office.yaml").office), rules)
    return tmp_path, url


def snapshot(path) -> object:
    """The ledger's bytes, and whether a rollback journal lies beside it; of a ledger on a
    server, every row of its tables."""
    if ledger.on_server(path):
        return {table: ledger_rows(path, f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4") for table in ("inspections", "findings", "events", "document_numbers")}
    return path.read_bytes() if path.exists() else b"", Path(f"{path}-journal").exists()


def office_on(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> tuple[Path, object]:
    """The example settings in ``tmp_path``, their ledger the file beside them or, on
    "postgresql", an empty database on the server: the settings file and the ledger."""
    settings = office_folder(tmp_path, ledger=request.getfixturevalue("postgres_url") if engine == "postgresql" else None) / "office.yaml"
    return settings, load_settings(settings).ledger


def codes(result) -> list[str]:
    import re

    return re.findall(r"\[([A-Z]+_\d{3})\]", result.stderr)


def run_all_commands(office: Path, ledger_file, *, inbox: Path | None = None, batch: bool = True) -> dict[str, object]:
    """Every command that opens the ledger, run against ``ledger_file`` (a file, or an address
    on a server): their results (the batch, which records, only when ``batch``)."""
    where = ledger_file.url if ledger.on_server(ledger_file) else str(ledger_file)
    args = ["--ledger", where, "--settings", str(office / "office.yaml")]
    answers = office / "a.yaml"
    answers.write_bytes(answers_text(FAILING, site="第0号工地"))
    if inbox is None:
        inbox = office / "inbox"
        inbox.mkdir(exist_ok=True)
        (inbox / "new.yaml").write_bytes(answers_text(FAILING, site="新工地", date="2024-11-06"))
    results = {
        "list": lantian("ledger", "list", *args),
        "show": lantian("ledger", "show", "2", *args),
        "close": lantian("ledger", "close", "2", "--note", "已整改", "--on", "2024-11-20", *args),
        "check": lantian("ledger", "check", *args),
        "verify": lantian("verify", str(answers), *args),
        "report": lantian("report", "--from", "2024-11-01", "--to", "2024-11-30", "-o", str(office / "report"), *args),
    }
    if batch:
        results["batch"] = lantian("batch", str(inbox), "-o", str(office / "out"), "-j", "1", *args)
    return results


def assert_refused_untouched(results: dict, expected: str, before: tuple[bytes, bool], ledger_file: Path) -> None:
    for command, result in results.items():
        assert result.exit_code == 2, (command, result.output)  # type: ignore[attr-defined]
        assert expected in codes(result), (command, result.stderr)  # type: ignore[attr-defined]
        assert "内部错误" not in result.stderr, command  # type: ignore[attr-defined]
    assert snapshot(ledger_file) == before


# -- A1: a damaged ledger -------------------------------------------------------------------


def page_of(path: Path, name: str) -> int:
    with sqlite3.connect(path) as connection:
        (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
    return (root - 1) * size


def overwrite(path: Path, offset: int, length: int = 64) -> None:
    data = bytearray(path.read_bytes())
    data[offset : offset + length] = bytes((offset + i) * 37 % 256 for i in range(length))
    path.write_bytes(bytes(data))


def test_damaged_page__every_command_refuses_and_writes_nothing(office: Path) -> None:
    """Should refuse (LEDGER_011) with every command when a table's page is garbage, never
    crash, and never write into the file (ledger close used to exit 0 and write)."""
    ledger_file = office / "office.ledger.sqlite"
    overwrite(ledger_file, page_of(ledger_file, "findings"))
    before = snapshot(ledger_file)
    results = run_all_commands(office, ledger_file)
    verified = results.pop("verify")  # reads only the inspections, whose pages are whole
    assert verified.exit_code == 0, verified.output  # type: ignore[attr-defined]
    assert_refused_untouched(results, "LEDGER_011", before, ledger_file)
    assert "从备份恢复" in results["close"].stderr  # type: ignore[attr-defined]


def test_damaged_index__close_refuses_before_writing(office: Path) -> None:
    """Should refuse to close a finding in a file that fails the integrity check, even where
    the damage is in an index the close-out itself would not read."""
    ledger_file = office / "office.ledger.sqlite"
    overwrite(ledger_file, page_of(ledger_file, "sqlite_autoindex_inspections_1"))
    before = snapshot(ledger_file)
    closed = lantian("ledger", "close", "2", "--note", "已整改", "--on", "2024-11-20", "--ledger", str(ledger_file))
    assert closed.exit_code == 2 and codes(closed) == ["LEDGER_011"], closed.output
    assert "完整性检查" in closed.stderr
    assert snapshot(ledger_file) == before
    checked = lantian("ledger", "check", "--ledger", str(ledger_file))
    assert checked.exit_code == 2 and set(codes(checked)) == {"LEDGER_011"}
    assert snapshot(ledger_file) == before


def test_text_that_is_not_utf8__damaged_not_a_crash(office: Path) -> None:
    """Should report a ledger whose schema text was overwritten as damaged (it used to stop
    with a UnicodeDecodeError, exit 3)."""
    ledger_file = office / "office.ledger.sqlite"
    data = ledger_file.read_bytes()
    at = data.index(b"CREATE TABLE findings")
    overwrite(ledger_file, at + 4, 40)
    before = snapshot(ledger_file)
    results = run_all_commands(office, ledger_file)
    assert_refused_untouched({name: results[name] for name in ("list", "show", "close", "check", "report", "batch")}, "LEDGER_011", before, ledger_file)


def test_missing_table__damaged(office: Path) -> None:
    """Should refuse a ledger that lost a table (LEDGER_011), naming the table."""
    ledger_file = office / "office.ledger.sqlite"
    with sqlite3.connect(ledger_file) as connection:
        connection.execute("DROP TABLE events")
    before = snapshot(ledger_file)
    results = run_all_commands(office, ledger_file)
    assert_refused_untouched(results, "LEDGER_011", before, ledger_file)
    assert "缺少表 events" in results["list"].stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "statement, column, refusing",
    [
        ("UPDATE inspections SET inspected_on = '2024-02-30' WHERE id = 1", "inspected_on", ["list", "show", "close", "check", "report"]),
        ("UPDATE findings SET deadline = 'soon' WHERE id = 2", "deadline", ["list", "show", "close", "check", "report"]),
        ("UPDATE findings SET status = 'lost' WHERE id = 2", "status", ["list", "show", "close", "check", "report"]),
        # An event's date and status are read where the finding's history is.
        ("UPDATE events SET happened_on = '2024-13-01' WHERE finding_id = 2", "happened_on", ["show", "close", "check"]),
        ("UPDATE events SET status = 'gone' WHERE finding_id = 2", "status", ["show", "close", "check"]),
    ],
)
def test_impossible_value__refused_with_the_row(kept: tuple[Path, str], statement: str, column: str, refusing: list[str]) -> None:
    """Should name the row and column of an impossible date or status (LEDGER_012) in every
    command that reads it, instead of crashing (exit 3) or closing the finding; the other
    commands work and write nothing either. A server's CHECK refuses an impossible status from
    any program; SQLite's can be switched off."""
    office, where = kept
    ledger_file = ledger.ledger_at(where)
    if ledger.on_server(ledger_file):
        if column == "status":
            with pytest.raises(Exception, match="check constraint"):
                ledger_rows(ledger_file, statement)
            return
        ledger_rows(ledger_file, statement)
    else:
        with sqlite3.connect(ledger_file) as connection:
            connection.execute("PRAGMA ignore_check_constraints = ON")  # as another program could
            connection.execute(statement)
    before = snapshot(ledger_file)
    results = run_all_commands(office, ledger_file, batch=False)  # a batch that does not touch the row records as usual
    assert_refused_untouched({name: results[name] for name in refusing}, "LEDGER_012", before, ledger_file)
    assert f" 的 {column}（" in results["check"].stderr  # type: ignore[attr-defined]
    for name, result in results.items():
        assert "内部错误" not in result.stderr, name  # type: ignore[attr-defined]


def test_impossible_value__a_reinspection_touching_it_records_nothing(kept: tuple[Path, str]) -> None:
    """Should refuse a re-inspection that would re-check a finding with an impossible value,
    before recording anything."""
    office, where = kept
    ledger_file = ledger.ledger_at(where)
    ledger_rows(ledger_file, "UPDATE findings SET deadline = '2024-11-31' WHERE inspection_id = 1")
    before = snapshot(ledger_file)
    inbox = office / "again"
    inbox.mkdir()
    (inbox / "again.yaml").write_bytes(answers_text({}, site="第0号工地", date="2024-11-20", extra="  follows: N0\n"))
    result = lantian("batch", str(inbox), "-o", str(office / "out"), "-j", "1", "--ledger", where, "--settings", str(office / "office.yaml"))
    assert result.exit_code == 2 and "LEDGER_012" in codes(result), result.output
    assert snapshot(ledger_file) == before


# -- A2: a read-only ledger ------------------------------------------------------------------


def make_read_only(*paths: Path) -> list[Path]:
    """Make files or folders read-only in a way that binds this user. chmod binds everyone but
    root; root (the tests' user in the container) is bound only by the immutable attribute,
    which chattr sets where the file system and the capabilities allow."""
    done: list[Path] = []
    for path in paths:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
        elif shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            restore(done)
            pytest.skip("running as root where chattr +i is not available: no way to make a file read-only for root")
        done.append(path)
    return done


def restore(paths: list[Path]) -> None:
    for path in paths:
        if os.geteuid() != 0:
            path.chmod(0o755 if path.is_dir() else 0o644)
        else:
            subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only__writes_refused_reads_work(office: Path, what: str) -> None:
    """Should refuse to close or record in a read-only ledger or folder (LEDGER_014: the
    journal cannot be written beside it), change nothing, and still answer queries."""
    (office / "ledger").mkdir()
    ledger_file = office / "ledger" / "office.ledger.sqlite"
    shutil.move(office / "office.ledger.sqlite", ledger_file)
    before = snapshot(ledger_file)
    inbox = office / "inbox"
    inbox.mkdir()
    (inbox / "new.yaml").write_bytes(answers_text(FAILING, site="新工地", date="2024-11-06"))
    args = ["--ledger", str(ledger_file), "--settings", str(office / "office.yaml")]
    locked = make_read_only(ledger_file if what == "file" else ledger_file.parent)
    try:
        closed = lantian("ledger", "close", "2", "--note", "已整改", "--on", "2024-11-20", *args)
        batch = lantian("batch", str(inbox), "-o", str(office.parent / f"{office.name}-out"), "-j", "1", *args)
        listed = lantian("ledger", "list", *args)
        checked = lantian("ledger", "check", *args)
    finally:
        restore(locked)
    for result in (closed, batch):
        assert result.exit_code == 2 and "LEDGER_014" in codes(result), result.output
    assert "只读" in closed.stderr
    assert listed.exit_code == 0 and "共 18 个问题" in listed.stdout
    assert checked.exit_code == 0 and "台账完好" in checked.stdout
    assert snapshot(ledger_file) == before


def test_read_commands__open_read_only_and_never_migrate(tmp_path: Path, rules) -> None:
    """Should read a ledger of schema version 1 as it is (no upgrade, no byte changed), and
    upgrade it only when writing."""
    path = tmp_path / "v1.sqlite"
    with sqlite3.connect(path) as connection:
        for statement in ledger.MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 1")
    # An old run's rows, written as version 1 wrote them.
    with sqlite3.connect(path) as connection:
        connection.execute(
            """INSERT INTO inspections (id, answers_sha256, answers_name, checklist_id, checklist_title, checklist_version, rules_sha256,
               site_name, site_type, inspected_on, inspectors, verdict, score, max_score, recorded_at)
               VALUES (1, 'x', 'old.yaml', 'dust_six_100pct', '扬尘', '1', 'r', 'XX建设有限公司XX项目工地', '工地', '2024-11-05', '李明', 'non_compliant', 1, 2, 't')"""
        )
        connection.execute("INSERT INTO findings VALUES (1, 1, 'hoarding_height', 'q', 'major', 'p', 'm', 'b', '2024-11-20', 'open')")
        connection.execute("INSERT INTO events VALUES (1, 1, 'open', '2024-11-05', '李明', '现场检查发现', 1, NULL, NULL, 't')")
    before = snapshot(path)
    assert [row.finding_id for row in ledger.findings(path)] == [1]
    assert ledger.history(path, 1)[1][0].status == "open"
    assert ledger.examine(path).version == 1
    assert ledger.verify(path, Path(__file__)).matches is False
    assert snapshot(path) == before
    # The same inspection from a file edited after version 1 recorded it: the upgrade keys it
    # by its site as read, so an invisible character in the name does not make it new.
    edited = inspection(rules, FAILING, site="XX建设有限公司\u200bXX项目工地")
    assert ledger.admission_problem(path, edited).code.name == "LEDGER_003"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (ledger.SCHEMA_VERSION,)
        assert connection.execute("SELECT site_key FROM inspections").fetchone() == ("xx建设有限公司xx项目工地",)


def test_written_by_this_version__refused_by_an_older_one(tmp_path: Path, rules, monkeypatch) -> None:
    """Should stamp the new schema version, so that a Lantian that knows only version 1
    refuses the file (LEDGER_004) instead of writing rows without their site key."""
    path = tmp_path / "ledger.sqlite"
    ledger.record(path, inspection(rules, FAILING))
    monkeypatch.setattr(ledger, "MIGRATIONS", ledger.MIGRATIONS[:1])
    monkeypatch.setattr(ledger, "SCHEMA_VERSION", 1)
    with pytest.raises(LedgerError) as raised:
        ledger.findings(path)
    assert [p.code.name for p in raised.value.problems] == ["LEDGER_004"]


def test_locked__named_as_locked(tmp_path: Path, rules, monkeypatch) -> None:
    """Should say that another program holds the ledger (LEDGER_015) when its lock is not
    released in time, and change nothing."""
    from engine import _sqlite

    path = tmp_path / "ledger.sqlite"
    build_ledger(path, rules, sites=1)
    monkeypatch.setattr(_sqlite, "BUSY_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = path.read_bytes()
        with pytest.raises(LedgerError) as raised:
            ledger.close(path, 1, note="已整改", actor="王芳", day=dt.date(2024, 11, 20))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [p.code.name for p in raised.value.problems] == ["LEDGER_015"]
    assert path.read_bytes() == before


# -- A3: a finding id no SQLite integer can hold ------------------------------------------------


@pytest.mark.parametrize("finding", [str(2**63), str(2**64 + 5), "0", "-1"])
def test_finding_id_out_of_range__unknown_finding(kept: tuple[Path, str], finding: str) -> None:
    """Should say there is no such finding (LEDGER_005), not overflow (exit 3): SQLite's
    integers and the server's BIGINT end at 2**63 - 1."""
    _, where = kept
    ledger_file = ledger.ledger_at(where)
    before = snapshot(ledger_file)
    for command in (["show"], ["close", "--note", "x"]):
        result = lantian("ledger", *command, "--ledger", where, "--", finding)
        assert result.exit_code == 2 and codes(result) == ["LEDGER_005"], result.output
    assert snapshot(ledger_file) == before


# -- A4: evidence and answers files that are big, or not files ----------------------------------------


def test_hashing__in_chunks_and_only_regular_files(tmp_path: Path, built: Path) -> None:
    """Should hash a large file without holding it in memory, and refuse a pipe or a folder
    (IO_001) before opening it instead of blocking forever."""
    big = tmp_path / "video.mp4"
    with big.open("wb") as handle:
        for block in range(12):
            handle.write(bytes([block]) * (1024 * 1024))
    tracemalloc.start()
    try:
        digest = ledger.file_sha256(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest == hashlib.sha256(big.read_bytes()).hexdigest()
    assert peak < 4 * 1024 * 1024  # a 12 MiB file read whole would need 12 MiB at once
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for hostile in (fifo, tmp_path):
        with pytest.raises(LantianError) as raised:
            ledger.file_sha256(hostile)
        assert [p.code.name for p in raised.value.problems] == ["IO_005"]
        with pytest.raises(LantianError) as raised:
            ledger.verify(built, hostile)
        assert [p.code.name for p in raised.value.problems] == ["IO_005"]
    copy = tmp_path / "ledger.sqlite"
    shutil.copy(built, copy)
    before = snapshot(copy)
    with pytest.raises(LantianError) as raised:
        ledger.close(copy, 1, note="见材料", actor="王芳", day=dt.date(2024, 11, 20), evidence=fifo)
    assert [p.code.name for p in raised.value.problems] == ["IO_005"]
    assert snapshot(copy) == before


def test_fifo_on_the_command_line__refused_not_hanging(tmp_path: Path, built: Path) -> None:
    """Should end (exit 2) when `verify` or `close --evidence` is given a named pipe, which
    used to block forever."""
    copy = tmp_path / "ledger.sqlite"
    shutil.copy(built, copy)
    before = snapshot(copy)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (["verify", str(fifo)], ["ledger", "close", "1", "--note", "见材料", "--evidence", str(fifo)]):
        result = subprocess.run(
            [sys.executable, "-c", "import cli; cli.main()", "--rules", str(RULES), *args, "--ledger", str(copy)],
            capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 2, result.stderr
        assert "内部错误" not in result.stderr
    assert snapshot(copy) == before


# -- A6: empty, foreign or missing files --------------------------------------------------------


@pytest.mark.parametrize("content, reason", [(b"", "文件是空的"), (b"inspections,findings\n1,2\n", "不是 SQLite")])
def test_empty_or_foreign_file__not_a_ledger_never_written(office: Path, content: bytes, reason: str) -> None:
    """Should refuse an empty file or one that is not SQLite (LEDGER_009) in every command,
    and leave it as it was: no read gives it a schema, no batch records into it."""
    ledger_file = office / "office.ledger.sqlite"
    ledger_file.write_bytes(content)
    before = snapshot(ledger_file)
    results = run_all_commands(office, ledger_file)
    assert_refused_untouched(results, "LEDGER_009", before, ledger_file)
    assert reason in results["list"].stderr  # type: ignore[attr-defined]


def test_another_sqlite_database__not_a_ledger(tmp_path: Path) -> None:
    """Should refuse an SQLite file of another program (LEDGER_009) and add nothing to it."""
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
    before = snapshot(other)
    for args in (["ledger", "list"], ["ledger", "check"], ["ledger", "close", "1", "--note", "x"]):
        result = lantian(*args, "--ledger", str(other))
        assert result.exit_code == 2 and codes(result) == ["LEDGER_009"], result.output
    assert snapshot(other) == before


def test_folder_where_the_ledger_should_be__not_a_ledger(tmp_path: Path, rules) -> None:
    """Should refuse a folder given as the ledger (LEDGER_009)."""
    with pytest.raises(LedgerError) as raised:
        ledger.record(tmp_path, inspection(rules, FAILING))
    assert [p.code.name for p in raised.value.problems] == ["LEDGER_009"]


def test_missing_ledger__read_commands_say_where_and_create_nothing(tmp_path: Path) -> None:
    """Should refuse (LEDGER_010, naming the file looked for) rather than create an empty
    ledger and report that nothing is open."""
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    expected = tmp_path / "office.ledger.sqlite"
    (tmp_path / "a.yaml").write_bytes(answers_text(FAILING))
    for args in (["ledger", "list"], ["ledger", "show", "1"], ["ledger", "close", "1", "--note", "x"], ["ledger", "check"], ["verify", str(tmp_path / "a.yaml")]):
        result = lantian(*args, "--settings", str(tmp_path / "office.yaml"))
        assert result.exit_code == 2 and codes(result) == ["LEDGER_010"], result.output
        assert str(expected) in result.stderr
    assert not expected.exists()


def test_ledger_path_that_cannot_be_opened__named(office: Path) -> None:
    """Should say the ledger cannot be read (LEDGER_016) when its path is a link that leads
    back to itself, in reads and writes alike, and create nothing in its place."""
    loop = office / "loop.sqlite"
    loop.symlink_to(loop.name)
    inbox = office / "inbox"
    inbox.mkdir()
    (inbox / "new.yaml").write_bytes(answers_text(FAILING, site="新工地"))
    args = ["--ledger", str(loop), "--settings", str(office / "office.yaml")]
    for command in (["ledger", "list"], ["ledger", "check"], ["ledger", "close", "1", "--note", "x"], ["batch", str(inbox), "-o", str(office / "out"), "-j", "1"]):
        result = lantian(*command, *args)
        assert result.exit_code == 2 and codes(result) == ["LEDGER_016"], result.output
    assert loop.is_symlink() and os.readlink(loop) == loop.name


def test_list_written_over_the_ledger__refused_even_with_force(office: Path) -> None:
    """Should refuse to write the list over the ledger itself (a database: IO_014) or over
    its rollback journal (LEDGER_019), even with --force, rather than replace the ledger
    with a CSV or a spreadsheet."""
    ledger_file = office / "office.ledger.sqlite"
    before = snapshot(ledger_file)
    for fmt in ("csv", "xlsx"):
        for target, code in ((ledger_file, "IO_014"), (Path(f"{ledger_file}-journal"), "LEDGER_019")):
            result = lantian("ledger", "list", "--ledger", str(ledger_file), "--settings", str(office / "office.yaml"), "--format", fmt, "-o", str(target), "--force")
            assert result.exit_code == 2 and codes(result) == [code], result.output
            assert str(target) in result.stderr
    assert snapshot(ledger_file) == before


# -- the numbers file beside the ledger --------------------------------------------------------------


@pytest.mark.parametrize("content, reason", [(b"", "文件是空的"), (b"year,seq\n2024,1\n", "不是 SQLite"), (None, "另一种 SQLite 数据库")])
def test_numbers_file_empty_or_foreign__refused_not_restarted(tmp_path: Path, content: bytes | None, reason: str) -> None:
    """Should refuse an empty or foreign numbers file (NUMBER_001) instead of giving it a
    table and numbering again from 1, and leave it as it was."""
    from engine.numbering import allocate

    numbers = tmp_path / "office.numbers.sqlite"
    if content is None:
        with sqlite3.connect(numbers) as connection:
            connection.execute("CREATE TABLE people (name TEXT)")
    else:
        numbers.write_bytes(content)
    before = snapshot(numbers)
    with pytest.raises(LantianError) as raised:
        allocate(numbers, "sha-a", year=2024)
    assert [p.code.name for p in raised.value.problems] == ["NUMBER_001"] and reason in raised.value.problems[0].message
    assert snapshot(numbers) == before


def test_numbers_file_read_only__cause_named(tmp_path: Path) -> None:
    """Should say the numbers file is read-only (NUMBER_001 with the cause), not that it is
    damaged, and change nothing."""
    from engine.numbering import allocate

    numbers = tmp_path / "office.numbers.sqlite"
    allocate(numbers, "sha-a", year=2024)
    before = snapshot(numbers)
    locked = make_read_only(numbers)
    try:
        with pytest.raises(LantianError) as raised:
            allocate(numbers, "sha-b", year=2024)
    finally:
        restore(locked)
    assert [p.code.name for p in raised.value.problems] == ["NUMBER_001"] and "只读" in raised.value.problems[0].message
    assert snapshot(numbers) == before
    assert allocate(numbers, "sha-a", year=2024).seq == 1


# -- B1: re-inspection dates (each library test on a file and on a PostgreSQL database) -------


def test_reinspection_before_the_inspection_it_follows__refused(ledger_location, rules) -> None:
    """Should refuse a re-inspection dated before the inspection it follows (LEDGER_017),
    at its date, and close nothing."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, extra="  id: J-001\n"))
    early = inspection(rules, {}, date="2024-11-01", extra="  follows: J-001\n", name="early.yaml")
    problem = ledger.admission_problem(path, early)
    assert problem is not None and problem.code.name == "LEDGER_017" and problem.location.path == ("inspection", "date")
    assert "2024-11-05" in problem.message
    before = snapshot(path)
    with pytest.raises(LedgerError):
        ledger.record(path, early)
    assert snapshot(path) == before


def test_reinspection_in_the_future__refused(ledger_location, rules) -> None:
    """Should refuse a re-inspection dated after today (LEDGER_017)."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, extra="  id: J-001\n"))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    future = inspection(rules, {}, date=tomorrow, extra="  follows: J-001\n", name="future.yaml")
    problem = ledger.admission_problem(path, future)
    assert problem is not None and problem.code.name == "LEDGER_017" and "晚于今天" in problem.message
    assert ledger.admission_problem(path, future, today=dt.date.today() + dt.timedelta(days=1)) is None


def test_reinspection_before_a_later_recheck__refused(ledger_location, rules) -> None:
    """Should refuse a re-inspection dated before the latest entry of a finding it re-checks:
    closing it then would put its close-out before its re-check."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, extra="  id: J-001\n"))
    ledger.record(path, inspection(rules, FAILING, date="2024-11-20", extra="  id: J-002\n  follows: J-001\n", name="b.yaml"))
    between = inspection(rules, {}, date="2024-11-10", extra="  follows: J-001\n", name="c.yaml")
    problem = ledger.admission_problem(path, between)
    assert problem is not None and problem.code.name == "LEDGER_017" and "2024-11-20" in problem.message


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_reinspection_dates__unclosed_and_overdue_agree_after_a_batch(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Should report the early re-inspection in `lantian batch` (exit 2) and leave the
    findings open, so that --status unclosed and --overdue still agree."""
    _, ledger_file = office_on(tmp_path, engine, request)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "first.yaml").write_bytes(answers_text(FAILING, extra="  id: J-001\n"))
    (second / "early.yaml").write_bytes(answers_text({}, date="2024-11-01", extra="  follows: J-001\n"))
    assert len(record(first, tmp_path / "office.yaml").recorded) == 1
    result = lantian("batch", str(second), "-o", str(tmp_path / "out2"), "--settings", str(tmp_path / "office.yaml"), "-j", "1")
    assert result.exit_code == 2 and codes(result) == ["LEDGER_017"], result.output
    assert "early.yaml:" in result.stderr
    unclosed = {row.finding_id for row in ledger.findings(ledger_file, Filter(status="unclosed"))}
    overdue = {row.finding_id for row in ledger.findings(ledger_file, Filter(overdue_on=dt.date(2024, 12, 31)))}
    assert len(unclosed) == 3 and overdue == unclosed


# -- B2: identities that survive cosmetic edits ------------------------------------------------------


@pytest.mark.parametrize(
    "site, extra",
    [
        ("XX建设有限公司XX项目工地", "  id: J-999\n"),  # only inspection.id edited
        ("XX建设有限公司\u200bXX项目工地", ""),  # an invisible zero-width space
        ("\ufeffXX建设有限公司XX项目工地\u00ad", ""),  # a BOM and a soft hyphen
        ("  ＸＸ建设有限公司ＸＸ项目工地\u3000", ""),  # full-width letters, surrounding spaces
        ("XX建设有限公司XX项目工地", "  start_time: '09:00'\n  end_time: '10:00'\n"),  # times added to one side only
    ],
)
def test_cosmetic_edit__same_inspection_refused(ledger_location, rules, site: str, extra: str) -> None:
    """Should refuse (LEDGER_003) a recorded inspection from a file changed only in ways a
    reader does not see, instead of recording its findings and a notice number again."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, extra="  id: J-001\n"), notice_number="N1")
    edited = inspection(rules, FAILING, site=site, extra=extra, name="edited.yaml")
    assert edited.answers_sha256 != inspection(rules, FAILING, extra="  id: J-001\n").answers_sha256
    problem = ledger.admission_problem(path, edited)
    assert problem is not None and problem.code.name == "LEDGER_003", problem
    before = snapshot(path)
    with pytest.raises(LedgerError):
        ledger.record(path, edited, notice_number="N2")
    assert snapshot(path) == before
    assert len(ledger.findings(path)) == 3


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_batch__id_only_edit_gets_no_second_notice_number(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Should refuse the edited copy in a later batch (LEDGER_003) without allocating it a
    notice number: the numbers file (or the ledger's database) keeps one number."""
    settings, ledger_file = office_on(tmp_path, engine, request)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a.yaml").write_bytes(answers_text(FAILING, extra="  id: J-001\n"))
    (second / "a.yaml").write_bytes(answers_text(FAILING, extra="  id: J-002\n"))
    assert len(record(first, tmp_path / "office.yaml").recorded) == 1
    result = lantian("batch", str(second), "-o", str(tmp_path / "out2"), "--settings", str(tmp_path / "office.yaml"), "-j", "1")
    assert result.exit_code == 2 and codes(result) == ["LEDGER_003"], result.output
    assert _numbers(load_settings(settings).numbers) == [1]
    assert len(ledger.findings(ledger_file)) == 3


def test_second_inspection_the_same_day__recorded_when_the_times_say_so(ledger_location, rules) -> None:
    """Should record a second inspection of the site that day when both files give times
    that do not overlap, and refuse one whose times overlap the first's."""
    path = ledger_location
    morning = "  start_time: '09:00'\n  end_time: '10:30'\n"
    ledger.record(path, inspection(rules, FAILING, extra=morning))
    overlapping = inspection(rules, {"notice_board": "否"}, extra="  start_time: '10:00'\n  end_time: '11:00'\n", name="b.yaml")
    assert ledger.admission_problem(path, overlapping).code.name == "LEDGER_003"
    afternoon = inspection(rules, {"notice_board": "否"}, extra="  start_time: '14:00'\n  end_time: '15:00'\n", name="c.yaml")
    assert ledger.admission_problem(path, afternoon) is None
    assert ledger.record(path, afternoon).new


def test_reinspection_of_a_site_named_with_an_invisible_character__follows_it(ledger_location, rules) -> None:
    """Should find the inspection a re-inspection follows, and re-check its findings, when
    the two files spell the site differently only in invisible characters."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, extra="  id: J-001\n"))
    again = inspection(rules, {}, date="2024-11-20", site="XX建设有限公司XX项目工地\u200b", extra="  follows: J-001\n", name="b.yaml")
    assert ledger.admission_problem(path, again) is None
    assert ledger.record(path, again).closed == 3


def test_site_key__normalises_what_a_reader_cannot_see() -> None:
    assert ledger.site_key("\u200bＡ  工地\u00ad\u2060 ") == ledger.site_key("A 工地") == "a工地"


#: Characters that render as nothing or as a blank: Default_Ignorable_Code_Point characters
#: outside category Cf, and U+2800 BRAILLE PATTERN BLANK.
INVISIBLE = ["\ufe0f", "\ufe00", "\U000e0100", "\u034f", "\u3164", "\uffa0", "\u115f", "\u1160", "\u2800", "\u17b4", "\u17b5", "\u180b", "\u061c", "\U0001d173", "\U0001bca0", "\ufff0"]
#: Spaces inside the name: a person reads the same site.
SPACES = [" ", "\u00a0", "\u3000", "\t", "\u2003"]


@pytest.mark.parametrize("extra", INVISIBLE + SPACES, ids=lambda ch: f"U+{ord(ch):04X}")
def test_site_key__invisible_character_or_space_inside_the_name__same_site(extra: str) -> None:
    assert ledger.site_key(f"XX村{extra}旧厂房拆除工程") == ledger.site_key("XX村旧厂房拆除工程")


def test_site_key__letter_case_and_latin_looking_cyrillic_or_greek__same_site() -> None:
    key = ledger.site_key("XX村旧厂房拆除工程")
    assert ledger.site_key("xx村旧厂房拆除工程") == key
    assert ledger.site_key("\u0425\u0425村旧厂房拆除工程") == key  # Cyrillic Х
    assert ledger.site_key("\u03a7\u03a7村旧厂房拆除工程") == key  # Greek Χ
    assert ledger.site_key("ABC工地") == ledger.site_key("\u0410\u0412\u0421工地") == ledger.site_key("\u0391\u0392C工地")
    assert ledger.site_key("XX村旧厂房") != ledger.site_key("XY村旧厂房")


def test_site_key__radicals_and_strokes_read_as_the_ideographs_they_look_like() -> None:
    """Should take a name copied out of a PDF, with radicals (⻓ U+2ED3, ⾦ U+2FA6) or strokes
    (㇐ U+31D0) for ideographs, as the same site; other ideographs stay apart."""
    key = ledger.site_key("长安金一工地")
    assert ledger.site_key("\u2ed3安\u2fa6\u31d0工地") == key
    assert ledger.site_key("\u2e81\u2eae") == ledger.site_key("厂\U00025ad7")  # one outside the BMP too
    assert ledger.site_key("长安工地") != ledger.site_key("长宁工地")


@pytest.mark.parametrize(
    "variant",
    [
        "东关村加油站\u2010二期",  # hyphen
        "东关村加油站\u2212二期",  # minus sign
        "东关村加油站–二期",  # en dash
        "东关村加油站—二期。",  # em dash, a closing full stop
        "\u201c东关村加油站-二期\u201d",  # quoted
        "东关村加油站-二期\u0301\u0301",  # stacked combining marks
    ],
)
def test_site_key__dashes_quotes_end_punctuation_and_marks__same_site(variant: str) -> None:
    assert ledger.site_key(variant) == ledger.site_key("东关村加油站-二期")


def test_site_key__dots_brackets_times_sign_and_ideographic_zero__same_site() -> None:
    assert ledger.site_key("东关村·加油站") == ledger.site_key("东关村・加油站") == ledger.site_key("东关村•加油站") == ledger.site_key("东关村\u2219加油站")
    assert ledger.site_key("工地（二期）") == ledger.site_key("工地[二期]") == ledger.site_key("工地【二期】") == ledger.site_key("工地〔二期〕")
    assert ledger.site_key("XX工地") == ledger.site_key("\u00d7\u00d7工地") and ledger.site_key("二〇二六工地") == ledger.site_key("二0二六工地")
    assert ledger.site_key("工地-1") != ledger.site_key("工地1") and ledger.site_key("工地（一期）") != ledger.site_key("工地（二期）")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("\u0f63\u0fb7\u0f0b\u0f66\u0f0b\u0f64\u0f62", "\u0f63\u0f0b\u0f66\u0f0b\u0f64\u0f62"),  # Tibetan: a stacked consonant
        ("\u0f40\u0f72", "\u0f40\u0f74"),  # Tibetan vowel signs
        ("\u0626\u06d5\u0646\u06cb\u06d5\u0631", "\u064a\u06d5\u0646\u06cb\u06d5\u0631"),  # Uyghur: hamza
        ("Lü家庄工地", "Lu家庄工地"),  # pinyin ü (吕) and u (卢)
        ("——", "……"),  # names of punctuation alone
    ],
    ids=["tibetan_stack", "tibetan_vowels", "uyghur_hamza", "pinyin_umlaut", "punctuation_only"],
)
def test_site_key__names_spelt_differently_stay_different_sites(one: str, other: str) -> None:
    """Should keep apart names that differ in a mark an alphabet spells with (Tibetan, Uyghur,
    pinyin), while marks stacked on Chinese characters are dropped."""
    assert ledger.site_key(one) != ledger.site_key(other)


@pytest.mark.parametrize(("latin", "look_alike"), [("N", "\u039d"), ("Y", "\u03a5"), ("Y", "\u04ae"), ("I", "\u04c0"), ("C", "\u03f9"), ("c", "\u03f2")])
def test_site_key__capital_look_alikes_read_before_case_is_folded(latin: str, look_alike: str) -> None:
    """Should read capital Greek and Cyrillic letters shaped like Latin capitals as those, though
    their small letters look different (Ν is N, its ν looks like v), and the lunate sigmas as C."""
    assert ledger.site_key(f"XX村旧厂房拆除工程{look_alike}区") == ledger.site_key(f"XX村旧厂房拆除工程{latin}区")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("XX镇XX村C区", "XX镇XX村\ua4da区"),  # Lisu
        ("XX村O区", "XX村\u0555区"),  # Armenian
        ("XX村O区", "XX村\u2c9e区"),  # Coptic
        ("XX村N区", "XX村\u0274区"),  # Latin small capital
        ("XX村i区", "XX村\u0131区"),  # dotless i
        ("XX村1~2号", "XX村1\u301c2号"),  # the wave dash of Chinese input methods
        ("XX村1/2号", "XX村1\u20442号"),  # the fraction slash of autocorrect
    ],
    ids=["lisu", "armenian", "coptic", "small_capital", "dotless_i", "wave_dash", "fraction_slash"],
)
def test_site_key__more_look_alikes__same_site(one: str, other: str) -> None:
    assert ledger.site_key(one) == ledger.site_key(other)


def test_copy_with_radicals_in_the_site_name__refused_ledger_003(tmp_path: Path, rules) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger.record(path, inspection(rules, FAILING, site="长安建设工地"))
    problem = ledger.admission_problem(path, inspection(rules, FAILING, site="\u2ed3安建设工地"))
    assert problem is not None and problem.code.name == "LEDGER_003"


@pytest.mark.parametrize("extra", ["\ufe0f", "\u3164", "\u2800", " ", "\u3000"], ids=lambda ch: f"U+{ord(ch):04X}")
def test_copy_with_an_invisible_character_in_the_site_name__refused(tmp_path: Path, rules, extra: str) -> None:
    """Should refuse (LEDGER_003) a changed copy of a recorded inspection whose site name has
    an invisible character or a space added, not record it a second time."""
    path = tmp_path / "ledger.sqlite"
    ledger.record(path, inspection(rules, FAILING))
    copy = inspection(rules, FAILING, site=f"XX建设有限公司{extra}XX项目工地", name="b.yaml")
    assert ledger.admission_problem(path, copy).code.name == "LEDGER_003"


def test_version_2_ledger__site_keys_computed_again_on_upgrade(tmp_path: Path, rules) -> None:
    """Should compute the stored site keys again when a version-2 ledger is upgraded, so that
    a copy differing by a character the old key kept is still the same inspection."""
    path = tmp_path / "ledger.sqlite"
    ledger.record(path, inspection(rules, FAILING))
    downgrade_ledger(path, 2)
    with sqlite3.connect(path) as connection:  # what version 2 stored: case and spaces kept
        connection.execute("UPDATE inspections SET site_key = 'XX建设有限公司XX项目工地'")
    connection.close()
    ledger._WHOLE.clear()
    copy = inspection(rules, FAILING, site="xx建设有限公司\ufe0fXX项目工地", name="b.yaml")
    assert ledger.admission_problem(path, copy).code.name == "LEDGER_003"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (ledger.SCHEMA_VERSION,)
        assert connection.execute("SELECT site_key FROM inspections").fetchall() == [("xx建设有限公司xx项目工地",)]
    connection.close()


def test_notice__changed_copy_of_a_recorded_inspection__refused_no_second_number(tmp_path: Path) -> None:
    """Should refuse (LEDGER_003, as batch does) a notice for a recorded inspection's answers
    with a comment added, instead of issuing it a second notice number; the recorded file
    itself still gets its notice with the number it was recorded with."""
    pytest.importorskip("weasyprint")
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    settings = ("--settings", str(tmp_path / "office.yaml"))
    inbox = tmp_path / "in"
    inbox.mkdir()
    original = inbox / "a.yaml"
    original.write_bytes(answers_text(FAILING))
    assert len(record(inbox, tmp_path / "office.yaml").recorded) == 1
    with sqlite3.connect(tmp_path / "office.ledger.sqlite") as connection:
        (number,) = connection.execute("SELECT notice_number FROM inspections").fetchone()
    connection.close()
    edited = tmp_path / "edited.yaml"
    edited.write_bytes(original.read_bytes() + "# 补充说明\n".encode())
    result = lantian("notice", str(edited), "-o", str(tmp_path / "n1"), *settings)
    assert result.exit_code == 2, result.output
    assert codes(result) == ["LEDGER_003"]
    assert not (tmp_path / "n1").exists() or not list((tmp_path / "n1").iterdir())
    again = lantian("notice", str(original), "-o", str(tmp_path / "n2"), *settings)
    assert again.exit_code == 1, again.output
    assert number in again.stdout


# -- B3: the same file twice in one batch --------------------------------------------------------


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_batch__identical_files_recorded_and_numbered_once(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Should record and number one inspection for two byte-identical files, write one set
    of documents, and report the copy (LEDGER_018) naming both files."""
    _, ledger_at = office_on(tmp_path, engine, request)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (inbox / name).write_bytes(answers_text(FAILING))
    result = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"), "-j", "1")
    assert result.exit_code == 2, result.output
    assert codes(result) == ["LEDGER_018"]
    line = next(line for line in result.stderr.splitlines() if "LEDGER_018" in line)
    assert line.startswith(f"{inbox / 'b.yaml'}:") and str(inbox / "a.yaml") in line
    assert "检查答卷 1 份" in result.stdout and "新登记检查 1 次" in result.stdout and "整改通知书 1 份" in result.stdout
    assert sorted(path.name for path in (tmp_path / "out").glob("*.通知书.pdf")) == ["a.通知书.pdf"]
    assert ledger_rows(ledger_at, "SELECT COUNT(*) FROM inspections") == [(1,)]


# -- F12: the same inspection issued again with another day ---------------------------------------


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_issued_again_on_another_day__first_day_kept_number_002(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Should, when a batch or a notice runs again on an inspection already issued with another
    --issued, write the same notice as the first (its date, deadlines and number), keep the
    ledger's deadlines, and say so (NUMBER_002) instead of a second, contradicting document."""
    pytest.importorskip("weasyprint")
    _, ledger_at = office_on(tmp_path, engine, request)
    settings = ("--settings", str(tmp_path / "office.yaml"))
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(answers_text(FAILING, date="2024-11-05"))
    first = lantian("batch", str(inbox), "-o", str(tmp_path / "out1"), "--issued", "2024-11-08", *settings, "-j", "1")
    assert first.exit_code == 1, first.output
    deadlines = [row.deadline for row in ledger.findings(ledger_at)]
    assert min(deadlines) == dt.date(2024, 11, 9)  # a day from the issuing day
    text = pdf_text(tmp_path / "out1" / "a.通知书.pdf")
    assert "2024年11月8日" in text and "2024年11月9日前整改完毕" in text
    again = lantian("batch", str(inbox), "-o", str(tmp_path / "out2"), "--issued", "2024-11-20", *settings, "-j", "1")
    assert again.exit_code == 1, again.output
    assert codes(again) == ["NUMBER_002"] and "2024-11-08" in again.stderr and "2024-11-20" in again.stderr
    assert pdf_text(tmp_path / "out2" / "a.通知书.pdf") == text
    assert [row.deadline for row in ledger.findings(ledger_at)] == deadlines
    single = lantian("notice", str(inbox / "a.yaml"), "-o", str(tmp_path / "out3"), "--issued", "2024-11-25", *settings)
    assert single.exit_code == 1, single.output
    assert codes(single) == ["NUMBER_002"]
    assert pdf_text(tmp_path / "out3" / "a.通知书.pdf") == text


@pytest.mark.parametrize("actor", ["王芳\x1b]0;T\x07", "王芳\u202e", "王芳\n结论：合格", "王" * 201, " ", "\u200b"])
def test_close__actor_with_control_characters_or_a_page_long__refused_ledger_021(kept: tuple[Path, str], actor: str) -> None:
    _, where = kept
    ledger_file = ledger.ledger_at(where)
    before = snapshot(ledger_file)
    result = lantian("ledger", "close", "1", "--note", "已整改", "--by", actor, "--on", "2024-11-20", "--ledger", where)
    assert result.exit_code == 2 and codes(result) == ["LEDGER_021"] and "销号人" in result.stderr, result.output
    assert snapshot(ledger_file) == before


def test_notice_never_written__its_day_not_kept_the_next_run_dates_it(tmp_path: Path) -> None:
    """Should not take a notice that was numbered but never written (no font) for one issued
    on that day: the next run, with another --issued, writes it on its own day, unwarned."""
    pytest.importorskip("weasyprint")
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    settings_file = tmp_path / "office.yaml"
    plain = settings_file.read_text(encoding="utf-8")
    settings_file.write_text(plain + f"font: {tmp_path}\n", encoding="utf-8")  # a folder: FONT_002
    answers = tmp_path / "a.yaml"
    answers.write_bytes(answers_text(FAILING, date="2024-11-05"))
    failed = lantian("notice", str(answers), "-o", str(tmp_path / "out"), "--settings", str(settings_file), "--issued", "2024-11-08")
    assert failed.exit_code == 2 and codes(failed) == ["FONT_002"], failed.output
    settings_file.write_text(plain, encoding="utf-8")
    again = lantian("notice", str(answers), "-o", str(tmp_path / "out"), "--settings", str(settings_file), "--issued", "2024-11-20")
    assert again.exit_code == 1 and codes(again) == [], again.output
    assert "2024年11月20日" in pdf_text(tmp_path / "out" / "a.通知书.pdf")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_notice_issued_meanwhile_by_another_run_on_another_day__withdrawn_number_003(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, request: pytest.FixtureRequest) -> None:
    """Should remove a notice just written under a number another run issued first, on another
    day, while this one was rendering (two clerks at once), rather than leave one number on
    two different documents; the next run writes it as first issued."""
    pytest.importorskip("weasyprint")
    from engine import documents
    from engine.numbering import allocate, issued
    from engine.settings import load_settings

    settings, _ = office_on(tmp_path, engine, request)
    numbers = load_settings(settings).numbers  # the numbers file, or the ledger's database
    answers = tmp_path / "a.yaml"
    answers.write_bytes(answers_text(FAILING, date="2024-11-05"))
    sha = check(answers_text(FAILING, date="2024-11-05"), load_rules(RULES), name="a.yaml").answers_sha256
    allocate(numbers, sha, kind="town_notice", year=2024)
    issued(numbers, sha, kind="town_notice", day=dt.date(2024, 11, 8))  # the other run
    real_given = documents.given
    monkeypatch.setattr(documents, "given", lambda *args, **kwargs: None)  # looked before the other run kept its day
    args = ("notice", str(answers), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"))
    raced = lantian(*args, "--issued", "2024-11-20")
    assert raced.exit_code == 2 and codes(raced) == ["NUMBER_003"] and "2024-11-08" in raced.stderr, raced.output
    assert not (tmp_path / "out" / "a.通知书.pdf").exists()
    monkeypatch.setattr(documents, "given", real_given)
    again = lantian(*args, "--issued", "2024-11-20", "--force")
    assert again.exit_code == 1 and codes(again) == ["NUMBER_002"], again.output
    assert "2024年11月8日" in pdf_text(tmp_path / "out" / "a.通知书.pdf")


def test_compliant_inspection__numbers_file_not_asked(tmp_path: Path) -> None:
    """Should write the record of a compliant inspection whatever the numbers file holds: it has
    no notice, so no number and no first day to look up."""
    pytest.importorskip("weasyprint")
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    (tmp_path / "office.numbers.sqlite").write_bytes(b"")
    result = lantian("notice", str(EXAMPLES / "dust_six_100pct_compliant.yaml"), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"))
    assert result.exit_code == 0, result.output
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["dust_six_100pct_compliant.检查记录.pdf"]


# -- F13: no number used up by a document that is never written ---------------------------------


def _numbers(numbers) -> list[int]:
    """The numbers given, in order: of a numbers file, or of the ledger's database on a server."""
    return [seq for (seq,) in ledger_rows(numbers, "SELECT seq FROM document_numbers ORDER BY seq")]


def test_notice__two_files_of_one_name__second_refused_before_numbering_batch_002(tmp_path: Path) -> None:
    """Should refuse the second of two answers files whose documents would take one name
    (BATCH_002) before numbering it: the office's sequence has no number that was never issued."""
    pytest.importorskip("weasyprint")
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    for folder, site in (("甲村", "甲村工地"), ("乙村", "乙村工地")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_bytes(answers_text(FAILING, site=site))
    result = lantian("notice", str(tmp_path / "甲村" / "x.yaml"), str(tmp_path / "乙村" / "x.yaml"), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"))
    assert result.exit_code == 2, result.output
    assert codes(result) == ["BATCH_002"] and result.stderr.startswith(str(tmp_path / "乙村" / "x.yaml"))
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["x.检查记录.pdf", "x.通知书.pdf"]
    assert _numbers(tmp_path / "office.numbers.sqlite") == [1]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_batch__recorded_by_another_run_meanwhile__refused_without_a_number(tmp_path: Path, rules, monkeypatch: pytest.MonkeyPatch, engine: str, request: pytest.FixtureRequest) -> None:
    """Should, when another run records the same inspection between this batch's look at the
    ledger and its own transaction, refuse it there (LEDGER_003) without allocating it a
    number, and go on with the other files."""
    from engine import batch

    settings, _ = office_on(tmp_path, engine, request)
    office = load_settings(settings)
    first = tmp_path / "first"
    first.mkdir()
    (first / "a.yaml").write_bytes(answers_text(FAILING))
    batch.run_batch(first, tmp_path / "out0", rules, office, ledger_path=office.ledger, documents=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-copy.yaml").write_bytes(answers_text(FAILING) + "# 另一台电脑上的副本\n".encode())
    (inbox / "b.yaml").write_bytes(answers_text(FAILING, site="另一个工地"))
    # The look before recording finds nothing, as when the other run had not yet committed.
    monkeypatch.setattr(batch.ledger, "admission_problem", lambda *args, **kwargs: None)
    outcome = batch.run_batch(inbox, tmp_path / "out", rules, office, ledger_path=office.ledger, documents=False)
    assert [(p.code.name, Path(p.location.file).name) for p in outcome.problems if p.severity == "error"] == [("LEDGER_003", "a-copy.yaml")]
    assert [r.notice_number for r in outcome.recorded] == ["XX镇环〔2024〕2号"]
    assert _numbers(office.numbers) == [1, 2]


@pytest.mark.parametrize(
    ("note", "code"),
    [("\u200b\ufeff\u00ad", "LEDGER_008"), (" 。 ", "LEDGER_008"), ("已整改" * 700, "LEDGER_021"), ("已整改\r结论：合格", "LEDGER_021"), ("已整改\u202e", "LEDGER_021")],
    ids=["invisible", "a_full_stop", "2100_characters", "carriage_return", "bidi"],
)
def test_close__reason_nobody_can_read__refused_ledger_unchanged(kept: tuple[Path, str], note: str, code: str) -> None:
    """Should refuse a close-out reason that shows nothing, runs to pages, or holds characters
    that change what a list or a terminal shows, and leave the ledger as it was."""
    _, where = kept
    ledger_file = ledger.ledger_at(where)
    before = snapshot(ledger_file)
    result = lantian("ledger", "close", "1", "--note", note, "--on", "2024-11-20", "--ledger", where)
    assert result.exit_code == 2 and codes(result) == [code], result.output
    assert snapshot(ledger_file) == before


def test_notice__identical_files__one_notice_one_number_ledger_018(tmp_path: Path) -> None:
    """Should write one set of documents for two byte-identical files given to one notice,
    not two notices under one number."""
    pytest.importorskip("weasyprint")
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_bytes(answers_text(FAILING))
    result = lantian("notice", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"))
    assert result.exit_code == 2 and codes(result) == ["LEDGER_018"], result.output
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["a.检查记录.pdf", "a.通知书.pdf"]


def test_batch_again_with_other_settings__the_ledger_s_number_on_the_notice(tmp_path: Path) -> None:
    """Should print on the notice of an inspection the ledger has recorded the number the
    ledger holds, even when this run's settings lead to another numbers file."""
    pytest.importorskip("weasyprint")
    for office in ("A", "B"):
        (tmp_path / office).mkdir()
        shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / office / "office.yaml")
    from engine.numbering import allocate

    allocate(tmp_path / "B" / "office.numbers.sqlite", "another inspection", kind="town_notice", year=2024)  # B's next number is 2
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(answers_text(FAILING))
    ledger_file = tmp_path / "ledger.sqlite"
    assert len(record(inbox, tmp_path / "A" / "office.yaml", ledger=ledger_file).recorded) == 1
    again = lantian("batch", str(inbox), "-o", str(tmp_path / "o2"), "--settings", str(tmp_path / "B" / "office.yaml"), "--ledger", str(ledger_file), "-j", "1")
    assert again.exit_code == 1, again.output
    (number,) = {row.notice_number for row in ledger.findings(ledger_file)}
    assert number == "XX镇环〔2024〕1号" and number in pdf_text(tmp_path / "o2" / "a.通知书.pdf")


def test_ledger_list_csv__texts_of_the_ledger_escaped(kept: tuple[Path, str]) -> None:
    """Should escape control characters a ledger's texts hold (written by another program) in
    CSV output, as the table and the JSON do."""
    _, where = kept
    ledger_rows(ledger.ledger_at(where), "UPDATE inspections SET site_name = ? WHERE id = 1", ("\x1b]0;PWNED\x07\u202e\u009b2J工地",))
    result = lantian("ledger", "list", "--format", "csv", "--ledger", where)
    assert result.exit_code == 0, result.output
    assert not any(ch in result.stdout for ch in "\x1b\x07\u202e\u009b") and "\\x1b]0;PWNED\\x07\\u202e\\x9b2J工地" in result.stdout


def test_control_character_in_a_ledger_text__xlsx_written_check_names_the_row(kept: tuple[Path, str]) -> None:
    """Should write the XLSX list of a ledger whose texts another program gave a control
    character (openpyxl refused it: exit 3), with the character escaped, and have `ledger
    check` name the row (LEDGER_012)."""
    from openpyxl import load_workbook

    office, where = kept
    ledger_rows(ledger.ledger_at(where), "UPDATE inspections SET site_name = site_name || ? WHERE id = 1", ("\x07",))
    listed = lantian("ledger", "list", "--format", "xlsx", "-o", str(office / "list.xlsx"), "--ledger", where, "--settings", str(office / "office.yaml"))
    assert listed.exit_code == 0, listed.output
    sites = [row[2].value for row in load_workbook(office / "list.xlsx")["整改清单"].iter_rows(min_row=2)]
    assert any(site.endswith("\\x07") for site in sites)
    checked = lantian("ledger", "check", "--ledger", where)
    assert checked.exit_code == 2 and "[LEDGER_012]" in checked.stderr and "site_name" in checked.stderr, checked.output


def test_batch__font_that_cannot_be_used__nothing_recorded_or_numbered(tmp_path: Path) -> None:
    """Should refuse a font: that cannot be used before recording or numbering anything (the
    inspection was recorded and numbered, then no document could be made)."""
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    with open(tmp_path / "office.yaml", "a", encoding="utf-8") as handle:
        handle.write("font: office.yaml\n")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(answers_text(FAILING))
    result = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"), "-j", "1")
    assert result.exit_code == 2 and codes(result) == ["FONT_003"], result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in", "office.yaml"]


def test_close__evidence_named_with_control_characters__stored_escaped_ledger_whole(office: Path, tmp_path: Path) -> None:
    """Should store an evidence file's name with its control characters escaped, so that the
    ledger it wrote stays one `ledger check` finds whole."""
    evidence = tmp_path / "整改\x1b[31m照片\u202e.jpg"
    evidence.write_bytes(b"photo")
    ledger_file = office / "office.ledger.sqlite"
    closed = lantian("ledger", "close", "1", "--note", "已整改", "--evidence", str(evidence), "--on", "2024-11-20", "--ledger", str(ledger_file))
    assert closed.exit_code == 0, closed.output
    checked = lantian("ledger", "check", "--ledger", str(ledger_file))
    assert checked.exit_code == 0, checked.output
    with sqlite3.connect(ledger_file) as connection:
        (name,) = connection.execute("SELECT evidence_name FROM events WHERE evidence_name IS NOT NULL").fetchone()
    connection.close()
    assert name == "整改\\x1b[31m照片\\u202e.jpg"


@pytest.mark.parametrize("side", ["office.ledger.sqlite-journal", "office.ledger.sqlite-wal", "office.numbers.sqlite-journal"])
def test_pipe_named_like_a_journal__refused_not_waiting_forever(office: Path, side: str) -> None:
    """Should refuse a ledger or numbers file with a named pipe where SQLite keeps its journal:
    opening the database would wait for it forever."""
    from engine.numbering import allocate

    allocate(office / "office.numbers.sqlite", "another inspection", kind="town_notice", year=2024)
    os.mkfifo(office / side)
    code = "LEDGER_016" if "ledger" in side else "NUMBER_001"
    inbox = office / "in"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(answers_text(FAILING, site="另一个工地"))
    result = lantian("batch", str(inbox), "-o", str(office / "out"), "--settings", str(office / "office.yaml"), "--ledger", str(office / "office.ledger.sqlite"), "-j", "1")
    assert result.exit_code == 2 and code in codes(result) and side in result.stderr, result.output


# -- C: lantian ledger check -----------------------------------------------------------------------------


def test_ledger_check__whole_ledger_counted(office: Path) -> None:
    """Should say the ledger is whole, with its counts, and change nothing."""
    ledger_file = office / "office.ledger.sqlite"
    before = snapshot(ledger_file)
    result = lantian("ledger", "check", "--settings", str(office / "office.yaml"))
    assert result.exit_code == 0, result.output
    assert "台账完好" in result.stdout and "检查 6 次（其中复查 0 次），问题 18 个（未销号 18 个），状态记录 18 条" in result.stdout
    assert snapshot(ledger_file) == before


@pytest.mark.parametrize(
    "statements, says",
    [
        (["UPDATE findings SET status = 'closed' WHERE id = 2"], "与它最后一条状态记录"),  # closed without a close-out
        (["INSERT INTO events (finding_id, status, happened_on, actor, reason, recorded_at) VALUES (2, 'closed', '2024-11-01', '某', '早', 't')",
          "UPDATE findings SET status = 'closed' WHERE id = 2"], "早于问题 #2 此前的记录"),  # closed before it was found
        (["DELETE FROM events WHERE finding_id = 3"], "没有任何状态记录"),
        (["UPDATE findings SET inspection_id = 999 WHERE id = 4"], "台账中没有检查 #999"),
        (["UPDATE inspections SET site_name = CAST(X'E5B7A5FF' AS TEXT) WHERE id = 1"], "不是 UTF-8"),
    ],
)
def test_ledger_check__bent_rows_named(office: Path, statements: list[str], says: str) -> None:
    """Should name every row another program bent (LEDGER_012), exit 2, and change nothing."""
    ledger_file = office / "office.ledger.sqlite"
    with sqlite3.connect(ledger_file) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            connection.execute(statement)
    before = snapshot(ledger_file)
    result = lantian("ledger", "check", "--ledger", str(ledger_file))
    assert result.exit_code == 2 and set(codes(result)) == {"LEDGER_012"}, result.output
    assert says in result.stderr
    assert snapshot(ledger_file) == before


def test_ledger_check__damaged_pages_listed_with_the_way_back(office: Path) -> None:
    """Should list what SQLite's integrity check finds and say how to restore from a backup."""
    ledger_file = office / "office.ledger.sqlite"
    overwrite(ledger_file, page_of(ledger_file, "events_by_finding"))
    before = snapshot(ledger_file)
    result = lantian("ledger", "check", "--ledger", str(ledger_file))
    assert result.exit_code == 2 and set(codes(result)) == {"LEDGER_011"}, result.output
    assert "完整性检查" in result.stderr and "从备份恢复" in result.stderr
    assert snapshot(ledger_file) == before


def test_record__a_new_ledger_appears_whole(tmp_path: Path, rules, monkeypatch) -> None:
    """Should leave no ledger at all, not an empty file, when creating one fails half-way."""
    from engine import _sqlite

    path = tmp_path / "ledger.sqlite"

    def failing_link(source: str, target: object) -> None:
        raise KeyboardInterrupt  # as if stopped just before the new ledger took its name

    monkeypatch.setattr(_sqlite.os, "link", failing_link)
    with pytest.raises(KeyboardInterrupt):
        ledger.record(path, inspection(rules, FAILING))
    assert not path.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert ledger.record(path, inspection(rules, FAILING)).new
    assert stat.S_IMODE(path.stat().st_mode) & 0o600 == 0o600

