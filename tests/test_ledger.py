"""The ledger in a real SQLite file and in a real PostgreSQL database (each test that takes
``ledger_location`` runs on both): recording once, re-inspections that close findings,
close-out at the desk, queries, verification, migrations and all-or-nothing writes."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import strategies as st

from engine import check, ledger, ledger_output
from engine.ledger import Filter, LedgerError
from engine.loader import load_rules
from helpers import ROOT, RULES, dust_answers, ledger_rows


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


def inspection(rules, overrides=None, *, date="2024-11-05", ref=None, follows=None, name="a.yaml"):
    text = dust_answers(overrides, date=date).decode("utf-8")
    extra = (f"  id: {ref}\n" if ref else "") + (f"  follows: {follows}\n" if follows else "")
    text = text.replace("  inspectors: [李明, 王芳]\n", "  inspectors: [李明, 王芳]\n" + extra)
    return check(text.encode("utf-8"), rules, name=name)


FAILING = {"hoarding_height": "1.6", "stockpile_covered": "否", "wash_in_use": "否"}


def test_record__same_file_twice_changes_nothing(ledger_location, tmp_path: Path, rules) -> None:
    """Should record an inspection and its findings once, however often the file comes again."""
    path = ledger_location
    result = inspection(rules, FAILING)
    first = ledger.record(path, result, notice_number="XX镇环〔2024〕1号")
    again = ledger.record(path, result, notice_number="XX镇环〔2024〕1号")
    assert first.new and first.opened == len(result.findings) == 3
    assert not again.new and again.inspection_id == first.inspection_id
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(1,)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM findings") == [(3,)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM events") == [(3,)]


def test_record__reinspection_closes_passing_keeps_failing_adds_new(ledger_location, tmp_path: Path, rules) -> None:
    """Should close what now passes, keep open (rectifying) what still fails under its first
    deadline, and open what is new."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING), notice_number="XX镇环〔2024〕1号")
    follow_up = inspection(rules, {"stockpile_covered": "否", "notice_board": "否"}, date="2024-11-20", follows="XX镇环〔2024〕1号", name="b.yaml")
    assert ledger.admission_problem(path, follow_up) is None
    done = ledger.record(path, follow_up)
    assert (done.closed, done.still_open, done.opened) == (2, 1, 1)
    rows = {row.item_id: row for row in ledger.findings(path)}
    assert rows["hoarding_height"].status == "closed" and rows["hoarding_height"].closed_on == dt.date(2024, 11, 20)
    assert rows["wash_in_use"].status == "closed"
    assert rows["stockpile_covered"].status == "rectifying"
    assert rows["stockpile_covered"].inspected_on == dt.date(2024, 11, 5)  # still the first finding, first deadline
    assert rows["notice_board"].status == "open" and rows["notice_board"].inspected_on == dt.date(2024, 11, 20)
    row, events = ledger.history(path, rows["stockpile_covered"].finding_id)
    assert [event.status for event in events] == ["open", "rectifying"]
    assert events[1].actor == "李明、王芳" and "复查" in events[1].reason and events[1].happened_on == dt.date(2024, 11, 20)


def test_record__reinspection_by_the_answers_id_and_over_two_rounds(ledger_location, tmp_path: Path, rules) -> None:
    """Should find the followed inspection by its own id, and close in a second re-inspection
    what the first one found still open."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, ref="J-001"))
    ledger.record(path, inspection(rules, {"stockpile_covered": "否"}, date="2024-11-20", ref="J-002", follows="J-001", name="b.yaml"))
    last = ledger.record(path, inspection(rules, {}, date="2024-11-28", follows="J-002", name="c.yaml"))
    assert last.closed == 1
    assert all(row.status == "closed" for row in ledger.findings(path))


def test_resolve_follows__unknown_or_other_site_is_a_problem(ledger_location, tmp_path: Path, rules) -> None:
    """Should refuse a re-inspection of an inspection the ledger does not have, or of another site."""
    path = ledger_location
    unknown = ledger.admission_problem(path, inspection(rules, {}, follows="XX镇环〔2024〕99号"))
    assert unknown is not None and unknown.code.name == "LEDGER_001" and unknown.location.path == ("inspection", "follows")
    ledger.record(path, inspection(rules, FAILING, ref="J-001"))
    moved = inspection(rules, {}, follows="J-001", name="b.yaml")
    moved = dataclasses.replace(moved, site=dataclasses.replace(moved.site, name="另一个工地"))
    problem = ledger.admission_problem(path, moved)
    assert problem is not None and problem.code.name == "LEDGER_002"
    with pytest.raises(LedgerError):
        ledger.record(path, inspection(rules, {}, follows="XX镇环〔2024〕99号", name="c.yaml"))
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(1,)]  # nothing half-recorded


def test_close__at_the_desk_with_reason_and_evidence(ledger_location, tmp_path: Path, rules) -> None:
    """Should close a finding with who, when, why and the evidence's SHA-256, once."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING))
    target = ledger.findings(path)[0].finding_id
    evidence = tmp_path / "整改照片.jpg"
    evidence.write_bytes(b"\xff\xd8 a photo")
    ledger.close(path, target, note="已加高围挡，见照片", actor="王芳", day=dt.date(2024, 11, 18), evidence=evidence)
    row, events = ledger.history(path, target)
    assert row.status == "closed" and row.closed_on == dt.date(2024, 11, 18)
    assert events[-1].reason == "已加高围挡，见照片" and events[-1].actor == "王芳" and events[-1].happened_on == dt.date(2024, 11, 18)
    assert events[-1].evidence_name == "整改照片.jpg" and len(events[-1].evidence_sha256 or "") == 64
    with pytest.raises(LedgerError, match="已经销号"):
        ledger.close(path, target, note="again", actor="王芳", day=dt.date(2024, 11, 19))
    with pytest.raises(LedgerError, match="没有问题"):
        ledger.close(path, 999, note="x", actor="王芳", day=dt.date(2024, 11, 19))
    with pytest.raises(LedgerError, match="不可能"):
        ledger.close(path, ledger.findings(path, Filter(status="open"))[0].finding_id, note="早于发现", actor="王芳", day=dt.date(2024, 11, 1))
    with pytest.raises(LedgerError, match="不可能"):
        ledger.close(path, ledger.findings(path, Filter(status="open"))[0].finding_id, note="未来", actor="王芳", day=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(LedgerError, match="理由"):
        ledger.close(path, ledger.findings(path, Filter(status="open"))[0].finding_id, note="  ", actor="王芳", day=dt.date(2024, 11, 19))


def test_findings__filters_and_overdue_as_of_a_day(ledger_location, tmp_path: Path, rules) -> None:
    """Should filter by status, severity and checklist, and list as overdue only what is
    unclosed after its deadline on the given day."""
    path = ledger_location
    result = inspection(rules, FAILING)
    ledger.record(path, result)
    deadlines = sorted(f.deadline for f in result.findings)
    first = deadlines[0]
    assert ledger.findings(path, Filter(overdue_on=first)) == []
    late = ledger.findings(path, Filter(overdue_on=first + dt.timedelta(days=1)))
    assert late and all(row.deadline == first for row in late)
    assert late[0].overdue_days(first + dt.timedelta(days=3)) == 3
    assert len(ledger.findings(path, Filter(status="unclosed"))) == 3
    assert ledger.findings(path, Filter(checklist="straw_ban")) == []
    assert len(ledger.findings(path, Filter(village="XX村"))) == 3
    severities = {row.severity for row in ledger.findings(path)}
    some = severities.pop()
    assert all(row.severity == some for row in ledger.findings(path, Filter(severity=some)))


def test_verify__unchanged_and_changed_files(ledger_location, tmp_path: Path, rules) -> None:
    """Should say which inspection an unchanged file is, and that a changed one matches none."""
    path = ledger_location
    answers = tmp_path / "a.yaml"
    answers.write_bytes(dust_answers(FAILING))
    ledger.record(path, check(answers, rules, name=str(answers)))
    verdict = ledger.verify(path, answers)
    assert verdict.matches and verdict.inspection.site == "XX建设有限公司XX项目工地"
    answers.write_bytes(dust_answers({**FAILING, "hoarding_height": "2.0"}))
    changed = ledger.verify(path, answers)
    assert not changed.matches and changed.same_name and changed.same_name[0].inspection_id == verdict.inspection.inspection_id


def test_schema__versioned_and_a_newer_ledger_is_refused(tmp_path: Path, rules) -> None:
    """Should stamp the schema version, and refuse a ledger made by a newer Lantian."""
    path = tmp_path / "ledger.sqlite"
    ledger.record(path, inspection(rules, {}))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (ledger.SCHEMA_VERSION,)
        connection.execute(f"PRAGMA user_version = {ledger.SCHEMA_VERSION + 1}")
    with pytest.raises(LedgerError, match="更新版本"):
        ledger.findings(path)


def test_schema__on_a_server__versioned_and_a_newer_ledger_is_refused(postgres_url: str, rules) -> None:
    """Should keep the schema version in lantian_schema on a server, and refuse a ledger made
    by a newer Lantian for reading and for writing, writing nothing."""
    path = ledger.ledger_at(postgres_url)
    ledger.record(path, inspection(rules, {}))
    assert ledger_rows(path, "SELECT version FROM lantian_schema") == [(ledger.SCHEMA_VERSION,)]
    ledger_rows(path, "UPDATE lantian_schema SET version = ?", (ledger.SCHEMA_VERSION + 1,))
    with pytest.raises(LedgerError, match="更新版本") as raised:
        ledger.findings(path)
    assert raised.value.problems[0].code.name == "LEDGER_004"
    with pytest.raises(LedgerError, match="更新版本"):
        ledger.record(path, inspection(rules, FAILING, date="2024-11-06", name="b.yaml"))
    with pytest.raises(LedgerError, match="更新版本"):
        ledger.upgrade(path)
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(1,)]


def test_two_engines__the_same_ledger_read_back_in_the_same_order(tmp_path: Path, postgres_url: str, rules) -> None:
    """Should give the same rows in the same order from a file and from a server after the
    same recordings: names sorted by code point as SQLite sorts them, whatever the server's
    locale (the test server's sorts by pinyin), and a site without a village first."""
    places = [tmp_path / "ledger.sqlite", ledger.ledger_at(postgres_url)]
    sites = [("乙工地", "东关村"), ("Zeta工地", None), ("甲工地", "东关村"), ("alpha工地", "东关村"), ("丙工地", "")]
    for path in places:
        for number, (site, village) in enumerate(sites):
            result = inspection(rules, FAILING, ref=f"J-{number}", name=f"{number}.yaml")
            result = dataclasses.replace(result, site=dataclasses.replace(result.site, name=site, village=village), answers_sha256=f"{number:064d}")
            ledger.record(path, result, notice_number=f"N{number}")
        follow = inspection(rules, {"stockpile_covered": "否"}, date="2024-11-20", follows="N2", name="f.yaml")
        ledger.record(path, dataclasses.replace(follow, site=dataclasses.replace(follow.site, name="甲工地", village="东关村")))
    on_file, on_server = (ledger.findings(path) for path in places)
    assert [dataclasses.astuple(row) for row in on_file] == [dataclasses.astuple(row) for row in on_server]
    first_deadline = [row.site for row in on_server if row.deadline == on_server[0].deadline]
    assert first_deadline == ["Zeta工地", "丙工地", "alpha工地", "乙工地", "甲工地"][: len(first_deadline)] and len(first_deadline) == 5
    day = dt.date(2024, 11, 5)

    def inspected(path):
        return [dataclasses.replace(row, recorded_at="") for row in ledger.inspections(path, day, day + dt.timedelta(days=30))]

    assert inspected(places[0]) == inspected(places[1])


def test_record__a_failure_midway_leaves_the_ledger_as_it_was(ledger_location, tmp_path: Path, rules, monkeypatch) -> None:
    """Should roll the whole inspection back when recording fails after it began."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, name="first.yaml"))
    calls = {"n": 0}
    original = ledger._event

    def failing_event(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk gone")
        return original(*args, **kwargs)

    monkeypatch.setattr(ledger, "_event", failing_event)
    with pytest.raises(RuntimeError):
        ledger.record(path, inspection(rules, {"notice_board": "否", "filing": "否"}, date="2024-11-06", name="second.yaml"))
    assert ledger_rows(path, "SELECT COUNT(*) FROM inspections") == [(1,)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM findings") == [(3,)]


def test_admission__a_file_changed_after_recording_is_refused(ledger_location, tmp_path: Path, rules) -> None:
    """Should refuse the same inspection from an edited file (LEDGER_003), not count it twice."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, ref="J-001"))
    edited = inspection(rules, {**FAILING, "hoarding_height": "1.7"}, ref="J-001")
    problem = ledger.admission_problem(path, edited)
    assert problem is not None and problem.code.name == "LEDGER_003"
    with pytest.raises(LedgerError, match="改过"):
        ledger.record(path, edited)
    unnamed = inspection(rules, {**FAILING, "filing": "否"})  # no id: the same site, checklist and day
    assert ledger.admission_problem(path, unnamed).code.name == "LEDGER_003"
    assert len(ledger.findings(path)) == 3


def test_record__a_second_reinspection_citing_the_first_notice_sees_every_open_finding(ledger_location, tmp_path: Path, rules) -> None:
    """Should re-check findings a first re-inspection opened, even when the second cites the
    original notice, and never open the same problem twice."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING), notice_number="N1")
    ledger.record(path, inspection(rules, {"notice_board": "否"}, date="2024-11-20", follows="N1", name="b.yaml"))
    second = ledger.record(path, inspection(rules, {"notice_board": "否"}, date="2024-11-28", follows="N1", name="c.yaml"))
    assert (second.opened, second.still_open) == (0, 1)
    board = [row for row in ledger.findings(path) if row.item_id == "notice_board"]
    assert len(board) == 1 and board[0].status == "rectifying"


def test_admission__an_id_used_at_two_sites_finds_the_right_one(ledger_location, tmp_path: Path, rules) -> None:
    """Should follow the inspection with that id at the same site, not the first one found."""
    path = ledger_location
    ledger.record(path, inspection(rules, FAILING, ref="1", name="a.yaml"))
    other = inspection(rules, FAILING, ref="1", name="b.yaml")
    other = dataclasses.replace(other, site=dataclasses.replace(other.site, name="乙工地"), answers_sha256="b" * 64)
    ledger.record(path, other)
    follow = inspection(rules, {}, date="2024-11-20", follows="1", name="c.yaml")
    follow = dataclasses.replace(follow, site=dataclasses.replace(follow.site, name="乙工地"))
    assert ledger.admission_problem(path, follow) is None
    assert ledger.record(path, follow).closed == 3
    assert {row.site for row in ledger.findings(path, Filter(status="closed"))} == {"乙工地"}


def test_ledger_document__documented_as_printed() -> None:
    """Should show in docs/json.md the keys `ledger list --format json` prints, in their
    order, and explain every key of every version still printed."""
    section = (ROOT / "docs" / "json.md").read_text(encoding="utf-8").split("\n## 整改台账\n")[1].split("\n## ")[0]
    (example,) = re.findall(r"```json\n(.*?)```", section, re.S)
    document = json.loads(example)
    assert list(document) == ["lantian", "format_version", "as_of", "findings"] and document["format_version"] == ledger_output.FORMAT_VERSION
    assert [list(row) for row in document["findings"]] == [ledger_output.field_names()]
    keys = {name for version in ledger_output.FORMAT_VERSIONS for name in ledger_output.field_names(version)} | set(document)
    assert sorted(key for key in keys if f"`{key}`" not in section) == []


def _plan(path: Path, sql: str, values: tuple) -> list[str]:
    connection = sqlite3.connect(path)
    connection.create_function("lantian_site_key", 1, ledger.site_key, deterministic=True)
    try:
        return [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", values)]
    finally:
        connection.close()


@pytest.mark.parametrize("follows", [None, "XX镇环〔2024〕1号"], ids=["inspection", "re_inspection"])
def test_recording__every_look_up_by_an_index_no_table_read_whole(tmp_path: Path, rules, follows: str | None) -> None:
    """Should find what recording an inspection or a re-inspection looks up through an index,
    as SQLite's own plan for each query says: no step reads a whole table, so recording costs
    the same at the 50,000th inspection as at the first (bench/bench_ledger.py measures it)."""
    path = tmp_path / "ledger.sqlite"
    ledger.record(path, inspection(rules, ref="2024-东关-001"), notice_number="XX镇环〔2024〕1号")
    probe = inspection(rules, date="2024-11-20", follows=follows, name="b.yaml")
    for name, (sql, values) in ledger.hot_queries(probe).items():
        steps = _plan(path, sql, values)
        assert steps and not [step for step in steps if step.startswith("SCAN")], f"{name}: {steps}"


def _whole_table_reads(node: dict) -> list[str]:
    """The steps of a PostgreSQL plan (EXPLAIN's JSON) that read a table whole: a Seq Scan, or
    an index walked from end to end with no condition on it (as the primary key is, to read
    rows in id order)."""
    found = []
    kind = node["Node Type"]
    if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node):
        found.append(f"{kind} on {node.get('Relation Name')} {node.get('Index Name', '')}".strip())
    for child in node.get("Plans", []):
        found += _whole_table_reads(child)
    return found


@pytest.mark.parametrize("follows", [None, "XX镇环〔2024〕1号"], ids=["inspection", "re_inspection"])
def test_recording_on_a_server__every_look_up_by_an_index(postgres_url: str, rules, follows: str | None) -> None:
    """Should have an index for each look-up recording makes on a server too: with table scans
    priced out (enable_seqscan off), PostgreSQL's plan for each query reads no table whole,
    which a look-up without its index would (by a Seq Scan, or by the whole primary key)."""
    import psycopg

    from engine import _postgres

    path = ledger.ledger_at(postgres_url)
    ledger.record(path, inspection(rules, ref="2024-东关-001"), notice_number="XX镇环〔2024〕1号")
    probe = inspection(rules, date="2024-11-20", follows=follows, name="b.yaml")
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("SET enable_seqscan = off")
        for name, (sql, values) in ledger.hot_queries(probe).items():
            ((plan,),) = connection.execute(f"EXPLAIN (FORMAT JSON) {_postgres._translated(sql)}", values).fetchall()
            assert _whole_table_reads(plan[0]["Plan"]) == [], name


# -- Any order of work in one ledger -----------------------------------------------------------

#: A clerk's work in any order, dated as it comes (old inspections entered late too): an
#: inspection of a new site or a re-inspection of one (all put right, one problem left, or all
#: still there), with or without times of day, and desk close-outs.
WORK = st.lists(
    st.one_of(
        st.tuples(st.just("inspect"), st.integers(-3, 6), st.booleans()),
        st.tuples(st.just("reinspect"), st.integers(-3, 6), st.integers(0, 4), st.sampled_from(["passed", "one_left", "failed"]), st.booleans()),
        st.tuples(st.just("close"), st.integers(-3, 6), st.integers(0, 20)),
    ),
    max_size=10,
)
TIMES = ("  start_time: '09:00'\n  end_time: '09:30'\n", "  start_time: '15:00'\n  end_time: '15:30'\n")


def answered(rules, overrides: dict, day: str, extra: str, name: str):
    """The example dust inspection on ``day`` with ``overrides`` and ``extra`` lines under inspection:."""
    text = dust_answers(overrides, date=day).decode("utf-8").replace("  inspectors: [李明, 王芳]\n", "  inspectors: [李明, 王芳]\n" + extra)
    return check(text.encode("utf-8"), rules, name=name)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_any_work_in_any_order__the_ledger_stays_sound(engine: str, request: pytest.FixtureRequest) -> None:
    """Should take or refuse (with a code) each step of any sequence of work, and never leave a
    ledger that `ledger check` calls damaged: every history in order, each inspection once."""
    from hypothesis import HealthCheck, given, settings

    from engine import load_rules

    rules = load_rules(RULES)  # not the fixture: a failing case is printed with its arguments
    server = request.getfixturevalue("postgres") if engine == "postgresql" else None

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(work=WORK)
    def run(work) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = ledger.ledger_at(server.new_schema()) if server is not None else Path(folder) / "ledger.sqlite"
            today = dt.date(2024, 11, 20)
            sites = 0
            for number, step in enumerate(work):
                day = (dt.date(2024, 11, 10) + dt.timedelta(days=step[1])).isoformat()
                if step[0] == "inspect":
                    result = answered(rules, FAILING, day, f"  id: J-{sites}\n" + (TIMES[0] if step[2] else ""), f"{number}.yaml")
                    site = f"{sites}号工地"
                    sites += 1
                elif step[0] == "reinspect" and sites:
                    overrides = {"passed": {}, "one_left": {"stockpile_covered": "否"}, "failed": FAILING}[step[3]]
                    result = answered(rules, overrides, day, f"  follows: J-{step[2] % sites}\n" + (TIMES[1] if step[4] else ""), f"{number}.yaml")
                    site = f"{step[2] % sites}号工地"
                elif step[0] == "close":
                    unclosed = ledger.findings(path, ledger.Filter(status="unclosed")) if ledger.exists(path) else []
                    if unclosed:
                        with contextlib.suppress(LedgerError):  # a day before the finding's last record is refused
                            ledger.close(path, unclosed[step[2] % len(unclosed)].finding_id, note="书面销号", actor="王芳", day=dt.date.fromisoformat(day), today=today)
                    continue
                else:
                    continue
                result = dataclasses.replace(result, site=dataclasses.replace(result.site, name=site), answers_sha256=f"{number:064x}")
                with contextlib.suppress(ledger.NotAdmitted):
                    ledger.record(path, result, today=today)
            if ledger.exists(path):
                health = ledger.examine(path, today=today)
                assert health.inspections == ledger_rows(path, "SELECT COUNT(DISTINCT answers_sha256) FROM inspections")[0][0]

    run()
