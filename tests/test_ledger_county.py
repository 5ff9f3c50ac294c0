"""A county's towns in one PostgreSQL ledger: every inspection, finding and document number
belongs to an office; numbers stay unique and sequential per office, kind and year with
several processes recording at once; a town sees and closes only its own findings."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from postgres_server import Server
from test_ledger import FAILING, inspection

from engine import ledger
from engine.ledger import Filter, LedgerError
from helpers import EXAMPLES, ROOT, dust_answers, ledger_rows

#: Two towns, each recording from two processes at once, 250 inspections a process.
TOWNS = ("东关镇人民政府", "西关镇人民政府")
PROCESSES_PER_TOWN = 2
PER_PROCESS = 250

RECORDER = """
import sys
from pathlib import Path
from engine import load_rules
from engine.batch import run_batch
from engine.settings import load_settings
settings = load_settings(sys.argv[1])
outcome = run_batch(Path(sys.argv[2]), Path(sys.argv[2]) / "unwritten", load_rules(sys.argv[3]), settings, ledger_path=settings.ledger, documents=False)
assert not outcome.problems, outcome.problems
print(len([r for r in outcome.recorded if r.new]))
"""


def town_settings(folder: Path, office: str, address: str) -> Path:
    """An office's settings naming the county's ledger; its numbers read 东关镇环〔2024〕N号."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (EXAMPLES / "office" / "office.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^office: .*$", f"office: {office}", text)
    text = re.sub(r"(?m)^number_pattern: .*$", f"number_pattern: \"{office[:3]}环〔{{year}}〕{{seq}}号\"", text)
    (folder / "office.yaml").write_text(text + f"ledger: {address}\n", encoding="utf-8")
    return folder / "office.yaml"


def inbox_of(folder: Path, town: str, process: int, count: int) -> Path:
    folder.mkdir(parents=True)
    for number in range(count):
        text = dust_answers(FAILING).decode("utf-8").replace("XX建设有限公司XX项目工地", f"{town}{process}号片区{number}号工地")
        (folder / f"{number:03d}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_four_processes_two_towns__every_inspection_once_numbers_unique_and_sequential_per_town(postgres: Server, postgres_url: str, tmp_path: Path) -> None:
    """Should record 4 × 250 inspections sent at once by four processes of two towns into one
    PostgreSQL ledger exactly once each, and give each town's notices the numbers 1 to 500
    of its own, each once, with no gap."""
    ledger.upgrade(ledger.ledger_at(postgres_url))
    runs = []
    for town in TOWNS:
        settings = town_settings(tmp_path / town, town, postgres_url)
        for process in range(PROCESSES_PER_TOWN):
            inbox = inbox_of(tmp_path / town / f"inbox{process}", town, process, PER_PROCESS)
            runs.append(subprocess.Popen([sys.executable, "-c", RECORDER, str(settings), str(inbox), str(ROOT / "rules")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    finished = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0] * len(runs), [err[-2000:] for _, err in finished]
    assert [int(out) for out, _ in finished] == [PER_PROCESS] * len(runs)
    path = ledger.ledger_at(postgres_url)
    per_town = PROCESSES_PER_TOWN * PER_PROCESS
    assert ledger_rows(path, "SELECT office, COUNT(*), COUNT(DISTINCT answers_sha256) FROM inspections GROUP BY office ORDER BY office") == sorted((town, per_town, per_town) for town in TOWNS)
    for town in TOWNS:
        numbers = [row[0] for row in ledger_rows(path, "SELECT notice_number FROM inspections WHERE office = ?", (town,))]
        assert sorted(int(re.search(r"〕(\d+)号", number).group(1)) for number in numbers) == list(range(1, per_town + 1))
        assert all(number.startswith(town[:3]) for number in numbers)
        assert ledger_rows(path, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM document_numbers WHERE office = ?", (town,)) == [(per_town, 1, per_town)]
    assert ledger_rows(path, "SELECT COUNT(*) FROM findings") == [(3 * len(runs) * PER_PROCESS,)]


def test_offices__each_sees_follows_up_and_closes_only_its_own(postgres_url: str, rules) -> None:
    """Should keep two towns apart in one database: a site of the same name in each town is
    two sites (neither's inspection is the other's changed file), a re-inspection follows up
    only its own town's notice, and a town can neither list nor close the other's findings;
    the county's view (no office) sees both."""
    county = ledger.ledger_at(postgres_url)
    east, west = (ledger.for_office(county, town) for town in TOWNS)
    ledger.record(east, inspection(rules, FAILING, ref="J-001"), notice_number="东关镇环〔2024〕1号")
    west_same_site = inspection(rules, FAILING, ref="J-001", name="w.yaml")
    west_same_site = west_same_site.__class__(**{**west_same_site.__dict__, "answers_sha256": "f" * 64})
    assert ledger.admission_problem(west, west_same_site) is None  # not LEDGER_003: another town's site
    ledger.record(west, west_same_site, notice_number="西关镇环〔2024〕1号")
    assert len(ledger.findings(east)) == len(ledger.findings(west)) == 3
    assert len(ledger.findings(county)) == 6
    assert {row.office for row in ledger.inspections(county, dt.date(2024, 1, 1), dt.date(2024, 12, 31))} == set(TOWNS)
    follow = inspection(rules, {}, date="2024-11-20", follows="J-001", name="f.yaml")
    assert ledger.record(west, follow).closed == 3
    assert [row.status for row in ledger.findings(east)] == ["open"] * 3  # the east's stay open
    east_finding = ledger.findings(east)[0].finding_id
    with pytest.raises(LedgerError) as raised:
        ledger.close(west, east_finding, note="不是本镇的", actor="王芳", day=dt.date(2024, 11, 21))
    assert raised.value.problems[0].code.name == "LEDGER_029" and TOWNS[0] in raised.value.problems[0].message
    with pytest.raises(LedgerError):
        ledger.history(west, east_finding)
    ledger.close(county, east_finding, note="县局书面销号", actor="县局张三", day=dt.date(2024, 11, 21))
    assert ledger.findings(east, Filter(finding=east_finding))[0].status == "closed"


def test_the_same_answers_file_in_another_town__ledger_027_no_number_no_finding(postgres_url: str, rules) -> None:
    """Should refuse (LEDGER_027) to record in one town an answers file another town recorded,
    rather than hand it that town's notice number as if it were its own."""
    county = ledger.ledger_at(postgres_url)
    east, west = (ledger.for_office(county, town) for town in TOWNS)
    result = inspection(rules, FAILING)
    ledger.record(east, result, notice_number="东关镇环〔2024〕1号")
    problem = ledger.admission_problem(west, result)
    assert problem is not None and problem.code.name == "LEDGER_027" and TOWNS[0] in problem.message
    with pytest.raises(LedgerError) as raised:
        ledger.record(west, result, notice_number=lambda: pytest.fail("no number for a refused file"))
    assert raised.value.problems[0].code.name == "LEDGER_027"
    assert ledger.findings(west) == [] and len(ledger.findings(east)) == 3
    assert ledger.record(east, result).new is False  # the town that recorded it: the same file again


def test_county_view_list__each_finding_with_its_town(postgres_url: str, rules, tmp_path: Path) -> None:
    """Should show the town of each finding in the county's `ledger list` (no settings: the
    county's view), and no such column in a town's own list."""
    from helpers import lantian, office_folder

    county = ledger.ledger_at(postgres_url)
    for town in TOWNS:
        result = inspection(rules, FAILING, name=f"{town}.yaml")
        result = result.__class__(**{**result.__dict__, "answers_sha256": f"{TOWNS.index(town)}" * 64})
        ledger.record(ledger.for_office(county, town), result)
    listed = lantian("ledger", "list", "--ledger", postgres_url)
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.stdout.splitlines()[:-1]
    assert "乡镇（单位）" in header and len(rows) == 6
    assert sorted(town for row in rows for town in TOWNS if town in row) == sorted(TOWNS * 3)
    settings = town_settings(office_folder(tmp_path / "town"), TOWNS[0], postgres_url)
    own = lantian("ledger", "list", "--settings", str(settings))
    assert "乡镇（单位）" not in own.stdout and "共 3 个问题" in own.stdout


def test_verify_in_another_town__says_whose_it_is_not_changed(postgres_url: str, tmp_path: Path, rules) -> None:
    """Should tell a town verifying another town's untouched answers file that it is that
    town's (exit 1), not that its own file of the same name was changed."""
    from helpers import dust_answers, lantian, office_folder

    county = ledger.ledger_at(postgres_url)
    east, west = (ledger.for_office(county, town) for town in TOWNS)
    answers = tmp_path / "a.yaml"
    answers.write_bytes(dust_answers(FAILING))
    from engine import check

    ledger.record(west, check(answers, rules, name=str(answers)))
    own = tmp_path / "own" / "a.yaml"
    own.parent.mkdir()
    own.write_bytes(dust_answers({**FAILING, "filing": "否"}).replace("XX项目工地".encode(), "东关工地".encode()))
    ledger.record(east, check(own, rules, name=str(own)))
    assert ledger.verify(east, answers).elsewhere.office == TOWNS[1]
    settings = town_settings(office_folder(tmp_path / "east"), TOWNS[0], postgres_url)
    result = lantian("verify", str(answers), "--settings", str(settings))
    assert result.exit_code == 1 and f"原样登记在 {TOWNS[1]} 的检查" in result.stderr and "被改过" not in result.stderr, result.output
