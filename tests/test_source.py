"""Reading files people edit: encodings, YAML quirks, JSON, positions."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.source import MAX_BYTES, load_source


def codes(exc: pytest.ExceptionInfo) -> list[tuple[str, int | None, int | None]]:
    return [(p.code.name, p.location.line, p.location.column) for p in exc.value.problems]


def test_source__yaml_1_1_words__stay_strings() -> None:
    """Should keep yes/on/No, dates, leading-zero numbers and 1:30 as the text typed."""
    doc = load_source(b"a: yes\nb: On\nc: No\nd: 2024-10-21\ne: 0371\nf: 1:30\ng: true\nh: 12\ni: 2.5\nj: 1e5\n", "t.yaml")
    assert doc.data == {"a": "yes", "b": "On", "c": "No", "d": "2024-10-21", "e": "0371", "f": "1:30", "g": True, "h": 12, "i": 2.5, "j": 100000.0}


def test_source__positions__key_and_value_are_one_based() -> None:
    """Should record where each key and value starts, counting from 1."""
    doc = load_source("site:\n  name: 中文工地\n  list:\n    - x\n".encode(), "t.yaml")
    assert doc.key_positions[("site", "name")] == (2, 3)
    assert doc.positions[("site", "name")] == (2, 9)
    assert doc.positions[("site", "list", 0)] == (4, 7)


def test_source__duplicate_keys__all_reported_with_first_line() -> None:
    """Should report every duplicate key at its second position, naming the first line."""
    with pytest.raises(InputError) as exc:
        load_source(b"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "t.yaml")
    assert codes(exc) == [("YAML_002", 4, 3), ("YAML_002", 5, 1)]
    assert exc.value.problems[0].context["first_line"] == 3


def test_source__gbk_file__io_002_with_line() -> None:
    """Should say plainly that a GBK file is not UTF-8, and where."""
    with pytest.raises(InputError) as exc:
        load_source("a: 1\nb: 工地\n".encode("gbk"), "t.yaml")
    assert codes(exc) == [("IO_002", 2, 4)]
    assert "GBK" in exc.value.problems[0].message


def test_source__bom__accepted() -> None:
    """Should read a file saved by Notepad with a UTF-8 BOM."""
    assert load_source("\ufeffa: 工地\n".encode(), "t.yaml").data == {"a": "工地"}


def test_source__syntax_error__yaml_001_at_problem_mark() -> None:
    """Should point a YAML syntax error at the place PyYAML found it, with a hint."""
    with pytest.raises(InputError) as exc:
        load_source(b"a: 1\nb: c: d\n", "t.yaml")
    assert codes(exc) == [("YAML_001", 2, 5)]
    assert "引号" in exc.value.problems[0].hint


def test_source__key_without_its_colon__pointed_at_its_own_line_in_chinese() -> None:
    """Should point at the key that lacks its colon, not the next line where PyYAML gave up,
    and say it in Chinese alone, with the line as it should be."""
    with pytest.raises(InputError) as exc:
        load_source("answers:\n  muck_covered: 是\n  notice_board 是\n  filing: 否\n".encode(), "t.yaml")
    assert codes(exc) == [("YAML_001", 3, 3)]
    (problem,) = exc.value.problems
    assert "缺少冒号" in problem.message and "could not" not in problem.message
    assert "notice_board: 是" in problem.hint


def test_source__quote_never_closed__pointed_at_where_it_opens() -> None:
    """Should point at the opening quote, not at the end of the file."""
    with pytest.raises(InputError) as exc:
        load_source('site:\n  name: "XX工地\n  type: construction\nanswers:\n  a: 1\n'.encode(), "t.yaml")
    assert codes(exc) == [("YAML_001", 2, 9)]
    assert "引号没有配对" in exc.value.problems[0].message


def test_source__tab_indent__hint_says_spaces() -> None:
    with pytest.raises(InputError) as exc:
        load_source(b"a:\n\tb: 1\n", "t.yaml")
    assert exc.value.problems[0].code.name == "YAML_001"
    assert "空格" in exc.value.problems[0].hint


def test_source__aliases__refused() -> None:
    """Should refuse anchors and aliases, so that a billion laughs cannot blow up."""
    laughs = b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    with pytest.raises(InputError) as exc:
        load_source(laughs, "t.yaml")
    assert {p.code.name for p in exc.value.problems} == {"YAML_004"}


def test_source__python_tags__refused() -> None:
    with pytest.raises(InputError) as exc:
        load_source(b"a: !!python/object/apply:os.system [echo hi]\n", "t.yaml")
    assert codes(exc)[0][0] == "YAML_001"


@pytest.mark.parametrize("raw", [b"", b"# only a comment\n", b"\n\n", b"null\n"])
def test_source__empty__yaml_003(raw: bytes) -> None:
    with pytest.raises(InputError) as exc:
        load_source(raw, "t.yaml")
    assert codes(exc) == [("YAML_003", 1, 1)]


def test_source__too_large__io_003() -> None:
    with pytest.raises(InputError) as exc:
        load_source(b"a: 1\n" + b"#" * MAX_BYTES, "t.yaml")
    assert codes(exc)[0][0] == "IO_003"


def test_source__missing_file__io_001(tmp_path) -> None:
    with pytest.raises(InputError) as exc:
        load_source(tmp_path / "nope.yaml")
    assert codes(exc)[0][0] == "IO_001"


def test_source__json__data_from_json_positions_from_yaml() -> None:
    """Should take JSON numbers from json (1e5 is a number) and positions from composing it."""
    doc = load_source(b'{\n\t"a": 1e5,\n\t"b": ["x", "y"]\n}\n', "t.json")
    assert doc.data == {"a": 100000.0, "b": ["x", "y"]}
    assert doc.positions[("b", 1)] == (3, 13)


def test_source__json_syntax_error__json_001_with_line_and_column() -> None:
    with pytest.raises(InputError) as exc:
        load_source(b'{\n  "a": 1,\n}\n', "t.json")
    assert codes(exc) == [("JSON_001", 3, 1)]


def test_source__json_duplicate_key__reported() -> None:
    with pytest.raises(InputError) as exc:
        load_source(b'{"a": 1,\n "a": 2}\n', "t.json")
    assert codes(exc) == [("YAML_002", 2, 2)]


def test_source__stdin_json__detected_by_content() -> None:
    assert load_source(b'  {"a": 1}', "<stdin>").data == {"a": 1}


def test_source__never_writes(tmp_path) -> None:
    """Should leave the input file byte for byte as it was."""
    path = tmp_path / "a.yaml"
    path.write_bytes(b"a: 1\n")
    before = path.stat().st_mtime_ns
    load_source(path)
    assert path.read_bytes() == b"a: 1\n" and path.stat().st_mtime_ns == before


def test_source__full_width_colon_before_blank_and_comment_lines__pointed_at_its_own_line() -> None:
    """The blank answers file puts a blank line and comments between items: the typo is still
    named on its own line, not where PyYAML noticed it."""
    raw = "answers:\n  muck_covered: 是\n\n  # 2.3 工程渣土\n  waste_cleared：否\n\n  # 2.4 覆盖率\n  bare_soil_cover_rate: 100%\n".encode()
    with pytest.raises(InputError) as exc:
        load_source(raw, "t.yaml")
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.line, problem.location.column) == ("YAML_001", 5, 16)
    assert "中文冒号" in problem.hint


@pytest.mark.parametrize(
    ("text", "allowed", "refused"),
    [
        ("工地\t甲", "\t", None),
        ("工地\n甲", "\t", "\n"),
        ("第一行\n第二行\t", "\t\n", None),
        ("第一行\r\n第二行", "\t\n", "\r"),
        ("第一行\r\n第二行", "\t\n\r", None),
        ("XX镇\t环", "", "\t"),
        ("单位\u202e名称", "\t\n\r", "\u202e"),
        ("单位\u2028名称", "\t\n", "\u2028"),
        ("单位\x1b[8m", "\t", "\x1b"),
        ("单位\x85", "\t", "\x85"),
        ("普通的文字，（全角）：；", "", None),
    ],
)
def test_refused_character__controls_and_bidi_except_the_allowed_whitespace(text: str, allowed: str, refused: str | None) -> None:
    from engine.source import refused_character

    found = refused_character(text, allowed)
    assert (found.group() if found else None) == refused


@pytest.mark.parametrize(
    ("raw", "line", "column", "hint"),
    [
        pytest.param(
            "items:\n  - id: x\n    question: q\n   kind: yes_no\n", 4, 4, "“kind”应与第 3 行的“question”左对齐：从第 5 列开始（前面 4 个空格）", id="key-one-short"
        ),
        pytest.param(
            "items:\n  - id: x\n    kind: yes_no\n - id: y\n", 4, 2, "“- ”应与第 2 行的“- ”左对齐：从第 3 列开始（前面 2 个空格）", id="dash-one-short"
        ),
        pytest.param("answers:\n  a: 是\n   b: 否\n", 3, 4, "“b”应与第 2 行的“a”左对齐：从第 3 列开始（前面 2 个空格）", id="key-one-deep"),
        pytest.param("answers:\n  a: 是\n\n  # 注释\n b: 否\n", 5, 2, "“b”应与第 2 行的“a”左对齐：从第 3 列开始（前面 2 个空格）", id="past-comment"),
        # The block's first key one short, the keys after it agreeing: the first is the one out of line.
        pytest.param("inspection:\n date: 2026-11-12\n  inspectors: [李明, 王芳]\n  credentials: [甲1, 乙2]\n", 2, 2, "“date”应与下面的“inspectors”等左对齐：从第 3 列开始（前面 2 个空格）", id="first-one-short"),
        # ... but not a first key two spaces in, as keys are written, whatever the lines after it say;
        pytest.param("answers:\n  hoarding_closed:\n    value: 否\n   count: 2\n   note: x\n", 4, 4, "“count”应与第 3 行的“value”左对齐：从第 5 列开始（前面 4 个空格）", id="after-a-first-key-as-written"),
        pytest.param("answers:\n  hoarding_closed: 是\n note: x\n other: y\n", 3, 2, "“note”应与第 2 行的“hoarding_closed”左对齐：从第 3 列开始（前面 2 个空格）", id="after-an-item-as-written"),
        # nor the key of a "- " line;
        pytest.param("findings:\n  - id: 1\n     note: x\n     photo: y\n", 3, 6, "“note”应与第 2 行的“id”左对齐：从第 5 列开始（前面 4 个空格）", id="after-a-dash-key"),
        # ... and the second one off, with the keys after it agreeing with the first: the second.
        pytest.param("inspection:\n  date: 2026-11-12\n   inspectors: [李明, 王芳]\n  credentials: [甲1, 乙2]\n", 3, 4, "“inspectors”应与第 2 行的“date”左对齐：从第 3 列开始（前面 2 个空格）", id="second-one-deep"),
    ],
)
def test_source__line_indented_unlike_its_siblings__says_so_with_the_column(raw: str, line: int, column: int, hint: str) -> None:
    """Should name a line indented one space off as what is wrong, with the column of the
    sibling it should line up with, instead of PyYAML's symptom (a "- " or a key missing)."""
    with pytest.raises(InputError) as exc:
        load_source(raw.encode(), "t.yaml")
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.line, problem.location.column) == ("YAML_001", line, column)
    assert problem.hint == hint
    assert "没有左对齐" in problem.message and "“- ”没有对齐" not in problem.message


def test_source__value_with_colon__keeps_the_quoting_hint() -> None:
    """Should not blame the indentation of a line that is aligned with its siblings."""
    with pytest.raises(InputError) as exc:
        load_source("a: 1\nb: 高度: 2.5\n".encode(), "t.yaml")
    assert "引号" in exc.value.problems[0].hint and "左对齐" not in exc.value.problems[0].hint
