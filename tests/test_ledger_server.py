"""The ledger on a real PostgreSQL server, where it fails as a server does: unreachable, stopped
in the middle of a batch, a user without the rights, a wrong password; and what is done on
a server by the server's own tools (backup)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import Server
from test_ledger import FAILING, inspection

from engine import ledger
from engine.ledger import LedgerError
from helpers import dust_answers, lantian, ledger_rows, office_folder


def answers(overrides, *, date: str, extra: str = "") -> bytes:
    text = dust_answers(overrides, date=date).decode("utf-8")
    return text.replace("  inspectors: [李明, 王芳]\n", "  inspectors: [李明, 王芳]\n" + extra).encode("utf-8")


def codes(raised: pytest.ExceptionInfo[LedgerError]) -> list[str]:
    return [problem.code.name for problem in raised.value.problems]


def test_unreachable__ledger_022_names_the_address_without_its_password(postgres: Server, rules) -> None:
    """Should say the server cannot be reached (LEDGER_022), for reading and for writing, and
    never print the password written in the address."""
    with socket_nobody_listens_on() as port:
        path = ledger.ledger_at(f"postgresql://clerk:s3cret-pw@127.0.0.1:{port}/lantian")
        with pytest.raises(LedgerError) as read:
            ledger.findings(path)
        with pytest.raises(LedgerError) as written:
            ledger.record(path, inspection(rules, FAILING))
    for raised in (read, written):
        assert codes(raised) == ["LEDGER_022"]
        text = str(raised.value)
        assert "连接不上台账数据库：地址或端口不对" in text and f"clerk:***@127.0.0.1:{port}/lantian" in text and "s3cret-pw" not in text


def test_wrong_database__ledger_022_says_there_is_no_such_database(postgres: Server, rules) -> None:
    path = ledger.ledger_at(postgres.url("no_such_database"))
    with pytest.raises(LedgerError) as raised:
        ledger.record(path, inspection(rules, FAILING))
    assert codes(raised) == ["LEDGER_022"] and "没有这个数据库" in str(raised.value)


def test_empty_database__read_is_ledger_028_write_creates_the_ledger(postgres_url: str, rules) -> None:
    """Should not take an empty database for an empty ledger when reading (LEDGER_028, which says how to create it), and
    give it the ledger's tables on the first write, as a missing file is created."""
    path = ledger.ledger_at(postgres_url)
    with pytest.raises(LedgerError) as raised:
        ledger.findings(path)
    assert codes(raised) == ["LEDGER_028"]
    told = lantian("ledger", "list", "--ledger", postgres_url)
    assert told.exit_code == 2 and "lantian ledger upgrade --ledger" in told.stderr, told.output
    assert told.stderr.rstrip().endswith("共 1 个错误")  # an address is no file: no "（1 个文件）"
    assert ledger.record(path, inspection(rules, FAILING)).opened == 3
    assert ledger.upgrade(path) == (ledger.SCHEMA_VERSION, ledger.SCHEMA_VERSION)


def test_least_privilege__the_office_s_user_records_but_cannot_create_or_drop(postgres: Server, postgres_url: str, rules) -> None:
    """Should let a user with SELECT, INSERT and UPDATE only (docs/county.md) record and close,
    refuse it the creation of the ledger (LEDGER_023, nothing made), and leave the owner's
    tables beyond its reach: it cannot drop them."""
    schema = postgres_url.rsplit("%3D", 1)[1]
    postgres.sql(
        "DROP ROLE IF EXISTS clerk_" + schema,
        f"CREATE ROLE clerk_{schema} LOGIN",
        f"GRANT USAGE ON SCHEMA {schema} TO clerk_{schema}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE ON TABLES TO clerk_{schema}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE ON SEQUENCES TO clerk_{schema}",
    )
    clerk = ledger.ledger_at(postgres.url(user=f"clerk_{schema}", schema=schema))
    with pytest.raises(LedgerError) as raised:
        ledger.upgrade(clerk)
    assert codes(raised) == ["LEDGER_023"] and "权限" in str(raised.value)
    assert ledger_rows(ledger.ledger_at(postgres_url), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", (schema,)) == [(0,)]
    owner = ledger.ledger_at(postgres_url)
    assert ledger.upgrade(owner) == (0, ledger.SCHEMA_VERSION)
    assert ledger.record(clerk, inspection(rules, FAILING)).opened == 3
    finding = ledger.findings(clerk)[0].finding_id
    ledger.close(clerk, finding, note="已整改", actor="王芳", day=dt.date(2024, 11, 10))
    import psycopg

    with psycopg.connect(clerk.url, autocommit=True) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("DROP TABLE events")
    assert len(ledger.findings(owner)) == 3


def test_backup_of_a_server_ledger__ledger_024_points_to_pg_dump(postgres_url: str, rules, tmp_path: Path) -> None:
    path = ledger.ledger_at(postgres_url)
    ledger.record(path, inspection(rules, FAILING))
    with pytest.raises(LedgerError) as raised:
        ledger.backup(path, tmp_path / "copy.sqlite")
    assert codes(raised) == ["LEDGER_024"] and "pg_dump" in str(raised.value)
    assert not (tmp_path / "copy.sqlite").exists()


@pytest.fixture
def own_server(postgres: Server) -> Iterator[Server]:
    """The test run's server, for a test that stops it: started again afterwards if it was
    left stopped (the connections others keep are replaced as they are used again)."""
    yield postgres
    if not postgres.up:
        postgres.start()


@pytest.fixture
def own_url(own_server: Server) -> str:
    """An empty ledger on it: a schema of its own."""
    return own_server.new_schema()


def test_server_stopped_mid_batch__ledger_022_nothing_half_recorded_then_completed(own_server: Server, own_url: str, rules, tmp_path: Path) -> None:
    """Should stop with LEDGER_022 when the server goes away between two inspections, keep
    every inspection recorded before whole and nothing of the one that failed, and record
    the rest once when run again after the server is back."""
    path = ledger.ledger_at(own_url)
    results = [inspection(rules, FAILING, date=f"2024-11-0{day}", name=f"{day}.yaml") for day in range(1, 5)]
    for result in results[:2]:
        ledger.record(path, result)
    own_server.stop("immediate")
    with pytest.raises(LedgerError) as raised:
        ledger.record(path, results[2])
    assert codes(raised) == ["LEDGER_022"]
    own_server.start()
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(2,)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM findings") == [(6,)]
    again = [ledger.record(path, result) for result in results]
    assert [done.new for done in again] == [False, False, True, True]
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(4,)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM events") == [(12,)]


def test_server_stopped_in_the_middle_of_a_push__ledger_022_whole_inspections_then_the_rest(own_server: Server, own_url: str, rules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should stop a push with LEDGER_022 when the server goes away while an inspection's
    statements are on their way (sent without waiting, in one transaction): the inspections
    copied before are whole, nothing of that one is there, and the next push copies the rest once."""
    from test_ledger_sync import same, town_ledger

    from engine import ledger_sync

    town = town_ledger(tmp_path / "town.sqlite", rules)
    county = ledger.for_office(ledger.ledger_at(own_url), "东关镇人民政府")
    events = []
    copy_event = ledger_sync._copy_event

    def stop_at_the_fourth_event(*args, **kwargs):
        events.append(args)
        if len(events) == 4:  # the second inspection's first: its row and findings already sent
            own_server.stop("immediate")
        return copy_event(*args, **kwargs)

    monkeypatch.setattr(ledger_sync, "_copy_event", stop_at_the_fourth_event)
    from engine import _postgres

    pipelines = []
    pipeline = _postgres.Connection.pipeline
    monkeypatch.setattr(_postgres.Connection, "pipeline", lambda self: pipelines.append(self) or pipeline(self))
    with pytest.raises(LedgerError) as raised:
        ledger_sync.sync(town, county, "东关镇人民政府")
    assert codes(raised) == ["LEDGER_022"] and len(pipelines) == 2  # the statements were on their way unanswered
    # Told as a connection that broke, not as an address that never answered.
    assert "与数据库服务器的连接中断了" in str(raised.value) and "台账不会只写入一半" in str(raised.value), raised.value
    monkeypatch.undo()
    own_server.start()
    assert ledger_rows(county, "SELECT COUNT(*) FROM inspections") == [(1,)]
    assert ledger_rows(county, "SELECT COUNT(*) FROM findings") == [(3,)] and ledger_rows(county, "SELECT COUNT(*) FROM events") == [(3,)]
    again = ledger_sync.sync(town, county, "东关镇人民政府")
    assert (again.inspections, again.already, again.conflicts) == (3, 1, [])
    assert same(ledger.findings(town), ledger.findings(county)) and ledger.examine(county).events == 13


class socket_nobody_listens_on:
    """A loopback port that is bound but not listening: connecting to it is refused at once."""

    def __enter__(self) -> int:
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        return int(self.socket.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.socket.close()


def test_commands_on_a_server_ledger__set_up_record_list_close_check_report(postgres: Server, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should run the commands a town runs on a file the same way on a ledger in the county's
    database, named in the office settings (ledger:), by --ledger or by LANTIAN_LEDGER: the
    database set up by `ledger upgrade`, a batch recorded with its documents, the findings
    listed and closed, the ledger checked, the summary written; and the password never shown."""
    pytest.importorskip("weasyprint")
    office = office_folder(tmp_path / "office")
    settings = office / "office.yaml"
    with_password = postgres_url.replace("lantian_admin@", "lantian_admin:pw-not-shown@")
    settings.write_text(settings.read_text(encoding="utf-8") + f"ledger: {with_password}\n", encoding="utf-8")
    made = lantian("ledger", "upgrade", "--settings", str(settings))
    assert made.exit_code == 0, made.output
    assert f"已在数据库 {postgres_url.replace('lantian_admin@', 'lantian_admin:***@')} 中建立台账（第 {ledger.SCHEMA_VERSION} 版结构）" in made.stdout
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "first.yaml").write_bytes(answers(FAILING, date="2024-11-05", extra="  id: J-001\n"))
    (inbox / "again.yaml").write_bytes(answers({"stockpile_covered": "否"}, date="2024-11-20", extra="  follows: J-001\n"))
    batch = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1")
    assert batch.exit_code == 1, batch.output
    assert "新登记检查 2 次，新增问题 3 个，复查销号 2 个、仍未整改 1 个" in batch.stdout and "pw-not-shown" not in batch.output
    assert (tmp_path / "out" / "first.通知书.pdf").is_file()
    listed = json.loads(lantian("ledger", "list", "--settings", str(settings), "--format", "json").stdout)["findings"]
    assert sorted(row["status_now"] for row in listed) == ["closed", "closed", "rectifying"]
    (open_one,) = [row for row in listed if row["status_now"] == "rectifying"]
    closed = lantian("ledger", "close", str(open_one["id"]), "--note", "已覆盖", "--by", "王芳", "--on", "2024-11-25", "--settings", str(settings))
    assert closed.exit_code == 0, closed.output
    checked = lantian("ledger", "check", "--settings", str(settings))
    assert checked.exit_code == 0 and "检查 2 次（其中复查 1 次），问题 3 个（未销号 0 个）" in checked.stdout
    report = lantian("report", "--from", "2024-11-01", "--to", "2024-11-30", "-o", str(tmp_path / "report"), "--settings", str(settings))
    assert report.exit_code == 0, report.output
    assert list((tmp_path / "report").glob("*.pdf")) and list((tmp_path / "report").glob("*.xlsx"))
    backup = lantian("ledger", "backup", "-o", str(tmp_path / "backup"), "--settings", str(settings))
    assert backup.exit_code == 2 and "LEDGER_024" in backup.stderr and not (tmp_path / "backup").exists()
    # The environment and --ledger name another ledger than the settings do: an empty one.
    other = postgres.new_schema()
    monkeypatch.setenv("LANTIAN_LEDGER", other)
    assert "LEDGER_028" in lantian("ledger", "list", "--settings", str(settings)).stderr
    monkeypatch.delenv("LANTIAN_LEDGER")
    assert "LEDGER_028" in lantian("ledger", "list", "--ledger", other, "--settings", str(settings)).stderr


def test_server_restarted_between_two_commands__the_second_works(own_server: Server, own_url: str, rules) -> None:
    """Should not fail the first recording after the server restarted (`lantian serve` runs
    for days): a connection kept from before is found dead and replaced, not used."""
    path = ledger.ledger_at(own_url)
    ledger.record(path, inspection(rules, FAILING, date="2024-11-01", name="1.yaml"))
    own_server.stop("fast")
    own_server.start()
    assert ledger.record(path, inspection(rules, FAILING, date="2024-11-02", name="2.yaml")).new
    assert len(ledger.findings(path)) == 6


def test_server_restarted__a_kept_connection_s_first_transaction_sent_unanswered_works(own_server: Server, own_url: str, rules) -> None:
    """Should run a transaction whose statements go out without waiting (as a push sends them)
    on a connection kept from before the server restarted: the dead connection is replaced
    before the first is sent, not found dead in the middle."""
    from engine import _postgres

    path = ledger.ledger_at(own_url)
    ledger.record(path, inspection(rules, FAILING))
    own_server.stop("fast")
    own_server.start()
    connection = _postgres.connect(path, write=True)
    assert connection.kept
    with ledger._transaction(connection, path, pipelined=True):
        (count,) = connection.execute("SELECT COUNT(*) FROM inspections").fetchone()
    connection.close()
    assert count == 1


def test_another_writer_holds_the_ledger__ledger_015_after_the_wait(postgres_url: str, rules, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should wait for a writer on another computer, and give up after the wait with LEDGER_015
    (nothing written) rather than hang."""
    import psycopg

    from engine import _postgres

    monkeypatch.setattr(_postgres, "BUSY_SECONDS", 0.5)  # before the first connection, which keeps it
    path = ledger.ledger_at(postgres_url)
    ledger.upgrade(path)
    with psycopg.connect(postgres_url) as other:  # a transaction holding the ledger's write lock
        other.execute(ledger._SERVER_WRITE_LOCK)
        with pytest.raises(LedgerError) as raised:
            ledger.record(path, inspection(rules, FAILING))
    assert codes(raised) == ["LEDGER_015"]
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(0,)]
    assert ledger.record(path, inspection(rules, FAILING)).new


def test_push_while_another_writer_holds_the_county_s_ledger__ledger_015_nothing_copied(postgres_url: str, rules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should give up a push with LEDGER_015 after the wait when another writer holds the
    county's ledger: the lock is waited for inside a transaction whose statements are sent
    without waiting for answers, and the time-out still ends it whole, nothing copied."""
    import psycopg
    from test_ledger_sync import town_ledger

    from engine import _postgres, ledger_sync

    monkeypatch.setattr(_postgres, "BUSY_SECONDS", 0.5)
    town = town_ledger(tmp_path / "town.sqlite", rules)
    county = ledger.for_office(ledger.ledger_at(postgres_url), "东关镇人民政府")
    ledger.upgrade(county)
    with psycopg.connect(postgres_url) as other:
        other.execute(ledger._SERVER_WRITE_LOCK)
        with pytest.raises(LedgerError) as raised:
            ledger_sync.sync(town, county, "东关镇人民政府")
    assert codes(raised) == ["LEDGER_015"]
    assert ledger_rows(county, "SELECT COUNT(*) FROM inspections") == [(0,)]
    assert ledger_sync.sync(town, county, "东关镇人民政府").inspections == 4


def test_pg_dump_and_pg_restore__the_restored_ledger_is_the_same(postgres: Server, postgres_url: str, rules, tmp_path: Path) -> None:
    """Should come back whole from the backup docs/county.md describes: pg_dump of the ledger's
    schema, pg_restore into a new database, then `ledger check` passes and every finding is
    there with its history."""
    import subprocess

    path = ledger.ledger_at(postgres_url)
    ledger.record(path, inspection(rules, FAILING, ref="J-001"), notice_number="N1")
    ledger.record(path, inspection(rules, {"stockpile_covered": "否"}, date="2024-11-20", follows="N1", name="b.yaml"))
    schema = postgres_url.rsplit("%3D", 1)[1]
    dump = tmp_path / "county.dump"
    subprocess.run([str(postgres.bin_dir / "pg_dump"), "-Fc", "-n", schema, "-f", str(dump), postgres.url()], check=True)
    postgres.sql("DROP DATABASE IF EXISTS restored", "CREATE DATABASE restored", database="postgres")
    subprocess.run([str(postgres.bin_dir / "pg_restore"), "-d", postgres.url("restored"), str(dump)], check=True)
    restored = ledger.ledger_at(postgres.url("restored", schema=schema))
    assert ledger.examine(restored).findings == 3
    assert [dataclasses.astuple(row) for row in ledger.findings(restored)] == [dataclasses.astuple(row) for row in ledger.findings(path)]
    assert ledger.history(restored, ledger.findings(restored)[0].finding_id)[1] == ledger.history(path, ledger.findings(path)[0].finding_id)[1]
    assert ledger.record(restored, inspection(rules, FAILING, date="2024-11-25", name="c.yaml")).new  # the ids go on from where they were


def test_batch_with_the_server_stopped_midway__ledger_022_whole_inspections_then_the_rest(own_server: Server, own_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should stop `lantian batch` with LEDGER_022 (exit 2) when the county's server stops
    after the second inspection is recorded, leave every recorded inspection whole and nothing
    of the next, and record the rest, once, when run again."""
    settings = office_folder(tmp_path / "office", ledger=own_url) / "office.yaml"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for day in range(1, 6):
        (inbox / f"{day}.yaml").write_bytes(answers(FAILING, date=f"2024-11-0{day}"))
    recorded = {"count": 0}
    original = ledger.record

    def record_then_stop(*args, **kwargs):
        done = original(*args, **kwargs)
        recorded["count"] += 1
        if recorded["count"] == 2:
            own_server.stop("immediate")
        return done

    monkeypatch.setattr(ledger, "record", record_then_stop)
    stopped = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1")
    assert stopped.exit_code == 2 and "LEDGER_022" in stopped.stderr, stopped.output
    own_server.start()
    path = ledger.ledger_at(own_url)
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(2,)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM findings") == [(6,)] and ledger_rows(path, "SELECT COUNT(*) FROM events") == [(6,)]
    monkeypatch.setattr(ledger, "record", original)
    again = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1", "--force")
    assert again.exit_code == 1, again.output
    assert "新登记检查 3 次" in again.stdout and "2 份答卷此前已登记" in again.stdout
    assert ledger.examine(path).inspections == 5


@pytest.mark.parametrize(
    "address, secret",
    [
        ("Postgresql://clerk:hunter2-x@127.0.0.1:{port}/lantian", "hunter2-x"),  # a scheme in capitals
        ("postgresql://clerk:hun%zzter2@127.0.0.1:{port}/lantian", "hun%zzter2"),  # a bad escape libpq quotes
        ("postgresql://clerk@127.0.0.1:{port}/lantian?password=hunter2-y", "hunter2-y"),  # the password as a parameter
        ("postgresql://clerk:hunter2-z@[::1/lantian", "hunter2-z"),  # a host Python's URL parser refuses
    ],
)
def test_odd_addresses__ledger_022_never_the_password_never_a_crash(postgres: Server, address: str, secret: str) -> None:
    result = lantian("ledger", "list", "--ledger", address.format(port=postgres.port))
    assert result.exit_code == 2 and "LEDGER_022" in result.stderr, result.output
    assert secret not in result.output and secret.replace("%zz", "") not in result.output


def test_schema_that_is_not_there_or_a_database_not_in_utf8__ledger_022_said_why(postgres: Server, rules) -> None:
    missing = ledger.ledger_at(postgres.url(schema="no_such_schema"))
    with pytest.raises(LedgerError) as raised:
        ledger.upgrade(missing)
    assert codes(raised) == ["LEDGER_022"] and "模式" in str(raised.value)
    postgres.sql("DROP DATABASE IF EXISTS ascii_db", "CREATE DATABASE ascii_db ENCODING 'SQL_ASCII' LOCALE 'C' TEMPLATE template0", database="postgres")
    with pytest.raises(LedgerError) as raised:
        ledger.record(ledger.ledger_at(postgres.url("ascii_db")), inspection(rules, FAILING))
    assert codes(raised) == ["LEDGER_022"] and "UTF8" in str(raised.value)


def test_county_md__set_up_backed_up_and_restored_as_written(postgres: Server, rules, tmp_path: Path) -> None:
    """Should work with the database, users and rights exactly as docs/county.md sets them up:
    the owner creates the ledger with `ledger upgrade`, the everyday user records, lists and
    closes, and can neither drop, alter or empty a table nor change the schema version; and a
    pg_dump restored as the docs say (a new empty database, pg_restore) comes back whole,
    rights and all, with pg_restore reporting no error."""
    import re
    import subprocess

    import psycopg

    from helpers import ROOT

    text = (ROOT / "docs" / "county.md").read_text(encoding="utf-8")
    suffix = f"{os.getpid()}_{len(text)}"
    for old, new in (("lantian_owner", f"owner_{suffix}"), ("lantian_town", f"town_{suffix}"), ("county_ledger", f"county_{suffix}")):
        text = text.replace(old, new)
    setup = text.split("## 建立数据库和用户")[1].split("\n## ")[0]
    restore = text.split("## 备份与恢复")[1].split("\n## ")[0]
    database = f"county_{suffix}"

    def statements(block: str) -> list[str]:
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("--") and not line.startswith("\\c ")]
        return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]

    users, grants = re.findall(r"```sql\n(.*?)```", setup, re.S)
    before, after = users.split(f"\\c {database}\n")
    postgres.sql(*statements(before), database="postgres")
    postgres.sql(*statements(after), database=database)
    owner = postgres.url(database, user=f"owner_{suffix}")
    made = lantian("ledger", "upgrade", "--ledger", owner)
    assert made.exit_code == 0 and "中建立台账" in made.stdout, made.output
    postgres.sql(*statements(grants), database=database)
    town = ledger.for_office(ledger.ledger_at(postgres.url(database, user=f"town_{suffix}")), "东关镇人民政府")
    assert ledger.record(town, inspection(rules, FAILING), notice_number="N1").opened == 3
    ledger.close(town, ledger.findings(town)[0].finding_id, note="已整改", actor="王芳", day=dt.date(2024, 11, 10))
    assert len(ledger.findings(town, ledger.Filter(status="unclosed"))) == 2
    refused = ("DROP TABLE events", "ALTER TABLE findings ADD COLUMN x TEXT", "DELETE FROM inspections", "UPDATE lantian_schema SET version = 99", "UPDATE inspections SET verdict = 'compliant'")
    for statement in refused:
        with psycopg.connect(town.url, autocommit=True) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)

    (create,) = re.findall(r"```sql\n(.*?)```", restore, re.S)
    dump = tmp_path / "county.dump"
    subprocess.run([str(postgres.bin_dir / "pg_dump"), "-Fc", "-f", str(dump), owner], check=True)
    postgres.sql(*statements(create), database="postgres")
    restored = f"{database}_restored"
    done = subprocess.run([str(postgres.bin_dir / "pg_restore"), "-d", postgres.url(restored, user=f"owner_{suffix}"), str(dump)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    checked = lantian("ledger", "check", "--ledger", postgres.url(restored, user=f"owner_{suffix}"))
    assert checked.exit_code == 0 and "台账完好" in checked.stdout, checked.output
    town_restored = ledger.for_office(ledger.ledger_at(postgres.url(restored, user=f"town_{suffix}")), "东关镇人民政府")
    assert [row.status for row in ledger.findings(town_restored)] == [row.status for row in ledger.findings(town)]
    assert ledger.record(town_restored, inspection(rules, FAILING, date="2024-11-12", name="b.yaml")).new  # the rights came back too


def test_a_table_dropped_behind_the_ledger_s_back__ledger_011_not_a_crash(postgres_url: str, rules) -> None:
    """Should call a server ledger that lost a table damaged (LEDGER_011), also through a
    connection that had already checked it, rather than fail with an internal error."""
    path = ledger.ledger_at(postgres_url)
    ledger.record(path, inspection(rules, FAILING))
    ledger_rows(path, "DROP TABLE events")
    for attempt in (lambda: ledger.findings(path), lambda: ledger.record(path, inspection(rules, FAILING, date="2024-11-06", name="b.yaml"))):
        with pytest.raises(LedgerError) as raised:
            attempt()
        assert codes(raised) == ["LEDGER_011"], raised.value


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://lantian:lantian@10.0.0.5/lantian", "postgresql://lantian:***@10.0.0.5/lantian"),
        ("postgresql://town:2024@h/county2024", "postgresql://town:***@h/county2024"),
        ("postgresql://town:5@192.168.1.5/x", "postgresql://town:***@192.168.1.5/x"),
        ("postgresql://u@h/db?password=hunter2x&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
        ("postgresql://u:hunter2-z@[::1/lantian", "postgresql://u:***@[::1/lantian"),
    ],
)
def test_address_shown__the_password_starred_nothing_else(url: str, shown: str) -> None:
    """Should show an address with its password as *** and everything else as written: a
    password that is also the user's or the database's name must not be told by stars there."""
    from engine._postgres import Address

    address = Address(url)
    assert str(address) == shown
    assert address.masked(f"FATAL: cannot connect to {url}") == f"FATAL: cannot connect to {shown}"


def test_ledger_dropped_and_made_again_empty__a_kept_connection_looks_afresh(postgres: Server, postgres_url: str, rules) -> None:
    """Should not keep calling a ledger damaged through a connection that had checked it, once
    its schema is emptied behind its back: the next look finds no ledger (LEDGER_028), and the
    next write makes it again."""
    path = ledger.ledger_at(postgres_url)
    ledger.record(path, inspection(rules, FAILING))
    schema = postgres_url.rsplit("%3D", 1)[1]
    postgres.sql(f"DROP SCHEMA {schema} CASCADE", f"CREATE SCHEMA {schema}")
    results = []
    for _ in range(2):
        with pytest.raises(LedgerError) as raised:
            ledger.findings(path)
        results.append(codes(raised))
    assert results[-1] == ["LEDGER_028"], results
    assert ledger.record(path, inspection(rules, FAILING)).new


def test_many_ledgers_opened_by_one_process__its_idle_connections_stay_few(postgres: Server, rules) -> None:
    """Should keep at most a few idle connections however many ledgers a process has opened
    (a server allows 100 in all, for every town): those of the ledgers used longest ago are
    closed, and the one used last is kept."""
    from engine import _postgres

    addresses = [ledger.ledger_at(postgres.new_schema()) for _ in range(12)]
    for address in addresses:
        ledger.record(address, inspection(rules, FAILING))
    mine = [key for key in _postgres._IDLE if key[0] == os.getpid()]
    assert sum(len(_postgres._IDLE[key]) for key in mine) <= _postgres._IDLE_MOST
    assert mine[-1][1] == addresses[-1].url
    (open_ones,) = ledger_rows(addresses[0], "SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")[0]
    assert open_ones <= _postgres._IDLE_MOST + 1, open_ones  # the kept ones and this question's own


def test_forked_process_opening_many_ledgers__the_parent_s_kept_connection_lives_on(postgres: Server, rules) -> None:
    """Should leave alone, in a forked process (a worker), the idle connections it inherited:
    closing one there would end the parent's session on the socket both share."""
    from engine import _postgres

    address = ledger.ledger_at(postgres.new_schema())
    ledger.record(address, inspection(rules, FAILING))
    others = [ledger.ledger_at(postgres.new_schema()) for _ in range(_postgres._IDLE_MOST + 2)]
    child = os.fork()
    if child == 0:  # the worker: more ledgers than are kept, so that old ones are let go
        code = 0
        try:
            for other in others:
                ledger.record(other, inspection(rules, FAILING))
            _postgres._close_idle()  # what runs as the worker ends: its own idle ones closed, not the parent's
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    kept = _postgres.connect(address, write=True)
    inherited = kept._connection
    assert kept.kept and kept.execute("SELECT COUNT(*) FROM inspections").fetchone()[0] == 1
    assert kept._connection is inherited  # the same session, not one made again after a failure
    kept.close()
