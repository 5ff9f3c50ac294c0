"""Server time of the web form (lantian serve), measured inside the application, without the
network: the form page, one autosave, and one submit of the dust example (no documents).

Targets (docs/serve.md): a form page under 50 ms, a submit under 200 ms. Prints the median
and the slowest of N rounds for each, beside its target.

    python bench/bench_serve.py [N]
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, table  # noqa: E402
from test_serve import PASSWORD, form_like  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from engine import load_rules  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.users import add_user, users_path  # noqa: E402

TARGETS_MS = {"form page": 50.0, "autosave": 50.0, "submit": 200.0}


def figures(rounds: int = 30) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "office.yaml").write_bytes((ROOT / "examples" / "office" / "office.yaml").read_bytes())
        add_user(users_path(root / "office.yaml"), "李明", "inspector", PASSWORD)
        app = create_app(root / "office.yaml", load_rules(ROOT / "rules"), root / "inspections")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"name": "李明", "password": PASSWORD, "csrf_token": token})
        # A log-in starts a new session, with a token of its own.
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        fields = form_like(ROOT / "examples" / "dust_six_100pct_noncompliant.yaml")
        times: dict[str, list[float]] = {name: [] for name in TARGETS_MS}
        for _ in range(rounds):
            location = client.post("/inspections/new", data={"checklist": "dust_six_100pct", "csrf_token": token}).headers["Location"]
            draft_id = location.rsplit("/", 1)[1]
            start = time.perf_counter()
            client.get(location)
            times["form page"].append(time.perf_counter() - start)
            start = time.perf_counter()
            client.post(f"/inspections/{draft_id}/autosave", data=MultiDict(fields), headers={"X-CSRFToken": token})
            times["autosave"].append(time.perf_counter() - start)
            start = time.perf_counter()
            response = client.post(f"/inspections/{draft_id}/submit", data=MultiDict([*fields, ("csrf_token", token)]))
            times["submit"].append(time.perf_counter() - start)
            assert response.status_code == 302, response.status_code
    print(f"web form, server time over {rounds} rounds:")
    print(f"  {'step':<10} {'median ms':>10} {'slowest ms':>11} {'target ms':>10}")
    for name, measured in times.items():
        print(f"  {name:<10} {statistics.median(measured) * 1000:>10.1f} {max(measured) * 1000:>11.1f} {TARGETS_MS[name]:>10.0f}")
    return [Figure(f"web form: {name}, median server time", statistics.median(measured) * 1000, TARGETS_MS[name], "ms") for name, measured in times.items()]


def main() -> None:
    print(table(figures(int(sys.argv[1]) if len(sys.argv) > 1 else 30)))


if __name__ == "__main__":
    main()
