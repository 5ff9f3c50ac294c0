"""Every benchmark in one run, each with its yardstick, and the table: goal → measured → ratio.

    python bench/run.py            the sizes of docs/performance.md (some ten minutes)
    python bench/run.py --quick    a tenth of the sizes, to try a change (a minute or two)

The data sets are made by the benchmarks themselves from the bundled examples: 10,000 answers
files (bench_check), a batch of 200 inspections (bench_documents), ledgers of 1,000, 10,000 and
50,000 inspections (bench_ledger), a county's PostgreSQL ledger of 20 towns × 2,500 (bench_county,
on a server of its own: PostgreSQL's server programs must be installed). The table ends with the machine it ran on, for
docs/performance.md.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_check
import bench_county
import bench_documents
import bench_ledger
import bench_serve
import bench_startup
from figures import Figure, table


def machine() -> str:
    """The processor, cores, memory, system, Python and SQLite, as docs/performance.md records them."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text(encoding="utf-8").split()[1])
        memory = f", {kilobytes / 1024 / 1024:.0f} GiB"
    system = platform.platform(terse=True)
    release = Path("/etc/os-release")
    if release.exists():
        fields = dict(line.split("=", 1) for line in release.read_text(encoding="utf-8").splitlines() if "=" in line)
        system = fields.get("PRETTY_NAME", system).strip('"')
    return f"{model}, {os.cpu_count()} cores{memory}; {system}; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    figures: list[Figure] = []
    figures += bench_startup.figures(3 if quick else 7)
    print()
    figures += bench_check.figures(1000 if quick else 10_000)
    print()
    figures += bench_documents.figures(40 if quick else 200, 6 if quick else 20)
    print()
    figures += bench_ledger.figures([1000, 10_000] if quick else bench_ledger.SIZES)
    print()
    figures += bench_county.figures(bench_county.TOWNS, 250 if quick else bench_county.PER_TOWN)
    print()
    figures += bench_serve.figures(10 if quick else 30)
    print()
    print(table(figures))
    print()
    print(f"machine: {machine()}")
    met = sum(figure.met for figure in figures)
    print(f"goals met: {met} of {len(figures)}")


if __name__ == "__main__":
    main()
