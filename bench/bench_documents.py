"""How long the documents take: one notice, a batch of 200 with one and two workers, the
500-row rectification list, and WeasyPrint alone with the system fonts as the yardstick.

    python bench/bench_documents.py [BATCH] [BASELINE]

BATCH (default 200) notices are made from the bundled dust examples with varied sites,
each with 1 to 6 findings; BASELINE (default 3) notices are rendered by WeasyPrint alone, one document
each with the system Noto CJK fonts, which is what a naive renderer costs.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import check, load_rules  # noqa: E402
from engine.fonts import find_cjk_font, subset_font  # noqa: E402
from engine.rectification import COLUMNS, Row, totals  # noqa: E402
from engine.render import Document, _characters, notice_context, render_html, write_pdfs, write_pdfs_parallel  # noqa: E402
from engine.settings import load_settings  # noqa: E402

VILLAGES = ["东关村", "西河村", "南岗村", "北庄村", "城关社区", "新华社区", "前营村", "后屯村"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"


def notices(count: int, settings, rules) -> list[Document]:
    """Notices of ``count`` dust sites, each failing a random 1 to 6 of the items the
    bundled non-compliant example fails (the rest answered as in the compliant one), as
    a town's batch would: most notices have a few findings, few have a dozen."""
    import json

    from engine.source import load_source

    rng = random.Random(2024)
    failing = load_source(ROOT / "examples" / "dust_six_100pct_noncompliant.yaml").data
    passing = load_source(ROOT / "examples" / "dust_six_100pct_compliant.yaml").data
    candidates = [key for key in failing["answers"] if key in passing["answers"] and failing["answers"][key] != passing["answers"][key]]
    documents = []
    for number in range(count):
        village = rng.choice(VILLAGES)
        data = json.loads(json.dumps(passing, ensure_ascii=False))
        data["site"]["name"] = f"{village}第{number + 1}号建设项目工地"
        data["site"]["operator"] = f"{rng.choice(SURNAMES)}氏建设工程有限公司第{number + 1}分公司"
        data["site"]["village"] = village
        for key in rng.sample(candidates, rng.randint(1, min(6, len(candidates)))):
            data["answers"][key] = failing["answers"][key]
        result = check(json.dumps(data, ensure_ascii=False).encode("utf-8"), rules, name=f"site-{number}.json")
        context = notice_context(result, settings, f"XX镇环〔2024〕{number + 1}号", dt.date(2024, 11, 20))
        documents.append(Document(Path(f"site-{number}.pdf"), "notice", render_html("notice.html", context)))
    return documents


def list_document(rows: int, settings) -> Document:
    rng = random.Random(7)
    day = dt.date(2024, 11, 1)
    items = [
        Row(n, rng.choice(VILLAGES), f"{rng.choice(VILLAGES)}第{n}号工地", "建筑工地扬尘污染防治“六个百分之百”检查表", day, "围挡高度 1.6 米，低于要求的 1.8 米（《中华人民共和国大气污染防治法》第六十九条）", "重要", "将围挡加高至不低于 1.8 米", "XX建设有限公司", rng.choice(SURNAMES) + "工", day + dt.timedelta(days=rng.randint(1, 30)), "待整改")
        for n in range(1, rows + 1)
    ]
    items.sort(key=lambda row: row.deadline)
    context = {"settings": settings, "rows": items, "columns": [name for name, _ in COLUMNS], "widths": [3.5, 6, 10, 9, 7.5, 21, 4.5, 15, 7.5, 6, 7, 3], "totals": totals(items), "sites": rows, "today": day}
    return Document(Path("list.pdf"), "list", render_html("rectification_list.html", context))


def timed(label: str, count: int, action) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"{label:<58} {seconds:8.2f} s   {seconds / count:7.3f} s each")
    return seconds / count


def main() -> None:
    batch_size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    baseline_size = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rules = load_rules(ROOT / "rules")
    with tempfile.TemporaryDirectory() as folder:
        settings_file = Path(folder) / "office.yaml"
        settings_file.write_text((ROOT / "examples" / "office" / "office.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        settings = load_settings(settings_file)
        font = find_cjk_font(settings.font)
        batch = notices(batch_size, settings, rules)
        one = batch[:1]
        import weasyprint  # noqa: F401  (imported before timing, as a running office tool would have)

        print(f"font: {font.path} (face {font.index})")
        timed("font subset for the batch (once; cached afterwards)", 1, lambda: subset_font(font, _characters(batch)))
        single = timed("one notice, with its own font subset (not cached)", 1, lambda: write_pdfs(one, font=font))
        one_worker = timed(f"batch of {batch_size} notices, 1 worker", batch_size, lambda: write_pdfs(batch, font=font))
        two_workers = timed(f"batch of {batch_size} notices, 2 workers", batch_size, lambda: write_pdfs_parallel(batch, font=font, workers=2))
        listing = list_document(500, settings)
        timed("rectification list, 500 rows (font subset cached)", 1, lambda: subset_font(font, _characters([listing])))
        list_seconds = timed("rectification list, 500 rows", 1, lambda: write_pdfs([listing], font=font))

        from weasyprint import HTML

        plain = [document.html.replace("LantianCJK", "'Noto Serif CJK SC'") for document in batch[:baseline_size]]
        baseline = timed(f"yardstick: WeasyPrint alone, system fonts, {baseline_size} notices", baseline_size, lambda: [HTML(string=html, base_url=str(ROOT / "templates") + "/").write_pdf() for html in plain])
    print()
    print(f"single notice: {single:.3f} s (target ≤ 1.5 s)")
    print(f"batch, per notice: {one_worker:.3f} s with 1 worker, {two_workers:.3f} s with 2 workers (target ≤ 0.1 s)")
    print(f"500-row list: {list_seconds:.3f} s (target ≤ 3 s)")
    print(f"gain over WeasyPrint alone: {baseline / one_worker:.0f}× (1 worker), {baseline / two_workers:.0f}× (2 workers) per notice in a batch")


if __name__ == "__main__":
    main()
