"""Shared paths and builders for the tests."""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
#: The checklists the simulated campaigns (examples/campaign, examples/campaign_2026) inspect:
#: the ones they were written for; a checklist added later need not join them.
CAMPAIGN_CHECKLISTS = frozenset({"diesel_nonroad", "dust_six_100pct", "industrial_nox", "monitoring_quality", "straw_ban", "vapor_recovery", "vocs_repair_shops"})
DATA = Path(__file__).resolve().parent / "data"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


DUST_SITE = """\
checklist: dust_six_100pct
site:
  name: XX建设有限公司XX项目工地
  type: {site_type}
  village: XX村
  operator: XX建设有限公司
  key_area: {key_area}
  alert_active: {alert}
  idle_land: 否
inspection:
  date: {date}
  inspectors: [李明, 王芳]
answers:
"""

DUST_PASSING = {
    "hoarding_closed": "是",
    "hoarding_height": "2.5",
    "hoarding_base": "是",
    "stockpile_covered": "是",
    "muck_covered": "是",
    "bare_soil_cover_rate": "100%",
    "wash_facility": "是",
    "wash_in_use": "是",
    "wash_log_date": "{date}",
    "paving_main": "是",
    "paving_clean": "是",
    "wet_earthwork": "是",
    "muck_trucks_sealed": "是",
    "notice_board": "是",
    "filing": "是",
}


def dust_answers(
    overrides: dict[str, str | None] | None = None,
    *,
    site_type: str = "construction",
    key_area: str = "是",
    alert: str = "否",
    date: str = "2024-11-05",
) -> bytes:
    """A dust inspection that passes everything, with some answers replaced (None drops a line)."""
    answers = dict(DUST_PASSING)
    if date >= "2026-08-15":
        # Under the Code, construction waste not cleared is asked on its own (dust_six_100pct 2026.1).
        answers["waste_cleared"] = "是"
    if site_type == "demolition":
        answers["wet_demolition"] = "是"
    if alert == "是":
        answers["alert_stop"] = "是"
    for key, value in (overrides or {}).items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    text = DUST_SITE.format(site_type=site_type, key_area=key_area, alert=alert, date=date)
    text += "".join(f"  {key}: {value.replace('{date}', date)}\n" for key, value in answers.items())
    return text.encode("utf-8")


def lantian(*args: str):
    """`lantian ARGS` with the bundled rules, as a person runs it; the click result."""
    from click.testing import CliRunner

    import cli

    return CliRunner().invoke(cli.cli, ["--rules", str(RULES), *args], catch_exceptions=False)


def office_folder(root: Path, ledger: str | None = None) -> Path:
    """A fresh office workspace: the example settings, where the ledger will go beside them;
    or, with ``ledger`` (an address on the PostgreSQL server), the settings naming it."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "office" / "office.yaml", root / "office.yaml")
    if ledger is not None:
        with (root / "office.yaml").open("a", encoding="utf-8") as settings:
            settings.write(f"ledger: {ledger}\n")
    return root


def record(inbox: Path, settings_file: Path, *, ledger: Path | None = None, issued=None):
    """What `lantian batch INBOX` records, without its documents: each inspection checked,
    recorded in the office's ledger (or ``ledger``) and numbered. For tests whose subject is
    what is read from the ledger later, so that they do not pay for documents no one reads."""
    from engine import load_rules
    from engine.batch import run_batch
    from engine.settings import load_settings

    settings = load_settings(settings_file)
    return run_batch(inbox, inbox / "unwritten", load_rules(RULES), settings, ledger_path=ledger or settings.ledger, documents=False, issued=issued)


@contextlib.contextmanager
def on_loopback(app, **options):
    """``app`` on the real Waitress server, on 127.0.0.1 and a free port: the server, whose
    ``effective_port`` the tests use. Stopped from inside its own loop (closing its sockets
    from another thread while the loop waits on them fails in the loop's thread)."""
    import threading

    from waitress.server import create_server

    served = create_server(app, host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    try:
        yield served
    finally:

        def stop() -> None:
            for dispatcher in list(served._map.values()):
                dispatcher.close()

        # A loop that ended before it was told to has closed its trigger: said so, plainly.
        ended_early = not thread.is_alive()
        if not ended_early:
            served.trigger.pull_trigger(stop)
            thread.join(30)
        served.task_dispatcher.shutdown()
        assert not ended_early, "the server's loop ended before the test stopped it"
        assert not thread.is_alive(), "the server's loop did not stop"


def ledger_rows(location, sql: str, values: tuple = ()) -> list[tuple]:
    """The rows of ``sql`` run straight on a ledger's database, behind the program's back: a
    file (sqlite3) or a database on a server (psycopg, with ``?`` written as ``%s``)."""
    from engine import _postgres

    if isinstance(location, _postgres.Address):
        import psycopg

        with psycopg.connect(location.url, autocommit=True) as connection:
            cursor = connection.execute(sql.replace("?", "%s"), values)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    import sqlite3

    connection = sqlite3.connect(location)
    try:
        with connection:
            return [tuple(row) for row in connection.execute(sql, values).fetchall()]
    finally:
        connection.close()


def downgrade_ledger(path: Path, version: int) -> None:
    """Make a ledger file look as schema ``version`` left it: the tables, indexes and columns
    that later migrations added dropped, and the version set back (the rows stay)."""
    import sqlite3

    from engine import ledger

    older = sqlite3.connect(":memory:")
    older.create_function("lantian_site_key", 1, ledger.site_key, deterministic=True)
    for migration in ledger.MIGRATIONS[:version]:
        for statement in migration:
            older.execute(statement)
    kept = {name for (name,) in older.execute("SELECT name FROM sqlite_master")}
    older.close()
    connection = sqlite3.connect(path)
    try:
        with connection:
            added = [(kind, name) for kind, name in connection.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") if name not in kept]
            for kind, name in sorted(added, key=lambda entry: entry[0] != "index"):  # indexes before their tables
                connection.execute(f"DROP {kind.upper()} {name}")
            for table, columns in ledger._columns(version).items():
                for (column,) in connection.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall():
                    if column not in columns:
                        connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            connection.execute(f"PRAGMA user_version = {version}")
    finally:
        connection.close()
