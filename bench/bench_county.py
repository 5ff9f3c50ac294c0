"""A county's ledger on PostgreSQL: 20 towns × 2,500 inspections (50,000), as the county's
database holds a campaign's.

    python bench/bench_county.py [TOWNS [PER_TOWN]]      (default 20 2500)

A PostgreSQL server of the benchmark's own is started from the distribution's packages (as the
tests start theirs: tests/postgres_server.py), and two ledgers are filled in it: a small one
(the same towns, 50 inspections each) and the full one. The rows are the bundled examples'
(bench_ledger.fill), copied into the database with COPY. Then, in the same run:

- recording: the mean cost of recording 40 more real inspections into one town, in the full
  ledger against the small one (goal: flat, within 1.5×);
- `ledger list --overdue` of one town (with its settings) and of the county (without), as
  commands;
- `report --county` over the year, as a command;
- `ledger push` of a town's SQLite ledger of 1,000 new inspections into the full ledger.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

import bench_ledger  # noqa: E402
from figures import Figure, lantian, table  # noqa: E402
from postgres_server import Server, binaries  # noqa: E402

from engine import ledger, load_rules  # noqa: E402

TOWNS = 20
PER_TOWN = 2500
SMALL_PER_TOWN = 50
PUSHED = 1000
AS_OF = bench_ledger.AS_OF
_TABLES = ("inspections", "findings", "events")


def town(number: int) -> str:
    return f"第{number + 1:02d}镇人民政府"


def fill(server: Server, schema: str, base: Path, folder: Path, towns: int, per_town: int) -> str:
    """A county ledger in ``schema``: ``towns`` offices, ``per_town`` inspections each (the
    same town ledger copied under each office, with ids and answers digests of its own)."""
    url = server.url(schema=schema)
    server.sql(f"CREATE SCHEMA {schema}")
    ledger.upgrade(ledger.ledger_at(url))
    one = folder / f"town-{per_town}.sqlite"
    if not one.exists():
        bench_ledger.fill(base, one, per_town)
    source = sqlite3.connect(one)
    source.row_factory = sqlite3.Row
    rows = {table: [dict(row) for row in source.execute(f"SELECT * FROM {table} ORDER BY id")] for table in _TABLES}
    source.close()
    import psycopg

    step = {table: max(row["id"] for row in rows[table]) for table in _TABLES}
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for number in range(towns):
            shift = {table: number * step[table] for table in _TABLES}
            for table in _TABLES:
                # Events number themselves; inspections and findings keep ids the others point to.
                columns = [column for column in rows[table][0] if not (table == "events" and column == "id")]
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[table]:
                        values = dict(row)
                        if table != "events":
                            values["id"] += shift[table]
                        if table == "inspections":
                            values["office"] = town(number)
                            values["answers_sha256"] = f"{number:04d}{values['answers_sha256'][4:]}"
                            values["follows_id"] = values["follows_id"] + shift["inspections"] if values["follows_id"] else None
                        elif table == "findings":
                            values["inspection_id"] += shift["inspections"]
                        else:
                            values["finding_id"] += shift["findings"]
                            values["inspection_id"] = values["inspection_id"] + shift["inspections"] if values["inspection_id"] else None
                        copy.write_row([values[column] for column in columns])
        for table in _TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    return url


def office_settings(folder: Path, office: str) -> Path:
    """The example settings in ``folder``, for ``office``."""
    folder.mkdir()
    text = (ROOT / "examples" / "office" / "office.yaml").read_text(encoding="utf-8")
    lines = [f"office: {office}" if line.startswith("office:") else line for line in text.splitlines()]
    (folder / "office.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "office.yaml"


def figures(towns: int = TOWNS, per_town: int = PER_TOWN) -> list[Figure]:
    found = binaries()
    if found is None:
        raise SystemExit("PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)")
    rules = load_rules(ROOT / "rules")
    folder = Path(tempfile.mkdtemp(prefix="lantian-bench-county-"))
    try:
        with Server.running(found) as server:
            base = bench_ledger.template(folder, rules)
            started = time.perf_counter()
            small = fill(server, "county_small", base, folder, towns, SMALL_PER_TOWN)
            full = fill(server, "county_full", base, folder, towns, per_town)
            print(f"county: {towns} towns × {per_town:,} inspections filled in {time.perf_counter() - started:.0f} s")
            costs = {}
            for name, url in (("small", small), ("full", full)):
                where = ledger.for_office(ledger.ledger_at(url), town(0))
                ledger.record(where, bench_ledger.new_results(rules, 1, f"warm-{name}-")[0], today=AS_OF)
                results = bench_ledger.new_results(rules, bench_ledger.RECORDED, f"{name}-")
                costs[name] = min(bench_ledger.recording(where, results[half::2]) for half in (0, 1)) / (bench_ledger.RECORDED // 2)
            settings = office_settings(folder / "town", town(0))
            as_of = ("--as-of", AS_OF.isoformat())
            one_town = min(lantian("ledger", "list", "--overdue", *as_of, "--ledger", full, "--settings", str(settings))[0] for _ in range(3))
            county = min(lantian("ledger", "list", "--overdue", *as_of, "--ledger", full)[0] for _ in range(3))
            start = (AS_OF - dt.timedelta(days=365)).isoformat()
            reported, peak = lantian("report", "--county", "--from", start, "--to", AS_OF.isoformat(), "-o", str(folder / "report"), "--ledger", full, "--settings", str(settings))
            pushed_town = office_settings(folder / "pushed", "新设镇人民政府")
            bench_ledger.fill(base, pushed_town.with_name("office.ledger.sqlite"), PUSHED)
            pushed, _ = lantian("ledger", "push", "--to", full, "--settings", str(pushed_town))
            print(f"  recording one inspection: {costs['small'] * 1000:.1f} ms at {towns * SMALL_PER_TOWN:,}, {costs['full'] * 1000:.1f} ms at {towns * per_town:,}")
            print(f"  list --overdue: one town {one_town:.2f} s, the county {county:.2f} s; report --county {reported:.1f} s ({peak:.0f} MiB); push of {PUSHED:,} {pushed:.1f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    size = f"{towns * per_town:,}"
    return [
        Figure(f"county: recording one inspection at {size} inspections, against at {towns * SMALL_PER_TOWN:,}", costs["full"] / costs["small"], 1.5, "×"),
        Figure(f"county: `ledger list --overdue` of one town at {size}", one_town, 0.5, "s"),
        Figure(f"county: `ledger list --overdue` of the county at {size}", county, 2.0, "s"),
        Figure(f"county: `report --county` at {size}", reported, 15.0, "s"),
        Figure(f"county: `ledger push` of {PUSHED:,} new inspections into {size}", pushed, 10.0, "s"),
    ]


def main() -> None:
    towns = int(sys.argv[1]) if len(sys.argv) > 1 else TOWNS
    per_town = int(sys.argv[2]) if len(sys.argv) > 2 else PER_TOWN
    print(table(figures(towns, per_town)))


if __name__ == "__main__":
    main()
