"""What every benchmark reports: a figure measured against its goal, and the table of them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    """One goal of docs/performance.md and what this run measured for it."""

    goal: str  #: what is measured, in words
    measured: float
    bound: float  #: the goal: at most this (at least, when ``at_least``)
    unit: str  #: "s", "ms", "×", "MB"
    at_least: bool = False

    @property
    def met(self) -> bool:
        return self.measured >= self.bound if self.at_least else self.measured <= self.bound

    @property
    def ratio(self) -> float:
        """The measured figure over the goal's: 1.0 or less is met (for an at-least goal, the goal's over the measured)."""
        if self.at_least:
            return self.bound / self.measured if self.measured else float("inf")
        if not self.bound:  # a goal of none at all: met at 0
            return 0.0 if not self.measured else float("inf")
        return self.measured / self.bound


def _number(value: float, unit: str) -> str:
    if not unit:  # a count
        return f"{value:.0f}"
    text = f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return f"{text}×" if unit == "×" else f"{text} {unit}"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table: goal, bound, measured, their ratio, met or not."""
    lines = ["| goal | bound | measured | measured / bound | met |", "| --- | ---: | ---: | ---: | :---: |"]
    for figure in figures:
        bound = ("≥ " if figure.at_least else "≤ ") + _number(figure.bound, figure.unit)
        lines.append(f"| {figure.goal} | {bound} | {_number(figure.measured, figure.unit)} | {figure.ratio:.2f} | {'yes' if figure.met else 'no'} |")
    return "\n".join(lines)


def best(action: Callable[[], object], runs: int, *, before: Callable[[], object] | None = None, label: str | None = None) -> float:
    """The fastest of ``runs`` runs of ``action``, in seconds, as timeit reports: slower runs met
    the machine's other work. ``before`` runs untimed before each run. With ``label``, every
    run is printed."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    if label is not None:
        print(f"  {label:<64} {min(times):8.3f} s   (runs: {', '.join(f'{t:.3f}' for t in times)})", flush=True)
    return min(times)


def lantian(*args: str) -> tuple[float, float]:
    """Seconds and peak MiB of one `lantian ARGS` run in a new process, its output discarded, as
    an office runs it; a run that fails (exit 2 or 3) stops the benchmark, with what it said.
    The peak is GNU time's (Debian's package time; NaN, so no goal is met, without it): this
    process's own size counts in its children's before they exec, so getrusage() here would
    report the benchmark's."""
    gnu_time = Path("/usr/bin/time")
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        wrapper = [str(gnu_time), "-f", "%M", "-o", report.name] if gnu_time.exists() else []
        start = time.perf_counter()
        done = subprocess.run([*wrapper, sys.executable, str(ROOT / "cli.py"), *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        seconds = time.perf_counter() - start
        kilobytes = report.read().strip().splitlines()
    if done.returncode not in (0, 1):  # 1: a site not compliant, as the examples are meant to be
        raise SystemExit(f"lantian {' '.join(args)[:200]} failed (exit {done.returncode}):\n{done.stderr}")
    return seconds, int(kilobytes[-1]) / 1024 if wrapper and kilobytes else float("nan")
