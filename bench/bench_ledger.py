"""How the ledger's cost grows with the number of inspections it holds.

    python bench/bench_ledger.py [SIZES]      (default 1000,10000,50000)

For each size, a ledger is filled with that many inspections (the bundled examples' rows
copied under new sites, answers and numbers, with their findings and history: what a town's
years of campaigns leave), and then, in the same run:

- recording: the mean cost of recording 40 more real inspections (checked from the bundled
  examples, each at a site of its own), and of 10 re-inspections that close findings;
- ``ledger list --overdue``: every finding unclosed after its deadline, as a town lists them;
- the hot look-ups' query plans: any full scan of a table is printed.

The filling writes rows with SQL in one transaction (recording 50,000 inspections one by one
would take the benchmark longer than the town took); the measured steps go through the
library as ``lantian batch`` and ``lantian ledger list`` do. Each library figure is the best
of two runs on a ledger of that size, the command's list the best of three, the report one run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, lantian, table  # noqa: E402

from engine import check, ledger, load_rules  # noqa: E402
from engine.ledger import Filter  # noqa: E402

SIZES = [1000, 10_000, 50_000]
RECORDED = 40
REINSPECTED = 10
AS_OF = dt.date(2026, 12, 31)


def _examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*_noncompliant.yaml")) + sorted((ROOT / "examples").glob("*_compliant.yaml"))


def template(folder: Path, rules) -> Path:
    """A ledger holding the bundled examples, recorded as a batch records them."""
    path = folder / "template.sqlite"
    for number, example in enumerate(_examples()):
        ledger.record(path, check(example, rules), notice_number=f"XX镇环〔2026〕{number + 1}号", today=AS_OF)
    return path


def fill(template_path: Path, target: Path, size: int) -> None:
    """``target``: the template's inspections copied until there are ``size`` of them, each
    at a site, with an answers digest, id and notice number of its own."""
    shutil.copy(template_path, target)
    connection = sqlite3.connect(target)
    connection.row_factory = sqlite3.Row
    inspections = [dict(row) for row in connection.execute("SELECT * FROM inspections ORDER BY id")]
    findings = {row["id"]: dict(row) for row in connection.execute("SELECT * FROM findings")}
    events = [dict(row) for row in connection.execute("SELECT * FROM events ORDER BY id")]
    by_inspection: dict[int, list[dict]] = {}
    for finding in findings.values():
        by_inspection.setdefault(finding["inspection_id"], []).append(finding)
    history: dict[int, list[dict]] = {}
    for event in events:
        history.setdefault(event["finding_id"], []).append(event)
    next_inspection = max(row["id"] for row in inspections) + 1
    next_finding = max(findings) + 1
    rows_i, rows_f, rows_e = [], [], []
    copy = 0
    while next_inspection <= size:
        source = inspections[copy % len(inspections)]
        copy += 1
        day = AS_OF - dt.timedelta(days=1 + copy % 1400)
        site = f"{source['site_name']}（{copy}号）"
        row = dict(source, id=next_inspection, answers_sha256=hashlib.sha256(f"{copy}".encode()).hexdigest(), answers_name=f"in/{copy}.yaml",
                   answers_ref=f"bench-{copy}", site_name=site, site_key=ledger.site_key(site), inspected_on=day.isoformat(),
                   notice_number=f"XX镇环〔{day.year}〕{copy}号" if source["notice_number"] else None, follows_id=None)
        rows_i.append(row)
        # As a town's ledger is: the findings of all but the last two months closed, save
        # one inspection's in ten, left overdue.
        closed = day < AS_OF - dt.timedelta(days=60) and copy % 10 != 0
        for finding in by_inspection.get(source["id"], []):
            deadline = day + dt.timedelta(days=15)
            rows_f.append(dict(finding, id=next_finding, inspection_id=next_inspection, deadline=deadline.isoformat(), status="closed" if closed else "open"))
            for event in history.get(finding["id"], [])[:1]:
                rows_e.append(dict(event, id=None, finding_id=next_finding, inspection_id=next_inspection, happened_on=day.isoformat()))
                if closed:
                    rows_e.append(dict(event, id=None, finding_id=next_finding, inspection_id=None, status="closed", reason="已整改", happened_on=(deadline - dt.timedelta(days=2)).isoformat()))
            next_finding += 1
        next_inspection += 1
    with connection:
        for table, rows in (("inspections", rows_i), ("findings", rows_f), ("events", rows_e)):
            if rows:
                columns = list(rows[0])
                connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", [[r[c] for c in columns] for r in rows])
    connection.close()


def new_results(rules, count: int, salt: str) -> list:
    """``count`` real inspections of the bundled examples, each at a site of its own."""
    results = []
    examples = _examples()
    for number in range(count):
        text = examples[number % len(examples)].read_text(encoding="utf-8")
        text = text.replace("\n  name: ", f"\n  name: {salt}{number}号", 1)
        results.append(check(text.encode("utf-8"), rules, name=f"{salt}{number}.yaml"))
    return results


def _renamed(text: str, site: str) -> str:
    """An example's answers with the site's name replaced."""
    start = text.index("\n  name: ") + len("\n  name: ")
    return text[:start] + site + text[text.index("\n", start) :]


def reinspections(rules, count: int, salt: str) -> tuple[list, list]:
    """``count`` inspections with findings, and a re-inspection of each that passes."""
    failing = (ROOT / "examples" / "dust_six_100pct_noncompliant.yaml").read_text(encoding="utf-8")
    passing = (ROOT / "examples" / "dust_six_100pct_compliant.yaml").read_text(encoding="utf-8")
    first, again = [], []
    for number in range(count):
        site = f"{salt}复查{number}号工地"
        text = _renamed(failing, site).replace("\ninspection:\n", f"\ninspection:\n  id: {salt}-{number}\n", 1)
        checked = check(text.encode("utf-8"), rules, name=f"{salt}f{number}.yaml")
        first.append(checked)
        follow = _renamed(passing, site).replace("\ninspection:\n", f"\ninspection:\n  follows: {salt}-{number}\n", 1)
        follow = follow.replace("\n  date: 2026-11-05", "\n  date: 2026-11-28", 1)
        again.append(check(follow.encode("utf-8"), rules, name=f"{salt}a{number}.yaml"))
    return first, again


def recording(path: Path, results: list) -> float:
    """Seconds to record ``results`` in the ledger at ``path``, one after another."""
    start = time.perf_counter()
    for result in results:
        ledger.record(path, result, today=AS_OF)
    return time.perf_counter() - start


def full_scans(path: Path, rules) -> list[str]:
    """The hot look-ups whose plan scans a whole table."""
    probe = new_results(rules, 1, "plan")[0]
    connection = sqlite3.connect(path)
    connection.create_function("lantian_site_key", 1, ledger.site_key, deterministic=True)
    scans = []
    for name, (sql, values) in ledger.hot_queries(probe).items():
        steps = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", values)]
        if any(step.startswith("SCAN") for step in steps):
            scans.append(f"{name}: {' | '.join(steps)}")
    connection.close()
    return scans


def figures(sizes: list[int] = SIZES) -> list[Figure]:
    rules = load_rules(ROOT / "rules")
    folder = Path(tempfile.mkdtemp(prefix="lantian-bench-ledger-"))
    try:
        base = template(folder, rules)
        print("ledger:")
        print(f"{'inspections':>11}  {'record ms':>9}  {'re-inspect ms':>13}  {'findings(overdue) s':>19}  {'overdue':>7}  {'CLI list --overdue s':>20}  {'CLI report s / MiB':>18}  full scans")
        first_cost = None
        for size in sizes:
            best_record = best_again = best_list = float("inf")
            for attempt in range(2):
                path = folder / f"ledger-{size}-{attempt}.sqlite"
                fill(base, path, size)
                results = new_results(rules, RECORDED, f"b{size}-{attempt}-")
                first, again = reinspections(rules, REINSPECTED, f"r{size}-{attempt}-")
                for result in first:
                    ledger.record(path, result, today=AS_OF)
                best_record = min(best_record, recording(path, results) / RECORDED)
                best_again = min(best_again, recording(path, again) / REINSPECTED)
                start = time.perf_counter()
                listed = len(ledger.findings(path, Filter(overdue_on=AS_OF, status_on=AS_OF)))
                best_list = min(best_list, time.perf_counter() - start)
            first_cost = first_cost or best_record
            scans = full_scans(path, rules)
            settings = str(ROOT / "examples" / "office" / "office.yaml")
            # The best of three: one run of a second is at the mercy of whatever else the machine does.
            listing = min(lantian("ledger", "list", "--overdue", "--as-of", AS_OF.isoformat(), "--ledger", str(path), "--settings", settings)[0] for _ in range(3))
            reported, peak = lantian("report", "--from", "2026-01-01", "--to", AS_OF.isoformat(), "-o", str(folder / f"report-{size}"), "--ledger", str(path), "--settings", settings)
            print(
                f"{size:>11}  {best_record * 1000:>9.1f}  {best_again * 1000:>13.1f}  {best_list:>19.2f}  {listed:>7}  {listing:>20.2f}  {reported:>9.1f} / {peak:>6.0f}  {'; '.join(scans) or '—'}"
            )
        print(f"recording at the largest size costs {best_record / first_cost:.2f}× the smallest (goal ≤ 1.5×)", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    largest = f"{sizes[-1]:,}"
    return [
        Figure(f"ledger: recording one inspection at {largest} inspections, against at {sizes[0]:,}", best_record / first_cost, 1.5, "×"),
        Figure(f"ledger: `ledger list --overdue` at {largest} inspections", listing, 1.0, "s"),
        Figure(f"ledger: `report` at {largest} inspections, time", reported, 10.0, "s"),
        Figure(f"ledger: `report` at {largest} inspections, peak memory", peak, 300.0, "MiB"),
        Figure("ledger: hot look-ups that scan a whole table", float(len(scans)), 0.0, ""),
    ]


def main() -> None:
    print(table(figures([int(part) for part in sys.argv[1].split(",")] if len(sys.argv) > 1 else SIZES)))


if __name__ == "__main__":
    main()
