"""How long the documents take, against WeasyPrint alone and WeasyPrint's layout alone.

    python bench/bench_documents.py [BATCH] [SAMPLE]

In one run:

- a batch of BATCH inspections (default 200; about half non-compliant, each failing 1 to 6
  items of the bundled dust example) through `lantian batch`'s own path (checked, recorded
  in a fresh ledger, notices, records and the rectification list written), with one worker
  and with two: seconds per document, and how much faster two workers are;
- the same documents laid out by WeasyPrint alone with our fonts and stylesheets, without
  writing the PDF: the floor no renderer built on WeasyPrint goes below;
- SAMPLE (default 20) of them rendered the naive way, WeasyPrint alone with the system's
  Noto CJK fonts, one document at a time: what a plain WeasyPrint tool costs;
- one `lantian notice` of the bundled non-compliant example, as a new process: warm (its
  font subsets cut by an earlier run) and with a cold subset cache;
- the 500-row rectification list.

Fonts are cut into a cache of the benchmark's own; only the common cut, which the set-up
makes once, is made before timing. Each figure is the best of two or three runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, best, table  # noqa: E402

from engine import check, load_rules  # noqa: E402
from engine.batch import run_batch  # noqa: E402
from engine.documents import plan_documents  # noqa: E402
from engine.fonts import cache_dir, common_font, document_fonts  # noqa: E402
from engine.rectification import Row, rows_for  # noqa: E402
from engine.rectification import list_document as rectification_list  # noqa: E402
from engine.render import Document, _characters, _renderer, _role_characters, cut_fonts, templates_dir, write_pdfs, write_pdfs_parallel  # noqa: E402
from engine.settings import load_settings  # noqa: E402
from engine.source import load_source  # noqa: E402
from engine.typeset import metrics_for  # noqa: E402

VILLAGES = ["东关村", "西河村", "南岗村", "北庄村", "城关社区", "新华社区", "前营村", "后屯村"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"


def inbox(folder: Path, count: int, rules) -> Path:
    """``count`` dust inspections as answers files: about half pass, the others fail a random 1
    to 6 of the items the bundled non-compliant example fails, one of them at least an item
    that calls for a notice (most notices have a few findings, few have a dozen), each at a
    site of its own."""
    rng = random.Random(2024)
    failing = load_source(ROOT / "examples" / "dust_six_100pct_noncompliant.yaml").data
    passing = load_source(ROOT / "examples" / "dust_six_100pct_compliant.yaml").data
    candidates = [key for key in failing["answers"] if key in passing["answers"] and failing["answers"][key] != passing["answers"][key]]

    def failed(keys: list[str]) -> dict:
        data = json.loads(json.dumps(passing, ensure_ascii=False, default=str))
        for key in keys:
            data["answers"][key] = failing["answers"][key]
        return data

    decisive = [key for key in candidates if check(json.dumps(failed([key]), ensure_ascii=False).encode("utf-8"), rules, name="one.json").verdict == "non_compliant"]
    folder.mkdir(parents=True)
    for number in range(count):
        village = rng.choice(VILLAGES)
        keys = [rng.choice(decisive), *rng.sample(candidates, rng.randint(0, 5))] if rng.random() < 0.5 else []
        data = failed(keys)
        data["site"]["name"] = f"{village}第{number + 1}号建设项目工地"
        data["site"]["operator"] = f"{rng.choice(SURNAMES)}氏建设工程有限公司第{number + 1}分公司"
        data["site"]["village"] = village
        (folder / f"site-{number:03d}.json").write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    return folder


def office(folder: Path) -> Path:
    """A fresh office (settings, no ledger, no numbers yet)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "office" / "office.yaml", folder / "office.yaml")
    return folder / "office.yaml"


def batch_documents(answers: Path, settings_file: Path, rules) -> list[Document]:
    """The documents `lantian batch` writes for ``answers``, as documents to render (numbers made up)."""
    settings = load_settings(settings_file)
    results = []
    documents = []
    for number, path in enumerate(sorted(answers.glob("*.json"))):
        result = check(path.read_bytes(), rules, name=path.name)
        results.append(result)
        documents.extend(document for document, _ in plan_documents(result, path, settings, answers.parent / "planned", number=f"XX镇环〔2024〕{number + 1}号"))
    rows = rows_for([result for result in results if result.verdict == "non_compliant"])
    listing = rectification_list(rows, settings, answers.parent / "planned" / "整改清单.pdf", sites=len(results), today=dt.date(2024, 11, 30))
    documents.extend(Document(listing.target, listing.kind, part) for part in listing.parts)
    return documents


def layout_only(documents: list[Document], fonts) -> None:
    """WeasyPrint's layout of every document with our fonts and stylesheets, no PDF written."""
    from weasyprint import HTML

    renderer = _renderer(cut_fonts(fonts, _characters(documents), roles=_role_characters(documents)))
    for document in documents:
        HTML(string=document.html, base_url=str(templates_dir()) + "/").render(stylesheets=renderer.stylesheets[document.kind], font_config=renderer.font_config)


def naive(documents: list[Document]) -> None:
    """Each document rendered by WeasyPrint alone with the system fonts, as a plain tool would."""
    import re

    from weasyprint import CSS, HTML

    def system_fonts(text: str) -> str:
        return re.sub(r"LantianCJK\w*", "'Noto Serif CJK SC'", text)  # every role's family

    sheets = {name: CSS(string=system_fonts((ROOT / "templates" / "css" / name).read_text(encoding="utf-8"))) for name in ("official.css", "list.css")}
    for document in documents:
        chosen = [sheets["official.css"], sheets["list.css"]] if document.kind == "list" else [sheets["official.css"]]
        HTML(string=system_fonts(document.html), base_url=str(ROOT / "templates") + "/").write_pdf(stylesheets=chosen)


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


def figures(batch_size: int = 200, sample: int = 20) -> list[Figure]:
    rules = load_rules(ROOT / "rules")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        # A cache of our own, so that no subset from an earlier run is found.
        os.environ["LANTIAN_CACHE"] = str(folder / "cache")
        settings_file = office(folder / "office")
        settings = load_settings(settings_file)
        fonts = document_fonts(settings.font, settings.fonts)[0]
        for role in ("body", "title", "heading", "subheading"):
            common_font(fonts.of(role))  # made once by the set-up, kept in the cache
        answers = inbox(folder / "inbox", batch_size, rules)
        import weasyprint  # noqa: F401  (imported before timing, as in a running batch)

        print(f"batch of {batch_size} inspections:", flush=True)
        made: dict[int, int] = {}

        def batch(workers: int) -> None:
            settings_now = load_settings(office(folder / "office"))
            out = folder / "out"
            shutil.rmtree(out, ignore_errors=True)
            outcome = run_batch(answers, out, rules, settings_now, ledger_path=settings_now.ledger, workers=workers)
            assert not outcome.problems and not outcome.not_written, outcome.problems or outcome.not_written
            made[workers] = len(outcome.written)

        batch(1)  # the batch's font subsets, cut once and cached, as after a first run
        one = best(lambda: batch(1), 2, label="1 worker (checked, recorded, every document written)")
        two = best(lambda: batch(2), 2, label="2 workers")
        documents = batch_documents(answers, settings_file, rules)
        kinds = {kind: sum(1 for d in documents if d.kind == kind) for kind in ("notice", "record")}
        count = made[1]
        print(f"  documents: {count} ({kinds['notice']} notices, {kinds['record']} records, the list)")
        floor = best(lambda: layout_only(documents, fonts), 2, label="WeasyPrint's layout alone, the same documents") / len(documents)
        step = max(1, len(documents) // sample)
        sampled = documents[::step][:sample]
        plain = best(lambda: naive(sampled), 1, label=f"WeasyPrint alone with the system fonts, {len(sampled)} of them") / len(sampled)
        print(f"  per document: {one / count:.3f} s (1 worker), {two / count:.3f} s (2 workers); layout alone {floor:.3f} s; WeasyPrint alone {plain:.3f} s")
        print(f"  1 worker against the layout alone: {one / count / floor:.2f}×; WeasyPrint alone against 1 worker: {plain / (one / count):.1f}×", flush=True)

        print("one `lantian notice` (the bundled non-compliant example, a new process):", flush=True)
        out = folder / "notice"
        command = [sys.executable, str(ROOT / "cli.py"), "notice", str(ROOT / "examples" / "dust_six_100pct_noncompliant.yaml"), "-o", str(out), "--settings", str(settings_file), "--force"]

        def notice() -> None:
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

        def forget_subsets() -> None:
            for cut in cache_dir().glob("*.otf"):
                if not cut.name.startswith("common-"):
                    cut.unlink()

        notice()
        warm = best(notice, 3, label="warm (its font subsets cut by an earlier run)")
        cold = best(notice, 3, before=forget_subsets, label="cold subset cache (the common cut kept, as after set-up)")

        print("the 500-row rectification list:", flush=True)
        rows = list_rows(500, rules)

        def make_list() -> Document:
            return rectification_list(rows, settings, Path("list.pdf"), sites=len(rows), today=dt.date(2024, 11, 30))

        write_pdfs([make_list()], fonts=fonts)  # its font subsets, cached
        listed = best(lambda: write_pdfs([make_list()], fonts=fonts), 3, before=metrics_for.cache_clear, label="set and rendered, 1 worker")
        best(lambda: write_pdfs_parallel([make_list()], fonts=fonts, workers=2), 3, before=metrics_for.cache_clear, label="set and rendered, 2 workers")
    return [
        Figure(f"documents: a batch of {batch_size} inspections, 2 workers, per document", two / count, 0.05, "s"),
        Figure("documents: the batch with 2 workers against 1 (speed-up)", one / two, 1.8, "×", at_least=True),
        Figure("documents: one `lantian notice`, warm", warm, 1.0, "s"),
        Figure("documents: one `lantian notice`, cold subset cache", cold, 1.5, "s"),
        Figure("documents: the 500-row rectification list", listed, 2.0, "s"),
    ]


def main() -> None:
    batch_size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    print()
    print(table(figures(batch_size, sample)))


if __name__ == "__main__":
    main()
