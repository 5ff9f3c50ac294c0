"""A real PostgreSQL server for the tests, from the distribution's packages: initialised in a
temporary folder, listening on loopback only (and on a socket in that folder), stopped and
removed when the test run ends. Each test that needs a database gets a schema of its own in
it, which costs a millisecond where a database would cost a tenth of a second."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: The superuser the tests connect as; the server trusts connections from loopback only.
ADMIN = "lantian_admin"
DATABASE = "lantian"


def binaries() -> Path | None:
    """The folder of the newest installed server's programs (Debian: /usr/lib/postgresql/N/bin),
    or None when no server is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One PostgreSQL server of the test run's own (``start``/``stop`` may be called again, as
    the fault tests do: its data stays until ``remove``)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="lantian-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self.up = False  #: whether it was started (and not stopped since)
        # initdb refuses to run as root: the server runs as the distribution's postgres user.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as, str(self.bin_dir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        # A server that skips fsync runs the tests faster and keeps every commit through its own
        # crash (what the fault tests do to it); only a crash of the machine would lose any.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")
        self._wait()
        self.up = True

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.up = False

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    @classmethod
    @contextlib.contextmanager
    def running(cls, bin_dir: Path) -> Iterator[Server]:
        """A new server, started, with the tests' database; removed afterwards."""
        server = cls(bin_dir)
        try:
            server.start()
            server.create_database()
            yield server
        finally:
            server.remove()

    def url(self, database: str = DATABASE, *, user: str = ADMIN, schema: str | None = None) -> str:
        options = f"?options=-csearch_path%3D{schema}" if schema else ""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}{options}"

    def sql(self, *statements: str, database: str = DATABASE) -> None:
        """Run ``statements`` as the superuser (each in its own transaction)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def create_database(self) -> None:
        # Sorted as a Chinese reader would (ICU's zh: by pinyin, Latin letters without regard
        # to case), as a county's server may well be set up: the ledger must sort by code
        # point all the same, as SQLite does.
        self.sql(f"CREATE DATABASE {DATABASE} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh' LOCALE 'C.UTF-8'", database="postgres")

    def new_schema(self) -> str:
        """A fresh, empty schema; the URL that makes it the one a ledger is written in."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.sql(f"CREATE SCHEMA {name}")
        return self.url(schema=name)
