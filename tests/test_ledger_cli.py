"""`lantian batch` recording into the ledger, and `lantian ledger` / `lantian verify` as a
clerk uses them: real files, output read back. The tests of the recorded office run twice:
with its ledger in a real SQLite file, and in a real PostgreSQL database (ledger: in its settings)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from engine.ledger import findings as ledger_findings
from helpers import EXAMPLES, dust_answers, lantian, ledger_rows, office_folder, record
from pdf_text import page_texts, pdf_text

pytest.importorskip("weasyprint")

FAILING = {"hoarding_height": "1.6", "stockpile_covered": "否", "wash_in_use": "否"}


def answers(overrides, *, date: str, extra: str = "") -> bytes:
    text = dust_answers(overrides, date=date).decode("utf-8")
    return text.replace("  inspectors: [李明, 王芳]\n", "  inspectors: [李明, 王芳]\n" + extra).encode("utf-8")


run = lantian


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, tmp_path_factory) -> Path:
    """An office that inspected a site, issued a notice, and re-inspected it, in one batch;
    its ledger the file beside its settings, or a database on the PostgreSQL server."""
    server = request.getfixturevalue("postgres").new_schema() if request.param == "postgresql" else None
    root = office_folder(tmp_path_factory.mktemp("office"), ledger=server)
    (root / "inbox").mkdir()
    (root / "inbox" / "first.yaml").write_bytes(answers(FAILING, date="2024-11-05", extra="  id: J-001\n"))
    (root / "inbox" / "again.yaml").write_bytes(answers({"stockpile_covered": "否", "notice_board": "否"}, date="2024-11-20", extra="  follows: J-001\n"))
    result = run("batch", str(root / "inbox"), "-o", str(root / "out"), "--settings", str(root / "office.yaml"), "-j", "1")
    assert result.exit_code == 1, result.output
    assert "新登记检查 2 次，新增问题 4 个，复查销号 2 个、仍未整改 1 个" in result.stdout
    return root


@pytest.fixture(params=["sqlite", "postgresql"])
def new_office(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A fresh office folder with the example settings, its ledger not yet made: the file
    beside the settings, or an empty database on the PostgreSQL server (ledger: in them)."""
    return office_folder(tmp_path / "office", ledger=request.getfixturevalue("postgres_url") if request.param == "postgresql" else None)


def ledger_args(office: Path) -> list[str]:
    return ["--settings", str(office / "office.yaml")]


def ledger_of(office: Path):
    """Where the office's settings keep its ledger."""
    from engine.settings import load_settings

    return load_settings(office / "office.yaml").ledger


def copy_office(office: Path, into: Path) -> Path:
    """A copy of the office, settings and ledger, to change without touching the module's: a
    file copied, a database copied into a new schema by the ledger's own sync."""
    shutil.copy(office / "office.yaml", into / "office.yaml")
    source = ledger_of(office)
    if isinstance(source, Path):
        shutil.copy(source, into / "office.ledger.sqlite")
        return into / "office.yaml"
    import psycopg

    from engine import ledger
    from engine.ledger_sync import sync

    url = source.url.rsplit("?", 1)[0]
    schema = f"copy_{into.name.lower().replace('-', '_')}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    target = f"{url}?options=-csearch_path%3D{schema}"
    sync(source, ledger.for_office(ledger.ledger_at(target), source.office), source.office)
    text = (into / "office.yaml").read_text(encoding="utf-8").replace(source.url, target)
    (into / "office.yaml").write_text(text, encoding="utf-8")
    return into / "office.yaml"


def test_batch__records_once(office: Path, tmp_path: Path) -> None:
    """Should record nothing new when the same files come again."""
    result = run("batch", str(office / "inbox"), "-o", str(tmp_path / "out"), "--settings", str(office / "office.yaml"), "-j", "1")
    assert "新登记检查 0 次" in result.stdout and "2 份答卷此前已登记" in result.stdout


def test_batch__follow_up_of_an_unknown_inspection_is_refused(office: Path, tmp_path: Path) -> None:
    """Should list a re-inspection of an inspection the ledger lacks as a bad file (exit 2)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "stray.yaml").write_bytes(answers({}, date="2024-11-21", extra="  follows: XX镇环〔2024〕99号\n"))
    settings = copy_office(office, tmp_path)
    before = run("ledger", "list", "--settings", str(settings), "--format", "json").stdout
    result = run("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1")
    assert result.exit_code == 2
    assert re.search(r"stray\.yaml:\d+:\d+: \[LEDGER_001\] 复查所依据的检查 “XX镇环〔2024〕99号” 不在台账中", result.stderr), result.stderr
    assert "follows: XX镇环〔2024〕99号" in result.stderr  # the line itself, under the message
    listed = run("ledger", "list", "--settings", str(settings), "--format", "json")
    assert listed.stdout == before and len(json.loads(before)["findings"]) == 4  # nothing of it reached the ledger


def test_ledger_list__table_json_and_overdue(office: Path) -> None:
    """Should list every finding with its status, and as overdue only what is unclosed after
    its deadline on the given day."""
    table = run("ledger", "list", *ledger_args(office))
    assert table.exit_code == 0 and "共 4 个问题" in table.stdout and "已销号" in table.stdout and "整改中" in table.stdout
    rows = json.loads(run("ledger", "list", *ledger_args(office), "--format", "json").stdout)["findings"]
    assert sorted(row["status_now"] for row in rows) == ["closed", "closed", "open", "rectifying"]
    overdue = json.loads(run("ledger", "list", *ledger_args(office), "--overdue", "--as-of", "2024-11-25", "--format", "json").stdout)["findings"]
    assert [row["item"] for row in overdue] == ["stockpile_covered"]  # notice_board is due on 2024-11-27 or later
    assert overdue[0]["overdue_days_as_of"] > 0


FIELDS_V2 = ["id", "inspection", "village", "site", "operator", "contact", "checklist", "inspected_on", "item", "severity", "reason", "rectification", "basis", "deadline", "status_as_of", "status_now", "closed_on", "overdue_days_as_of", "notice_number"]
FIELDS_V3 = [*FIELDS_V2, "office"]
FIELDS_V1 = ["id", "inspection", "village", "site", "operator", "contact", "checklist", "inspected_on", "item", "severity", "problem", "measure", "basis", "deadline", "status", "closed_on", "overdue_days", "notice_number"]
#: Version 1's key for each version 2 key it had.
V1_NAMES = {"reason": "problem", "rectification": "measure", "status_now": "status", "overdue_days_as_of": "overdue_days"}


def listed_json(office: Path, *args: str) -> dict | list:
    result = run("ledger", "list", *ledger_args(office), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ledger_list__json_envelope_and_day_named_fields(office: Path) -> None:
    """Should wrap the findings in check's envelope, with check's words, and count the
    fields named for --as-of on that day while status_now stays the status today."""
    import engine

    # The re-inspection of 2024-11-20 closed two findings and found one still there.
    before = listed_json(office, "--as-of", "2024-11-19")
    assert list(before) == ["lantian", "format_version", "as_of", "findings"]
    assert before["lantian"] == engine.__version__ and before["format_version"] == 3 and before["as_of"] == "2024-11-19"
    assert [list(row) for row in before["findings"]] == [FIELDS_V3] * 4
    # The office is the settings' own in a county's database, unsaid in a town's file.
    assert {row["office"] for row in before["findings"]} == ({None} if isinstance(ledger_of(office), Path) else {"XX镇人民政府"})
    version_2 = listed_json(office, "--as-of", "2024-11-19", "--format-version", "2")
    assert version_2["format_version"] == 2 and [{**row, "office": found["office"]} for row, found in zip(version_2["findings"], before["findings"], strict=True)] == before["findings"]
    after = listed_json(office, "--as-of", "2024-11-20")
    first = {row["item"]: row for row in before["findings"]}
    then = {row["item"]: row for row in after["findings"]}
    for item in ("hoarding_height", "wash_in_use"):
        assert first[item]["status_now"] == then[item]["status_now"] == "closed"
        assert first[item]["closed_on"] == then[item]["closed_on"] == "2024-11-20"
        assert (first[item]["status_as_of"], then[item]["status_as_of"]) == ("open", "closed")
        deadline = dt.date.fromisoformat(first[item]["deadline"])
        assert first[item]["overdue_days_as_of"] == max(0, (dt.date(2024, 11, 19) - deadline).days)
        assert then[item]["overdue_days_as_of"] == 0  # closed by the end of that day
    assert (first["stockpile_covered"]["status_as_of"], then["stockpile_covered"]["status_as_of"]) == ("open", "rectifying")
    assert first["stockpile_covered"]["status_now"] == "rectifying"
    assert first["stockpile_covered"]["overdue_days_as_of"] + 1 == then["stockpile_covered"]["overdue_days_as_of"]
    # Found only on the 20th, yet listed without --overdue: no status on the 19th.
    assert (first["notice_board"]["inspected_on"], first["notice_board"]["status_as_of"]) == ("2024-11-20", None)
    assert then["notice_board"]["status_as_of"] == "open"
    today = listed_json(office)
    assert today["as_of"] == dt.date.today().isoformat()
    assert all(row["status_as_of"] == row["status_now"] for row in today["findings"])


def test_ledger_list__format_version_1_is_the_old_bare_list(office: Path) -> None:
    """Should print, with --format-version 1, the old list: no envelope, the old keys, and
    status meaning the status today whatever --as-of says."""
    old = listed_json(office, "--as-of", "2024-11-19", "--format-version", "1")
    new = listed_json(office, "--as-of", "2024-11-19")
    assert isinstance(old, list) and [list(row) for row in old] == [FIELDS_V1] * 4
    assert old == [{V1_NAMES.get(key, key): value for key, value in row.items() if key not in ("status_as_of", "office")} for row in new["findings"]]
    assert sorted(row["status"] for row in old) == ["closed", "closed", "open", "rectifying"]
    refused = run("ledger", "list", *ledger_args(office), "--format", "json", "--format-version", "4")
    assert refused.exit_code == 2


@pytest.mark.parametrize("version, fields", [(None, FIELDS_V3), ("2", FIELDS_V2), ("1", FIELDS_V1)])
def test_ledger_list__csv_header_follows_the_format_version(office: Path, version: str | None, fields: list[str]) -> None:
    """Should head the CSV with the JSON keys of the version asked for, values under them."""
    extra = ["--format-version", version] if version else []
    result = run("ledger", "list", *ledger_args(office), "--as-of", "2024-11-19", "--format", "csv", *extra)
    assert result.exit_code == 0, result.output
    header, *lines = list(csv.reader(io.StringIO(result.stdout)))
    assert header == fields and len(lines) == 4
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    status = "status" if version == "1" else "status_now"
    assert sorted(row[status] for row in rows) == ["closed", "closed", "open", "rectifying"]
    if not version:
        # Nothing closed or re-checked by the 19th; what the 20th found had no status yet (empty).
        assert sorted(row["status_as_of"] for row in rows) == ["", "open", "open", "open"]
        assert all(row["closed_on"] in ("", "2024-11-20") for row in rows)


def test_ledger_list__as_of__the_status_of_that_day_beside_its_overdue_days(office: Path) -> None:
    """Should show, with --as-of, each finding's status on that day beside the days overdue
    then (never "已销号" with days overdue), filter --status on that day, and count as many
    unclosed findings as the campaign summary for the same day."""
    from engine.campaign_report import summarize

    table = run("ledger", "list", *ledger_args(office), "--as-of", "2024-11-19").stdout
    lines = {line.split()[0]: line for line in table.splitlines()[1:-1]}
    assert "已销号" not in table  # closed only on the 20th
    rows = {row["id"]: row for row in listed_json(office, "--as-of", "2024-11-19")["findings"]}
    for number, row in rows.items():
        line = lines[str(number)]
        if row["status_as_of"] is None:
            assert "尚未发现" in line and "逾期" not in line
        else:
            assert "待整改" in line
            late = row["overdue_days_as_of"]
            assert (f"逾期{late}天" in line) if late else ("逾期" not in line)
    closed_then = listed_json(office, "--as-of", "2024-11-19", "--status", "closed")["findings"]
    closed_after = listed_json(office, "--as-of", "2024-11-20", "--status", "closed")["findings"]
    assert closed_then == [] and sorted(row["item"] for row in closed_after) == ["hoarding_height", "wash_in_use"]
    for day in ("2024-11-04", "2024-11-19", "2024-11-20", "2024-12-31"):
        unclosed = listed_json(office, "--as-of", day, "--status", "unclosed")["findings"]
        summary = summarize(ledger_of(office), dt.date(2024, 11, 1), dt.date.fromisoformat(day))
        assert len(unclosed) == len(summary.unclosed), day
        assert {row["status_as_of"] for row in unclosed} <= {"open", "rectifying"}


def test_batch__list_counts_overdue_on_the_documents_day_not_today(office: Path) -> None:
    """Should date the batch's rectification list and count its overdue days on the day of
    the batch's documents (the last inspection's, here 2024-11-20), not on the day it ran."""
    from openpyxl import load_workbook

    sheet = load_workbook(office / "out" / "整改清单.xlsx").active
    statuses = {row[-1]: row[11] for row in sheet.iter_rows(min_row=2, values_only=True)}
    listed = {row["id"]: row for row in listed_json(office, "--as-of", "2024-11-20")["findings"]}
    assert set(statuses) == set(listed)
    for number, status in statuses.items():
        late = listed[number]["overdue_days_as_of"]
        assert status.endswith(f"（逾期{late}天）") if late else "逾期" not in status, (status, late)
    assert any("逾期" in status for status in statuses.values())  # stockpile_covered, re-found late


def test_ledger_list__csv_and_xlsx_read_back(office: Path, tmp_path: Path) -> None:
    """Should write the selection as CSV (for Excel) and as the rectification list in XLSX."""
    from openpyxl import load_workbook

    result = run("ledger", "list", *ledger_args(office), "--status", "unclosed", "--format", "csv", "-o", str(tmp_path / "open.csv"))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "open.csv").read_text(encoding="utf-8-sig"))))
    assert {row["status_now"] for row in rows} == {"open", "rectifying"} and len(rows) == 2
    run("ledger", "list", *ledger_args(office), "--status", "unclosed", "--format", "xlsx", "-o", str(tmp_path / "open.xlsx"))
    sheet = load_workbook(tmp_path / "open.xlsx").active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 2
    assert {str(row[11])[:3] for row in values} == {"待整改", "整改中"}
    assert all("逾期" in row[11] for row in values)  # both deadlines long past today
    listed = json.loads(run("ledger", "list", *ledger_args(office), "--status", "unclosed", "--format", "json").stdout)["findings"]
    assert [row[0] for row in values] == [1, 2]  # 序号 counts the rows
    assert [row[-1] for row in values] == [row["id"] for row in listed]  # 台账编号, for ledger close
    assert [cell.value for cell in sheet[1]][-1] == "台账编号"


def test_ledger_list__xlsx__printed_landscape_one_page_wide_header_on_every_page(office: Path, tmp_path: Path) -> None:
    """Should set the spreadsheet up to print as the PDF list does: A4 landscape, all columns
    on the page's width, the header row repeated, the office and title at the top of each page
    and the page number at its foot."""
    from openpyxl import load_workbook

    assert run("ledger", "list", *ledger_args(office), "--format", "xlsx", "-o", str(tmp_path / "all.xlsx")).exit_code == 0
    sheet = load_workbook(tmp_path / "all.xlsx")["整改清单"]
    setup = sheet.page_setup
    fit_to_width = 1 if setup.fitToWidth is None else setup.fitToWidth  # left out, it is 1 (ECMA-376)
    assert (setup.orientation, setup.paperSize, fit_to_width, setup.fitToHeight) == ("landscape", int(sheet.PAPERSIZE_A4), 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.center.text == "XX镇人民政府 整改清单"
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_ledger_list__overdue__titled_as_the_overdue_list_numbered_from_1(office: Path, tmp_path: Path) -> None:
    """Should call the overdue findings' list 逾期未销号清单 in its heading, its metadata, its
    sheet and its totals, with 序号 1..n and each finding's ledger number beside it."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    args = [*ledger_args(office), "--overdue", "--as-of", "2024-12-31"]
    assert run("ledger", "list", *args, "--format", "pdf", "-o", str(tmp_path / "late.pdf")).exit_code == 0
    assert run("ledger", "list", *args, "--format", "xlsx", "-o", str(tmp_path / "late.xlsx")).exit_code == 0
    reader = PdfReader(str(tmp_path / "late.pdf"))
    text = "".join(page_texts(tmp_path / "late.pdf")).replace(" ", "")
    assert reader.metadata.title == "逾期未销号清单" and "逾期未销号清单" in text and "整改清单" not in text.replace("逾期未销号清单", "")
    assert "截至2024年12月31日已过整改期限仍未销号" in text
    book = load_workbook(tmp_path / "late.xlsx")
    assert book.sheetnames == ["逾期未销号清单", "汇总"] and book["汇总"]["A1"].value == "XX镇人民政府 逾期未销号清单"
    numbers = [row[0] for row in book["逾期未销号清单"].iter_rows(min_row=2, values_only=True)]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers


def test_ledger_list__pdf_is_the_rectification_list(office: Path, tmp_path: Path) -> None:
    """Should render the selection as the rectification list PDF."""

    result = run("ledger", "list", *ledger_args(office), "--format", "pdf", "-o", str(tmp_path / "list.pdf"))
    assert result.exit_code == 0
    text = "".join(page_texts(tmp_path / "list.pdf"))
    assert "整改清单" in text and "已销号" in text and "共 4 个问题" in text


def test_ledger_show_and_close(office: Path, tmp_path: Path) -> None:
    """Should show a finding's history, and close it at the desk with the reason kept."""
    args = ["--settings", str(copy_office(office, tmp_path))]
    rows = json.loads(run("ledger", "list", *args, "--status", "open", "--format", "json").stdout)["findings"]
    target = str(rows[0]["id"])
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    closed = run("ledger", "close", target, "--note", "已设置公示牌", "--evidence", str(photo), "--by", "王芳", "--on", "2024-11-26", *args)
    assert closed.exit_code == 0, closed.output
    shown = run("ledger", "show", target, *args)
    assert "已销号" in shown.stdout and "王芳：已设置公示牌" in shown.stdout and "photo.jpg" in shown.stdout
    again = run("ledger", "close", target, "--note", "x", *args)
    assert again.exit_code == 2 and "已经销号" in again.stderr
    missing = run("ledger", "show", "999", *args)
    assert missing.exit_code == 2 and "没有问题 #999" in missing.stderr


def test_verify__matches_and_changed(office: Path, tmp_path: Path) -> None:
    """Should exit 0 for an unchanged answers file and 1, naming the inspection, for a changed one."""
    same = run("verify", str(office / "inbox" / "first.yaml"), *ledger_args(office))
    assert same.exit_code == 0 and "一致" in same.stdout
    changed = tmp_path / "first.yaml"
    changed.write_bytes((office / "inbox" / "first.yaml").read_bytes().replace(b"1.6", b"2.6"))
    other = run("verify", str(changed), *ledger_args(office))
    assert other.exit_code == 1 and "不一致" in other.stderr and "登记后文件被改过" in other.stderr


def test_ledger__missing_ledger_is_exit_2_not_an_empty_list(tmp_path: Path) -> None:
    """Should refuse to read a ledger that does not exist, rather than report nothing open."""
    result = run("ledger", "list", "--ledger", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 2 and "不存在" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_batch__list_comes_from_the_ledger(office: Path) -> None:
    """Should list a problem the re-inspection found again once, with the ledger's status."""
    from openpyxl import load_workbook

    sheet = load_workbook(office / "out" / "整改清单.xlsx")["整改清单"]
    statuses = [row[11] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(statuses) == 4  # three found on 5 November, one new on the 20th
    assert sum(1 for status in statuses if status.startswith("已销号")) == 2
    assert sum(1 for status in statuses if status.startswith("整改中")) == 1


def test_batch__same_day_reinspection_in_the_same_batch(new_office: Path, tmp_path: Path) -> None:
    """Should record a re-inspection after the inspection it follows, even on the same day
    and whatever the files are called."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "2024-11-05_J-1.yaml").write_bytes(answers(FAILING, date="2024-11-05", extra="  id: J-1\n  start_time: \"09:00\"\n  end_time: \"10:00\"\n"))
    (inbox / "2024-11-05_J-1-复查.yaml").write_bytes(answers({}, date="2024-11-05", extra="  id: J-1F\n  follows: J-1\n  start_time: \"15:00\"\n  end_time: \"15:30\"\n"))
    result = run("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(new_office / "office.yaml"), "-j", "1")
    assert result.exit_code == 1, result.output
    assert "复查销号 3 个" in result.stdout


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("", "  follows: J-1\n"),  # no times at all: the first visit's file with follows added
        ('  start_time: "09:00"\n  end_time: "10:00"\n', '  follows: J-1\n  start_time: "09:30"\n  end_time: "11:00"\n'),  # overlapping
    ],
    ids=["no_times", "overlapping"],
)
def test_batch__same_day_reinspection_not_shown_to_come_after__refused_ledger_017(new_office: Path, tmp_path: Path, first: str, again: str) -> None:
    """Should refuse a re-inspection on the day of the inspection it follows unless its times
    show it began after that one ended: otherwise the same visit gets a second notice number."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(answers(FAILING, date="2024-11-05", extra="  id: J-1\n" + first))
    (inbox / "b.yaml").write_bytes(answers(FAILING, date="2024-11-05", extra=again))
    result = run("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(new_office / "office.yaml"), "-j", "1")
    assert result.exit_code == 2, result.output
    assert re.findall(r"\[([A-Z]+_\d{3})\]", result.stderr) == ["LEDGER_017"] and str(inbox / "b.yaml") in result.stderr
    assert "新登记检查 1 次" in result.stdout and "整改通知书 1 份" in result.stdout


def test_batch__every_file_refused_on_a_new_ledger__the_files_problems_shown_and_no_empty_list(new_office: Path, tmp_path: Path) -> None:
    """Should report each refused file's own problem, not that the ledger does not exist yet."""
    root = new_office
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.yaml").write_text("checklist: dust_six_100pct\nsite: [\n", encoding="utf-8")
    result = run("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(root / "office.yaml"))
    assert result.exit_code == 2
    assert "a.yaml" in result.stderr and re.findall(r"\[([A-Z]+_\d{3})\]", result.stderr) == ["YAML_001"]
    # Nothing was checked: no list that would say no problem was found, no bar for nothing.
    assert "另有 1 份答卷有错误，没有处理（见下）" in result.stdout and "没有写入文书" in result.stdout and "生成文书 0 份" not in result.stderr
    assert not (tmp_path / "out").exists()
    # A list of an earlier run in the folder is not in the way of a list that will not be written.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "整改清单.pdf").write_bytes(b"%PDF-1.7 earlier")
    again = run("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(root / "office.yaml"))
    assert re.findall(r"\[([A-Z]+_\d{3})\]", again.stderr) == ["YAML_001"], again.output
    assert (tmp_path / "out" / "整改清单.pdf").read_bytes() == b"%PDF-1.7 earlier"


def test_batch__empty_folder__says_there_is_no_answers_file(new_office: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("batch", str(tmp_path / "empty"), "-o", str(tmp_path / "out"), "--settings", str(new_office / "office.yaml"))
    assert result.exit_code == 0 and "中没有答卷（.yaml、.yml、.json 文件）" in result.stdout, result.output
    assert not (tmp_path / "out").exists()


def test_batch__yaml_and_json_of_one_name__second_refused_batch_002(new_office: Path, tmp_path: Path) -> None:
    """Should record and document a.yaml and refuse a.json, whose documents would overwrite
    a.yaml's and leave the ledger with a notice no file holds."""
    root = new_office
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.yaml").write_bytes(dust_answers({"hoarding_closed": "否"}, date="2026-11-02"))
    other = dust_answers({"hoarding_closed": "否"}, date="2026-11-03").decode().replace("XX建设有限公司XX项目工地", "另一个工地")
    import yaml

    (inbox / "a.json").write_text(json.dumps(yaml.safe_load(other), ensure_ascii=False, default=str), encoding="utf-8")
    result = run("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(root / "office.yaml"))
    assert result.exit_code == 2, result.output
    assert f"{inbox / 'a.json'}" in result.stderr and "[BATCH_002]" in result.stderr
    assert ledger_rows(ledger_of(root), "SELECT COUNT(*) FROM inspections") == [(1,)]
    assert sorted(p.name for p in (tmp_path / "out").glob("a.*.pdf")) == ["a.检查记录.pdf", "a.通知书.pdf"]


def test_batch__reinspection_notice_names_the_notice_it_follows_and_its_deadline(new_office: Path, tmp_path: Path) -> None:
    """Should say, in the notice of a re-inspection, which notice ordered the rectification,
    by when, and that the problems remain after that deadline."""
    root = new_office
    (root / "first").mkdir()
    (root / "first" / "first.yaml").write_bytes(answers(FAILING, date="2024-11-05", extra="  id: J-001\n"))
    (recorded,) = record(root / "first", root / "office.yaml").recorded
    deadline = max(row.deadline for row in ledger_findings(ledger_of(root)))
    (root / "again").mkdir()
    (root / "again" / "again.yaml").write_bytes(answers(FAILING, date="2024-11-20", extra="  follows: J-001\n"))
    result = run("batch", str(root / "again"), "-o", str(tmp_path / "out"), "--settings", str(root / "office.yaml"), "-j", "1")
    assert result.exit_code == 1, result.output
    text = pdf_text(tmp_path / "out" / "again.通知书.pdf")
    assert f"2024年11月5日检查发现的问题，本机关已以{recorded.notice_number}责令你单位于{deadline.year}年{deadline.month}月{deadline.day}日前整改。" in text
    assert "进行了复查" in text and "整改期限届满后仍存在以下问题" in text


def test_notice_context__reinspection_without_a_ledger__the_reference_it_gives(rules) -> None:
    """Should name the notice a re-inspection gives in follows when no ledger has it, and say
    nothing it cannot know (the day, the deadline) when follows is an inspection's id."""
    from engine import check
    from engine.render import notice_context, render_html
    from engine.settings import load_settings

    settings = load_settings(EXAMPLES / "office" / "office.yaml")
    for follows, expected in (("XX镇环〔2024〕99号", "本机关已以XX镇环〔2024〕99号责令你单位限期整改。"), ("J-7", "本机关此前已责令你单位限期整改。")):
        result = check(answers(FAILING, date="2024-11-20", extra=f"  follows: {follows}\n"), rules, name="a.yaml")
        html = render_html("notice.html", notice_context(result, settings, "XX镇环〔2024〕3号", result.decided))
        assert expected in html and "进行了复查" in html and "整改期限届满后" not in html


def test_batch__ledger_named_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should name the ledger in its summary line as the clerk wrote it (--ledger 台账.sqlite),
    not as a path of this computer from its root."""
    office_folder(tmp_path)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.yaml").write_bytes(answers({}, date="2024-11-05"))
    monkeypatch.chdir(tmp_path)
    result = run("batch", "inbox", "-o", "out", "--ledger", "台账.sqlite", "--settings", "office.yaml", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "台账 台账.sqlite：新登记检查 1 次" in result.stdout and (tmp_path / "台账.sqlite").is_file()
