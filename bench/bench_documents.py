"""How long the documents take: one notice, a batch of 200 with one and two workers, the
500-row rectification list, and WeasyPrint alone with the system fonts as the yardstick.

    python bench/bench_documents.py [BATCH] [BASELINE]

BATCH (default 200) notices are made from the bundled dust examples with varied sites,
each with 1 to 6 findings. The list's 500 rows are the real findings of the bundled
non-compliant examples, spread over villages and sites. BASELINE (default 3) notices are
rendered by WeasyPrint alone, one document each with the system Noto CJK fonts, which is
what a naive renderer costs.

Fonts are cut into a cache of the benchmark's own, so no earlier run helps; only the common
font, which the set-up (./dev.sh) makes once, is taken from the user's cache. Each figure is
the best of two or three runs (each run is printed too): on a shared machine the spread
between runs is often a fifth.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import check, load_rules  # noqa: E402
from engine.fonts import cache_dir, common_font, cut_fonts, document_fonts  # noqa: E402
from engine.rectification import Row, rows_for  # noqa: E402
from engine.rectification import list_document as rectification_list  # noqa: E402
from engine.render import Document, _characters, notice_context, render_html, write_pdfs, write_pdfs_parallel  # noqa: E402
from engine.settings import load_settings  # noqa: E402
from engine.typeset import metrics_for  # noqa: E402

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


def list_rows(count: int, rules) -> list[Row]:
    """``count`` rows made from the findings of the bundled non-compliant examples (their real
    problems, measures and legal bases), spread over villages and sites."""
    import dataclasses

    results = [check(path.read_bytes(), rules, name=path.name) for path in sorted((ROOT / "examples").glob("*_noncompliant.yaml"))]
    found = rows_for(results)
    rng = random.Random(7)
    rows = []
    for number in range(1, count + 1):
        village = rng.choice(VILLAGES)
        base = found[number % len(found)]
        rows.append(dataclasses.replace(base, number=number, village=village, site=f"{village}第{number}号{base.site[-4:]}", deadline=base.deadline + dt.timedelta(days=rng.randint(0, 30))))
    rows.sort(key=lambda row: row.deadline)
    return rows


def timed(label: str, count: int, action, *, repeat: int = 1, before=None) -> float:
    """The best of ``repeat`` runs, as timeit reports: slower runs are the machine's other
    work, not ours. Every run is printed. ``before`` runs untimed before each run."""
    runs = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    seconds = min(runs)
    others = f"   (runs: {', '.join(f'{run:.2f}' for run in runs)} s)" if repeat > 1 else ""
    print(f"{label:<58} {seconds:8.2f} s   {seconds / count:7.3f} s each{others}")
    return seconds / count


def main() -> None:
    batch_size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    baseline_size = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rules = load_rules(ROOT / "rules")
    with tempfile.TemporaryDirectory() as folder:
        # A cache of our own, so that no subset from an earlier run is found.
        os.environ["LANTIAN_CACHE"] = str(Path(folder) / "cache")
        settings_file = Path(folder) / "office.yaml"
        settings_file.write_text((ROOT / "examples" / "office" / "office.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        settings = load_settings(settings_file)
        # Each role's font, as the office's documents get them (the free fallbacks here).
        fonts = document_fonts(settings.font, settings.fonts)[0]
        distinct = list(dict.fromkeys(fonts.of(role) for role in ("body", "title", "heading", "subheading")))
        batch = notices(batch_size, settings, rules)
        one = batch[:1]
        import weasyprint  # noqa: F401  (imported before timing, as a running office tool would have)

        for font in distinct:
            print(f"font: {font.path} (face {font.index})")
        timed("the common fonts, cut on first use (kept afterwards)", 1, lambda: [common_font(font) for font in distinct])
        timed("font subsets for the batch (once; cached afterwards)", 1, lambda: cut_fonts(fonts, _characters(batch)))

        def forget_subsets() -> None:
            for made_here in cache_dir().glob("*.otf"):
                if not made_here.name.startswith("common-"):
                    made_here.unlink()

        single = timed("one notice, with its own font subset (not cached)", 1, lambda: write_pdfs(one, fonts=fonts), repeat=3, before=forget_subsets)
        cut_fonts(fonts, _characters(batch))
        one_worker = timed(f"batch of {batch_size} notices, 1 worker", batch_size, lambda: write_pdfs(batch, fonts=fonts), repeat=2)
        two_workers = timed(f"batch of {batch_size} notices, 2 workers", batch_size, lambda: write_pdfs_parallel(batch, fonts=fonts, workers=2), repeat=2)
        rows = list_rows(500, rules)
        listing = rectification_list(rows, settings, Path("list.pdf"), sites=len(rows), today=dt.date(2024, 11, 30))
        timed("rectification list, 500 rows: font subsets (cached after)", 1, lambda: cut_fonts(fonts, _characters([listing])))
        make_list = lambda: rectification_list(rows, settings, Path("list.pdf"), sites=len(rows), today=dt.date(2024, 11, 30))  # noqa: E731
        list_one = timed("rectification list, 500 rows, set and rendered, 1 worker", 1, lambda: write_pdfs([make_list()], fonts=fonts), repeat=3, before=metrics_for.cache_clear)
        list_two = timed("rectification list, 500 rows, set and rendered, 2 workers", 1, lambda: write_pdfs_parallel([make_list()], fonts=fonts, workers=2), repeat=3, before=metrics_for.cache_clear)

        import re

        from weasyprint import CSS, HTML

        def system_fonts(text: str) -> str:
            return re.sub(r"LantianCJK\w*", "'Noto Serif CJK SC'", text)  # every role's family

        system_font = system_fonts((ROOT / "templates" / "css" / "official.css").read_text(encoding="utf-8"))
        plain = [system_fonts(document.html) for document in batch[:baseline_size]]
        baseline = timed(f"yardstick: WeasyPrint alone, system fonts, {baseline_size} notices", baseline_size, lambda: [HTML(string=html, base_url=str(ROOT / "templates") + "/").write_pdf(stylesheets=[CSS(string=system_font)]) for html in plain])
    print()
    print(f"single notice: {single:.3f} s (target ≤ 1.5 s)")
    print(f"batch, per notice: {one_worker:.3f} s with 1 worker, {two_workers:.3f} s with 2 workers (target ≤ 0.1 s)")
    print(f"500-row list: {list_one:.3f} s with 1 worker, {list_two:.3f} s with 2 workers (target ≤ 3 s)")
    print(f"gain over WeasyPrint alone: {baseline / one_worker:.0f}× (1 worker), {baseline / two_workers:.0f}× (2 workers) per notice in a batch")


if __name__ == "__main__":
    main()
