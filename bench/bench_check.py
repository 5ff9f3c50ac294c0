"""How fast the engine checks inspections, against the cost of reading YAML alone.

Generates N synthetic dust inspections (default 10,000: a random mix of passing, failing,
blank and not-applicable answers) and measures, in one run:

- YAML parsing alone of the N files (libyaml's C loader), through the library: the yardstick;
- the whole check through the library: parse with positions, validate, check every answer
  against its item, score; and its ratio to the yardstick (goal: 1.3 or less);
- `lantian check --format json` of the N files written to disk, as a new process, against
  the C loader parsing the same files read from disk (goal: 1.6 or less);
- the command's peak memory with N files and with a tenth of them (goal: flat, 1.2× or less);
- for scale, writing the results' JSON alone, as the command does and with json's C encoder.

    python bench/bench_check.py [N]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, lantian, table  # noqa: E402

from engine import check, load_rules  # noqa: E402
from engine.check_output import json_text, result_dict  # noqa: E402

YES_NO = ["是", "否", "有", "无", "yes", "no", "不适用", "是", "是", "是"]


def synthetic_inspection(rng: random.Random, number: int, refusing: frozenset[str]) -> bytes:
    site_type = rng.choice(["construction", "municipal", "demolition"])
    day = f"2024-11-{rng.randint(1, 28):02d}"
    answers = {
        "hoarding_closed": rng.choice(YES_NO) if rng.random() < 0.8 else f"{{value: 否, count: {rng.randint(1, 4)}, note: 缺口}}",
        "hoarding_height": f"{rng.uniform(1.2, 3.0):.1f}",
        "hoarding_base": rng.choice(YES_NO),
        "stockpile_covered": rng.choice(YES_NO),
        "muck_covered": rng.choice(YES_NO),
        "bare_soil_cover_rate": f"{rng.randint(40, 100)}%",
        "wash_facility": "是",
        "wash_in_use": rng.choice(YES_NO),
        "wash_log_date": f"2024-10-{rng.randint(1, 31):02d}",
        "paving_main": rng.choice(YES_NO),
        "paving_clean": rng.choice(YES_NO),
        "wet_earthwork": rng.choice(YES_NO),
        "muck_trucks_sealed": rng.choice(YES_NO),
        "notice_board": rng.choice(YES_NO),
        "filing": rng.choice(YES_NO),
        "dust_measures": "[雾炮, 围挡喷淋]",
        "monitor": rng.choice(["online", "offline", "none"]),
        "overview": "主体施工阶段",
    }
    if site_type == "demolition":
        answers["wet_demolition"] = rng.choice(YES_NO)
    for item_id in refusing & answers.keys():
        # An item that may not be skipped is answered, as the checklist demands.
        if answers[item_id] == "不适用":
            answers[item_id] = "是"
    lines = [
        "checklist: dust_six_100pct",
        "site:",
        f"  name: XX建设有限公司{number}号项目工地",
        f"  type: {site_type}",
        f"  village: XX{number % 12}村",
        "  operator: XX建设有限公司",
        f"  key_area: {rng.choice(['是', '否'])}",
        "  alert_active: 否",
        "  idle_land: 否",
        "inspection:",
        f"  date: {day}",
        "  inspectors: [李明, 王芳]",
        "answers:",
        *(f"  {key}: {value}" for key, value in answers.items()),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def rate(seconds: float, count: int) -> float:
    return count / seconds if seconds else float("inf")


def figures(count: int = 10_000) -> list[Figure]:
    rng = random.Random(20241021)
    rules = load_rules(ROOT / "rules")
    refusing = frozenset(item.id for item in rules.checklists["dust_six_100pct"].items if not item.allow_not_applicable)
    files = [synthetic_inspection(rng, n, refusing) for n in range(count)]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    started = time.perf_counter()
    for raw in files:
        yaml.load(raw, Loader=loader)
    parse_only = time.perf_counter() - started

    verdicts: dict[str, int] = {}
    results = []
    started = time.perf_counter()
    for number, raw in enumerate(files):
        result = check(raw, rules, name=f"site-{number}.yaml")
        verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        if number < 1000:
            results.append(result)
    whole = time.perf_counter() - started

    # What the command writes for each result (some 700 lines of JSON): as it writes it, and,
    # for scale, the same values through the standard library's C encoder without indentation;
    # of the first thousand results, against their share of the parse.
    dicts = [result_dict(result) for result in results]
    share = parse_only * len(dicts) / count
    del results
    started = time.perf_counter()
    for value in dicts:
        json_text(value, level=2)
    written = time.perf_counter() - started
    started = time.perf_counter()
    for value in dicts:
        json.dumps(value, ensure_ascii=False)
    compact = time.perf_counter() - started
    del dicts

    print(f"inspections: {count} (verdicts: {verdicts}); YAML loader: {loader.__name__}")
    print(f"  YAML parsing alone:                    {rate(parse_only, count):8.0f} inspections/s  ({parse_only / count * 1e3:.3f} ms each)")
    print(f"  load + validate + score (whole check): {rate(whole, count):8.0f} inspections/s  ({whole / count * 1e3:.3f} ms each)")
    print(f"  ratio (whole check / YAML parsing):    {whole / parse_only:8.1f}×")
    print(f"  each result's JSON, as the command writes it: {written / share:.2f}× the parse; compact, by json's C encoder: {compact / share:.2f}×", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, raw in enumerate(files):
            path = Path(folder) / f"site-{number:05d}.yaml"
            path.write_bytes(raw)
            paths.append(path)
        started = time.perf_counter()
        for path in paths:
            yaml.load(path.read_bytes(), Loader=loader)
        parse_files = time.perf_counter() - started
        cli_seconds, peak = lantian("check", "--format", "json", *map(str, paths))
        _, tenth_peak = lantian("check", "--format", "json", *map(str, paths[: max(1, count // 10)]))
    print(f"  lantian check --format json, {count} files: {cli_seconds:.1f} s, {cli_seconds / parse_files:.1f}× parsing them from disk; peak {peak:.0f} MiB ({tenth_peak:.0f} MiB with a tenth of them)")
    return [
        Figure(f"checking: {count} answers files through the library, against the C loader's parse", whole / parse_only, 1.3, "×"),
        Figure(f"checking: `lantian check --format json` of {count} files, against the C loader's parse", cli_seconds / parse_files, 1.6, "×"),
        Figure(f"checking: the command's peak memory, {count} files against a tenth of them", peak / tenth_peak, 1.2, "×"),
    ]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print()
    print(table(figures(count)))


if __name__ == "__main__":
    main()
