"""How long one `lantian check` takes, against importing its own dependencies alone.

    python bench/bench_startup.py [RUNS]      (default 7; the best of them is shown)

In one run: the bare import of yaml, jsonschema, click and jinja2 (what any tool built on them
pays before it does anything), the import of the CLI, and `lantian check` of one bundled
example, each in a new process; and the ratio of the last to the first (goal: 1.3 or less).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, best, table  # noqa: E402


def started(command: list[str]) -> None:
    # 1: the example checked is compliant, so anything but 0 is a failure.
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def figures(runs: int = 7) -> list[Figure]:
    bare = best(lambda: started([sys.executable, "-c", "import yaml, jsonschema, click, jinja2"]), runs)
    imported = best(lambda: started([sys.executable, "-c", "import cli"]), runs)
    checked = best(lambda: started([sys.executable, "cli.py", "check", "examples/dust_six_100pct_compliant.yaml"]), runs)
    print("one `lantian check` (best of each, in new processes):")
    print(f"  import yaml, jsonschema, click, jinja2  {bare * 1000:6.0f} ms")
    print(f"  import cli                              {imported * 1000:6.0f} ms")
    print(f"  lantian check (one example)             {checked * 1000:6.0f} ms  = {checked / bare:.2f}× the bare import", flush=True)
    return [Figure("start-up: one `lantian check`, against the bare import of yaml, jsonschema, click and jinja2", checked / bare, 1.3, "×")]


def main() -> None:
    print(table(figures(int(sys.argv[1]) if len(sys.argv) > 1 else 7)))


if __name__ == "__main__":
    main()
