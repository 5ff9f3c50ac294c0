"""The example campaign end to end, as the README's main job runs it: batch into a ledger,
then the overdue list and the summary report, whose figures are worked out here again
from the answers files alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine import check, load_rules
from engine.batch import run_batch
from engine.settings import load_settings
from helpers import CAMPAIGN_CHECKLISTS, EXAMPLES, RULES, lantian, office_folder
from pdf_text import page_texts, pdf_text

pytest.importorskip("weasyprint")

CAMPAIGN = EXAMPLES / "campaign"
AS_OF = dt.date(2024, 12, 20)


run = lantian


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, tmp_path_factory) -> Path:
    """The campaign recorded in a fresh ledger, as `lantian batch` records it: the file beside
    the settings, or a database on the PostgreSQL server (the same figures expected of both).
    The documents, which these figures do not need, are not rendered (tests/test_documents.py
    renders them)."""
    server = request.getfixturevalue("postgres").new_schema() if request.param == "postgresql" else None
    root = office_folder(tmp_path_factory.mktemp("campaign"), ledger=server)
    settings = load_settings(root / "office.yaml")
    outcome = run_batch(CAMPAIGN, root / "out", load_rules(RULES), settings, ledger_path=settings.ledger, documents=False)
    assert not [p for p in outcome.problems if p.severity == "error"]  # no file is bad
    assert {result.verdict for _, result in outcome.results} >= {"compliant", "non_compliant"}
    return root


@pytest.fixture(scope="module")
def expected() -> dict:
    """The campaign's figures, from the answers files: every problem found, closed when a
    re-inspection of the same site finds the item passing, still open when it fails again."""
    rules = load_rules(RULES)
    results = sorted((check(path, rules, name=str(path)) for path in CAMPAIGN.rglob("*.yaml")), key=lambda r: (r.inspection.date, r.answers_name))
    problems: dict[tuple, dict] = {}
    for result in results:
        site = (result.site.name, result.checklist_id)
        if result.inspection.follows:
            passing = {item.item_id for item in result.items if item.status == "pass"}
            failing = {item.item_id for item in result.items if item.status == "fail"}
            for (where, item_id), problem in problems.items():
                if where == site and problem["status"] != "closed":
                    if item_id in passing:
                        problem.update(status="closed", closed_on=result.inspection.date)
                    elif item_id in failing:
                        problem["status"] = "rectifying"
        for finding in result.findings:
            key = (site, finding.item_id)
            if key in problems and problems[key]["status"] != "closed":
                continue  # found again: the same problem, still open
            problems[key if key not in problems else (site, finding.item_id + "#again")] = {"status": "open", "deadline": finding.deadline, "inspected": result.inspection.date}
    verdicts = [result.verdict for result in results]
    return {
        "inspections": len(results),
        "re_inspections": sum(1 for result in results if result.inspection.follows),
        "compliant": verdicts.count("compliant"),
        "findings": len(problems),
        "closed": sum(1 for p in problems.values() if p["status"] == "closed"),
        "rectifying": sum(1 for p in problems.values() if p["status"] == "rectifying"),
        "overdue": sum(1 for p in problems.values() if p["status"] != "closed" and p["deadline"] < AS_OF),
    }


def test_campaign__is_realistic(expected: dict) -> None:
    """Should hold at least 60 inspections over every checklist, several villages, late
    October to December, with re-inspections."""
    rules = load_rules(RULES)
    files = list(CAMPAIGN.rglob("*.yaml"))
    results = [check(path, rules) for path in files]
    assert expected["inspections"] >= 60
    # The seven checklists the campaign was written for; a checklist added later need not join it.
    assert {result.checklist_id for result in results} == CAMPAIGN_CHECKLISTS <= set(rules.checklists)
    assert len({result.site.village for result in results}) >= 4
    dates = sorted(result.inspection.date for result in results)
    assert dates[0] <= dt.date(2024, 10, 31) and dates[-1] >= dt.date(2024, 12, 1)
    assert expected["re_inspections"] >= 10 and expected["closed"] > 0 and expected["rectifying"] > 0


def test_campaign__ledger_figures(office: Path, expected: dict) -> None:
    """Should hold every finding with the status the re-inspections gave it, and list as
    overdue on 2024-12-20 exactly what is unclosed past its deadline."""
    args = ["--settings", str(office / "office.yaml")]
    rows = json.loads(run("ledger", "list", *args, "--format", "json").stdout)["findings"]
    assert len(rows) == expected["findings"]
    assert sum(1 for row in rows if row["status_now"] == "closed") == expected["closed"]
    assert sum(1 for row in rows if row["status_now"] == "rectifying") == expected["rectifying"]
    overdue = json.loads(run("ledger", "list", *args, "--overdue", "--as-of", AS_OF.isoformat(), "--format", "json").stdout)["findings"]
    assert len(overdue) == expected["overdue"]
    assert all(row["status_as_of"] != "closed" and row["deadline"] < AS_OF.isoformat() and row["overdue_days_as_of"] > 0 for row in overdue)
    table = run("ledger", "list", *args, "--overdue", "--as-of", AS_OF.isoformat())
    assert f"共 {expected['overdue']} 个问题" in table.stdout


def test_campaign__report_figures(office: Path, expected: dict) -> None:
    """Should print the campaign's figures in the summary, with its four charts."""
    result = run("report", "--from", "2024-10-21", "--to", AS_OF.isoformat(), "-o", str(office / "report"), "--settings", str(office / "office.yaml"))
    assert result.exit_code == 0, result.output
    (pdf,) = (office / "report").glob("*.pdf")
    text = pdf_text(pdf)
    rate = round(100 * expected["compliant"] / expected["inspections"], 1)
    assert f"共开展现场检查{expected['inspections']}次（其中复查{expected['re_inspections']}次）" in text
    assert f"合格率{rate}%" in text
    assert f"共发现问题{expected['findings']}个" in text
    assert f"已销号{expected['closed']}个" in text
    assert f"其中逾期{expected['overdue']}个" in text
    assert all(f"图{n}" in text for n in range(1, 5))
    assert "尚未销号的问题" in text
    # The same figures in the spreadsheet beside it, as numbers, and every open finding as a row.
    from openpyxl import load_workbook

    (sheet,) = (office / "report").glob("*.xlsx")
    book = load_workbook(sheet)
    assert book.sheetnames == ["整治情况汇总", "尚未销号的问题"]
    figures = {row[0]: row[1] for row in book["整治情况汇总"].iter_rows(values_only=True) if row and row[0] and len(row) > 1}
    assert figures["现场检查（次）"] == expected["inspections"] and figures["其中复查（次）"] == expected["re_inspections"]
    assert figures["合格率（%）"] == rate and figures["发现问题（个）"] == expected["findings"] and figures["已销号（个）"] == expected["closed"]
    unclosed = list(book["尚未销号的问题"].iter_rows(min_row=2, values_only=True))
    assert len(unclosed) == expected["findings"] - expected["closed"]
    assert sum(1 for row in unclosed if "逾期" in row[-2]) == expected["overdue"]


def test_campaign__filters_select_exactly_their_rows(office: Path) -> None:
    """Should return, for each village, checklist, severity and status, exactly the rows of
    the whole ledger that have it."""
    args = ["--settings", str(office / "office.yaml"), "--format", "json"]
    everything = json.loads(run("ledger", "list", *args).stdout)["findings"]
    for option, field in (("--village", "village"), ("--checklist", "checklist"), ("--severity", "severity"), ("--status", "status_now")):
        values = sorted({row[field] for row in everything})
        assert len(values) >= 2, field  # the campaign has several of each
        for value in values:
            chosen = json.loads(run("ledger", "list", *args, option, value).stdout)["findings"]
            assert [row["id"] for row in chosen] == [row["id"] for row in everything if row[field] == value]


def test_campaign__a_period_ending_before_the_closures(office: Path) -> None:
    """Should count a finding closed after the period as open in it, the same way in the
    headline, the village table, the list of open problems and ledger list --overdue."""
    end = "2024-11-10"
    result = run("report", "--from", "2024-10-21", "--to", end, "-o", str(office / "early"), "--settings", str(office / "office.yaml"))
    assert result.exit_code == 0, result.output
    (pdf,) = (office / "early").glob("*.pdf")
    pages = page_texts(pdf)
    text = "".join(pages).replace(" ", "").replace("\n", "")
    overdue = json.loads(run("ledger", "list", "--settings", str(office / "office.yaml"), "--overdue", "--as-of", end, "--format", "json").stdout)["findings"]
    assert overdue and any(row["status_now"] == "closed" for row in overdue)  # closed since, overdue then
    assert all(row["status_as_of"] != "closed" and row["overdue_days_as_of"] > 0 for row in overdue)
    assert f"其中逾期{len(overdue)}个" in text
    open_section = text.split("尚未销号的问题")[-1]
    assert "已销号" not in open_section


def test_campaign__report_for_a_period_without_inspections(office: Path) -> None:
    """Should say plainly that the ledger has no inspection in the period."""
    result = run("report", "--from", "2023-01-01", "--to", "2023-01-31", "-o", str(office / "empty"), "--settings", str(office / "office.yaml"))
    assert result.exit_code == 0
    (pdf,) = (office / "empty").glob("*.pdf")
    assert "没有检查记录" in pdf_text(pdf)
