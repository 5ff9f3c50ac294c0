"""Make the example campaign of today's law.

    python examples/campaign_2026/_make_campaign.py

``examples/campaign_2026``: August to November 2026, across the day the Ecological
  Environment Code took effect (2026-08-15). ``法典施行前`` holds the inspections of early
  August, whose notices the office issues on 2026-08-20 (``lantian batch --issued
  2026-08-20``): their citations follow the transitional rule. ``法典施行后`` holds the rest,
  re-inspections of the August sites included, issued on the day of inspection.

``examples/campaign`` (late October to December 2024, under the 2018 air-pollution law) is
kept as it was made from the 2024 answers, as the example of the old law.

Every checklist's bundled compliant example is the base of its sites; a non-compliant
inspection with problems takes one to three of the answers of the bundled non-compliant
example (most problems cost points without failing the site; a veto item fails it). About
two in three sites with problems are re-inspected up to a week after the notice's last
deadline (``inspection.follows``), most problems fixed, some not. Every file is checked as it is
made, so a campaign holds exactly the verdicts it says. The same seed gives the same files.
"""

from __future__ import annotations

import datetime as dt
import random
import re
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
INSPECTORS = [["李明", "王芳"], ["孙强", "赵丽"], ["钱卫东", "周敏"]]
CODE_IN_FORCE = dt.date(2026, 8, 15)
FIRST_DAY = dt.date(2026, 8, 3)
LAST_DAY = dt.date(2026, 11, 30)
SEED = 20260803
#: the inspections before the Code are decided on this day, after it took effect
ISSUED = dt.date(2026, 8, 20)
BEFORE, AFTER = HERE / "法典施行前", HERE / "法典施行后"
ID_PREFIX = "26"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


_DATES_IN_TEXT = re.compile(
    r"(?P<iso>(?P<y1>\d{4})-(?P<m1>\d{2})-(?P<d1>\d{2}))"
    r"|(?P<ymd>(?P<y2>\d{4})(?P<s2> ?)年 ?(?P<m2>\d{1,2}) ?月 ?(?P<d2>\d{1,2}) ?日)"
    r"|(?P<ym>(?P<y3>\d{4})(?P<s3> ?)年 ?(?P<m3>\d{1,2}) ?月)"
    r"|(?P<md>(?<![\d年])(?P<m4>\d{1,2})(?P<s4> ?)月 ?(?P<d4>\d{1,2}) ?日)"
)


def _shift_text(text: str, delta: dt.timedelta, year: int) -> str:
    """Dates written in a note (2026-10-01, 2026 年 9 月 25 日, 11月9日, 2026年9月) move with
    the inspection, so that no record speaks of a day after its inspection."""

    def moved(match: re.Match) -> str:
        if match["iso"]:
            return (dt.date(int(match["y1"]), int(match["m1"]), int(match["d1"])) + delta).isoformat()
        if match["ymd"]:
            day = dt.date(int(match["y2"]), int(match["m2"]), int(match["d2"])) + delta
            gap = match["s2"]
            return f"{day.year}{gap}年{gap}{day.month}{gap}月{gap}{day.day}{gap}日"
        if match["ym"]:
            day = dt.date(int(match["y3"]), int(match["m3"]), 15) + delta
            gap = match["s3"]
            return f"{day.year}{gap}年{gap}{day.month}{gap}月"
        day = dt.date(year, int(match["m4"]), int(match["d4"])) + delta
        gap = match["s4"]
        # Moved into another year: the year is written, so that it does not read as this year's.
        written = f"{day.year}{gap}年{gap}" if day.year != year else ""
        return f"{written}{day.month}{gap}月{gap}{day.day}{gap}日"

    return _DATES_IN_TEXT.sub(moved, text)


def _shift(value, delta: dt.timedelta, year: int = 2026):
    """Dates in answers (a wash log, a report) and in their notes move with the inspection's date."""
    if isinstance(value, dt.date):
        return value + delta
    if isinstance(value, str):
        return _shift_text(value, delta, year)
    if isinstance(value, dict):
        return {key: _shift(item, delta, year) for key, item in value.items()}
    if isinstance(value, list):
        return [_shift(item, delta, year) for item in value]
    return value


def _date_of(value):
    return value.get("value") if isinstance(value, dict) else value


def _with_date(value, day: dt.date):
    return {**value, "value": day} if isinstance(value, dict) else day


def _recent(value, since: dt.date) -> bool:
    """A date an inspection finds recent (a log, a calibration): it moves to the next visit.
    Older dates (a permit's expiry, a report) are facts that stay."""
    day = value.get("value") if isinstance(value, dict) else value
    return isinstance(day, dt.date) and day >= since


def _value(answer):
    return answer.get("value") if isinstance(answer, dict) else answer


def _signs(*answers):
    """The old list of tampering signs from the Code's two lists (data fraud, equipment)."""
    found, notes, count = [], [], 0
    for answer in answers:
        found += [v for v in (_value(answer) or []) if v != "未发现"]
        if isinstance(answer, dict):
            notes += [answer["note"]] if answer.get("note") else []
            count += answer.get("count") or 0
    if not found:
        return ["未发现"]
    return {"value": found, **({"count": count} if count else {}), **({"note": "；".join(notes)} if notes else {})}


#: The bundled examples are under the Code. What an inspection before 2026-08-15 records
#: instead, for the items that the 2018 law asks and the Code does not.
OLD_LAW_ITEMS = {
    "monitoring_quality": {
        "tampering_signs": lambda a: _signs(a.get("data_fraud_signs"), a.get("equipment_interference_signs")),
        "data_published": lambda a: "是" if _value(a.get("emission_disclosure")) in (None, "已如实公开") else "否",
    },
}


def _for_day(checklist: str, data: dict, day: dt.date) -> dict:
    """The answers as an inspection on ``day`` records them: before 2026-08-15 the old items
    are added. The Code's stay: the transitional rule reads them when the decision comes
    after the change, and an item asked only under the other law is left aside."""
    if day >= CODE_IN_FORCE:
        return data
    answers = dict(data["answers"])
    for old, derive in OLD_LAW_ITEMS.get(checklist, {}).items():
        answers[old] = derive(answers)
    return {**data, "answers": answers}


def _site(base: dict, village: str, number: int) -> dict:
    """The example's site moved to a village of the town: XX镇 stays the office's town, XX村
    becomes the village, any other XX the village's short name."""
    short = village.removesuffix("村").removesuffix("社区")

    def place(text: str) -> str:
        return text.replace("XX镇", "\0").replace("XX村", village).replace("XX社区", village).replace("XX", short).replace("\0", "XX镇")

    site = dict(base)
    # A village grid is one site however often it is inspected; other sites are numbered.
    several = number >= len(VILLAGES) and base.get("type") not in ("village", "community")
    suffix = f"（{number // len(VILLAGES) + 1}号）" if several else ""
    site["name"] = place(str(base["name"])) + suffix
    site["village"] = village
    for key in ("operator", "address"):
        if site.get(key):
            site[key] = place(str(site[key]))
    return site


def _dump(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None).encode("utf-8")


def _write(data: dict, target: Path, rules, issued: dt.date | None = None):
    raw = _dump(data)
    result = check(raw, rules, name=target.name, issued=issued)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    return result


def _without_photos(answers: dict) -> dict:
    return {key: ({k: v for k, v in value.items() if k != "photos"} if isinstance(value, dict) else value) for key, value in answers.items()}


def make(rules) -> dict[str, int]:
    rng = random.Random(SEED)
    for old in HERE.glob("*/"):
        shutil.rmtree(old)
    made = {"compliant": 0, "non_compliant": 0, "incomplete": 0, "with_findings": 0, "follow_up": 0}
    span = (LAST_DAY - FIRST_DAY).days
    for checklist, code in CODES.items():
        passing = _load(ROOT / "examples" / f"{checklist}_compliant.yaml")
        failing = _load(ROOT / "examples" / f"{checklist}_noncompliant.yaml")
        base_day = dt.date.fromisoformat(str(passing["inspection"]["date"]))
        failing_day = dt.date.fromisoformat(str(failing["inspection"]["date"]))
        candidates = [key for key in failing["answers"] if key in passing["answers"] and failing["answers"][key] != passing["answers"][key]]
        # A site is inspected by a checklist at most once a day: a second inspection that day
        # would be the same one to the ledger, unless its file gave the times of both.
        taken: set[tuple[str, dt.date]] = set()
        for number in range(SITES_PER_CHECKLIST):
            village = VILLAGES[number % len(VILLAGES)]
            day = FIRST_DAY + dt.timedelta(days=rng.randint(0, span * 2 // 3))
            while (_site(passing["site"], village, number)["name"], day) in taken:
                day += dt.timedelta(days=1)
            taken.add((_site(passing["site"], village, number)["name"], day))
            before = day < CODE_IN_FORCE
            issued = ISSUED if before else None
            delta = day - base_day
            ident = f"{ID_PREFIX}{code}-{number + 1:02d}"
            data = {
                "checklist": checklist,
                "site": _site(passing["site"], village, number),
                "inspection": {"id": ident, "date": day, "inspectors": rng.choice(INSPECTORS)},
                "answers": _without_photos({key: _shift(value, delta) for key, value in passing["answers"].items()}),
            }  # answers under the Code, as the examples are; shaped for the day when written
            broken: list[str] = []
            if rng.random() < 0.6:
                for key in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
                    trial = {**data, "answers": _without_photos(dict(data["answers"], **{key: _shift(failing["answers"][key], day - failing_day)}))}
                    try:
                        shaped = _for_day(checklist, trial, day)
                        found = check(_dump(shaped), rules, name="trial", issued=issued).findings
                    except InputError:
                        continue  # this answer asks for others the base does not have
                    if len(found) > len(broken):
                        data, broken = trial, broken + [key]
            folder = (BEFORE if before else AFTER) / village
            written = _for_day(checklist, data, day)
            result = _write(written, folder / f"{day.isoformat()}_{ident}.yaml", rules, issued)
            made[result.verdict] += 1
            made["with_findings"] += bool(result.notice_findings)
            if not result.notice_findings or rng.random() > 0.67:
                continue
            # Re-inspected a few days after the last deadline of the notice.
            deadline = max(f.deadline for f in result.notice_findings)
            later = deadline + dt.timedelta(days=rng.randint(1, 7))
            while (data["site"]["name"], later) in taken:
                later += dt.timedelta(days=1)
            if later > LAST_DAY:
                continue
            taken.add((data["site"]["name"], later))
            recent_since = day - dt.timedelta(days=45)
            again = {
                "checklist": checklist,
                "site": data["site"],
                "inspection": {"id": f"{ident}F", "date": later, "inspectors": data["inspection"]["inspectors"], "follows": ident},
                "answers": {key: (_shift(value, later - day) if _recent(value, recent_since) else value) for key, value in data["answers"].items()},
            }
            for key in broken:
                if rng.random() < 0.7:  # fixed: as the passing example, and any date it records after the first visit
                    fixed = _shift(passing["answers"][key], later - base_day)
                    if isinstance(_date_of(fixed), dt.date) and _date_of(fixed) <= day:
                        fixed = _with_date(fixed, day + dt.timedelta(days=1))
                    again["answers"][key] = fixed
            # Every re-inspection comes after a notice of 2026-08-20 or later: under the Code.
            _write(_for_day(checklist, again, later), AFTER / village / f"{later.isoformat()}_{ident}-复查.yaml", rules)
            made["follow_up"] += 1
    return made


def _showcase(rules) -> None:
    """A village found on 2026-08-12 with one straw fire, outside the banned area and period.
    The checklist of the day fails every fire; the Code, in force when the office decides on
    2026-08-20, punishes only burning in the banned area and period, so the transitional rule
    leaves it out of the documents and the ledger."""
    base = _load(ROOT / "examples" / "straw_ban_compliant.yaml")
    day = dt.date(2026, 8, 12)
    delta = day - dt.date.fromisoformat(str(base["inspection"]["date"]))
    answers = {key: _shift(value, delta) for key, value in base["answers"].items()}
    answers["fire_points"] = {"value": 1, "note": "8月9日无人机巡查发现火点 1 个，位于村西山坡林地边缘，不在省政府划定的禁烧区域内"}
    answers["fire_points_banned"] = 0
    answers["fire_points_handled"] = {"value": "是", "note": "当日扑灭，已查明焚烧人并登记，移交镇综合执法办"}
    answers["straw_use_rate"] = "不适用"
    answers["field_residue_cleared"] = "不适用"
    answers.pop("straw_use_ways", None)
    answers["remarks"] = "早稻已收获，晚稻尚未收割；夏季焚烧巡查按焚烧季要求进行。"
    data = {
        "checklist": "straw_ban",
        "site": _site(base["site"], "北庄村", 0),
        "inspection": {"id": f"{ID_PREFIX}JG-10", "date": day, "inspectors": INSPECTORS[0]},
        "answers": answers,
    }
    result = _write(data, BEFORE / "北庄村" / f"{day.isoformat()}_{ID_PREFIX}JG-10.yaml", rules, ISSUED)
    assert [f.item_id for f in result.findings if f.excused] == ["fire_points"], result.findings


def main() -> None:
    rules = load_rules(ROOT / "rules")
    made = make(rules)
    _showcase(rules)
    total = sum(1 for _ in HERE.rglob("*.yaml"))
    print(f"{HERE.relative_to(ROOT)}: made {total} inspections: {made}")


if __name__ == "__main__":
    main()
