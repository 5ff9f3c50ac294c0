"""The docs for rule editors and inspectors match what the engine accepts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest

from engine import check, load_rules
from engine.errors import ErrorCode
from engine.schema import load_schema
from helpers import ROOT, RULES

DOCS = ROOT / "docs"


def code_blocks(path: Path, marker: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if block.startswith(marker)]


def test_errors_doc__one_section_per_code() -> None:
    """Should document every error code, and no code that does not exist."""
    headings = re.findall(r"^## ([A-Z]+_\d{3})$", (DOCS / "errors.md").read_text(encoding="utf-8"), re.M)
    assert headings == [code.name for code in ErrorCode]


def test_every_code__exercised_by_a_test() -> None:
    """Should have each error code produced somewhere in the tests or their fixtures."""
    corpus = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (ROOT / "tests").rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".json", ".expect"))
    corpus = corpus.replace((ROOT / "tests" / "test_docs.py").read_text(encoding="utf-8"), "")
    missing = [code.name for code in ErrorCode if code.name not in corpus]
    assert missing == []


def _properties(schema: dict) -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                found.add(key)
                walk(value)
            for key, value in node.items():
                if key != "properties":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


@pytest.mark.parametrize("schemas, doc", [(("checklist", "legal"), "rules.md"), (("answers",), "answers.md"), (("settings",), "documents.md")])
def test_docs__every_field_documented(schemas: tuple[str, ...], doc: str) -> None:
    text = (DOCS / doc).read_text(encoding="utf-8")
    fields = set().union(*(_properties(load_schema(name)) for name in schemas))
    undocumented = sorted(f for f in fields if f"`{f}`" not in text and f"{f}:" not in text)
    assert undocumented == []


def test_rules_doc__full_example__loads_clean(tmp_path: Path) -> None:
    block = code_blocks(DOCS / "rules.md", "# 示例：完整检查表")[0]
    name = re.search(r"文件 (\S+\.yaml)", block.splitlines()[0]).group(1)
    shutil.copy(RULES / "_legal.yaml", tmp_path)
    (tmp_path / name).write_text(block, encoding="utf-8")
    rules = load_rules(tmp_path)
    assert list(rules.checklists) == [Path(name).stem]


def test_rules_doc__walkthrough__works_as_written(rules_copy: Path) -> None:
    """Should do what the walk-through says: a new checklist and two cases, no code."""
    from click.testing import CliRunner

    import cli

    (legal,) = code_blocks(DOCS / "rules.md", "  # 示例：法律依据")
    checklist = code_blocks(DOCS / "rules.md", "# 示例：完整检查表")[1]
    (cases,) = code_blocks(DOCS / "rules.md", "# 示例：测试用例")
    # The bundled rules may hold the walk-through's reference already (a rule editor who followed it).
    if "\n  air_law_art72_yard:" not in (rules_copy / "_legal.yaml").read_text(encoding="utf-8"):
        with (rules_copy / "_legal.yaml").open("a", encoding="utf-8") as handle:
            handle.write("\n" + legal)
    (rules_copy / "storage_yard.yaml").write_text(checklist, encoding="utf-8")
    (rules_copy / "cases" / "storage_yard.yaml").write_text(cases, encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(cli.cli, ["rules", "check", str(rules_copy)])
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout.splitlines()[-1].endswith("没有错误。")
    tested = runner.invoke(cli.cli, ["rules", "test", str(rules_copy)])
    assert tested.exit_code == 0, tested.stdout + tested.stderr
    assert "storage_yard：2 个用例，通过 2，全部通过" in tested.stdout
    # The typo the walk-through shows is reported where it says.
    (rules_copy / "storage_yard.yaml").write_text(checklist.replace("pass: value == 0", "pass: valeu == 0"), encoding="utf-8")
    broken = runner.invoke(cli.cli, ["rules", "check", str(rules_copy)])
    claimed = re.search(r"rules/storage_yard\.yaml:(\d+):(\d+): \[EXPR_002\]", (DOCS / "rules.md").read_text(encoding="utf-8"))
    assert f"storage_yard.yaml:{claimed.group(1)}:{claimed.group(2)}: [EXPR_002]" in broken.stderr


def test_rules_doc__item_examples__are_valid_items(tmp_path: Path) -> None:
    """Should show item snippets that load when put into a checklist."""
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    snippets = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("      - id:")]
    assert len(snippets) >= 3
    head = "id: snippets\ntitle: 片段\nversion: '1'\nsite_types: {construction: 工地}\nbasis: [air_law_art69]\nsite_facts:\n  - {id: key_area, question: 主干道, kind: yes_no}\nsections:\n  - id: s\n    title: 节\n    items:\n      - id: wash_facility\n        question: 冲洗设施\n        kind: yes_no\n        finding: 无\n        rectification: 设置\n"
    shutil.copy(RULES / "_legal.yaml", tmp_path)
    (tmp_path / "snippets.yaml").write_text(head + "".join(snippets), encoding="utf-8")
    assert len(load_rules(tmp_path).checklists["snippets"].items) == len(snippets) + 1


def test_answers_doc__full_example__checks_compliant(rules) -> None:
    (block,) = code_blocks(DOCS / "answers.md", "# 示例答卷")
    result = check(block.encode("utf-8"), rules, name="docs/answers.md")
    assert result.verdict == "compliant"


def test_answers_doc__detailed_answer_form__accepted(rules) -> None:
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", (DOCS / "answers.md").read_text(encoding="utf-8"), re.S) if b.startswith("  hoarding_closed:\n")]
    (example,) = code_blocks(DOCS / "answers.md", "# 示例答卷")
    text = example.replace("  hoarding_closed: 是\n", block)
    result = check(text.encode("utf-8"), rules, name="docs/answers.md")
    assert result.findings[0].text == "工地周边围挡不连续、不封闭，共有缺口 2 处"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command of the CLI, read from the click group itself."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append(((*prefix, name), command))
    return found


def test_readme__command_table_lists_every_command() -> None:
    """Should give every command a row in the README's table (ledger's in one row)."""
    import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `lantian ([a-z /]+?)(?: [A-Z\[\-`]|`)", readme, flags=re.MULTILINE)
    listed = {" ".join(words) for row in rows for words in _expand(row)}
    assert {" ".join(path) for path, _ in _commands(cli.cli)} <= listed, rows


def _expand(row: str) -> list[list[str]]:
    """`ledger list/show/close` stands for three commands."""
    words = row.split()
    return [[*words[:-1], last] for last in words[-1].split("/")]


def test_docs__every_option_of_every_command_documented() -> None:
    """Should name every option (by its long or short name) somewhere in the README or docs/."""
    import cli

    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))
    mentioned = lambda names: any(re.search(re.escape(name) + r"(?![\w-])", docs) for name in names)  # noqa: E731
    missing = [
        f"{' '.join(path) or 'lantian'} {param.opts[0]}"
        for path, command in [((), cli.cli), *_commands(cli.cli)]
        for param in command.params
        if isinstance(param, click.Option) and param.name != "help" and not mentioned(param.opts)
    ]
    assert missing == []
