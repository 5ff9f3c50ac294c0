"""A department's order (责令改正违法行为决定书): the party as the law names it, the evidence, the
basis of the order, the problems each penalty is for, and the warnings when something a clerk
would have to add by hand is missing. Real PDFs, read back as text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.order_checks import credit_code_valid, id_number_valid
from helpers import EXAMPLES, lantian
from pdf_text import pdf_text

pytest.importorskip("weasyprint")

PARTY = "  operator: XX拆除工程有限公司\n"
FULL_PARTY = PARTY + "  credit_code: 91350200776049653A\n  representative: 钱卫国\n"


def office(root: Path, name: str) -> Path:
    text = (EXAMPLES / "office" / "office.yaml").read_text(encoding="utf-8")
    text = text.replace("document_kind: town_notice", "document_kind: department_order").replace("office: XX镇人民政府", f"office: {name}")
    (root / "office.yaml").write_text(text, encoding="utf-8")
    return root / "office.yaml"


def answers(root: Path, party: str) -> Path:
    text = (EXAMPLES / "dust_six_100pct_noncompliant.yaml").read_text(encoding="utf-8")
    assert PARTY in text
    (root / "site.yaml").write_text(text.replace(PARTY, party), encoding="utf-8")
    return root / "site.yaml"


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> tuple[Path, object]:
    """An order on the dust example with every particular of the party filled in, by an
    ecology and environment bureau (which the construction-dust articles do not name)."""
    root = tmp_path_factory.mktemp("order")
    settings = office(root, "XX市生态环境局XX分局")
    result = lantian("notice", str(answers(root, FULL_PARTY)), "-o", str(root / "out"), "--settings", str(settings))
    assert result.exit_code == 1, result.output
    return root, result


def test_credit_code_and_id_number__check_characters() -> None:
    """Should take a credit code or an ID number only with its check character right."""
    assert credit_code_valid("91350200776049653A") and credit_code_valid("91440101MA5CJQ4N59")
    assert not credit_code_valid("91350200776049653B")  # one character off
    assert not credit_code_valid("9135020077604965")  # too short
    assert not credit_code_valid("9135020077604965IA")  # I is not in the code's alphabet
    assert id_number_valid("11010519491231002X") and not id_number_valid("110105194912310021")


def test_order__named_and_labelled_as_an_order(issued) -> None:
    """Should name the file *.决定书.pdf and say 责令改正违法行为决定书 where the CLI lists it."""
    root, result = issued
    assert sorted(path.name for path in (root / "out").iterdir()) == ["site.决定书.pdf", "site.检查记录.pdf"]
    assert re.search(r"site\.决定书\.pdf\t责令改正违法行为决定书\tXX镇环〔2026〕1号", result.stdout), result.stdout
    assert "整改通知书" not in result.stdout


def test_order__party_evidence_basis_and_remedies(issued) -> None:
    """Should state the party's name, credit code, representative and address each on its
    own line, the evidence, and the order's basis: 《行政处罚法》第二十八条第一款 with the
    penalty articles that empower it, each law named once."""
    root, _ = issued
    text = pdf_text(root / "out" / "site.决定书.pdf")
    lines = PdfReader(str(root / "out" / "site.决定书.pdf")).pages[0].extract_text().splitlines()
    assert [line.replace(" ", "") for line in lines if line.startswith(("当事人", "统一社会信用代码", "法定代表人", "地址"))] == [
        "当事人：XX拆除工程有限公司",
        "统一社会信用代码：91350200776049653A",
        "法定代表人（负责人）：钱卫国",
        "地址：XX镇XX村工业路6号",
    ]
    assert "以上事实，有2026年11月12日现场检查记录等证据为证。" in text
    assert (
        "依据《中华人民共和国行政处罚法》第二十八条第一款和《中华人民共和国生态环境法典》第一千一百二十八条第一款第（一）项、第（二）项、"
        "第一千一百七十四条第一款第（四）项、第一千一百二十八条第二款、第一千一百二十九条的规定，现责令你单位按上述要求改正违法行为。"
    ) in text
    assert text.count("《中华人民共和国行政处罚法》") == 1
    record = pdf_text(root / "out" / "site.检查记录.pdf")
    assert "统一社会信用代码91350200776049653A法定代表人（负责人）钱卫国" in record


def test_order__veto_findings_first_and_marked(issued) -> None:
    """Should state the veto findings first, each marked, then the others."""
    root, _ = issued
    text = pdf_text(root / "out" / "site.决定书.pdf")
    assert "一、（一票否决项）工地周边围挡不连续" in text and "二、（一票否决项）拆除作业未采取洒水" in text
    assert text.count("（一票否决项）") == 2 and "三、围挡高度1.6米" in text


def test_order__each_penalty_says_which_problems_it_is_for(issued) -> None:
    """Should open each penalty paragraph with the problems it is for, as numbered above."""
    root, _ = issued
    text = pdf_text(root / "out" / "site.决定书.pdf")
    penalties = text[text.index("逾期不改正的，将依照下列规定依法处理：") : text.index("你单位如不服本决定")]
    assert re.findall(r"(第[一二三四五六七八九十、]+项问题)：《", penalties) == ["第一、二、三、五、七、九、十、十一项问题", "第四项问题", "第六项问题", "第八项问题"]
    assert "第四项问题：《中华人民共和国生态环境法典》第一千一百七十四条" in penalties  # 四、is the muck not cleared away
    assert "四、工程渣土等建筑垃圾未及时清运" in text


def test_order__office_not_the_authority_the_articles_name__warned_at_the_answer(issued) -> None:
    """Should warn, at the answer of the first problem citing it, that the articles name
    住房城乡建设 and 环境卫生 departments, not the ecology and environment bureau that issues it."""
    _, result = issued
    warnings = re.findall(r"site\.yaml:(\d+):\d+: 警告 \[ORDER_003\] 第(\S+?)项问题所引(\S+?)规定由(\S+?)处理", result.stderr)
    assert [(position, enforcer) for _, position, _, enforcer in warnings] == [("一", "住房城乡建设等部门按照职责分工"), ("四", "环境卫生主管部门")]
    assert "ORDER_001" not in result.stderr and "ORDER_002" not in result.stderr


def test_order__by_the_construction_department__only_the_other_body_warned(tmp_path: Path) -> None:
    """Should not warn about the construction-dust articles when the office is the housing and
    construction bureau; the muck article's 环境卫生 department is still another body."""
    result = lantian("notice", str(answers(tmp_path, FULL_PARTY)), "-o", str(tmp_path / "out"), "--settings", str(office(tmp_path, "XX县住房和城乡建设局")))
    assert re.findall(r"\[ORDER_003\] 第(\S+?)项问题", result.stderr) == ["四"]


def test_order__consolidated_enforcement_office__not_warned(tmp_path: Path) -> None:
    result = lantian("notice", str(answers(tmp_path, FULL_PARTY)), "-o", str(tmp_path / "out"), "--settings", str(office(tmp_path, "XX县综合行政执法局")))
    assert result.exit_code == 1 and "ORDER_" not in result.stderr


def test_order__party_particulars_missing_or_wrong__warned_at_their_lines(tmp_path: Path) -> None:
    """Should warn of each particular the answers lack, at the site's line, and of a credit
    code whose check character is wrong, at its own line; the order is still written with the
    line left blank for the clerk."""
    path = answers(tmp_path, PARTY + "  credit_code: 91350200776049653B\n")
    result = lantian("notice", str(path), "-o", str(tmp_path / "out"), "--settings", str(office(tmp_path, "XX县综合行政执法局")))
    assert result.exit_code == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    site_line = lines.index("site:") + 1
    code_line = next(n for n, line in enumerate(lines, 1) if "credit_code" in line)
    assert f"site.yaml:{site_line}:1: 警告 [ORDER_001] 决定书上当事人的法定代表人（负责人）空着" in result.stderr
    assert f"site.yaml:{code_line}:16: 警告 [ORDER_002] 当事人的统一社会信用代码 “91350200776049653B” 不是有效的代码" in result.stderr
    assert "法定代表人（负责人）：地址：" in pdf_text(tmp_path / "out" / "site.决定书.pdf")


def test_town_notice__no_order_warnings_and_addressee_form(tmp_path: Path) -> None:
    """Should keep a town's notice as it was: the party as addressee, no order warnings, *.通知书.pdf."""
    shutil.copy(EXAMPLES / "office" / "office.yaml", tmp_path / "office.yaml")
    result = lantian("notice", str(answers(tmp_path, PARTY)), "-o", str(tmp_path / "out"), "--settings", str(tmp_path / "office.yaml"))
    assert result.exit_code == 1 and "ORDER_" not in result.stderr
    text = pdf_text(tmp_path / "out" / "site.通知书.pdf")
    assert "XX拆除工程有限公司：" in text and "统一社会信用代码" not in text and "行政处罚法" not in text


def test_batch__order_warnings_at_the_answers_lines(tmp_path: Path) -> None:
    """Should print the same warnings from a batch, at the answers file's lines."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    answers(inbox, PARTY)
    settings = office(tmp_path, "XX县综合行政执法局")
    result = lantian("batch", str(inbox), "-o", str(tmp_path / "out"), "--settings", str(settings), "-j", "1")
    assert re.search(r"site\.yaml:3:1: 警告 \[ORDER_001\] 决定书上当事人的统一社会信用代码空着", result.stderr), result.stderr
    assert "责令改正违法行为决定书 1 份" in result.stdout
    assert (tmp_path / "out" / "site.决定书.pdf").is_file()


def test_order__ecology_bureau_s_enforcement_team__still_warned(tmp_path: Path) -> None:
    """Should still warn when only the department is an ecology bureau's 综合行政执法大队:
    that team holds the bureau's powers, not the construction or sanitation departments'."""
    settings = office(tmp_path, "XX县生态环境局")
    text = settings.read_text(encoding="utf-8").replace("department: XX镇生态环境保护办公室", "department: XX县生态环境保护综合行政执法大队")
    settings.write_text(text, encoding="utf-8")
    result = lantian("notice", str(answers(tmp_path, FULL_PARTY)), "-o", str(tmp_path / "out"), "--settings", str(settings))
    assert re.findall(r"\[ORDER_003\] 第(\S+?)项问题", result.stderr) == ["一", "四"]


def test_check__with_settings__order_warnings_before_anything_is_numbered(tmp_path: Path) -> None:
    """Should show the order's warnings from `lantian check --settings`, in text and in JSON,
    without writing or numbering anything; none without --settings."""
    import json

    path = answers(tmp_path, PARTY)
    settings = office(tmp_path, "XX县综合行政执法局")
    text = lantian("check", str(path), "--settings", str(settings))
    assert text.exit_code == 1 and "警告 [ORDER_001] " in text.stdout and "决定书上当事人的统一社会信用代码空着" in text.stdout
    document = json.loads(lantian("check", str(path), "--settings", str(settings), "--format", "json").stdout)
    codes = [warning["code"] for warning in document["results"][0]["warnings"]]
    assert codes.count("ORDER_001") == 2  # credit code and representative
    assert "ORDER_" not in lantian("check", str(path)).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["office.yaml", "site.yaml"]  # no numbers file, no documents
