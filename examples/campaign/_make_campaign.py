"""Make the example campaign: a town's inspections from late October to December 2024.

    python examples/campaign/_make_campaign.py

Every checklist's bundled compliant example is the base of its sites; a non-compliant
inspection with problems takes one to three of the answers of the bundled non-compliant
example (most problems cost points without failing the site; a veto item fails it). About
two in three sites with problems are re-inspected one to two weeks later
(``inspection.follows``), most problems fixed, some not. Every file is checked as it is
made, so the campaign holds exactly the verdicts it says. The same seed gives the same files.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from engine import InputError, check, load_rules  # noqa: E402

VILLAGES = ["东关村", "西河村", "南岗村", "北庄村", "城关社区"]
CODES = {"dust_six_100pct": "YC", "vapor_recovery": "YQ", "straw_ban": "JG", "industrial_nox": "DQ", "vocs_repair_shops": "QX", "diesel_nonroad": "CY", "monitoring_quality": "JC"}
SITES_PER_CHECKLIST = 9
FIRST_DAY = dt.date(2024, 10, 21)
LAST_DAY = dt.date(2024, 12, 20)
INSPECTORS = [["李明", "王芳"], ["孙强", "赵丽"], ["钱卫东", "周敏"]]


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _shift(value, delta: dt.timedelta):
    """Dates in answers (a wash log, a report) move with the inspection's date."""
    if isinstance(value, dt.date):
        return value + delta
    return value


def _site(base: dict, village: str, number: int) -> dict:
    site = dict(base)
    suffix = "" if number < len(VILLAGES) else f"（{number // len(VILLAGES) + 1}号）"
    site["name"] = str(base["name"]).replace("XX村", "").replace("XX", village) + suffix
    if not site["name"].startswith(village):
        site["name"] = village + site["name"]
    site["village"] = village
    for key in ("operator", "address"):
        if site.get(key):
            site[key] = str(site[key]).replace("XX村", village).replace("XX", village[:2])
    return site


def _write(data: dict, target: Path, rules):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)
    result = check(text.encode("utf-8"), rules, name=target.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return result


def main() -> None:
    rules = load_rules(ROOT / "rules")
    rng = random.Random(20241021)
    for old in HERE.glob("*/"):
        shutil.rmtree(old)
    made = {"compliant": 0, "non_compliant": 0, "with_findings": 0, "follow_up": 0}
    for checklist, code in CODES.items():
        passing = _load(ROOT / "examples" / f"{checklist}_compliant.yaml")
        failing = _load(ROOT / "examples" / f"{checklist}_noncompliant.yaml")
        candidates = [key for key in failing["answers"] if key in passing["answers"] and failing["answers"][key] != passing["answers"][key]]
        for number in range(SITES_PER_CHECKLIST):
            village = VILLAGES[number % len(VILLAGES)]
            day = FIRST_DAY + dt.timedelta(days=rng.randint(0, 40))
            delta = day - dt.date.fromisoformat(str(passing["inspection"]["date"]))
            data = {
                "checklist": checklist,
                "site": _site(passing["site"], village, number),
                "inspection": {"id": f"{code}-{number + 1:02d}", "date": day, "inspectors": rng.choice(INSPECTORS)},
                "answers": {key: _shift(value, delta) for key, value in passing["answers"].items()},
            }
            for answer in data["answers"].values():
                if isinstance(answer, dict):
                    answer.pop("photos", None)
            broken: list[str] = []
            if rng.random() < 0.6:
                for key in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
                    trial = dict(data["answers"], **{key: _shift(failing["answers"][key], delta)})
                    if isinstance(trial[key], dict):
                        trial[key] = {k: v for k, v in trial[key].items() if k != "photos"}
                    try:
                        found = check(yaml.safe_dump({**data, "answers": trial}, allow_unicode=True).encode("utf-8"), rules, name="trial").findings
                    except InputError:
                        continue  # this answer asks for others the base does not have
                    if len(found) > len(broken):
                        data["answers"], broken = trial, broken + [key]
            name = f"{day.isoformat()}_{code}-{number + 1:02d}.yaml"
            result = _write(data, HERE / village / name, rules)
            made[result.verdict] += 1
            made["with_findings"] += bool(result.findings)
            if not result.findings or rng.random() > 0.67:
                continue
            later = day + dt.timedelta(days=rng.randint(7, 14))
            if later > LAST_DAY:
                continue
            again = {
                "checklist": checklist,
                "site": data["site"],
                "inspection": {"id": f"{code}-{number + 1:02d}F", "date": later, "inspectors": data["inspection"]["inspectors"], "follows": data["inspection"]["id"]},
                "answers": {key: _shift(value, later - day) for key, value in data["answers"].items()},
            }
            for key in broken:
                if rng.random() < 0.7:  # fixed
                    again["answers"][key] = _shift(passing["answers"][key], later - dt.date.fromisoformat(str(passing["inspection"]["date"])))
            _write(again, HERE / village / f"{later.isoformat()}_{code}-{number + 1:02d}-复查.yaml", rules)
            made["follow_up"] += 1
    print(f"made {sum(made.values())} inspections: {made}")


if __name__ == "__main__":
    main()
